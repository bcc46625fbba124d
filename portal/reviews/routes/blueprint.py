"""The member's review pages' blueprint, a leaf: this package's route modules attach their views.

Members only; medewerkers see everything read-only, only the company beheerder may change it.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.core.access import company_admin_required
from portal.core.security import member_required

bp = Blueprint("reviews", __name__)


@bp.before_request
@member_required
def _members_only():
    """Every page here is for logged-in member users (staff get 404)."""
    return None


beheerder_only = company_admin_required(
    _l(
        "Alleen de beheerder van uw bedrijf kan het beoordelingssysteem wijzigen. "
        "Vraag uw beheerder om dit te doen."
    )
)  # medewerkers may look but not change: a Dutch 403 page
