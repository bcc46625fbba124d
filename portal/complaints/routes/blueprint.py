"""The member's complaint register blueprint, a leaf: `cases` and `docs` attach their views."""

from __future__ import annotations

from flask import Blueprint

from portal.agreements.gate import member_register_gate
from portal.core.security import member_required

bp = Blueprint("complaints", __name__)


@bp.before_request
@member_required
def _members_only():
    """Every page here is for logged-in member users (staff get 404)."""
    return None


bp.before_request(member_register_gate)  # accepted processor agreement (issue 15)
