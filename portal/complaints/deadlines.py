"""Deadlines of a complaint: computed from the company's policy, extended by an interim reply,
and a missed deadline recorded for good (how "binnen de termijn" is counted, see the README).

Flushes never, commits never: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from portal.complaints import workdays
from portal.complaints.models import Complaint, ComplaintPolicy
from portal.complaints.policy import policy_for
from portal.complaints.workflow import Actor, add_event
from portal.config import ComplaintSettings

if TYPE_CHECKING:
    from portal.auth.models import User


def compute_deadlines(
    received_on: date, policy: ComplaintPolicy, rules: workdays.HolidayRules
) -> tuple[date, date]:
    """(acknowledgement due, handling due) for a complaint received on `received_on`."""
    ack = workdays.add_working_days(received_on, policy.ack_working_days, rules)
    due = workdays.due_after_days(received_on, policy.handling_days, rules)
    return ack, due


def holiday_rules() -> workdays.HolidayRules:
    """Holiday choices from the settings (COMPLAINTS_GOOD_FRIDAY, COMPLAINTS_LIBERATION_YEARLY)."""
    settings = ComplaintSettings.of()
    return workdays.HolidayRules(
        good_friday=settings.good_friday, liberation_yearly=settings.liberation_yearly
    )


def note_missed_deadline(complaint: Complaint, *, today: date) -> bool:
    """Record the handling deadline as missed when it passed with the complaint open.

    Only the first missed deadline is kept: later extensions cannot make the case on time.
    """
    if today > complaint.due_on and complaint.missed_due_on is None:
        complaint.missed_due_on = complaint.due_on
        return True
    return today > complaint.due_on


def promised_due(complaint: Complaint, *, today: date, interim: bool = False) -> date:
    """The handling date a letter sent today promises (and, once sent, the deadline).

    After the deadline: today plus the policy's extension, so no letter promises a date already
    past. An interim reply in time moves the deadline by the extension once per handling round.
    """
    policy = policy_for(complaint.company)
    rules = holiday_rules()
    if today > complaint.due_on:
        return workdays.due_after_days(today, max(policy.extension_days, 1), rules)
    if interim and complaint.extended_on is None:
        return workdays.due_after_days(complaint.due_on, policy.extension_days, rules)
    return complaint.due_on


def extend_deadline(
    complaint: Complaint, *, today: date, by: User | None = None
) -> tuple[date, bool]:
    """After an interim reply: move the handling deadline by the policy's extension.

    In time, once per handling round (a second interim reply keeps the date). After the
    deadline the extension is recorded as late: the missed deadline stays in `missed_due_on`,
    so the complaint never counts as handled in time. Returns (deadline, late).
    """
    new_due = promised_due(complaint, today=today, interim=True)
    late = note_missed_deadline(complaint, today=today)
    if new_due == complaint.due_on:
        return complaint.due_on, False
    complaint.due_on = new_due
    complaint.extended_on = today
    add_event(
        complaint,
        "deadline_late" if late else "deadline",
        Actor.of(by),
        note=complaint.due_on.isoformat(),
    )
    return complaint.due_on, late


def acknowledge_late(complaint: Complaint, *, today: date, by: User | None = None) -> bool:
    """A late acknowledgement (after the handling deadline): record the miss, set the new date.

    Returns True when the acknowledgement came after the handling deadline.
    """
    if today <= complaint.due_on:
        return False
    note_missed_deadline(complaint, today=today)
    complaint.due_on = promised_due(complaint, today=today)
    complaint.extended_on = today
    add_event(complaint, "deadline_late", Actor.of(by), note=complaint.due_on.isoformat())
    return True
