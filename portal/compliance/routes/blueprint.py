"""The staff console's blueprint, a leaf: this package's route modules attach their views.

`compliance` is the criterium-2 console (/beheer/criterium-2); the admin pages under /beheer are
`portal.admin`.
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
