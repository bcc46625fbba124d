"""Beheer > Criterium 2 > Beoordelen: other systems "in overleg" and self-reported scores."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import undefer

from portal.compliance import assessment
from portal.compliance.forms import DecisionForm, ScoreDecisionForm
from portal.compliance.models import SelfReportedScore
from portal.compliance.routes.blueprint import bp
from portal.compliance.services import ComplianceError
from portal.core import queues
from portal.core.access import require_user
from portal.core.htmx import render
from portal.core.responses import done
from portal.extensions import db
from portal.members.models import Company
from portal.reviews.forms import is_https_url
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

QUEUE_PER_PAGE = 25


def _page(query: Select[Any], param: str) -> Pagination:
    """One page of a queue list; the page number comes from the query string `param`."""
    return db.paginate(
        query,
        page=request.args.get(param, 1, type=int),
        per_page=QUEUE_PER_PAGE,
        max_per_page=QUEUE_PER_PAGE,
        error_out=False,
    )


@bp.get("/beoordelen")
def queue():
    """Submitted other systems (search, filter, sort; oldest first by default) and
    self-reported scores waiting for staff, paged."""
    filters = {
        "": (_("Alle gemelde systemen"), None),
        "besluit": (_("Wacht op besluit"), ReviewSystem.status == SystemStatus.IN_REVIEW),
        "info": (_("Meer informatie gevraagd"), ReviewSystem.status == SystemStatus.MORE_INFO),
        "overstap": (_("Overstap: huidig systeem blijft"), ReviewSystem.pending.is_(True)),
    }
    args = queues.QueueArgs.from_args(request.args, filters=filters)
    query = queues.apply(
        assessment.queue_query().join(Company, Company.id == ReviewSystem.company_id),
        args,
        search_columns=(
            Company.legal_name, Company.trade_name, Company.member_number, ReviewSystem.other_name,
        ),
        date_column=ReviewSystem.requested_at,
        name_column=queues.company_name(Company),
        filters={key: condition for key, (_label, condition) in filters.items()},
    )  # fmt: skip
    systems = _page(query, "page")
    scores = _page(assessment.pending_scores_query(), "score_page")
    return render_template(
        "compliance/queue.html",
        systems=systems,
        scores=scores,
        queue_args=args,
        filters={key: label for key, (label, _condition) in filters.items()},
        sorts=queues.SORTS,
        args={"page": systems.page, "score_page": scores.page, **args.url_args()},
    )


def _other_system_or_404(system_id: str) -> ReviewSystem:
    system = db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.public_id == system_id, ReviewSystem.provider == Provider.OTHER
        )
    ).first()
    if system is None:
        abort(404)
    return system


def _system_page(
    system: ReviewSystem, form: DecisionForm, problem: str = "", status: int = 200
) -> ResponseReturnValue:
    return render(
        "compliance/assess.html",
        "compliance/_decision_form.html",
        target="compliance-decision-form",
        status=status,
        system=system,
        form=form,
        problem=problem,
        safe_url=system.other_url if is_https_url(system.other_url or "") else "",
        is_open=(system.is_current or system.pending) and system.status in assessment.OPEN_STATUSES,
    )


@bp.get("/beoordelen/<system_id>")
def assess(system_id: str) -> ResponseReturnValue:
    """One submitted system: the member's evidence and the decision form."""
    return _system_page(_other_system_or_404(system_id), DecisionForm())


@bp.post("/beoordelen/<system_id>")
def decide(system_id: str) -> ResponseReturnValue:
    """Approve, reject or ask for more information (reason required); audited and mailed."""
    system = _other_system_or_404(system_id)
    form = DecisionForm()
    problem = ""
    if form.validate_on_submit():
        try:
            assessment.decide(
                system,
                decision=assessment.Decision(form.decision.data),
                reason=form.reason.data or "",
                by=require_user(),
            )
        except ComplianceError as exc:
            problem = exc.message
        else:
            db.session.commit()
            flash(_("Het besluit over %(name)s is vastgelegd.", name=system.other_name), "success")
            return done(url_for("compliance.queue"))
    return _system_page(system, form, problem=problem, status=422)


def evidence_response(name: str, mime: str, data: bytes | None) -> Response:
    """Evidence as a download: never rendered inline, sandboxed, type fixed by content sniffing."""
    if not data:
        abort(404)
    response = Response(data, mimetype=mime or "application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{name or "bewijs"}"'
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


@bp.get("/beoordelen/<system_id>/bewijs")
def system_evidence(system_id: str) -> ResponseReturnValue:
    """Download the evidence a member attached to its other system."""
    system = db.session.scalars(
        select(ReviewSystem)
        .options(undefer(ReviewSystem.evidence_data))
        .where(ReviewSystem.public_id == system_id, ReviewSystem.provider == Provider.OTHER)
    ).first()
    if system is None:
        abort(404)
    return evidence_response(system.evidence_name, system.evidence_mime, system.evidence_data)


def _score_or_404(score_id: str, *, with_data: bool = False) -> SelfReportedScore:
    query = select(SelfReportedScore).where(SelfReportedScore.public_id == score_id)
    if with_data:
        query = query.options(undefer(SelfReportedScore.evidence_data))
    submission = db.session.scalars(query).first()
    if submission is None:
        abort(404)
    return submission


def _score_page(
    sub: SelfReportedScore, form: ScoreDecisionForm, problem: str = "", status: int = 200
) -> ResponseReturnValue:
    system = db.session.get(ReviewSystem, sub.review_system_id)
    url = system.other_url if system is not None else ""
    return render(
        "compliance/score.html",
        "compliance/_score_form.html",
        target="compliance-score-form",
        status=status,
        sub=sub,
        system=system,
        safe_url=url if is_https_url(url or "") else "",
        form=form,
        problem=problem,
    )


@bp.get("/scores/<score_id>")
def score(score_id: str) -> ResponseReturnValue:
    """A self-reported score with its evidence and the confirm form."""
    return _score_page(_score_or_404(score_id), ScoreDecisionForm())


@bp.post("/scores/<score_id>")
def decide_score(score_id: str) -> ResponseReturnValue:
    """Confirm (figures become the system's, marked self-reported) or reject with a reason."""
    sub = _score_or_404(score_id)
    form = ScoreDecisionForm()
    problem = ""
    if form.validate_on_submit():
        try:
            if form.decision.data == "bevestigen":
                assessment.confirm_score(sub, by=require_user())
            else:
                assessment.reject_score(sub, reason=form.reason.data or "", by=require_user())
        except ComplianceError as exc:
            problem = exc.message
        else:
            db.session.commit()
            flash(_("De opgegeven score is afgehandeld."), "success")
            return done(url_for("compliance.queue"))
    return _score_page(sub, form, problem=problem, status=422)


@bp.get("/scores/<score_id>/bewijs")
def score_evidence(score_id: str) -> ResponseReturnValue:
    """Download the evidence of a self-reported score."""
    sub = _score_or_404(score_id, with_data=True)
    return evidence_response(sub.evidence_name, sub.evidence_mime, sub.evidence_data)
