"""Corrective and improvement actions: agree one on a complaint, mark it done, list them all."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.complaints import actions, services
from portal.complaints.forms_extra import ImprovementForm
from portal.complaints.models import Complaint
from portal.complaints.models_extra import ComplaintAction
from portal.complaints.queries import colleagues
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.cases import show_page
from portal.complaints.services import ComplaintError
from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.forms import EmptyForm
from portal.core.security import get_owned_or_404
from portal.extensions import db

STATES = {"open": "open", "te-laat": "overdue", "gereed": "done", "alle": "all"}


@bp.post("/<public_id>/acties")
def action_add(public_id: str) -> ResponseReturnValue:
    """Agree an action with an owner and due date; 422 with Dutch reasons."""
    complaint = get_owned_or_404(Complaint, public_id)
    people = {u.public_id: u for u in colleagues(complaint.company_id)}
    form = ImprovementForm()
    form.action_owner.choices = [("", _("— niemand —"))] + [(k, u.name) for k, u in people.items()]
    if not form.validate_on_submit():
        return show_page(complaint, status=422, improvement_form=form)

    def create() -> str | None:
        try:
            actions.add_action(
                complaint,
                kind=form.action_kind.data,
                description=form.action_text.data or "",
                owner=people.get(form.action_owner.data or ""),
                due_on=form.action_due_on.data or services.now_local_date(),
                today=services.now_local_date(),
                by=require_user(),
            )
        except ComplaintError as exc:
            target = getattr(form, f"action_{exc.field}", form.action_text)
            target.errors = [*target.errors, str(exc)]
            return None
        flash(_("Actie vastgelegd."))
        return url_for("complaints.show", public_id=complaint.public_id, _anchor="actions-title")

    url = concurrency.create_once(create)
    if url is None:
        return show_page(complaint, status=422, improvement_form=form)
    return redirect(url, 303)


@bp.post("/acties/<public_id>/gereed")
def action_done(public_id: str) -> ResponseReturnValue:
    """Mark an action done; back to where the button was pressed."""
    action = get_owned_or_404(ComplaintAction, public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    actions.complete(action, by=require_user(), today=services.now_local_date())
    db.session.commit()
    flash(_("Actie afgerond."))
    if request.form.get("terug") == "lijst":
        return redirect(url_for("complaints.actions_index"), 303)
    return redirect(
        url_for("complaints.show", public_id=action.complaint.public_id, _anchor="actions-title"),
        303,
    )


@bp.get("/acties")
def actions_index() -> ResponseReturnValue:
    """Every action of the company: open, overdue, done or all, by due date."""
    company = current_company()
    state = request.args.get("toon", "open")
    if state not in STATES:
        state = "open"
    today = services.now_local_date()
    return render_template(
        "complaints/actions.html",
        company=company,
        items=actions.company_actions(company.id, state=STATES[state], today=today),
        state=state,
        states=STATES,
        today=today,
        kind_labels=actions.KIND_LABELS,
        confirm_form=EmptyForm(),
    )
