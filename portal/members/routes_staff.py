"""Staff pages for the member register: list, detail, edit on the member's behalf, outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal.auth.models import User
from portal.auth.routes import require_user
from portal.core import outbox as outbox_mail
from portal.core.htmx import render
from portal.core.models import AuditEvent, OutboxMessage
from portal.core.paging import page_arg
from portal.core.security import staff_required
from portal.extensions import db
from portal.members import services
from portal.members.forms import CompanyForm
from portal.members.labels import membership_status_label
from portal.members.models import Company, MembershipStatus, Specialism, company_specialisms

bp = Blueprint("staff_members", __name__)
bp.add_app_template_filter(membership_status_label, "membership_status")
PER_PAGE = 25


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admin only; members get 404."""
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def member_query(args) -> tuple:
    """The filtered member select and the normalised filter values."""
    q = (args.get("q") or "").strip()[:100]
    status = args.get("status") or ""
    city = (args.get("plaats") or "").strip()[:100]
    specialism = args.get("vakgebied") or ""
    query = select(Company)
    if q:
        like = f"%{_escape_like(q.lower())}%"
        query = query.where(
            or_(
                func.lower(Company.legal_name).like(like, escape="\\"),
                func.lower(Company.trade_name).like(like, escape="\\"),
                Company.member_number.like(like.upper(), escape="\\"),
                Company.kvk_number.like(like, escape="\\"),
            )
        )
    if status in {s.value for s in MembershipStatus}:
        query = query.where(Company.membership_status == MembershipStatus(status))
    if city:
        query = query.where(func.lower(Company.city) == city.lower())
    if specialism:
        query = query.where(
            Company.id.in_(
                select(company_specialisms.c.company_id)
                .join(Specialism)
                .where(Specialism.slug == specialism)
            )
        )
    filters = {"q": q, "status": status, "plaats": city, "vakgebied": specialism}
    return query.order_by(Company.legal_name, Company.id), filters


@bp.get("/")
def home():
    """Staff start page."""
    return redirect(url_for("staff_members.index"))


@bp.get("/leden")
def index():
    """Searchable, filterable, paginated member list; htmx swaps only the results."""
    query, filters = member_query(request.args)
    page = db.paginate(
        query,
        page=page_arg(),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    specialisms = db.session.scalars(select(Specialism).order_by(Specialism.name)).all()
    return render(
        "members/staff_index.html",
        "members/_staff_results.html",
        target="staff-member-results",
        results=page,
        filters={k: v for k, v in filters.items() if v},
        form_values=filters,
        specialisms=specialisms,
        statuses=list(MembershipStatus),
    )


def _company_or_404(public_id: str) -> Company:
    company = db.session.scalars(select(Company).where(Company.public_id == public_id)).first()
    if company is None:
        abort(404)
    return company


@bp.get("/leden/<public_id>")
def detail(public_id: str):
    """One member: register data, users, recent audit entries."""
    company = _company_or_404(public_id)
    users = db.session.scalars(
        select(User).where(User.company_id == company.id).order_by(User.name)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.on_behalf_of_company_id == company.id)
        .order_by(AuditEvent.created_at.desc())
        .limit(20)
    ).all()
    return render_template("members/staff_detail.html", company=company, users=users, events=events)


def _edit_form(company: Company, formdata=None) -> CompanyForm:
    form = CompanyForm(formdata=formdata, obj=company)
    form.specialisms.choices = [(s.id, s.name) for s in services.active_specialisms()]
    if formdata is None:
        form.specialisms.data = [s.id for s in company.specialisms]
    return form


@bp.get("/leden/<public_id>/bewerken")
def edit(public_id: str):
    """Edit a member's directory data on its behalf."""
    company = _company_or_404(public_id)
    return render(
        "members/staff_edit.html",
        "profile/_details_form.html",
        target="company-details-form",
        form=_edit_form(company),
        company=company,
        action=url_for("staff_members.edit_post", public_id=public_id),
    )


@bp.post("/leden/<public_id>/bewerken")
def edit_post(public_id: str):
    """Save; the audit entry records the staff user and the member company."""
    company = _company_or_404(public_id)
    form = _edit_form(company, request.form)
    if form.validate_on_submit():
        data = {name: form[name].data for name in services.EDITABLE_FIELDS}
        data["specialisms"] = form.specialisms.data
        changes = services.update_company(company, data, by=require_user(), on_behalf=True)
        db.session.commit()
        flash(
            _("De gegevens van %(name)s zijn opgeslagen.", name=company.display_name)
            if changes
            else _("Er was niets gewijzigd.")
        )
        return redirect(url_for("staff_members.detail", public_id=public_id), 303)
    return render(
        "members/staff_edit.html",
        "profile/_details_form.html",
        target="company-details-form",
        status=422,
        form=form,
        company=company,
        action=url_for("staff_members.edit_post", public_id=public_id),
    )


@bp.get("/e-mail")
def outbox():
    """The mail outbox: what the portal sent or keeps (without SMTP)."""
    page = db.paginate(
        select(OutboxMessage).order_by(OutboxMessage.created_at.desc()),
        page=page_arg(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("members/staff_outbox.html", page=page, labels=outbox_mail.STATUS_LABELS)
