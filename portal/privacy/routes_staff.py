"""Staff: rights requests and customers' data; admin: processing register and breach register."""

from __future__ import annotations

from datetime import UTC
from typing import TypeVar

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.core import association, concurrency, queues
from portal.core.access import require_user
from portal.core.db import utcnow
from portal.core.paging import page_arg
from portal.core.security import admin_required, staff_required
from portal.core.templating import AMSTERDAM
from portal.extensions import db
from portal.members.models import Company
from portal.privacy import erasure, rights, services
from portal.privacy.export import to_json
from portal.privacy.forms import (
    BreachFields,
    BreachForm,
    CloseRequestForm,
    CustomerEraseForm,
    CustomerSearchForm,
    ExtendRequestForm,
    NewBreachForm,
)
from portal.privacy.labels import KIND_LABELS, STATUS_LABELS
from portal.privacy.models import Breach, RequestKind, RequestStatus, SubjectRequest
from portal.privacy.records import ACTIVITIES, RECORDS_CREATED, RECORDS_UPDATED
from portal.privacy.versions import RECORDS_VERSION

_Owned = TypeVar("_Owned", SubjectRequest, Breach)

bp = Blueprint("privacy_staff", __name__)
PER_PAGE = 50
MOMENTS = (
    "discovered_at",
    "ap_notified_at",
    "subjects_notified_at",
    "controllers_notified_at",
    "closed_at",
)


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admin only; members get 404."""
    return None


def _by_public_id(model: type[_Owned], public_id: str) -> _Owned:
    item = db.session.scalars(select(model).where(model.public_id == str(public_id)[:36])).first()
    if item is None:
        abort(404)
    return item


@bp.get("/")
def requests_list():
    """Rights requests with their due dates (open ones, or all)."""
    show = "all" if request.args.get("toon") == "alle" else "open"
    kinds = {
        "": _("Alle soorten"),
        **{kind.value: str(label) for kind, label in KIND_LABELS.items()},
    }
    args = queues.QueueArgs.from_args(request.args, filters=kinds)
    query = queues.apply(
        services.requests_query(show),
        args,
        search_columns=(SubjectRequest.subject_label,),
        date_column=SubjectRequest.due_at,  # a deadline queue: the first due on top
        name_column=SubjectRequest.subject_label,
        filters={k: SubjectRequest.kind == RequestKind(k) for k in kinds if k},
    )
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "privacy/staff_requests.html",
        items=page.items,
        page=page,
        show=show,
        now=utcnow(),
        args=args,
        extra={"toon": "alle"} if show == "all" else {},
        filters=kinds,
        sorts=queues.SORTS,
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.get("/verzoeken/<request_id>")
def request_detail(request_id: str) -> ResponseReturnValue:
    """One request with the handling form."""
    item = _by_public_id(SubjectRequest, request_id)
    return _request_page(item, CloseRequestForm())


def _request_page(
    item: SubjectRequest,
    form: CloseRequestForm,
    status: int = 200,
    extend_form: ExtendRequestForm | None = None,
) -> ResponseReturnValue:
    user = db.session.get(User, item.user_id) if item.user_id else None
    company = db.session.get(Company, item.company_id) if item.company_id else None
    return render_template(
        "privacy/staff_request.html",
        item=item,
        kind_labels=KIND_LABELS,
        form=form,
        extend_form=extend_form or ExtendRequestForm(),
        subject_user=user,
        company=company,
        preview=erasure.company_erasure_preview(company) if company else None,
    ), status


@bp.post("/verzoeken/<request_id>")
@admin_required
def request_close(request_id: str) -> ResponseReturnValue:
    """Close a request; an admin may carry out the erasure in the same step."""
    item = _by_public_id(SubjectRequest, request_id)
    form = CloseRequestForm()
    me = require_user()
    if item.status is not RequestStatus.OPEN:
        form.outcome.errors = [_("Dit verzoek is al afgehandeld.")]
    elif form.validate_on_submit():
        address = rights.requester_address(item)  # before an erasure removes it
        if form.execute.data and item.kind is RequestKind.ERASURE and form.status.data == "done":
            _execute_erasure(item, me)
        try:
            rights.close(
                item,
                by=me,
                status=RequestStatus(form.status.data),
                outcome=form.outcome.data or "",
                address=address,
            )
        except services.PrivacyError as exc:
            db.session.rollback()
            form.status.errors = [exc.message]
            return _request_page(item, form, 422)
        db.session.commit()
        flash(
            _("Het verzoek is afgehandeld; de aanvrager krijgt de uitkomst per e-mail."), "success"
        )
        return redirect(url_for("privacy_staff.requests_list"), 303)
    return _request_page(item, form, 422)


@bp.post("/verzoeken/<request_id>/verlengen")
def request_extend(request_id: str) -> ResponseReturnValue:
    """Extend the answer term by one or two months with a reason mailed to the requester."""
    item = _by_public_id(SubjectRequest, request_id)
    form = ExtendRequestForm()
    if form.validate_on_submit():
        try:
            rights.extend(
                item, by=require_user(), months=int(form.months.data), reason=form.reason.data or ""
            )
        except services.PrivacyError as exc:
            form.reason.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("De termijn is verlengd; de aanvrager krijgt de reden per e-mail."), "success")
            return redirect(url_for("privacy_staff.request_detail", request_id=item.public_id), 303)
    return _request_page(item, CloseRequestForm(), 422, extend_form=form)


def _execute_erasure(item: SubjectRequest, me: User) -> None:
    """Erase the requesting user, or their whole company when the beheerder asked for that."""
    user = db.session.get(User, item.user_id) if item.user_id else None
    company = db.session.get(Company, item.company_id) if item.company_id else None
    if company is not None and item.scope == "company":
        erasure.erase_company(company, by=me)
    elif user is not None:
        erasure.erase_user(user, by=me)


@bp.get("/klanten")
def customers():
    """Search form for a customer's data (the address is posted, never put in a URL)."""
    return render_template(
        "privacy/staff_customer.html", form=CustomerSearchForm(), erase_form=None, rows=None
    )


@bp.post("/klanten")
def customer_search():
    """Find every invitation row and complaint holding the posted address."""
    form = CustomerSearchForm()
    if not form.validate_on_submit():
        return render_template(
            "privacy/staff_customer.html", form=form, erase_form=None, rows=None
        ), 422
    email_hash = services.customer_hash(form.email.data or "")
    erase_form = CustomerEraseForm(data={"email": form.email.data})
    rows = services.find_customer(email_hash)
    complaints = services.find_complaints(form.email.data or "")
    rights.record_customer_search(
        by=require_user(), email_hash=email_hash, invitations=len(rows), complaints=len(complaints)
    )
    db.session.commit()
    return render_template(
        "privacy/staff_customer.html",
        form=form,
        erase_form=erase_form,
        rows=rows,
        complaints=complaints,
        suppressed=services.is_suppressed(email_hash),
    )


@bp.post("/klanten/export")
def customer_export():
    """JSON of everything held about the posted address (invitations, complaints); logged."""
    form = CustomerSearchForm()
    if not form.validate_on_submit():
        return render_template(
            "privacy/staff_customer.html", form=form, erase_form=None, rows=None
        ), 422
    data = services.export_customer(form.email.data or "", by=require_user())
    db.session.commit()
    return Response(
        to_json(data),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="klantgegevens.json"'},
    )


@bp.post("/klanten/verwijderen")
def customer_erase():
    """Remove the posted address from invitations and complaints (optionally block it); logged."""
    form = CustomerEraseForm()
    if not form.validate_on_submit():
        search = CustomerSearchForm(data={"email": form.email.data})
        return render_template(
            "privacy/staff_customer.html", form=search, erase_form=form, rows=[]
        ), 422
    counts = services.erase_customer(
        form.email.data or "", by=require_user(), suppress=form.suppress.data
    )
    db.session.commit()
    flash(
        _(
            "%(n)s rijen met dit adres zijn verwijderd en %(c)s klachten zijn ontdaan van de persoonsgegevens van de klager.",
            n=counts["invitations"],
            c=counts["complaints"],
        ),
        "success",
    )
    return redirect(url_for("privacy_staff.customers"), 303)


@bp.get("/verwerkingsregister")
@admin_required
def register_page():
    """The records of processing activities (art. 30), versioned in the repository."""
    return render_template("privacy/staff_register.html", **register_context())


def register_context() -> dict:
    """What the register's template gets besides the app's context (portal/privacy/reader_text.py
    renders it under a reference configuration for the version's digest)."""
    return dict(
        activities=ACTIVITIES,
        version=RECORDS_VERSION,
        created=RECORDS_CREATED,
        updated=RECORDS_UPDATED,
        subprocessors=association.subprocessors(),
        outside_eea=association.outside_eea(),
    )


@bp.get("/datalekken")
@admin_required
def breaches():
    """The breach register with the 72-hour AP deadline."""
    return render_template(
        "privacy/staff_breaches.html",
        items=services.breaches(),
        now=utcnow(),
        deadline=services.ap_deadline,
        member_deadline=services.member_deadline,
    )


@bp.get("/datalekken/nieuw")
@admin_required
def breach_new():
    return render_template("privacy/staff_breach_form.html", form=NewBreachForm(), item=None)


@bp.get("/datalekken/<breach_id>")
@admin_required
def breach_edit(breach_id: str) -> ResponseReturnValue:
    item = _by_public_id(Breach, breach_id)
    form = BreachForm(obj=item)
    for name in MOMENTS:
        getattr(form, name).data = _local(getattr(item, name))
    concurrency.stamp(form, item.version, _breach_values(form, item))
    return render_template("privacy/staff_breach_form.html", form=form, item=item)


def _local(value):
    """A stored UTC moment as the naive Dutch local time the form shows."""
    return value.astimezone(AMSTERDAM).replace(tzinfo=None) if value else None


def _breach_values(form: BreachForm, item: Breach) -> dict:
    """The stored values behind the breach form, moments in local time (for the version check)."""
    values = concurrency.obj_values(form, item)
    for name in MOMENTS:
        if name in values:
            values[name] = _local(values[name])
    return values


def _breach_values_in(form: BreachFields) -> dict:
    """The form's values as the service takes them; moments from Dutch local time to UTC."""
    values = {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "version", "idempotency_key")
    }
    for name in MOMENTS:
        if values.get(name) is not None:
            values[name] = values[name].replace(tzinfo=AMSTERDAM).astimezone(UTC)
    return values


@bp.post("/datalekken/nieuw")
@admin_required
def breach_create():
    """Record a new breach entry (once per form key); times are entered in Dutch local time."""
    form = NewBreachForm()
    if not form.validate_on_submit():
        return render_template("privacy/staff_breach_form.html", form=form, item=None), 422

    def create() -> str:
        services.save_breach(None, _breach_values_in(form), by=require_user())
        flash(_("Het datalek is vastgelegd."), "success")
        return url_for("privacy_staff.breaches")

    return redirect(concurrency.create_once(create), 303)


@bp.post("/datalekken/<breach_id>")
@admin_required
def breach_save(breach_id: str) -> ResponseReturnValue:
    """Update a breach entry; 409 after someone else's save; times in Dutch local time."""
    item = _by_public_id(Breach, breach_id)
    form = BreachForm()
    if concurrency.is_stale(form, item.version, _breach_values(form, item)):
        return render_template("privacy/staff_breach_form.html", form=form, item=item), 409
    if not form.validate_on_submit():
        return render_template("privacy/staff_breach_form.html", form=form, item=item), 422
    try:
        services.save_breach(item, _breach_values_in(form), by=require_user())
        db.session.commit()
    except concurrency.StaleDataError:
        reload = concurrency.reloader(item, lambda b: _breach_values(form, b))
        concurrency.conflict_after_race(form, reload)
        return render_template("privacy/staff_breach_form.html", form=form, item=item), 409
    flash(_("Het datalek is vastgelegd."), "success")
    return redirect(url_for("privacy_staff.breaches"), 303)
