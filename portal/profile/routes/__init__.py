"""Mijn profiel: dashboard, company details, logo, colleagues and sent messages (`profile`)."""

from __future__ import annotations

from portal.profile.routes import colleagues, company, messages  # noqa: F401  (attach their views)
from portal.profile.routes.blueprint import bp

__all__ = ["bp"]
