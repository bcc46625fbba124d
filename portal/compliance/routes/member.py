"""Mijn profiel > Criterium 2 > Score opgeven: self-reported figures of an approved other system."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from flask import Blueprint, flash, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.compliance import assessment
from portal.compliance.forms import SelfReportForm
from portal.compliance.models import SelfReportedScore
from portal.compliance.services import ComplianceError
from portal.core import concurrency
from portal.core.access import company_admin_required, current_company, require_user
from portal.core.htmx import render
from portal.core.responses import done
from portal.core.security import member_required
from portal.core.validation import present
from portal.extensions import db
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

bp = Blueprint("compliance_member", __name__)


@bp.before_request
@member_required
def _members_only():
    """Logged-in member users only (staff get 404)."""
    return None


def _approved_other():
    """The company's current, approved other system, or None."""
    company = current_company()
    return db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.company_id == company.id,
            ReviewSystem.is_current.is_(True),
            ReviewSystem.provider == Provider.OTHER,
            ReviewSystem.status == SystemStatus.APPROVED,
        )
    ).first()


def _page(
    form: SelfReportForm, system: ReviewSystem | None, problem: str = "", status: int = 200
) -> ResponseReturnValue:
    history: Sequence[SelfReportedScore] = []
    if system is not None:
        history = db.session.scalars(
            select(SelfReportedScore)
            .where(SelfReportedScore.review_system_id == system.id)
            .order_by(SelfReportedScore.submitted_at.desc())
            .limit(10)
        ).all()
    return render(
        "compliance/member_score.html",
        "compliance/_member_score_form.html",
        target="compliance-member-score-form",
        status=status,
        form=form,
        system=system,
        history=history,
        problem=problem,
    )


beheerder_only = company_admin_required(
    _l("Alleen de beheerder van uw bedrijf kan een score opgeven.")
)


@bp.get("/score")
def score_form():
    """Form for score, scale, count and evidence (only for an approved other system)."""
    return _page(SelfReportForm(), _approved_other())


@bp.post("/score")
@beheerder_only
def submit_score():
    """Submit the figures; ledenservice confirms them before they count."""
    system = _approved_other()
    form = SelfReportForm()
    problem = ""
    if system is None:
        problem = _("U heeft geen goedgekeurd ander systeem.")
    elif form.validate_on_submit():
        problems: list[str] = []
        url = concurrency.create_once(lambda: _submit(system, form, problems))
        if url is not None:
            return done(url)
        problem = problems[0] if problems else ""
    return _page(form, system, problem=problem, status=422)


def _submit(system: ReviewSystem, form: SelfReportForm, problems: list[str]) -> str | None:
    """The service call of `submit_score`: the form's URL, or None with the problem noted."""
    try:
        assessment.submit_score(
            system,
            score=present(form.score.data),
            scale_max=Decimal(form.scale_max.data),
            review_count=present(form.review_count.data),
            evidence=present(form.evidence_payload),
            by=require_user(),
        )
    except ComplianceError as exc:
        problems.append(exc.message)
        return None
    flash(_("Uw score is doorgestuurd naar ledenservice ter bevestiging."), "success")
    return url_for("compliance_member.score_form")
