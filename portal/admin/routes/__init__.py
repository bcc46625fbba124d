"""Beheer: the audit log (staff), settings, specialisms and staff accounts (admins)."""

from __future__ import annotations

from portal.admin.routes import audit, settings, staff_accounts  # noqa: F401  (attach their views)
from portal.admin.routes.blueprint import bp

__all__ = ["bp"]
