"""Escalation: a handler puts a complaint before a superior (the coordinator or a named colleague).

Seed 003: "wanneer er aanzienlijke vertragingen optreden, worden de klachten doorgegeven aan een
superieur"; the reminder job already signals missed deadlines to the coordinator and beheerders,
this is the deliberate step. The superior gets a notice without complainant data or the reason
(which may quote the customer); the reason stays in the history. Flushes, never commits.

Putting the same complaint before the same superior again within REPEAT_WINDOW does nothing
(no second notice): the complaint's row is locked first, so parallel submits count as repeats.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import User
from portal.complaints import dispatch
from portal.complaints.models import Complaint, ComplaintEvent
from portal.complaints.services import Actor, ComplaintError, add_event
from portal.core import audit, concurrency
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db

REPEAT_WINDOW = timedelta(minutes=10)
AUDIT_ACTION = "complaint.escalated"


def escalate(
    complaint: Complaint, superior: User, reason: str, *, by: User | None
) -> ComplaintEvent | None:
    """Put the complaint before `superior` with a reason; history line, audit event and notice.
    None (nothing done) when it was put before them within REPEAT_WINDOW already.

    :raises ComplaintError: escalating to oneself, or the complaint is closed.
    """
    if not complaint.is_open:
        raise ComplaintError(
            str(_l("Een afgehandelde klacht kunt u niet voorleggen; heropen haar eerst.")),
            field="superior",
        )
    if by is not None and by.id == superior.id:
        raise ComplaintError(
            str(_l("Kies iemand anders dan uzelf om de klacht aan voor te leggen.")),
            field="superior",
        )
    concurrency.lock_row(Complaint, complaint.id)
    if recently_escalated(complaint, superior):
        return None
    actor = Actor.of(by)
    event = add_event(
        complaint, "escalated", actor, note=f"{superior.name}: {reason.strip()[:1000]}"
    )
    audit.record(
        AUDIT_ACTION,
        actor=by,
        company=complaint.company,
        subject=complaint,
        changes={"superior": superior.public_id},
    )
    db.session.flush()
    if superior.active:
        dispatch.notice(
            "escalated",
            complaint,
            {superior.email: superior.name},
            str(_l("Klacht %(ref)s aan u voorgelegd", ref=complaint.reference)),
            str(
                _l(
                    "%(name)s legt deze klacht aan u voor. De toelichting staat in de geschiedenis"
                    " van de klacht.",
                    name=actor.label,
                )
            ),
        )
    return event


def recently_escalated(complaint: Complaint, superior: User) -> bool:
    """Whether the complaint was put before `superior` within REPEAT_WINDOW."""
    since = utcnow() - REPEAT_WINDOW
    recent = db.session.scalars(
        select(AuditEvent.changes).where(
            AuditEvent.action == AUDIT_ACTION,
            AuditEvent.subject_type == "complaint",
            AuditEvent.subject_id == complaint.public_id,
            AuditEvent.created_at >= since,
        )
    )
    return any((changes or {}).get("superior") == superior.public_id for changes in recent)


def superiors(
    complaint: Complaint, people: list[User], *, me: User | None
) -> list[tuple[str, str]]:
    """Choices: the coordinator first (marked), then the other colleagues; never oneself."""
    boss = dispatch.coordinator(complaint.company)
    others = [u for u in people if me is None or u.id != me.id]
    choices = []
    if boss is not None and boss in others:
        choices.append((boss.public_id, str(_l("%(name)s (klachtencoördinator)", name=boss.name))))
    choices += [(u.public_id, u.name or u.email) for u in others if boss is None or u.id != boss.id]
    return choices


def last_escalation(complaint: Complaint) -> ComplaintEvent | None:
    """The latest escalation of the complaint, for the page."""
    found = [e for e in complaint.events if e.kind == "escalated"]
    return found[-1] if found else None
