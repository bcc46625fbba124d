"""The staff console's blueprints, a leaf: this package's route modules attach their views.

`compliance` is the criterium-2 console (/beheer/criterium-2); `compliance_admin` holds the
audit log and the admin pages under /beheer.
"""

from __future__ import annotations

from flask import Blueprint

from portal.core.security import staff_required

bp = Blueprint("compliance", __name__)


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admins only; members get 404, anonymous users the login page."""
    return None


admin_bp = Blueprint("compliance_admin", __name__)


@admin_bp.before_request
@staff_required
def _admin_pages_staff_only():
    """Staff and admins only; each admin page adds admin_required."""
    return None
