"""The criterium-2 card of mijn profiel: traffic light, figures and problems in plain Dutch.

All decisions (state, threshold, texts) are made here so the template only displays them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.core.templating import format_count, nl_date
from portal.directory.scores import PublicScore, ScoreState, public_score
from portal.providers.errors import (
    AUTH_ERROR,
    NOT_FOUND,
    OK,
    RATE_LIMITED,
    TRANSIENT,
    member_message,
)
from portal.reviews import credentials
from portal.reviews.charts import Chart
from portal.reviews.models import PROVIDER_LABELS, Provider, ReviewSystem, SystemStatus

ACTIEF, IN_BEOORDELING, AANGEVRAAGD, ONTBREEKT = (
    "actief",
    "in_beoordeling",
    "aangevraagd",
    "ontbreekt",
)
COLORS = {ACTIEF: "green", IN_BEOORDELING: "orange", AANGEVRAAGD: "orange", ONTBREEKT: "red"}
TONES = {"green": "ok", "orange": "warn", "red": "bad"}


@dataclass(frozen=True)
class Card:
    """What the criterium-2 card shows; empty strings mean "leave out"."""

    state: str  # actief | in_beoordeling | aangevraagd | ontbreekt
    label: str
    explanation: str
    provider_label: str = ""
    score_text: str = ""  # own scale: "8,7 / 10", "4,4 / 5"
    count: int | None = None
    count_text: str = ""  # "42 beoordelingen"
    progress_text: str = ""  # "Nog geen score: 3 van de 5 beoordelingen"
    public: bool = False  # the score is shown in the ledenzoeker
    last_success_at: datetime | None = None
    problem: str = ""
    decision_label: str = ""  # staff's decision on another system: "Goedgekeurd", …
    decision_reason: str = ""
    decided_at: datetime | None = None
    self_reported: bool = False  # the figures were entered by the member, confirmed by staff
    profile_url: str = ""
    chart: Chart | None = None
    score_state: str = ""  # ScoreState value when figures exist
    min_count: int = 0  # the publication minimum the progress is measured against
    listed: bool = True  # the company is in the ledenzoeker (not opted out, not suspended)

    @property
    def color(self) -> str:
        """Traffic-light colour: green, orange or red."""
        return COLORS[self.state]

    @property
    def tone(self) -> str:
        """The stylesheet's status class suffix: ok, warn or bad."""
        return TONES[self.color]


def build_card(
    system: ReviewSystem | None,
    *,
    min_count: int,
    max_age_days: int,
    now: datetime,
    chart: Chart | None = None,
    listed: bool = True,
) -> Card:
    """Card for the company's current system (None: no system at all).

    `listed=False` (opted out or suspended): the score is never called public, so the card
    cannot contradict the "not in the ledenzoeker" notice next to it.
    """
    if system is None:
        return Card(
            ONTBREEKT,
            _("Ontbreekt"),
            _(
                "U heeft nog geen klantbeoordelingssysteem; dat is nodig voor criterium 2. "
                "Klantenvertellen is inbegrepen in uw lidmaatschap."
            ),
        )
    state, label, explanation = _status_texts(system)
    common = {
        "provider_label": _provider_label(system),
        "problem": last_problem(system),
        **_decision(system),
        "last_success_at": system.last_success_at,
    }
    if (
        system.status not in (SystemStatus.ACTIVE, SystemStatus.APPROVED)
        or system.fetched_at is None
    ):
        return Card(state, label, explanation, **common)
    score = public_score(system, min_count=min_count, max_age_days=max_age_days, now=now)
    return Card(
        state,
        label,
        explanation,
        score_text=score.value_text
        or (_own_scale(system) if score.state is ScoreState.STALE else ""),
        count=score.review_count,
        count_text=count_text(score.review_count),
        progress_text=_progress(score, max_age_days, listed=listed),
        public=score.visible and listed,
        score_state=score.state.value,
        min_count=min_count,
        listed=listed,
        profile_url=system.profile_url or "",
        chart=chart,
        self_reported=bool(system.self_reported),
        **common,
    )


def _decision(system: ReviewSystem) -> dict:
    """Outcome, reason and date of staff's decision on another system (empty when none)."""
    label = {
        SystemStatus.APPROVED: _("Goedgekeurd"),
        SystemStatus.REJECTED: _("Afgewezen"),
        SystemStatus.MORE_INFO: _("Meer informatie gevraagd"),
    }.get(system.status)
    if label is None:
        return {}
    return {
        "decision_label": label,
        "decision_reason": system.decision_reason or "",
        "decided_at": system.decided_at,
    }


def _status_texts(system: ReviewSystem) -> tuple[str, str, str]:
    """(state, label, explanation) for the system's status."""
    label = _provider_label(system)
    status = system.status
    if status is SystemStatus.REQUESTED:
        return (
            AANGEVRAAGD,
            _("Aangevraagd"),
            _(
                "Uw Klantenvertellen-account wordt aangemaakt (aangevraagd op %(date)s). "
                "Dit duurt meestal 2 tot 3 weken.",
                date=nl_date(system.requested_at or system.created_at),
            ),
        )
    if status is SystemStatus.UNCHECKED:
        return (
            IN_BEOORDELING,
            _("Nog niet gecontroleerd"),
            _(
                "Uw gegevens zijn opgeslagen, maar %(provider)s kon ze nog niet bevestigen. "
                "De synchronisatie probeert het automatisch opnieuw.",
                provider=label,
            ),
        )
    if status is SystemStatus.IN_REVIEW:
        return (
            IN_BEOORDELING,
            _("In beoordeling"),
            _(
                "Ledenservice beoordeelt uw systeem %(name)s. "
                "Wij nemen alleen contact met u op als het niet voldoet.",
                name=system.other_name,
            ),
        )
    if status is SystemStatus.MORE_INFO:
        return (
            IN_BEOORDELING,
            _("Meer informatie nodig"),
            _("Ledenservice heeft meer informatie nodig over %(name)s.", name=system.other_name),
        )
    if status is SystemStatus.REJECTED:
        return (
            ONTBREEKT,
            _("Afgewezen"),
            _(
                "Uw systeem %(name)s voldoet niet aan criterium 2. Kies een ander systeem.",
                name=system.other_name,
            ),
        )
    if status is SystemStatus.APPROVED:
        return ACTIEF, _("Actief"), _("Uw systeem %(name)s is goedgekeurd.", name=system.other_name)
    if status is SystemStatus.ACTIVE:
        if system.included:
            return ACTIEF, _("Actief"), _("Klantenvertellen via de vereniging is actief.")
        return ACTIEF, _("Actief"), _("Uw %(provider)s-account is gekoppeld.", provider=label)
    return ONTBREEKT, _("Ontbreekt"), _("U heeft geen actief klantbeoordelingssysteem.")


def last_problem(system: ReviewSystem) -> str:
    """The last sync problem in plain Dutch, unless a later sync succeeded."""
    outcome = system.last_outcome or ""
    if not outcome or outcome == OK or system.provider is Provider.OTHER:
        return ""
    if (
        system.last_success_at
        and system.last_attempt_at
        and system.last_attempt_at <= system.last_success_at
    ):
        return ""
    # A refused feed hash is named as such (decrypting only for this rare case).
    feed = outcome == AUTH_ERROR and credentials.credential_kind(system) == credentials.FEED_HASH
    return member_message(outcome, system.provider, system.location_id, feed=feed)


def attempt_label(outcome: str) -> str:
    """Short member-facing Dutch result of one sync attempt (technical detail is staff only)."""
    if outcome == OK:
        return _("Gelukt")
    if outcome == AUTH_ERROR:
        return _("Gegevens niet geaccepteerd door de aanbieder")
    if outcome == NOT_FOUND:
        return _("Locatie niet gevonden bij de aanbieder")
    if outcome == RATE_LIMITED:
        return _("Aanbieder had het te druk")
    if outcome in TRANSIENT:
        return _("Aanbieder niet bereikbaar")
    return _("Onverwacht antwoord van de aanbieder")


def _progress(score: PublicScore, max_age_days: int, *, listed: bool = True) -> str:
    if not listed:
        return _("Uw bedrijf staat nu niet in de ledenzoeker, dus uw score is daar niet te zien.")
    if score.state is ScoreState.SHOWN:
        return _(
            "Uw score staat in de ledenzoeker (vanaf %(min)s beoordelingen).", min=score.min_count
        )
    if score.state is ScoreState.STALE:
        return _(
            "Uw score is ouder dan %(days)s dagen en staat daarom niet in de ledenzoeker.",
            days=max_age_days,
        )
    return score.progress_text


def _own_scale(system: ReviewSystem) -> str:
    if system.score is None or not system.scale_max:
        return ""
    return f"{one_decimal(system.score)} / {scale_text(system.scale_max)}"


def count_text(count: int) -> str:
    """'1 beoordeling', '42 beoordelingen', '1.234 beoordelingen'."""
    return ngettext("%(n)s beoordeling", "%(n)s beoordelingen", count, n=format_count(count))


def one_decimal(value: Decimal | float) -> str:
    """8.94 → '8,9', half up like the ledenzoeker."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:f}".replace(".", ",")


def scale_text(value: Decimal | float | None) -> str:
    """10 → '10', 5.00 → '5', 7.5 → '7,5'."""
    number = Decimal(str(value or 0))
    return str(int(number)) if number == number.to_integral_value() else one_decimal(number)


def _provider_label(system: ReviewSystem) -> str:
    if system.provider is Provider.OTHER:
        return system.other_name or PROVIDER_LABELS[Provider.OTHER]
    return PROVIDER_LABELS[system.provider]
