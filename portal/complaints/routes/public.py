"""Public complaint form per listed member: /ledenzoeker/<slug>/klacht.

Abuse protection: CSRF, a rate limit per IP on submissions (COMPLAINTS_PUBLIC_RATE, default
5/hour), a honeypot field, length caps on every field. A filled honeypot gets the same
thank-you page as a real submission, but nothing is stored or sent.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.agreements.gate import public_form_gate
from portal.complaints import dispatch, services
from portal.complaints.forms import PublicComplaintForm, SurveyForm
from portal.complaints.models import Complaint
from portal.config import ComplaintSettings
from portal.core import concurrency
from portal.core.logs import security_event
from portal.extensions import db, limiter
from portal.members.models import Company

bp = Blueprint("complaints_public", __name__)
bp.before_request(public_form_gate)  # the member accepted the processor agreement (issue 15)


def _listed_company(slug: str) -> Company:
    """A member shown in the ledenzoeker.

    :raises NotFound: unknown slug, ended membership or opted out of the directory.
    """
    company = db.session.scalars(select(Company).where(Company.slug == slug[:120])).first()
    if company is None or not company.is_listed:
        abort(404)
    return company


def _public_rate() -> str:
    return ComplaintSettings.of().public_rate


@bp.get("/<slug>/klacht")
def form(slug: str) -> ResponseReturnValue:
    """The complaint form."""
    company = _listed_company(slug)
    return _form_page(company, PublicComplaintForm())


def _form_page(
    company: Company, form: PublicComplaintForm, status: int = 200
) -> ResponseReturnValue:
    """The form with the company's own terms: handling period and retention (its policy)."""
    policy = services.policy_for(company)
    return render_template(
        "complaints/public_form.html",
        form=form,
        company=company,
        policy=policy,
        coordinator=_coordinator_first_name(company),
        retention=retention_text(ComplaintSettings.of().retention_days),
    ), status


def _coordinator_first_name(company: Company) -> str:
    """Who handles complaints at the company: the coordinator's first name only."""
    boss = dispatch.coordinator(company)
    return boss.name.split()[0] if boss is not None and boss.name else ""


def retention_text(days: int) -> str:
    """The retention period in words: "twee jaar", "18 maanden", "90 dagen"."""
    from portal.core.templating import count_ngettext, format_count

    words = {1: _("één"), 2: _("twee"), 3: _("drie"), 4: _("vier"), 5: _("vijf")}
    if days % 365 == 0:
        years = days // 365
        return _("%(num)s jaar", num=words.get(years, format_count(years)))
    if days >= 60 and days % 30 == 0:
        months = days // 30
        return count_ngettext("%(num)s maand", "%(num)s maanden", months)
    return count_ngettext("%(num)s dag", "%(num)s dagen", days)


@bp.post("/<slug>/klacht")
@limiter.limit(_public_rate, methods=["POST"])
def submit(slug: str) -> ResponseReturnValue:
    """Record the complaint for the member and acknowledge it to the consumer."""
    company = _listed_company(slug)
    form = PublicComplaintForm()
    if not form.validate_on_submit():
        return _form_page(company, form, 422)
    if form.website.data:
        security_event("honeypot", endpoint="complaints_public.submit")
        return redirect(url_for("complaints_public.thanks", slug=company.slug), 303)
    values = {name: form[name].data for name in services.INTAKE_FIELDS if name in form}

    def create() -> str:
        dispatch.submit_public(company, values, today=services.now_local_date())
        return url_for("complaints_public.thanks", slug=company.slug)

    return redirect(concurrency.create_once(create), 303)  # a repeated submit: same thanks


@bp.get("/<slug>/klacht/verzonden")
def thanks(slug: str) -> ResponseReturnValue:
    """Confirmation page (shows nothing of the submitted data)."""
    company = _listed_company(slug)
    return render_template("complaints/public_thanks.html", company=company)


# --- The complainant's status page (tokenised link, no login) -------------------------------


def _tracked(token: str) -> Complaint:
    """The complaint of a status link; never cached, no Referer (the URL holds the token).

    :raises NotFound: unknown or replaced link.
    """
    from portal.complaints import tracking

    g.referrer_policy = "no-referrer"
    g.no_store = True
    complaint = tracking.find(token[:64])
    if complaint is None:
        abort(404)
    return complaint


def _status_page(
    token: str, complaint: Complaint, form: SurveyForm, status: int = 200
) -> ResponseReturnValue:
    from portal.complaints import tracking
    from portal.complaints.labels import LETTER_LABELS, STATUS_LABELS

    return render_template(
        "complaints/public_status.html",
        complaint=complaint,
        company=complaint.company,
        token=token,
        form=form,
        status_label=STATUS_LABELS[complaint.status],
        letter_labels=LETTER_LABELS,
        handler=tracking.handler_first_name(complaint),
    ), status


@bp.get("/klacht-volgen/<token>")
@limiter.limit("60/hour")
def status(token: str) -> ResponseReturnValue:
    """Where the complaint stands: status, deadline, handler; the survey once it is closed."""
    from portal.complaints.forms import SurveyForm

    complaint = _tracked(token)
    return _status_page(token, complaint, SurveyForm())


@bp.post("/klacht-volgen/<token>")
@limiter.limit("20/hour")
def survey(token: str) -> ResponseReturnValue:
    """Record the complainant's satisfaction with the handling (the aftercare survey)."""
    from portal.complaints import tracking
    from portal.complaints.forms import SurveyForm
    from portal.complaints.services import ComplaintError

    complaint = _tracked(token)
    form = SurveyForm()
    if not form.validate_on_submit():
        return _status_page(token, complaint, form, 422)
    try:
        tracking.record_satisfaction(
            complaint,
            form.satisfaction.data,
            remark=form.remark.data or "",
            today=services.now_local_date(),
        )
    except ComplaintError as exc:
        form.satisfaction.errors = [str(exc)]
        return _status_page(token, complaint, form, 422)
    db.session.commit()
    flash(_("Dank u wel voor uw antwoord."))
    return redirect(url_for("complaints_public.status", token=token), 303)
