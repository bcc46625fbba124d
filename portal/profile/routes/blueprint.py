"""The `profile` blueprint (mijn profiel), a leaf: this package's route modules attach to it."""

from __future__ import annotations

from flask import Blueprint

from portal.core.security import member_required

bp = Blueprint("profile", __name__)


@bp.before_request
@member_required
def _members_only():
    """Every page here is for logged-in member users (staff get 404)."""
    return None
