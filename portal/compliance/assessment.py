"""Assessing other review systems ("in overleg") and confirming self-reported scores.

Services flush but never commit; every decision is an audit entry and an e-mail to the member.
The member reads the outcome on the criterium-2 card (ReviewSystem.status / decision_reason).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import CompanyRole, Role, User
from portal.compliance.models import SelfReportedScore, SubmissionStatus
from portal.compliance.services import ComplianceError
from portal.core import audit, outbox, signals
from portal.core.db import utcnow
from portal.core.templating import AMSTERDAM
from portal.extensions import db
from portal.members.models import Company
from portal.reviews import switching
from portal.reviews.models import Provider, ReviewSystem, ScoreSnapshot, SystemStatus

OPEN_STATUSES = (SystemStatus.IN_REVIEW, SystemStatus.MORE_INFO)


class Decision(enum.StrEnum):
    """What staff decide about another system."""

    APPROVE = "goedkeuren"
    REJECT = "afwijzen"
    MORE_INFO = "meer_informatie"


DECISION_STATUS = {
    Decision.APPROVE: SystemStatus.APPROVED,
    Decision.REJECT: SystemStatus.REJECTED,
    Decision.MORE_INFO: SystemStatus.MORE_INFO,
}
DECISION_LABELS = {
    Decision.APPROVE: _l("Goedkeuren"),
    Decision.REJECT: _l("Afwijzen"),
    Decision.MORE_INFO: _l("Meer informatie vragen"),
}
DECISION_SUBJECTS = {
    Decision.APPROVE: _l("Uw klantbeoordelingssysteem is goedgekeurd"),
    Decision.REJECT: _l("Uw klantbeoordelingssysteem voldoet niet"),
    Decision.MORE_INFO: _l("Ledenservice heeft meer informatie nodig over uw beoordelingssysteem"),
}


def queue_query():
    """Other systems waiting for staff, oldest submission first."""
    return (
        select(ReviewSystem)
        .where(
            ReviewSystem.provider == Provider.OTHER,
            ReviewSystem.is_current.is_(True) | ReviewSystem.pending.is_(True),
            ReviewSystem.status.in_(OPEN_STATUSES),
        )
        .order_by(ReviewSystem.requested_at.asc(), ReviewSystem.id.asc())
    )


def pending_scores_query():
    """Self-reported scores waiting for confirmation, oldest first."""
    return (
        select(SelfReportedScore)
        .where(SelfReportedScore.status == SubmissionStatus.PENDING)
        .order_by(SelfReportedScore.submitted_at.asc(), SelfReportedScore.id.asc())
    )


def _member_addresses(company: Company) -> list[str]:
    """The company's beheerders, else the company address."""
    users = db.session.scalars(
        select(User.email).where(
            User.company_id == company.id,
            User.role == Role.MEMBER,
            User.company_role == CompanyRole.BEHEERDER,
            User.active.is_(True),
        )
    ).all()
    return list(users) or ([company.email] if company.email else [])


def _mail(company: Company, kind: str, subject: str, **ctx: Any) -> None:
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/mijn-profiel/beoordelingen/"
    for address in _member_addresses(company):
        outbox.enqueue(
            kind,
            to=address,
            subject=subject,
            template="mail/compliance_decision.txt",
            company=company,
            company_name=company.display_name,
            link=link,
            **ctx,
        )


def decide(system: ReviewSystem, *, decision: Decision, reason: str, by: User) -> ReviewSystem:
    """Approve, reject or ask for more information, with a mandatory reason.

    :raises ComplianceError: no reason, or the system is not waiting for a decision.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ComplianceError(_l("Een toelichting is verplicht."), field="reason")
    if (
        system.provider is not Provider.OTHER
        or not (system.is_current or system.pending)
        or system.status not in OPEN_STATUSES
    ):
        raise ComplianceError(_l("Over dit systeem is al beslist of het is beëindigd."))
    before = {"status": system.status.value, "decision_reason": system.decision_reason}
    system.status = DECISION_STATUS[decision]
    system.decision_reason = reason
    system.decided_by_id = by.id
    system.decided_at = utcnow()
    db.session.flush()
    if decision is Decision.APPROVE:
        switching.promote(system, by=by)  # the member's old system ends only now
    elif decision is Decision.REJECT:
        switching.settle_rejected(system)  # a pending one never replaced the working system
    audit.record(
        f"review_system.{system.status.value}",
        actor=by,
        company=system.company,
        subject=system,
        changes=audit.diff(
            before, {"status": system.status.value, "decision_reason": system.decision_reason}
        ),
    )
    signals.company_changed(system.company_id)
    _mail(
        system.company,
        f"compliance.decision.{decision.value}",
        str(DECISION_SUBJECTS[decision]),
        decision=decision.value,
        system_name=system.other_name,
        reason=reason,
    )
    return system


def submit_score(
    system: ReviewSystem,
    *,
    score: Decimal,
    scale_max: Decimal,
    review_count: int,
    evidence: tuple[str, str, bytes],
    by: User,
) -> SelfReportedScore:
    """A member reports the public score of its approved other system, with evidence.

    :raises ComplianceError: the system is not an approved other system, bad figures, or a
        submission is still waiting.
    """
    if (
        system.provider is not Provider.OTHER
        or not system.is_current
        or system.status is not SystemStatus.APPROVED
    ):
        raise ComplianceError(_l("Alleen voor een goedgekeurd ander systeem."))
    if scale_max not in (Decimal(5), Decimal(10)) or not Decimal(0) <= score <= scale_max:
        raise ComplianceError(_l("De score moet tussen 0 en de schaal liggen."), field="score")
    if not 0 <= review_count <= 1_000_000:
        raise ComplianceError(_l("Vul een aantal tussen 0 en 1.000.000 in."), field="review_count")
    waiting = db.session.scalars(
        pending_scores_query().where(SelfReportedScore.review_system_id == system.id)
    ).first()
    if waiting is not None:
        raise ComplianceError(_l("Uw vorige opgave wacht nog op bevestiging door ledenservice."))
    name, mime, data = evidence
    submission = SelfReportedScore(
        company_id=system.company_id,
        review_system_id=system.id,
        score=score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        scale_max=scale_max,
        review_count=review_count,
        evidence_name=name,
        evidence_mime=mime,
        evidence_data=data,
        submitted_by_id=by.id,
    )
    db.session.add(submission)
    db.session.flush()
    audit.record(
        "compliance.score_submitted",
        actor=by,
        company=system.company,
        subject=submission,
        changes=audit.diff({}, _score_view(submission)),
    )
    return submission


def _score_view(sub: SelfReportedScore) -> dict:
    return {
        "score": str(sub.score),
        "scale_max": str(sub.scale_max),
        "review_count": sub.review_count,
        "status": sub.status.value if sub.status else "pending",
        "evidence_name": sub.evidence_name,
    }


def confirm_score(sub: SelfReportedScore, *, by: User, now: datetime | None = None) -> None:
    """Staff confirm: the figures become the system's last good figures (self-reported).

    :raises ComplianceError: already handled, or the system changed meanwhile.
    """
    system = _open_submission_system(sub)
    now = now or utcnow()
    system.score = sub.score
    system.scale_max = sub.scale_max
    system.score_10 = (sub.score * 10 / sub.scale_max).quantize(Decimal("0.01"))
    system.review_count = sub.review_count
    system.self_reported = True
    system.fetched_at = now
    system.last_success_at = now
    _upsert_snapshot(system, now)
    _close(sub, SubmissionStatus.CONFIRMED, "", by, now)
    signals.company_changed(system.company_id)


def reject_score(sub: SelfReportedScore, *, reason: str, by: User) -> None:
    """Staff reject a self-reported score with a reason; the member is told.

    :raises ComplianceError: no reason, or already handled.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ComplianceError(_l("Een toelichting is verplicht."), field="reason")
    _open_submission_system(sub)
    _close(sub, SubmissionStatus.REJECTED, reason, by, utcnow())


def _open_submission_system(sub: SelfReportedScore) -> ReviewSystem:
    if sub.status is not SubmissionStatus.PENDING:
        raise ComplianceError(_l("Deze opgave is al afgehandeld."))
    system = db.session.get(ReviewSystem, sub.review_system_id)
    if system is None or not system.is_current or system.status is not SystemStatus.APPROVED:
        raise ComplianceError(_l("Het systeem van dit lid is niet meer goedgekeurd."))
    return system


def _upsert_snapshot(system: ReviewSystem, now: datetime) -> None:
    day = now.astimezone(AMSTERDAM).date()
    snap = db.session.scalars(
        select(ScoreSnapshot).where(
            ScoreSnapshot.review_system_id == system.id, ScoreSnapshot.day == day
        )
    ).first()
    if snap is None:
        snap = ScoreSnapshot(
            review_system_id=system.id,
            company_id=system.company_id,
            provider=system.provider,
            day=day,
        )
        db.session.add(snap)
    snap.score, snap.scale_max, snap.review_count = (
        system.score,
        system.scale_max,
        system.review_count,
    )


def _close(
    sub: SelfReportedScore, status: SubmissionStatus, reason: str, by: User, now: datetime
) -> None:
    before = _score_view(sub)
    sub.status, sub.decision_reason = status, reason
    sub.decided_by_id, sub.decided_at = by.id, now
    db.session.flush()
    company = db.session.get_one(Company, sub.company_id)
    audit.record(
        f"compliance.score_{status.value}",
        actor=by,
        company=company,
        subject=sub,
        changes=audit.diff(before, {**_score_view(sub), "decision_reason": reason}),
    )
    _mail(
        company,
        f"compliance.score_{status.value}",
        str(
            _l("Uw opgegeven score is bevestigd")
            if status is SubmissionStatus.CONFIRMED
            else _l("Uw opgegeven score is niet overgenomen")
        ),
        decision=status.value,
        system_name="",
        reason=reason,
    )
