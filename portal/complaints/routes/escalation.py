"""Escalation of a complaint to a superior (the coordinator or a named colleague)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.complaints import escalation
from portal.complaints.forms_extra import EscalationForm
from portal.complaints.models import Complaint
from portal.complaints.queries import colleagues
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.cases import show_page
from portal.complaints.services import ComplaintError
from portal.core.access import require_user
from portal.core.security import get_owned_or_404
from portal.extensions import db, limiter


def _user_key() -> str:
    return f"complaint-escalate:{current_user.get_id()}"


@bp.post("/<public_id>/voorleggen")
@limiter.limit("20/hour", key_func=_user_key)
def escalate(public_id: str) -> ResponseReturnValue:
    """Put the complaint before a superior; notice to them, reason in the history."""
    complaint = get_owned_or_404(Complaint, public_id)
    people = colleagues(complaint.company_id)
    form = EscalationForm()
    form.superior.choices = escalation.superiors(complaint, people, me=require_user())
    if not form.validate_on_submit():
        return show_page(complaint, status=422, escalation_form=form)
    superior = next(u for u in people if u.public_id == form.superior.data)

    try:
        done = escalation.escalate(complaint, superior, form.reason.data or "", by=require_user())
    except ComplaintError as exc:
        form.superior.errors = [str(exc)]
        return show_page(complaint, status=422, escalation_form=form)
    db.session.commit()
    if done is None:  # a repeat within the window: no second notice
        flash(_("De klacht was al aan %(name)s voorgelegd.", name=superior.name))
    else:
        flash(_("De klacht is voorgelegd aan %(name)s.", name=superior.name))
    return redirect(
        url_for("complaints.show", public_id=complaint.public_id, _anchor="escalate-title"), 303
    )
