"""Mijn profiel > Klachten: letters, statistics with exports, and the company's settings.

Attached to the `complaints` blueprint (imported by `routes.register`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.complaints import actions, dispatch, instruction, letters, services, stats
from portal.complaints.forms import (
    LetterEditForm,
    LetterTemplateForm,
    PolicyForm,
)
from portal.complaints.labels import LETTER_LABELS
from portal.complaints.models import Complaint, ComplaintLetter, ComplaintPolicy, LetterKind
from portal.complaints.routes.blueprint import bp
from portal.complaints.services import ComplaintError
from portal.core import concurrency
from portal.core.access import company_admin_required, current_company, require_user
from portal.core.forms import EmptyForm
from portal.core.security import get_owned_or_404
from portal.extensions import db

if TYPE_CHECKING:
    from portal.members.models import Company


def _kind(kind: str) -> LetterKind:
    try:
        return LetterKind(kind)
    except ValueError:
        abort(404)


def _letter_form(
    complaint: Complaint, kind: LetterKind
) -> tuple[bool, LetterEditForm, letters.Letter | None]:
    """(ok, form, letter) of a posted letter action.

    Without subject and text in the post the standard wording goes out (letter None: composed
    when sending). With them, the handler's own wording for this one complaint; invalid text
    gives ok False (the preview again, 422).

    :raises BadRequest: the form (CSRF) did not validate.
    """
    form = LetterEditForm()
    if not (request.form.get("subject") or request.form.get("body")):
        if not EmptyForm().validate_on_submit():  # the standard wording: only the token
            abort(400)
        return True, form, None
    if form.validate_on_submit():
        composed = letters.compose(complaint, kind, today=services.now_local_date())
        return True, form, letters.edited(composed, subject=form.subject.data, body=form.body.data)
    if "csrf_token" in form.errors:
        abort(400)
    return False, form, None


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _preview_page(
    complaint: Complaint, kind: LetterKind, form: LetterEditForm, status: int = 200
) -> ResponseReturnValue:
    letter = letters.compose(
        complaint, kind, today=services.now_local_date(), sender=require_user()
    )
    return render_template(
        "complaints/letter_preview.html",
        complaint=complaint,
        letter=letter,
        kind_label=LETTER_LABELS[letter.kind],
        form=form,
        today_date=services.now_local_date(),
        promised=letter.kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.INTERIM)
        and services.promised_due(
            complaint,
            today=services.now_local_date(),
            interim=letter.kind is LetterKind.INTERIM,
        ),
    ), status


@bp.get("/<public_id>/brief/<kind>")
def letter_preview(public_id: str, kind: str) -> ResponseReturnValue:
    """The filled-in letter in an editable form, with send and download buttons."""
    complaint = get_owned_or_404(Complaint, public_id)
    letter_kind = _kind(kind)
    letter = letters.compose(
        complaint, letter_kind, today=services.now_local_date(), sender=require_user()
    )
    form = LetterEditForm(subject=letter.subject, body=letter.body)
    return _preview_page(complaint, letter_kind, form)


@bp.post("/<public_id>/brief/<kind>/verzenden")
def letter_send(public_id: str, kind: str) -> ResponseReturnValue:
    """Queue the (possibly adjusted) letter by e-mail and keep it with the complaint."""
    complaint = get_owned_or_404(Complaint, public_id)
    letter_kind = _kind(kind)
    ok, form, letter = _letter_form(complaint, letter_kind)
    if not ok:
        return _preview_page(complaint, letter_kind, form, 422)

    def send() -> str | None:
        try:
            kept = dispatch.send_letter(
                complaint,
                letter_kind,
                by=require_user(),
                today=services.now_local_date(),
                letter=letter,
            )
        except ComplaintError as exc:
            flash(str(exc), "error")
            return None
        flash(_("De %(kind)s is verstuurd.", kind=str(LETTER_LABELS[kept.kind]).lower()))
        return url_for("complaints.show", public_id=public_id)

    url = concurrency.create_once(send)  # a double click queues one mail
    return redirect(
        url or url_for("complaints.letter_preview", public_id=public_id, kind=kind), 303
    )


@bp.post("/<public_id>/brief/<kind>/pdf")
def letter_pdf(public_id: str, kind: str) -> ResponseReturnValue:
    """Download the (possibly adjusted) letter as PDF; kept with the complaint as sent."""
    complaint = get_owned_or_404(Complaint, public_id)
    letter_kind = _kind(kind)
    ok, form, letter = _letter_form(complaint, letter_kind)
    if not ok:
        return _preview_page(complaint, letter_kind, form, 422)
    today = services.now_local_date()
    services.ensure_handler(complaint, require_user())
    letter = letter or letters.compose(complaint, letter_kind, today=today)
    dispatch.record_letter(complaint, letter, method="pdf", by=require_user(), today=today)
    data = dispatch.pdf_for(complaint, letter, today)
    db.session.commit()
    return _pdf_response(data, f"{complaint.reference}-{letter.kind.value}.pdf")


@bp.get("/brieven/<public_id>.pdf")
def kept_pdf(public_id: str) -> ResponseReturnValue:
    """A letter as it was sent, again as PDF (no change)."""
    kept = get_owned_or_404(ComplaintLetter, public_id)
    complaint = kept.complaint
    data = dispatch.pdf_for(complaint, kept, kept.sent_at.date())
    return _pdf_response(data, f"{complaint.reference}-{kept.kind.value}.pdf")


# --- Statistics -------------------------------------------------------------------------------


def period_from_args(args: Mapping[str, str]) -> tuple[date, date]:
    """`van`/`tot` (YYYY-MM-DD) or the last twelve months; bad input falls back to defaults."""
    today = services.now_local_date()
    default_start = date(today.year - 1, today.month, 1) + timedelta(days=31)
    default_start = default_start.replace(day=1)

    def parse(name: str, fallback: date) -> date:
        try:
            return date.fromisoformat((args.get(name) or "")[:10])
        except ValueError:
            return fallback

    start, end = parse("van", default_start), parse("tot", today)
    if end < start or (end - start).days > 3 * 366:
        start, end = default_start, today
    return start, end


@bp.get("/statistieken")
def statistics():
    """Figures for a period: tables, two bar charts and export links."""
    company = current_company()
    start, end = period_from_args(request.args)
    rows = stats.load_rows(company_id=company.id, start=start, end=end)
    figures = stats.compute(rows, start=start, end=end, with_handlers=True)
    return render_template(
        "complaints/stats.html",
        company=company,
        figures=figures,
        start=start,
        end=end,
        month_chart=stats.bar_chart(_("Klachten per maand"), figures.by_month),
        export_args={"van": start.isoformat(), "tot": end.isoformat()},
        action_figures=actions.figures(
            company.id, start=start, end=end, today=services.now_local_date()
        ),
    )


@bp.get("/statistieken/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """The period's complaints without personal data, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    company = current_company()
    start, end = period_from_args(request.args)
    rows = stats.load_rows(company_id=company.id, start=start, end=end)
    name = f"klachten-{start.isoformat()}-{end.isoformat()}.{fmt}"
    if fmt == "csv":
        data, mime = stats.to_csv(rows), "text/csv; charset=utf-8"
    else:
        data = stats.to_xlsx(rows)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/statistieken/rapport.pdf")
def report_pdf():
    """The periodic report (PDF) for the management review, compared with the period before."""
    from portal.complaints import report

    company = current_company()
    start, end = period_from_args(request.args)
    prev = report.previous_period(start, end)
    now = stats.compute(
        stats.load_rows(company_id=company.id, start=start, end=end),
        start=start,
        end=end,
        with_handlers=True,
    )
    before = stats.compute(
        stats.load_rows(company_id=company.id, start=prev[0], end=prev[1]),
        start=prev[0],
        end=prev[1],
        with_handlers=True,
    )
    today = services.now_local_date()
    data = report.render(
        company_name=company.display_name,
        start=start,
        end=end,
        now=now,
        before=before,
        prev=prev,
        extra_rows=report.action_rows(
            actions.figures(company.id, start=start, end=end, today=today),
            actions.figures(company.id, start=prev[0], end=prev[1], today=today),
        ),
    )
    return _pdf_response(data, f"klachtenrapport-{start.isoformat()}-{end.isoformat()}.pdf")


# --- Settings (beheerder only for changes) ---------------------------------------------------


beheerder_only = company_admin_required(
    _l("Alleen de beheerder van uw bedrijf kan de klachtenregeling wijzigen.")
)


def _settings_page(form: PolicyForm, company: Company, status: int = 200) -> ResponseReturnValue:
    templates = {kind: letters.template_for(company.id, kind)[2] for kind in LetterKind}
    return render_template(
        "complaints/settings.html",
        form=form,
        company=company,
        can_edit=current_user.is_company_admin,
        letter_labels=LETTER_LABELS,
        customised=templates,
    ), status


@bp.get("/instellingen")
def settings():
    """The company's klachtenregeling: deadlines, categories, letters."""
    company = current_company()
    policy = services.policy_for(company)
    form = PolicyForm(obj=policy, categories="\n".join(services.category_names(company)))
    form.coordinator.data = _coordinator_public_id(policy)
    _coordinator_choices(form, company)
    concurrency.stamp(form, *_policy_state(company, form))
    return _settings_page(form, company)


def _coordinator_choices(form: PolicyForm, company: Company) -> None:
    from portal.complaints.queries import colleagues

    form.coordinator.choices = [("", _("— geen: de beheerders —"))] + [
        (u.public_id, u.name or u.email) for u in colleagues(company.id)
    ]


def _coordinator_public_id(policy: ComplaintPolicy) -> str:
    from portal.auth.models import User

    user = db.session.get(User, policy.coordinator_id) if policy.coordinator_id else None
    return user.public_id if user is not None else ""


def _policy_state(company: Company, form: PolicyForm) -> tuple[int, dict[str, Any]]:
    """(version, values) of the stored policy and category list, for the version check.

    The categories have no version of their own: their text is part of the combined version.
    """
    policy = services.policy_for(company)
    categories = "\n".join(services.category_names(company))
    version = concurrency.combined_version(policy.version or 0, categories)
    return version, concurrency.obj_values(
        form, policy, categories=categories, coordinator=_coordinator_public_id(policy)
    )


@bp.post("/instellingen")
@beheerder_only
def settings_post():
    """Save the policy and categories (beheerder only); 409 after someone else's save."""
    company = current_company()
    form = PolicyForm()
    _coordinator_choices(form, company)
    status = 422
    _held = services.policy_for(company)  # the save updates it under the version read here
    if concurrency.is_stale(form, *_policy_state(company, form)):
        status = 409
    elif form.validate_on_submit():
        try:
            values = form.data | {"coordinator_id": _coordinator_id(company, form.coordinator.data)}
            services.save_policy(company, values)
            services.save_categories(company, (form.categories.data or "").split("\n"))
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):  # saved (or first stored) meanwhile
            concurrency.conflict_after_race(form, lambda: _policy_state(company, form))
            status = 409
        else:
            flash(_("De klachtenregeling is opgeslagen. Nieuwe klachten krijgen deze termijnen."))
            return redirect(url_for("complaints.settings"), 303)
    return _settings_page(form, company, status)


def _coordinator_id(company: Company, public_id: str) -> int | None:
    from portal.complaints.queries import colleagues

    return next((u.id for u in colleagues(company.id) if u.public_id == public_id), None)


@bp.get("/instellingen/brieven/<kind>")
def letter_template(kind: str) -> ResponseReturnValue:
    """Edit the wording of one standard letter."""
    company = current_company()
    letter_kind = _kind(kind)
    subject, body, custom = letters.template_for(company.id, letter_kind)
    form = LetterTemplateForm(subject=subject, body=body)
    concurrency.stamp(form, *_letter_state(company, letter_kind))
    return _template_page(form, letter_kind, custom)


def _letter_state(company: Company, kind: LetterKind) -> tuple[int, dict[str, str]]:
    """(version, values) of the company's stored wording (version 0: the default wording)."""
    subject, body, _custom = letters.template_for(company.id, kind)
    row = letters.stored_template(company.id, kind)
    return (row.version if row is not None else 0), {"subject": subject, "body": body}


def _template_page(
    form: LetterTemplateForm, letter_kind: LetterKind, custom: bool, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "complaints/letter_template.html",
        form=form,
        kind=letter_kind,
        kind_label=LETTER_LABELS[letter_kind],
        placeholders=letters.PLACEHOLDERS,
        custom=custom,
        can_edit=current_user.is_company_admin,
        reset_form=EmptyForm(),
    ), status


@bp.post("/instellingen/brieven/<kind>")
@beheerder_only
def letter_template_post(kind: str) -> ResponseReturnValue:
    """Save the wording (beheerder only); unknown placeholders are refused."""
    company = current_company()
    letter_kind = _kind(kind)
    form = LetterTemplateForm()
    status = 422
    _held = letters.stored_template(
        company.id, letter_kind
    )  # the save updates it under its version
    if concurrency.is_stale(form, *_letter_state(company, letter_kind)):
        status = 409
    elif form.validate_on_submit():
        try:
            letters.save_template(
                company.id, letter_kind, subject=form.subject.data or "", body=form.body.data or ""
            )
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):  # saved (or first stored) meanwhile
            concurrency.conflict_after_race(form, lambda: _letter_state(company, letter_kind))
            status = 409
        else:
            flash(_("De brief is opgeslagen."))
            return redirect(url_for("complaints.settings"), 303)
    return _template_page(form, letter_kind, True, status)


@bp.post("/instellingen/brieven/<kind>/standaard")
@beheerder_only
def letter_template_reset(kind: str) -> ResponseReturnValue:
    """Go back to the association's default wording (beheerder only)."""
    company = current_company()
    letter_kind = _kind(kind)
    if not EmptyForm().validate_on_submit():
        abort(400)
    letters.save_template(company.id, letter_kind, subject="", body="")
    db.session.commit()
    flash(_("De standaardtekst wordt weer gebruikt."))
    return redirect(url_for("complaints.settings"), 303)


# --- Help: the company's complaint policy and the work instruction (seed 001) ----------------


@bp.get("/werkwijze")
def help_page():
    """The klachtenregeling as it is set, with the work instruction and phone script."""
    company = current_company()
    policy = services.policy_for(company)
    boss = dispatch.coordinator(company)
    return render_template(
        "complaints/help.html",
        company=company,
        policy=policy,
        coordinator=boss,
        categories=services.category_names(company),
        retention_days=current_app.config.get("COMPLAINTS_RETENTION_DAYS", 730),
        instruction_text=instruction.text_for(policy)[0],
        instruction_own=instruction.text_for(policy)[1],
        can_edit=current_user.is_company_admin,
    )
