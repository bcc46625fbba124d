"""Criterium-2 staff console and the member's score page."""

from __future__ import annotations

from portal.compliance.routes import (  # noqa: F401  (attach their views)
    assess,
    overview,
    reminders,
    reports,
)
from portal.compliance.routes.blueprint import bp
from portal.compliance.routes.member import bp as member_bp

__all__ = ["bp", "member_bp"]
