"""The admin pages' blueprint, a leaf: this package's route modules attach their views."""

from __future__ import annotations

from flask import Blueprint

from portal.core.security import staff_required

bp = Blueprint("admin", __name__)


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admins only (members get 404, anonymous users the login page); each page but
    the audit log adds admin_required."""
    return None
