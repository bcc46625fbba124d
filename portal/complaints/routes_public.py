"""Public complaint form per listed member: /ledenzoeker/<slug>/klacht.

Abuse protection: CSRF, a rate limit per IP on submissions (COMPLAINTS_PUBLIC_RATE, default
5/hour), a honeypot field, length caps on every field. A filled honeypot gets the same
thank-you page as a real submission, but nothing is stored or sent.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from sqlalchemy import select

from portal.agreements.gate import public_form_gate
from portal.complaints import dispatch, services
from portal.complaints.forms import PublicComplaintForm
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
    return current_app.config.get("COMPLAINTS_PUBLIC_RATE", "5/hour")


@bp.get("/<slug>/klacht")
def form(slug: str):
    """The complaint form."""
    company = _listed_company(slug)
    return _form_page(company, PublicComplaintForm())


def _form_page(company: Company, form: PublicComplaintForm, status: int = 200):
    """The form with the company's own terms: handling period and retention (its policy)."""
    policy = services.policy_for(company)
    return render_template(
        "complaints/public_form.html",
        form=form,
        company=company,
        policy=policy,
        retention=retention_text(current_app.config.get("COMPLAINTS_RETENTION_DAYS", 730)),
    ), status


def retention_text(days: int) -> str:
    """The retention period in words: "twee jaar", "18 maanden", "90 dagen"."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    words = {1: _("één"), 2: _("twee"), 3: _("drie"), 4: _("vier"), 5: _("vijf")}
    if days % 365 == 0:
        years = days // 365
        return _("%(num)s jaar", num=words.get(years, str(years)))
    if days >= 60 and days % 30 == 0:
        return ngettext("%(num)s maand", "%(num)s maanden", days // 30)
    return ngettext("%(num)s dag", "%(num)s dagen", days)


@bp.post("/<slug>/klacht")
@limiter.limit(_public_rate, methods=["POST"])
def submit(slug: str):
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
def thanks(slug: str):
    """Confirmation page (shows nothing of the submitted data)."""
    company = _listed_company(slug)
    return render_template("complaints/public_thanks.html", company=company)
