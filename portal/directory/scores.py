"""The one public score rule: when a member's customer score may be shown, and how.

Used by the ledenzoeker (cards, detail page, export) and by mijn profiel. Free of request and
app state: everything it needs comes in as arguments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any, Protocol

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.core.i18n import is_english
from portal.core.templating import format_count
from portal.reviews.models import PROVIDER_LABELS, Provider, SystemStatus

PUBLIC_STATUSES = frozenset({SystemStatus.ACTIVE, SystemStatus.APPROVED})


class ScoreState(enum.StrEnum):
    """Why a score is or is not shown."""

    SHOWN = "shown"  # enough recent reviews: the score is public
    BELOW_MINIMUM = "below_minimum"  # 1 .. min_count-1 reviews
    NO_REVIEWS = "no_reviews"  # linked, zero reviews
    STALE = "stale"  # last good figures older than max_age_days
    NONE = "none"  # no usable system or no figures: nothing is shown


class ScoreFacts(Protocol):
    """What the rule reads; a ReviewSystem or a precomputed directory row both qualify."""

    # Read-only members: a frozen dataclass row qualifies as well as a mapped ReviewSystem.
    @property
    def provider(self) -> Provider | str | None: ...
    @property
    def status(self) -> SystemStatus | str | None: ...
    @property
    def is_current(self) -> bool: ...
    @property
    def score(self) -> Decimal | float | None: ...
    @property
    def scale_max(self) -> Decimal | float | None: ...
    @property
    def review_count(self) -> int: ...
    @property
    def fetched_at(self) -> datetime | None: ...
    @property
    def self_reported(self) -> bool: ...  # hand-entered figures confirmed by staff


@dataclass(frozen=True)
class PublicScore:
    """The outcome of the rule plus its Dutch text forms."""

    state: ScoreState
    provider_label: str = ""
    score: Decimal | None = None
    scale_max: Decimal | None = None
    review_count: int = 0
    min_count: int = 5
    fetched_at: datetime | None = None
    self_reported: bool = False  # shown as "zelf opgegeven" next to the figures

    @property
    def visible(self) -> bool:
        """True when the score itself may be published."""
        return self.state is ScoreState.SHOWN

    @cached_property
    def value_text(self) -> str:
        """'8,9 / 10' or '4,6 / 5' (one decimal, decimal comma, own scale)."""
        if not self.visible or self.score is None or self.scale_max is None:
            return ""
        return f"{_one_decimal(self.score)} / {_scale_text(self.scale_max)}"

    @cached_property
    def count_text(self) -> str:
        """'23 beoordelingen' (always shown next to a score)."""
        count = _thousands(self.review_count)
        return ngettext(
            "%(count)s beoordeling", "%(count)s beoordelingen", self.review_count, count=count
        )

    @cached_property
    def card_text(self) -> str:
        """One line for a result card; empty when nothing may be said."""
        if self.state is ScoreState.SHOWN:
            return _(
                "%(value)s (%(count)s, %(provider)s)",
                value=self.value_text,
                count=self.count_text,
                provider=self.provider_label,
            )
        return self.progress_text

    @cached_property
    def progress_text(self) -> str:
        """'Nog geen score: 3 van de 5 beoordelingen' or 'Nog geen beoordelingen'."""
        if self.state is ScoreState.BELOW_MINIMUM:
            return _(
                "Nog geen score: %(count)s van de %(min)s beoordelingen",
                count=format_count(self.review_count),
                min=format_count(self.min_count),
            )
        if self.state is ScoreState.NO_REVIEWS:
            return _("Nog geen beoordelingen")
        return ""


def _provider_label(provider: Provider) -> str:
    """The platform's name in the request's language: the brands as they are, any other
    system translated (PROVIDER_LABELS holds its Dutch label)."""
    if provider is Provider.OTHER:
        return _("Ander systeem")
    return PROVIDER_LABELS[provider]


def public_score(
    system: ScoreFacts | None, *, min_count: int, max_age_days: int, now: datetime
) -> PublicScore:
    """Apply the public score rule (PROVIDERS.md §7) to one review system.

    Shown only for the current system with status ACTIVE or APPROVED, whose last good figures
    hold at least `min_count` reviews and are at most `max_age_days` old at `now`.
    """
    if system is None or not system.is_current or _status(system.status) not in PUBLIC_STATUSES:
        return PublicScore(ScoreState.NONE, min_count=min_count)
    provider = _provider(system.provider)
    if provider is None or system.fetched_at is None:
        return PublicScore(ScoreState.NONE, min_count=min_count)
    base: dict[str, Any] = {
        "provider_label": _provider_label(provider),
        "review_count": max(int(system.review_count or 0), 0),
        "min_count": min_count,
        "fetched_at": system.fetched_at,
        "self_reported": bool(getattr(system, "self_reported", False)),
    }
    if now - system.fetched_at > timedelta(days=max_age_days):
        return PublicScore(ScoreState.STALE, **base)
    if base["review_count"] == 0:
        return PublicScore(ScoreState.NO_REVIEWS, **base)
    if base["review_count"] < min_count:
        return PublicScore(ScoreState.BELOW_MINIMUM, **base)
    if system.score is None or not system.scale_max:
        return PublicScore(ScoreState.NONE, min_count=min_count)
    return PublicScore(
        ScoreState.SHOWN,
        score=Decimal(str(system.score)),
        scale_max=Decimal(str(system.scale_max)),
        **base,
    )


def _status(value: SystemStatus | str | None) -> SystemStatus | None:
    try:
        return SystemStatus(value) if value is not None else None
    except ValueError:
        return None


def _provider(value: Provider | str | None) -> Provider | None:
    try:
        return Provider(value) if value else None
    except ValueError:
        return None


def _one_decimal(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return text if is_english() else text.replace(".", ",")


def _scale_text(value: Decimal) -> str:
    """10 → '10', 5.00 → '5', 7.5 → '7,5'."""
    if value == value.to_integral_value():
        return str(int(value))
    return _one_decimal(value)


def _thousands(value: int) -> str:
    return format_count(value)
