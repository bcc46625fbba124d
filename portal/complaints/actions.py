"""Corrective and improvement actions with an owner and a due date, and their follow-up.

Seed 003 asks that problems are prevented systematically and that results go back to staff;
the action's text may name the customer, so it is personal data (exported, wiped on erasure and
after retention, see retention.py) and the mails about an action leave it out;
an action is what a complaint led to, owned by a colleague, done or overdue. The reminder job
calls `run_action_reminders`; each action is reminded once before its due date and signalled
once to the coordinator when overdue. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.auth.models import User
from portal.complaints import dispatch
from portal.complaints.models import Complaint
from portal.complaints.models_extra import ActionKind, ComplaintAction
from portal.complaints.services import Actor, ComplaintError, add_event
from portal.core.templating import nl_date
from portal.extensions import db

KIND_LABELS = {
    ActionKind.CORRECTIVE: _l("Corrigerende actie"),
    ActionKind.IMPROVEMENT: _l("Verbeteractie"),
}
REMIND_DAYS_BEFORE = 2
MAX_PER_COMPLAINT = 20


def add_action(
    complaint: Complaint,
    *,
    kind: str,
    description: str,
    owner: User | None,
    due_on: date,
    today: date,
    by: User | None,
) -> ComplaintAction:
    """Agree an action; the owner hears of it (unless they agreed it themselves).

    :raises ComplaintError: a due date in the past, or too many actions on one complaint.
    """
    if due_on < today:
        raise ComplaintError(str(_l("Kies een datum vanaf vandaag.")), field="due_on")
    if len(complaint.actions) >= MAX_PER_COMPLAINT:  # type: ignore[attr-defined]
        raise ComplaintError(
            str(_l("Hoogstens %(num)s acties per klacht.", num=MAX_PER_COMPLAINT)),
            field="description",
        )
    actor = Actor.of(by)
    action = ComplaintAction(
        company_id=complaint.company_id,
        kind=ActionKind(kind),
        description=description.strip()[:300],
        owner_id=owner.id if owner else None,
        due_on=due_on,
        created_by_label=actor.label,
    )
    complaint.actions.append(action)  # type: ignore[attr-defined]
    add_event(complaint, "action_added", actor, note=action.description[:200])
    db.session.flush()
    if owner is not None and owner.active and (by is None or by.id != owner.id):
        _tell(
            action,
            {owner.email: owner.name},
            str(_l("Actie voor u bij klacht %(ref)s", ref=complaint.reference)),
            str(
                _l(
                    "U bent eigenaar van een actie bij deze klacht, gereed uiterlijk %(date)s."
                    " Wat er moet gebeuren, staat bij de klacht.",
                    date=nl_date(due_on),
                )
            ),
        )
    return action


def complete(action: ComplaintAction, *, by: User | None, today: date) -> None:
    """Mark the action done (a repeat keeps the first date)."""
    if action.done_on is not None:
        return
    action.done_on = today
    add_event(action.complaint, "action_done", Actor.of(by), note=action.description[:200])
    db.session.flush()


def company_actions(company_id: int, *, state: str, today: date) -> list[ComplaintAction]:
    """The company's actions: `open`, `overdue`, `done` or everything, by due date."""
    stmt = select(ComplaintAction).where(ComplaintAction.company_id == company_id)
    if state == "open":
        stmt = stmt.where(ComplaintAction.done_on.is_(None))
    elif state == "overdue":
        stmt = stmt.where(ComplaintAction.done_on.is_(None), ComplaintAction.due_on < today)
    elif state == "done":
        stmt = stmt.where(ComplaintAction.done_on.is_not(None))
    return list(
        db.session.scalars(stmt.order_by(ComplaintAction.due_on, ComplaintAction.id).limit(500))
    )


@dataclass(frozen=True, slots=True)
class ActionFigures:
    """Actions agreed and done in a period, and those overdue now."""

    agreed: int
    done: int
    overdue: int
    done_late: int


def figures(company_id: int, *, start: date, end: date, today: date) -> ActionFigures:
    """Counts for the statistics page and the management report."""
    base = select(func.count()).select_from(ComplaintAction)
    own = ComplaintAction.company_id == company_id
    created = func.date(ComplaintAction.created_at)

    def count(*where: Any) -> int:
        return db.session.scalar(base.where(own, *where)) or 0

    return ActionFigures(
        agreed=count(created >= start, created <= end),
        done=count(ComplaintAction.done_on >= start, ComplaintAction.done_on <= end),
        overdue=count(ComplaintAction.done_on.is_(None), ComplaintAction.due_on < today),
        done_late=count(
            ComplaintAction.done_on >= start,
            ComplaintAction.done_on <= end,
            ComplaintAction.done_on > ComplaintAction.due_on,
        ),
    )


def run_action_reminders(*, today: date) -> dict[str, int]:
    """Remind owners before the due date and signal overdue actions, once each."""
    counts = {"action_reminder": 0, "action_overdue": 0}
    pending = db.session.scalars(
        select(ComplaintAction)
        .where(
            ComplaintAction.done_on.is_(None),
            ComplaintAction.due_on <= today + timedelta(days=REMIND_DAYS_BEFORE),
        )
        .order_by(ComplaintAction.id)
    ).all()
    for action in pending:
        if action.due_on < today and action.overdue_signalled_on is None:
            _tell(
                action,
                _overdue_people(action),
                str(_l("Actie te laat bij klacht %(ref)s", ref=action.complaint.reference)),
                str(
                    _l(
                        "Een actie bij deze klacht had op %(date)s gereed moeten zijn. Wat er"
                        " moet gebeuren, staat bij de klacht.",
                        date=nl_date(action.due_on),
                    )
                ),
            )
            action.overdue_signalled_on = today
            counts["action_overdue"] += 1
        elif action.due_on >= today and action.reminded_on is None:
            _tell(
                action,
                _owner_or_boss(action),
                str(_l("Herinnering actie bij klacht %(ref)s", ref=action.complaint.reference)),
                str(
                    _l(
                        "Een actie bij deze klacht moet uiterlijk %(date)s gereed zijn. Wat er"
                        " moet gebeuren, staat bij de klacht.",
                        date=nl_date(action.due_on),
                    )
                ),
            )
            action.reminded_on = today
            counts["action_reminder"] += 1
    db.session.flush()
    return counts


def _owner_or_boss(action: ComplaintAction) -> dict[str, str]:
    return _owner_only(action) or _overdue_people(action)


def _overdue_people(action: ComplaintAction) -> dict[str, str]:
    """The owner and the coordinator (or, without one, the beheerders)."""
    people = dict(_owner_only(action))
    company = action.complaint.company
    boss = dispatch.coordinator(company)
    if boss is not None:
        people.setdefault(boss.email, boss.name)
    else:
        for address in dispatch.beheerder_addresses(company):
            people.setdefault(address, "")
    return people


def _owner_only(action: ComplaintAction) -> dict[str, str]:
    owner = action.owner
    if owner is not None and owner.active and owner.company_id == action.company_id:
        return {owner.email: owner.name}
    return {}


def _tell(action: ComplaintAction, people: dict[str, str], subject: str, message: str) -> None:
    dispatch.notice("action", action.complaint, people, subject, message)
