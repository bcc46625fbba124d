"""Criterium-2 staff console, audit log, admin pages and the member's score page."""

from __future__ import annotations

from portal.compliance.routes import (  # noqa: F401  (attach their views)
    admin,
    assess,
    overview,
    reminders,
    reports,
    staff_accounts,
)
from portal.compliance.routes.blueprint import admin_bp, bp
from portal.compliance.routes.member import bp as member_bp

__all__ = ["admin_bp", "bp", "member_bp"]
