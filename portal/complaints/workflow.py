"""The complaint workflow's rules: steps and the states they lead to (pure), domain errors,
and the history line every change appends.

Services (services.py, deadlines.py and the later parts) build on these; nothing here commits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

from portal.complaints.models import Complaint, ComplaintEvent, ComplaintStatus, ReopenKind, Verdict

if TYPE_CHECKING:
    from portal.auth.models import User


S = ComplaintStatus


class Action(enum.StrEnum):
    """Workflow steps a handler can take."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    PROPOSE = "propose"
    RESUME = "resume"
    CLOSE = "close"
    REOPEN = "reopen"


# action → (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[ComplaintStatus], ComplaintStatus]] = {
    Action.ACKNOWLEDGE: (frozenset({S.RECEIVED}), S.ACKNOWLEDGED),
    Action.START: (frozenset({S.ACKNOWLEDGED}), S.IN_PROGRESS),
    Action.PROPOSE: (frozenset({S.IN_PROGRESS}), S.SOLUTION_PROPOSED),
    Action.RESUME: (frozenset({S.SOLUTION_PROPOSED, S.DISPUTED, S.REOPENED}), S.IN_PROGRESS),
    Action.CLOSE: (
        frozenset({S.IN_PROGRESS, S.SOLUTION_PROPOSED, S.DISPUTED, S.REOPENED}),
        S.CLOSED,
    ),
    # A dispute (geschil) leads to DISPUTED; a repeat problem after repair to REOPENED.
    Action.REOPEN: (frozenset({S.CLOSED}), S.DISPUTED),
}


class ComplaintError(ValueError):
    """A domain rule refused the change; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class TransitionError(ComplaintError):
    """The action is not allowed from the complaint's current state."""


def next_status(current: ComplaintStatus, action: Action) -> ComplaintStatus:
    """The state an action leads to.

    :raises TransitionError: the action is not allowed from `current`.
    """
    sources, target = TRANSITIONS[Action(action)]
    if current not in sources:
        raise TransitionError(str(_l("Deze stap is in de huidige status niet mogelijk.")))
    return target


def allowed_actions(current: ComplaintStatus) -> list[Action]:
    """Actions possible from `current`, in workflow order."""
    return [action for action, (sources, _) in TRANSITIONS.items() if current in sources]


def missing_for(action: Action, data: dict) -> dict[str, str]:
    """Fields an action still needs, as {field: Dutch message} (empty when complete).

    Closing needs a resolution and a verdict, and a rejection always states its reason
    (seed 001); proposing needs the proposal; a dispute names its external route.
    """
    problems: dict[str, str] = {}
    if action in (Action.PROPOSE, Action.CLOSE) and not (data.get("resolution") or "").strip():
        problems["resolution"] = str(_l("Beschrijf de (voorgestelde) oplossing."))
    if action is Action.CLOSE:
        verdict = data.get("verdict")
        if not verdict:
            problems["verdict"] = str(_l("Kies of de klacht gegrond is."))
        elif (
            Verdict(verdict) is Verdict.UNJUSTIFIED
            and not (data.get("verdict_reason") or "").strip()
        ):
            problems["verdict_reason"] = str(_l("Geef aan waarom de klacht ongegrond is."))
    if action is Action.REOPEN:
        kind = data.get("reopen_kind") or ""
        if kind not in {k.value for k in ReopenKind}:
            problems["reopen_kind"] = str(_l("Kies waarom de klacht wordt heropend."))
        elif kind == ReopenKind.DISPUTE and not (data.get("dispute_route") or "").strip():
            problems["dispute_route"] = str(
                _l("Vermeld de externe route, bijvoorbeeld De Geschillencommissie.")
            )
    return problems


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, or the public form / a scheduled job."""

    user_id: int | None
    label: str

    @classmethod
    def of(cls, user: User | None) -> Actor:
        if user is None:
            return cls(None, "systeem")
        return cls(user.id, user.name or user.email.split("@", 1)[0])


def add_event(complaint: Complaint, kind: str, actor: Actor, **values: Any) -> ComplaintEvent:
    """Append one history line to the complaint."""
    event = ComplaintEvent(kind=kind, actor_id=actor.user_id, actor_label=actor.label, **values)
    complaint.events.append(event)
    return event
