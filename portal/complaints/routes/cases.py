"""Mijn profiel > Klachten: the company's complaint register (members of that company only).

Every complaint, letter and review is loaded through `get_owned_or_404`: another company's
id answers 404, exactly like a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.auth.models import User
from portal.complaints import dispatch, queries, reminders, services, show_extras
from portal.complaints.forms import (
    ActionForm,
    FollowupForm,
    HandlerForm,
    NoteForm,
    OnceForm,
)
from portal.complaints.labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    CUSTOMER_GROUPS,
    LETTER_LABELS,
    NOTE_LABELS,
    ROOT_CAUSES,
    SATISFACTION_LABELS,
    SEVERITY_CLASSES,
    SEVERITY_LABELS,
    SIGNAL_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
)
from portal.complaints.models import (
    Complaint,
    ComplaintStatus,
)
from portal.complaints.queries import colleagues
from portal.complaints.routes.blueprint import bp
from portal.complaints.services import Action, ComplaintError
from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.forms import EmptyForm
from portal.core.htmx import render
from portal.core.paging import page_arg
from portal.core.security import get_owned_or_404
from portal.extensions import db

if TYPE_CHECKING:
    from portal.members.models import Company

PER_PAGE = 25
WORKFLOW = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.SOLUTION_PROPOSED,
    ComplaintStatus.CLOSED,
)


def _list_filters(company: Company, people: list[User]) -> dict[str, str]:
    """The register's filters from the query string; unknown values are ignored."""
    args = request.args
    handler = (args.get("behandelaar") or "")[:40]
    known = {u.public_id for u in people} | {"mij", "geen"}
    category = (args.get("categorie") or "")[:60]
    return {
        "status": (args.get("status") or "")[:20],
        "q": (args.get("q") or "").strip()[:100],
        "behandelaar": handler if handler in known else "",
        "categorie": category if category in services.category_names(company) else "",
        "te_laat": "1" if args.get("te_laat") == "1" else "",
        "ernst": (args.get("ernst") or "")[:10],
        "klantgroep": args.get("klantgroep", "")
        if args.get("klantgroep") in CUSTOMER_GROUPS
        else "",
    }


def _handler_id(value: str, people: list[User]) -> int | None:
    if value == "mij":
        return require_user().id
    if value == "geen":
        return 0
    return next((u.id for u in people if u.public_id == value), None)


@bp.get("/")
def index():
    """The register: open signals, filterable list ("mijn klachten", handler, category, status,
    overdue, severity) and recent negative reviews."""
    company = current_company()
    people = colleagues(company.id)
    filters = _list_filters(company, people)
    today = services.now_local_date()
    results = db.paginate(
        queries.complaint_list(
            company,
            status=filters["status"],
            q=filters["q"],
            handler_id=_handler_id(filters["behandelaar"], people),
            category=filters["categorie"],
            overdue_on=today if filters["te_laat"] else None,
            severity=filters["ernst"],
            customer_group=filters["klantgroep"],
        ),
        page=page_arg(),
        per_page=PER_PAGE,
        error_out=False,
    )
    status_filter, q = filters["status"], filters["q"]
    return render(
        "complaints/index.html",
        "complaints/_list.html",
        target="complaints-list",
        company=company,
        results=results,
        status_filter=status_filter,
        q=q,
        filters=filters,
        people=people,
        categories=services.category_names(company),
        severity_labels=SEVERITY_LABELS,
        customer_groups=CUSTOMER_GROUPS,
        today=today,
        signals=reminders.open_signals(company.id),
        signal_labels=SIGNAL_LABELS,
        reviews=queries.negative_reviews(company),
        policy=services.policy_for(company),
        review_form=OnceForm(),
    )


def _action_forms(failed_form: ActionForm | None, failed: str) -> dict[str, ActionForm]:
    """One form per workflow step (prefixed, so field ids stay unique on the page)."""
    forms = {a.value: ActionForm(prefix=a.value, formdata=None) for a in Action}
    if failed_form is not None and failed in forms:
        forms[failed] = failed_form
    return forms


def show_page(complaint: Complaint, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The complaint page with its forms; the sibling route modules re-show it with a failed form
    (status 422)."""
    company = complaint.company
    failed = forms.get("failed_action", "")
    people = colleagues(company.id)
    handler_form = forms.pop("handler_form", None) or HandlerForm(
        handler=complaint.handler.public_id if complaint.handler else ""
    )
    handler_form.handler.choices = [("", _("— kies —"))] + [
        (u.public_id, u.name or u.email) for u in people
    ]
    return render_template(
        "complaints/show.html",
        complaint=complaint,
        company=company,
        today=services.now_local_date(),
        workflow=WORKFLOW,
        actions=services.allowed_actions(complaint.status),
        action_labels=ACTION_LABELS,
        action_forms=_action_forms(forms.pop("action_form", None), forms.pop("failed_action", "")),
        failed_action=failed,
        channel_labels=CHANNEL_LABELS,
        verdict_labels=VERDICT_LABELS,
        satisfaction_labels=SATISFACTION_LABELS,
        root_causes=ROOT_CAUSES,
        handler_form=handler_form,
        letter_labels=LETTER_LABELS,
        confirm_form=EmptyForm(),
        note_form=forms.pop("note_form", None) or NoteForm(formdata=None),
        followup_form=forms.pop("followup_form", None) or FollowupForm(formdata=None),
        once_form=EmptyForm(),
        related=queries.related_complaints(complaint),
        note_labels=NOTE_LABELS,
        severity_labels=SEVERITY_LABELS,
        severity_classes=SEVERITY_CLASSES,
        **show_extras.context(complaint, forms),
    ), status


@bp.get("/<public_id>")
def show(public_id: str) -> ResponseReturnValue:
    """One overview screen: data, workflow, deadlines, letters and history."""
    complaint = get_owned_or_404(Complaint, public_id)
    return show_page(complaint)


@bp.post("/<public_id>/stap/<action>")
def act(public_id: str, action: str) -> ResponseReturnValue:
    """Take one workflow step; 422 with the reason when it is not possible."""
    complaint = get_owned_or_404(Complaint, public_id)
    try:
        step = Action(action)
    except ValueError:
        step = None
    form = ActionForm(prefix=action if step else "")
    if step is None or not form.validate_on_submit():
        return show_page(complaint, status=422, action_form=form, failed_action=action)
    try:
        services.apply_action(
            complaint, step, form.data, by=require_user(), today=services.now_local_date()
        )
    except ComplaintError as exc:
        target = getattr(form, exc.field, None) if exc.field else None
        target = target or form.note
        target.errors = [*target.errors, str(exc)]
        db.session.rollback()
        complaint = get_owned_or_404(Complaint, public_id)
        return show_page(complaint, status=422, action_form=form, failed_action=action)
    db.session.commit()
    flash(_("Status: %(status)s.", status=STATUS_LABELS[complaint.status]))
    return redirect(url_for("complaints.show", public_id=complaint.public_id), 303)


@bp.post("/<public_id>/behandelaar")
def assign(public_id: str) -> ResponseReturnValue:
    """(Re)assign the handler to a colleague of the same company."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = HandlerForm()
    form.handler.choices = [(u.public_id, u.name) for u in colleagues(complaint.company_id)]
    if form.validate_on_submit():
        handler = next(
            u for u in colleagues(complaint.company_id) if u.public_id == form.handler.data
        )
        if services.assign_handler(complaint, handler, by=require_user()):
            dispatch.notify_assigned(complaint, by=require_user())
        db.session.commit()
        flash(_("Behandelaar gewijzigd."))
        return redirect(url_for("complaints.show", public_id=complaint.public_id), 303)
    return show_page(complaint, status=422, handler_form=form)


@bp.post("/<public_id>/logboek")
def add_note(public_id: str) -> ResponseReturnValue:
    """Add a line to the investigation log; 422 with the form when it is empty."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return show_page(complaint, status=422, note_form=form)

    def create() -> str:
        services.add_note(complaint, form.kind.data or "", form.body.data or "", by=require_user())
        flash(_("Toegevoegd aan het logboek."))
        return url_for("complaints.show", public_id=complaint.public_id, _anchor="log-title")

    return redirect(concurrency.create_once(create), 303)


@bp.post("/<public_id>/statuslink")
def send_status_link(public_id: str) -> ResponseReturnValue:
    """Mail the complainant a fresh link to their status page (with the survey once closed)."""
    from portal.complaints import tracking

    complaint = get_owned_or_404(Complaint, public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tracking.send_status_link(complaint, by=require_user(), survey=not complaint.is_open)
    except ComplaintError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("De klager krijgt een link naar de statuspagina per e-mail."))
    return redirect(url_for("complaints.show", public_id=complaint.public_id), 303)


@bp.post("/<public_id>/nazorg")
def record_followup(public_id: str) -> ResponseReturnValue:
    """Record the outcome of the aftercare contact (and the complainant's satisfaction)."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = FollowupForm()
    if not form.validate_on_submit():
        return show_page(complaint, status=422, followup_form=form)
    services.record_followup(
        complaint,
        form.followup_outcome.data or "",
        satisfaction=form.satisfaction.data or None,
        by=require_user(),
        today=services.now_local_date(),
    )
    db.session.commit()
    flash(_("Nazorg vastgelegd."))
    return redirect(url_for("complaints.show", public_id=complaint.public_id), 303)
