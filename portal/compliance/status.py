"""Criterium-2 status, system kind, deadline and signals as pure functions (table-testable).

Nothing here touches the database, the request or the clock: callers pass `today`/`now` and
the thresholds, so every combination can be tested from a table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.reviews.models import Provider, SystemStatus

OK_OUTCOME = "ok"


class ComplianceStatus(enum.StrEnum):
    """Whether a member meets criterium 2."""

    VOLDOET = "voldoet"
    IN_BEHANDELING = "in_behandeling"
    VOLDOET_NIET = "voldoet_niet"


STATUS_LABELS = {
    ComplianceStatus.VOLDOET: _l("voldoet"),
    ComplianceStatus.IN_BEHANDELING: _l("in behandeling"),
    ComplianceStatus.VOLDOET_NIET: _l("voldoet niet"),
}
STATUS_TONES = {
    ComplianceStatus.VOLDOET: "ok",
    ComplianceStatus.IN_BEHANDELING: "warn",
    ComplianceStatus.VOLDOET_NIET: "bad",
}


class SystemKind(enum.StrEnum):
    """The review-system column of the overview (also a filter)."""

    KV_ACTIVE = "kv_actief"
    KV_REQUESTED = "kv_aangevraagd"
    KIYOH = "kiyoh"
    FEEDBACK_COMPANY = "feedback_company"
    OTHER_APPROVED = "ander_goedgekeurd"
    OTHER_IN_REVIEW = "ander_in_beoordeling"
    OTHER_REJECTED = "ander_afgewezen"
    NONE = "geen"


KIND_LABELS = {
    SystemKind.KV_ACTIVE: _l("Klantenvertellen actief"),
    SystemKind.KV_REQUESTED: _l("Klantenvertellen aangevraagd"),
    SystemKind.KIYOH: _l("Kiyoh"),
    SystemKind.FEEDBACK_COMPANY: _l("Feedback Company"),
    SystemKind.OTHER_APPROVED: _l("Ander systeem, goedgekeurd"),
    SystemKind.OTHER_IN_REVIEW: _l("Ander systeem, in beoordeling"),
    SystemKind.OTHER_REJECTED: _l("Ander systeem, afgewezen"),
    SystemKind.NONE: _l("Geen systeem"),
}

# A live system that satisfies criterium 2; pending ones are "in behandeling".
SATISFYING = frozenset({SystemStatus.ACTIVE, SystemStatus.APPROVED})
PENDING = frozenset(
    {SystemStatus.REQUESTED, SystemStatus.UNCHECKED, SystemStatus.IN_REVIEW, SystemStatus.MORE_INFO}
)


def system_kind(provider: Provider | None, status: SystemStatus | None) -> SystemKind:
    """Classify the current system for the overview column and filter."""
    if provider is None or status is None or status is SystemStatus.ENDED:
        return SystemKind.NONE
    if provider is Provider.OTHER:
        if status in SATISFYING:
            return SystemKind.OTHER_APPROVED
        if status is SystemStatus.REJECTED:
            return SystemKind.OTHER_REJECTED
        return SystemKind.OTHER_IN_REVIEW
    if status is SystemStatus.REJECTED:
        return SystemKind.NONE
    if provider is Provider.KLANTENVERTELLEN:
        return SystemKind.KV_REQUESTED if status is SystemStatus.REQUESTED else SystemKind.KV_ACTIVE
    return SystemKind.KIYOH if provider is Provider.KIYOH else SystemKind.FEEDBACK_COMPANY


def compute_status(
    provider: Provider | None, status: SystemStatus | None, *, deadline: date | None, today: date
) -> ComplianceStatus:
    """Criterium-2 status: a live system meets it, a pending one is being handled, and
    without one a member is "in behandeling" up to and including its deadline day."""
    if provider is not None and status in SATISFYING:
        return ComplianceStatus.VOLDOET
    if provider is not None and status in PENDING:
        return ComplianceStatus.IN_BEHANDELING
    if deadline is not None and today <= deadline:
        return ComplianceStatus.IN_BEHANDELING
    return ComplianceStatus.VOLDOET_NIET


def default_deadline(member_since: date | None, registered_on: date, period_days: int) -> date:
    """A new member's deadline: membership start (else registration) plus the period."""
    return (member_since or registered_on) + timedelta(days=period_days)


def effective_deadline(
    member_since: date | None, registered_on: date, period_days: int, extension: date | None
) -> date:
    """The deadline staff set (newest extension) wins over the default period."""
    if extension is not None:
        return extension
    return default_deadline(member_since, registered_on, period_days)


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


@dataclass(frozen=True)
class Thresholds:
    """Settings the signals depend on."""

    publication_min: int = 5
    deadline_days: int = 21
    broken_link_days: int = 14
    below_minimum_months: int = 6
    stale_months: int = 12
    max_age_days: int = 30


@dataclass(slots=True)
class MemberFacts:
    """Everything the status and signals read about one member (one row of one query).

    Not frozen: building 6,300 frozen instances costs a setattr call per field.
    """

    company_id: int
    public_id: str
    member_number: str
    name: str
    kvk_number: str = ""
    city: str = ""
    postcode: str = ""
    email: str = ""
    member_since: date | None = None
    registered_on: date = date(2000, 1, 1)
    provider: Provider | None = None
    status: SystemStatus | None = None
    included: bool = False
    system_public_id: str = ""
    score: Decimal | None = None
    scale_max: Decimal | None = None
    review_count: int = 0
    fetched_at: datetime | None = None
    self_reported: bool = False  # figures entered by the member and confirmed by staff
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_outcome: str = ""
    last_error_message: str = ""
    requested_at: datetime | None = None
    active_since: datetime | None = None
    count_since: date | None = None  # first day the current review count was reached
    extension: date | None = None
    extension_reason: str = ""
    last_reminder_at: datetime | None = None
    is_current: bool = field(default=True)  # ScoreFacts protocol of directory.scores


@dataclass(frozen=True, slots=True)
class Signal:
    """Something staff should look at, explained in Dutch (lazy texts, translated on use)."""

    code: str
    label: Any
    explanation: Any


SIGNAL_LABELS = {
    "geen_systeem": _l("Geen systeem"),
    "aanvraag_loopt_lang": _l("Aanvraag loopt lang"),
    "koppeling_stuk": _l("Koppeling werkt niet"),
    "geen_nieuwe_beoordelingen": _l("Geen nieuwe beoordelingen"),
    "onder_minimum": _l("Blijft onder minimum"),
}


def signals(facts: MemberFacts, *, now: datetime, thresholds: Thresholds) -> list[Signal]:
    """The signals of one member, in a fixed order."""
    found: list[Signal] = []
    kind = system_kind(facts.provider, facts.status)
    today = now.date()
    if kind in (SystemKind.NONE, SystemKind.OTHER_REJECTED):
        found.append(_signal("geen_systeem", _no_system_text(kind)))
    if kind is SystemKind.KV_REQUESTED and facts.requested_at is not None:
        waited = (now - facts.requested_at).days
        if waited > thresholds.deadline_days:
            found.append(
                _signal(
                    "aanvraag_loopt_lang",
                    _l(
                        "Klantenvertellen is %(days)s dagen geleden aangevraagd en is nog niet actief.",
                        days=waited,
                    ),
                )
            )
    broken = _broken_days(facts, now)
    if broken is not None and broken > thresholds.broken_link_days:
        found.append(
            _signal(
                "koppeling_stuk",
                _l(
                    "De koppeling met de aanbieder mislukt al %(days)s dagen; de laatste score is mogelijk verouderd.",
                    days=broken,
                ),
            )
        )
    if facts.status in SATISFYING:
        found.extend(_activity_signals(facts, today, thresholds))
    return found


def _no_system_text(kind: SystemKind) -> Any:  # a lazy Dutch text
    if kind is SystemKind.OTHER_REJECTED:
        return _l("Het andere systeem van dit lid is afgewezen; er is geen goedgekeurd systeem.")
    return _l("Dit lid heeft geen klantbeoordelingssysteem; criterium 2 vraagt er een.")


def _broken_days(facts: MemberFacts, now: datetime) -> int | None:
    """Days since the last good sync when the latest attempt failed; None when healthy."""
    if facts.provider in (None, Provider.OTHER) or facts.status not in (
        SystemStatus.ACTIVE,
        SystemStatus.UNCHECKED,
    ):
        return None
    if not facts.last_outcome or facts.last_outcome == OK_OUTCOME:
        return None
    since = facts.last_success_at or facts.active_since
    if since is None:
        return None
    return (now - since).days


def _activity_signals(facts: MemberFacts, today: date, thresholds: Thresholds) -> list[Signal]:
    found = []
    stale_since = facts.count_since
    if stale_since is None and facts.review_count == 0 and facts.active_since is not None:
        stale_since = facts.active_since.date()  # never had a review; without history, no guess
    if stale_since is not None and stale_since <= add_months(today, -thresholds.stale_months):
        found.append(
            _signal(
                "geen_nieuwe_beoordelingen",
                _l(
                    "Sinds %(months)s maanden of langer zijn er geen nieuwe beoordelingen bijgekomen.",
                    months=thresholds.stale_months,
                ),
            )
        )
    active = facts.active_since.date() if facts.active_since else None
    if (
        facts.review_count < thresholds.publication_min
        and active is not None
        and active <= add_months(today, -thresholds.below_minimum_months)
    ):
        found.append(
            _signal(
                "onder_minimum",
                _l(
                    "Na %(months)s maanden heeft dit lid %(count)s van de %(min)s beoordelingen die nodig zijn voor een openbare score.",
                    months=thresholds.below_minimum_months,
                    count=facts.review_count,
                    min=thresholds.publication_min,
                ),
            )
        )
    return found


def _signal(code: str, explanation: object) -> Signal:
    return Signal(code, SIGNAL_LABELS[code], explanation)
