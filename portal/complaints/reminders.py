"""Reminders before a deadline and escalations to the company beheerder after it (seed 003);
a long delay is put before the coordinator automatically (auto_escalation.py).

`due_signals` is pure; `run_reminders` records each signal once per complaint, kind and
deadline (a unique row), queuing its mails in the same savepoint, so reruns send nothing twice.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from portal.auth.models import User
from portal.complaints import auto_escalation, signal_log, workdays
from portal.complaints.dispatch import absolute_url, beheerder_addresses, coordinator
from portal.complaints.labels import SIGNAL_LABELS
from portal.complaints.models import (
    Complaint,
    ComplaintPolicy,
    ComplaintSignal,
    ComplaintStatus,
    SignalKind,
)
from portal.complaints.services import holiday_rules, policy_for
from portal.core import outbox
from portal.extensions import db

ESCALATIONS = (SignalKind.ACK_ESCALATION, SignalKind.DUE_ESCALATION)
ACK_KINDS = (SignalKind.ACK_REMINDER, SignalKind.ACK_ESCALATION)
DUE_KINDS = (SignalKind.DUE_REMINDER, SignalKind.DUE_ESCALATION, SignalKind.AUTO_ESCALATION)


def due_signals(
    complaint: Complaint,
    policy: ComplaintPolicy,
    *,
    today: date,
    rules: workdays.HolidayRules = workdays.DEFAULT_RULES,
) -> list[tuple[SignalKind, date]]:
    """Which signals a complaint calls for today: (kind, deadline) pairs."""
    signals: list[tuple[SignalKind, date]] = []
    if not complaint.is_open:
        followup = complaint.followup_on
        if followup is not None and complaint.followup_done_on is None and today >= followup:
            signals.append((SignalKind.FOLLOWUP_DUE, followup))
        return signals
    checks = [(complaint.due_on, SignalKind.DUE_REMINDER, SignalKind.DUE_ESCALATION)]
    if complaint.status is ComplaintStatus.RECEIVED:
        checks.insert(0, (complaint.ack_due_on, SignalKind.ACK_REMINDER, SignalKind.ACK_ESCALATION))
    for deadline, reminder, escalation in checks:
        remind_from = workdays.subtract_working_days(deadline, policy.reminder_working_days, rules)
        if today > deadline:
            signals.append((escalation, deadline))
        elif today >= remind_from:
            signals.append((reminder, deadline))
    if today > auto_escalation.escalate_from(complaint.due_on, policy, rules):
        signals.append((SignalKind.AUTO_ESCALATION, complaint.due_on))
    return signals


def _recipients(complaint: Complaint, kind: SignalKind) -> list[tuple[str, str]]:
    """(address, name) pairs: the handler for reminders, also the beheerders on escalation."""
    people: dict[str, str] = {}
    handler: User | None = complaint.handler
    if handler is not None and handler.active and handler.company_id == complaint.company_id:
        people[handler.email] = handler.name
    if kind in ESCALATIONS or not people:
        boss = coordinator(complaint.company)
        if boss is not None:
            people.setdefault(boss.email, boss.name)
        for address in beheerder_addresses(complaint.company):
            people.setdefault(address, "")
    return list(people.items())


def _record(complaint: Complaint, kind: SignalKind, deadline: date) -> bool:
    """Insert the signal and queue its mails atomically; False when it already exists."""
    if signal_log.recorded(complaint.id, kind, deadline):
        return False
    recipients = _recipients(complaint, kind)
    link = absolute_url("complaints.show", public_id=complaint.public_id)

    def mail() -> None:
        for address, name in recipients:
            outbox.enqueue(
                f"complaints/{kind.value}",
                to=address,
                subject=f"{SIGNAL_LABELS[kind]}: {complaint.reference}",
                template="mail/complaints_signal.txt",
                company=complaint.company,
                name=name,
                message=str(SIGNAL_LABELS[kind]),
                complaint=complaint,
                category=complaint.category.name if complaint.category else "",
                deadline=deadline,
                link=link,
            )

    return signal_log.record_once(complaint, kind, deadline, len(recipients), mail)


def run_reminders(*, today: date) -> dict[str, int]:
    """Check every open complaint once; returns how many signals of each kind were new."""
    counts = {kind.value: 0 for kind in SignalKind}
    rules = holiday_rules()
    policies: dict[int, ComplaintPolicy] = {}
    open_ids = db.session.scalars(
        select(Complaint.id)
        .where(
            or_(
                Complaint.status != ComplaintStatus.CLOSED,
                and_(  # aftercare still to do
                    Complaint.followup_on <= today,
                    Complaint.followup_done_on.is_(None),
                    Complaint.anonymised_at.is_(None),
                ),
            )
        )
        .order_by(Complaint.id)
    ).all()
    for complaint_id in open_ids:
        complaint = db.session.get_one(Complaint, complaint_id)
        if complaint.company_id not in policies:
            policies[complaint.company_id] = policy_for(complaint.company)
        policy = policies[complaint.company_id]
        for kind, deadline in due_signals(complaint, policy, today=today, rules=rules):
            if kind is SignalKind.AUTO_ESCALATION:
                done = auto_escalation.escalate(complaint, policy, deadline)
            else:
                done = _record(complaint, kind, deadline)
            counts[kind.value] += done
    return counts


def open_signals(company_id: int, *, limit: int = 20) -> list[ComplaintSignal]:
    """Escalations and reminders of the company's still-open complaints, newest first."""
    return list(
        db.session.scalars(
            select(ComplaintSignal)
            .join(Complaint, Complaint.id == ComplaintSignal.complaint_id)
            .where(
                ComplaintSignal.company_id == company_id,
                or_(  # only signals about the deadlines that still apply
                    and_(
                        ComplaintSignal.kind == SignalKind.FOLLOWUP_DUE,
                        Complaint.followup_done_on.is_(None),
                        Complaint.status == ComplaintStatus.CLOSED,
                    ),
                    and_(
                        Complaint.status != ComplaintStatus.CLOSED,
                        or_(
                            and_(
                                ComplaintSignal.kind.in_(ACK_KINDS),
                                Complaint.status == ComplaintStatus.RECEIVED,
                            ),
                            and_(
                                ComplaintSignal.kind.in_(DUE_KINDS),
                                ComplaintSignal.deadline == Complaint.due_on,
                            ),
                        ),
                    ),
                ),
            )
            .order_by(ComplaintSignal.created_at.desc(), ComplaintSignal.id.desc())
            .limit(limit)
        )
    )
