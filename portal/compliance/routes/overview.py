"""Beheer > Criterium 2: the overview and one member's status, deadline and reminders.

The other staff pages of this blueprint live in routes/reminders.py, routes/assess.py and
routes/reports.py; the member's self-reported score in routes/member.py. The audit log, settings,
specialisms and staff accounts are portal.admin's.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.compliance import member_sync, services
from portal.compliance import status as st
from portal.compliance.forms import DeadlineForm
from portal.compliance.models import DeadlineExtension, Reminder
from portal.compliance.regions import UNKNOWN, provinces
from portal.compliance.reminders import ensure_templates
from portal.compliance.routes.blueprint import bp
from portal.core import concurrency
from portal.core.access import require_user
from portal.core.db import utcnow
from portal.core.forms import EmptyForm
from portal.core.htmx import render
from portal.core.responses import done
from portal.core.validation import present
from portal.extensions import db
from portal.members.models import Company
from portal.providers.errors import OK
from portal.reviews import services as review_services
from portal.reviews.models import PROVIDER_LABELS
from portal.reviews.sync import SyncBusy


def filter_options() -> dict:
    """Choices of the filter form (labels are Dutch)."""
    return {
        "statuses": [(s.value, st.STATUS_LABELS[s]) for s in st.ComplianceStatus],
        "kinds": [(k.value, st.KIND_LABELS[k]) for k in st.SystemKind],
        "signals": list(st.SIGNAL_LABELS.items()),
        "provinces": [*provinces(), UNKNOWN],
    }


@bp.get("/")
def overview():
    """Every active member's criterium-2 status; htmx swaps only #compliance-results."""
    filters = services.parse_filters(request.args)
    results, counts, total = services.overview(filters, utcnow())
    return render(
        "compliance/overview.html",
        "compliance/_results.html",
        target="compliance-results",
        results=results,
        counts=counts,
        total=total,
        filters=filters,
        options=filter_options(),
        templates=ensure_templates(persist=False),
        labels={"status": st.STATUS_LABELS, "kind": st.KIND_LABELS, "tone": st.STATUS_TONES},
    )


def company_or_404(public_id: str) -> Company:
    """A member company by public id (staff may see every company).

    :raises NotFound: unknown id.
    """
    company = db.session.scalars(select(Company).where(Company.public_id == public_id)).first()
    if company is None:
        abort(404)
    return company


def _member_page(company: Company, form: DeadlineForm, status: int = 200) -> ResponseReturnValue:
    rows = services.overview_rows(utcnow(), company_ids=[company.id])
    extensions = db.session.scalars(
        select(DeadlineExtension)
        .where(DeadlineExtension.company_id == company.id)
        .order_by(DeadlineExtension.id.desc())
    ).all()
    reminders = db.session.scalars(
        select(Reminder).where(Reminder.company_id == company.id).order_by(Reminder.sent_at.desc())
    ).all()
    return render(
        "compliance/member.html",
        "compliance/_deadline_form.html",
        target="compliance-deadline-form",
        status=status,
        company=company,
        row=rows[0] if rows else None,
        form=form,
        extensions=extensions,
        reminders=reminders,
        sync=member_sync.sync_panel(company),
        chart=review_services.member_chart(review_services.current_system(company)),
        outcome_label=member_sync.outcome_label,
        provider_labels=PROVIDER_LABELS,
        sync_form=EmptyForm(),
        kinds={t.key: t.name for t in ensure_templates(persist=False)},
        labels={"status": st.STATUS_LABELS, "kind": st.KIND_LABELS, "tone": st.STATUS_TONES},
    )


@bp.get("/leden/<public_id>")
def member(public_id: str) -> ResponseReturnValue:
    """One member: status, signals, deadline history and reminders sent."""
    return _member_page(company_or_404(public_id), DeadlineForm())


@bp.post("/leden/<public_id>/termijn")
def set_deadline(public_id: str) -> ResponseReturnValue:
    """Set or extend the deadline with a reason (audited); 422 on invalid input."""
    company = company_or_404(public_id)
    form = DeadlineForm()
    if form.validate_on_submit():

        def create() -> str:
            services.set_deadline(
                company,
                deadline=present(form.deadline.data),
                reason=form.reason.data or "",
                by=require_user(),
            )
            flash(_("De termijn van %(name)s is vastgelegd.", name=company.display_name), "success")
            return url_for("compliance.member", public_id=public_id)

        return done(concurrency.create_once(create))  # a repeated submit records one deadline
    return _member_page(company, form, status=422)


@bp.post("/leden/<public_id>/synchroniseren")
def sync_now(public_id: str) -> ResponseReturnValue:
    """Staff "Nu synchroniseren": one sync of the current link under the run lock (audited).

    :raises BadRequest: the confirm form did not validate.
    """
    company = company_or_404(public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = member_sync.sync_now(company, by=require_user())
    except SyncBusy:
        flash(
            _("Er loopt al een synchronisatie. Probeer het over een paar minuten opnieuw."),
            "warning",
        )
    except services.ComplianceError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        if attempt.outcome == OK:
            flash(
                _(
                    "Gesynchroniseerd: de cijfers van %(name)s zijn bijgewerkt.",
                    name=company.display_name,
                ),
                "success",
            )
        else:
            label = member_sync.outcome_label(attempt.outcome)
            flash(
                _(
                    "Synchroniseren is mislukt (%(label)s); de vorige cijfers blijven staan.",
                    label=label,
                ),
                "warning",
            )
    return done(url_for("compliance.member", public_id=public_id))
