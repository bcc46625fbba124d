"""Automatic escalation of a long delay (seed 003: "wanneer er aanzienlijke vertragingen
optreden, worden de klachten automatisch doorgegeven aan een superieur").

The reminder job (`flask complaints remind`, reminders.run_reminders) calls `escalate` for an
open complaint whose handling deadline lies more than the policy's `escalate_after_days` working
days behind it. The complaint is put before the company's complaints coordinator (without one,
or when the coordinator already handles it: the beheerders) with a notice through the outbox and a
line in its history; only when the policy's `escalate_reassign` is on does the coordinator also
become its handler (the previous handler is told).

Once per deadline, also with the job running on several hosts at once: the complaint's row is
locked first, and a ComplaintSignal row (unique per complaint, kind and deadline) is written in
the same savepoint as the history, the reassignment and the mails, so a second run finds it and
does nothing. Flushes, never commits. Mails carry the complaint number and a link, never the
complainant's data.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from portal.complaints import dispatch, signal_log, workdays
from portal.complaints.models import Complaint, ComplaintPolicy, SignalKind
from portal.complaints.policy import ESCALATE_AFTER_DAYS
from portal.complaints.workflow import Actor, add_event
from portal.core import concurrency
from portal.core.templating import nl_date
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

SYSTEM = Actor(None, "systeem")
KIND = SignalKind.AUTO_ESCALATION


def escalate_from(
    deadline: date, policy: ComplaintPolicy, rules: workdays.HolidayRules = workdays.DEFAULT_RULES
) -> date:
    """The last day of grace: the complaint is escalated on the day after it (pure)."""
    after = policy.escalate_after_days
    return workdays.add_working_days(
        deadline, ESCALATE_AFTER_DAYS if after is None else after, rules
    )


def escalate(complaint: Complaint, policy: ComplaintPolicy, deadline: date) -> bool:
    """Put the complaint before the coordinator for this deadline; False when already done."""
    concurrency.lock_row(Complaint, complaint.id)
    db.session.refresh(complaint)  # what a run that held the lock before us wrote
    if (
        signal_log.recorded(complaint.id, KIND, deadline)
        or not complaint.is_open
        or complaint.due_on != deadline
    ):
        return False
    boss = dispatch.coordinator(complaint.company)
    previous = complaint.handler
    reassign = (
        bool(policy.escalate_reassign) and boss is not None and complaint.handler_id != boss.id
    )
    people = _superiors(complaint, boss, reassign=reassign)

    def act() -> None:
        to = "coordinator" if boss is not None and boss.email in people else "beheerders"
        add_event(complaint, "auto_escalated", SYSTEM, note=to)
        if reassign and boss is not None:
            complaint.handler_id, complaint.handler = boss.id, boss
            add_event(complaint, "assigned", SYSTEM, note=Actor.of(boss).label)
        _tell(complaint, people, deadline, reassigned=reassign)
        if reassign and previous is not None and previous.active and boss is not None:
            _tell_previous(complaint, previous, deadline, boss_name=Actor.of(boss).label)

    return signal_log.record_once(complaint, KIND, deadline, len(people), act)


def _superiors(complaint: Complaint, boss: User | None, *, reassign: bool) -> dict[str, str]:
    """The coordinator; without one, or when they already handle it, the beheerders."""
    if boss is not None and (reassign or complaint.handler_id != boss.id):
        return {boss.email: boss.name}
    handler_email = complaint.handler.email if complaint.handler is not None else None
    return {
        address: ""
        for address in dispatch.beheerder_addresses(complaint.company)
        if address != handler_email
    }


def _tell(
    complaint: Complaint, people: dict[str, str], deadline: date, *, reassigned: bool
) -> None:
    message = str(
        _l(
            "De afhandeltermijn van deze klacht verstreek op %(date)s en de klacht is nog niet"
            " afgehandeld. Volgens de klachtenregeling van uw bedrijf is zij daarom automatisch"
            " aan u voorgelegd.",
            date=nl_date(deadline),
        )
    )
    if reassigned:
        message += " " + str(_l("U bent nu ook de behandelaar van deze klacht."))
    dispatch.notice(
        "auto_escalated",
        complaint,
        people,
        str(_l("Klacht %(ref)s: termijn ruim verstreken", ref=complaint.reference)),
        message,
    )


def _tell_previous(complaint: Complaint, previous: User, deadline: date, *, boss_name: str) -> None:
    dispatch.notice(
        "auto_reassigned",
        complaint,
        {previous.email: previous.name},
        str(_l("Klacht %(ref)s is overgedragen", ref=complaint.reference)),
        str(
            _l(
                "De afhandeltermijn verstreek op %(date)s. Volgens de klachtenregeling van uw"
                " bedrijf is de klacht automatisch overgedragen aan de klachtencoördinator"
                " %(name)s.",
                date=nl_date(deadline),
                name=boss_name,
            )
        ),
    )
