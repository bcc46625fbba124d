"""Staff pages for the member register: list, detail, edit on the member's behalf."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.datastructures import MultiDict

from portal.auth.invite_form import invite_from_form
from portal.auth.models import CompanyRole, User
from portal.core import concurrency
from portal.core.access import require_user
from portal.core.htmx import render
from portal.core.models import AuditEvent
from portal.core.paging import page_arg
from portal.core.security import staff_required
from portal.extensions import db
from portal.members import services
from portal.members.forms import InviteBeheerderForm, StaffCompanyForm
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


def member_query(args: Mapping[str, str]) -> tuple:
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


def _detail_page(
    company: Company, invite_form: InviteBeheerderForm, status: int = 200
) -> ResponseReturnValue:
    users = db.session.scalars(
        select(User).where(User.company_id == company.id).order_by(User.name)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.on_behalf_of_company_id == company.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "members/staff_detail.html",
        company=company,
        users=users,
        events=events,
        invite_form=invite_form,
    ), status


@bp.get("/leden/<public_id>")
def detail(public_id: str) -> ResponseReturnValue:
    """One member: register data, users, recent audit entries, inviting a beheerder."""
    company = _company_or_404(public_id)
    return _detail_page(company, InviteBeheerderForm(data={"email": company.email}))


@bp.post("/leden/<public_id>/beheerder-uitnodigen")
def invite_beheerder(public_id: str) -> ResponseReturnValue:
    """Create a beheerder account for the member (e.g. after an import) and mail its activation link.

    The account has no password until the link is used; the invitation is audited with the
    staff user and the member company.
    """
    company = _company_or_404(public_id)
    form = InviteBeheerderForm()
    url = form.validate_on_submit() and invite_from_form(
        form,
        company,
        company_role=CompanyRole.BEHEERDER.value,
        by=require_user(),
        done=url_for("staff_members.detail", public_id=public_id),
    )
    if url:
        flash(
            _(
                "%(email)s is uitgenodigd als beheerder van %(name)s en krijgt een "
                "activeringslink per e-mail.",
                email=(form.email.data or "").lower(),
                name=company.display_name,
            )
        )
        return redirect(url, 303)
    return _detail_page(company, form, 422)


def _edit_form(company: Company, formdata: MultiDict[str, str] | None = None) -> StaffCompanyForm:
    form = StaffCompanyForm(formdata=formdata, obj=company)
    form.specialisms.choices = [(s.id, s.name) for s in services.active_specialisms()]
    form.recognitions.choices = [(r.id, r.name) for r in services.all_recognitions()]
    if formdata is None:
        form.specialisms.data = [s.id for s in company.specialisms]
        form.recognitions.data = [r.id for r in company.recognitions]
        concurrency.stamp(form, company.version, services.form_values(company, form))
    return form


def _edit_page(company: Company, form: StaffCompanyForm, status: int = 200) -> ResponseReturnValue:
    """The edit page (or its form for htmx); the member's inline field checks are not used here."""
    return render(
        "members/staff_edit.html",
        "profile/_details_form.html",
        target="company-details-form",
        status=status,
        form=form,
        company=company,
        action=url_for("staff_members.edit_post", public_id=company.public_id),
        inline_check=False,
    )


@bp.get("/leden/<public_id>/bewerken")
def edit(public_id: str) -> ResponseReturnValue:
    """Edit a member's directory data on its behalf."""
    company = _company_or_404(public_id)
    return _edit_page(company, _edit_form(company))


@bp.post("/leden/<public_id>/bewerken")
def edit_post(public_id: str) -> ResponseReturnValue:
    """Save; the audit entry records the staff user and the member company."""
    company = _company_or_404(public_id)
    form = _edit_form(company, request.form)
    if concurrency.is_stale(form, company.version, services.form_values(company, form)):
        return _edit_page(company, form, 409)
    if form.validate_on_submit():
        fields = services.EDITABLE_FIELDS + services.STAFF_FIELDS + ("specialisms", "recognitions")
        data = {name: form[name].data for name in fields}
        try:
            changes = services.update_company(company, data, by=require_user(), on_behalf=True)
            db.session.commit()
        except concurrency.StaleDataError:
            concurrency.conflict_after_race(form, services.reloader(company, form))
            return _edit_page(company, form, 409)
        flash(
            _("De gegevens van %(name)s zijn opgeslagen.", name=company.display_name)
            if changes
            else _("Er was niets gewijzigd.")
        )
        return redirect(url_for("staff_members.detail", public_id=public_id), 303)
    return _edit_page(company, form, 422)
