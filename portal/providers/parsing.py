"""Validation of provider replies into `Stats` (PROVIDERS.md §2.3, §3.2, §5.2).

Missing or mistyped required fields are `malformed`, values out of range `invalid_data`;
optional fields that fail their checks become None rather than failing the sync.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from portal.providers import errors as out
from portal.providers.catalog import PROVIDER_DOMAINS, Provider

CENT = Decimal("0.01")
TEN = Decimal(10)
NUMERIC_TEXT = re.compile(r"^-?\d{1,6}([.,]\d{1,6})?$")
INTEGER_TEXT = re.compile(r"^-?\d{1,9}$")
# Any of these in a KV/Kiyoh reply means the provider answered for a known location.
PUBLICATION_FIELDS = (
    "numberReviews",
    "averageRating",
    "percentageRecommendation",
    "recommendation",
    "last12MonthNumberReviews",
    "last12MonthAverageRating",
    "last12MonthPercentageRecommendation",
)


class Invalid(Exception):
    """A reply failed validation; `outcome` is `malformed` or `invalid_data`."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


@dataclass(frozen=True)
class Stats:
    """Validated figures of one link: score on the provider's own scale plus a /10 value."""

    provider: Provider
    score: Decimal | None  # None: no reviews yet, so no score
    scale_max: Decimal
    score_10: Decimal | None
    review_count: int
    recommend_pct: Decimal | None
    profile_url: str | None
    write_review_url: str | None
    location_name: str
    fetched_at: datetime


def to_decimal(value: Any, field: str) -> Decimal | None:
    """A JSON number or numeric string (decimal comma allowed) as Decimal; None when absent.

    :raises Invalid: a boolean, a non-numeric string or any other type (`malformed`).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise Invalid(out.MALFORMED, f"{field} is a boolean")
    if isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str) and NUMERIC_TEXT.match(value.strip()):
        number = Decimal(value.strip().replace(",", "."))
    else:
        raise Invalid(out.MALFORMED, f"{field} is not a number")
    if not number.is_finite():
        raise Invalid(out.MALFORMED, f"{field} is not finite")
    return number


def to_count(value: Any, field: str) -> int:
    """A required non-negative integer: a JSON integer or an integral numeric string ("245").

    :raises Invalid: missing or mistyped (`malformed`), negative (`invalid_data`).
    """
    if value is None:
        raise Invalid(out.MALFORMED, f"{field} missing")
    if isinstance(value, str) and INTEGER_TEXT.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(out.MALFORMED, f"{field} is not an integer")
    if value < 0:
        raise Invalid(out.INVALID_DATA, f"{field} is negative")
    return value


def percentage(value: Any) -> Decimal | None:
    """An optional 0-100 share; anything unusable becomes None (never fatal)."""
    try:
        number = to_decimal(value, "recommendation")
    except Invalid:
        return None
    if number is None or not 0 <= number <= 100:
        return None
    return number.quantize(CENT)


def provider_url(value: Any, provider: Provider) -> str | None:
    """Keep a review-page URL only if it is https on the provider's own domain."""
    if not isinstance(value, str) or len(value) > 500:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or parts.username or parts.password:
        return None
    if not any(host == d or host.endswith("." + d) for d in PROVIDER_DOMAINS[provider]):
        return None
    return value.strip()


def _text(value: Any, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def parse_publication(data: dict[str, Any], provider: Provider, fetched_at: datetime) -> Stats:
    """KV/Kiyoh statistics (or review-list location fields) → Stats.

    A reply without any statistics field (seen: 200 with `{}` for an unknown location) is
    `not_found`, so the member is told to check the location id.

    :raises Invalid: see module docstring.
    """
    if not any(data.get(field) is not None for field in PUBLICATION_FIELDS):
        raise Invalid(
            out.NOT_FOUND,
            "reply without statistics fields (missing: " + ", ".join(PUBLICATION_FIELDS[:3]) + ")",
        )
    count = to_count(data.get("numberReviews"), "numberReviews")
    rating = to_decimal(data.get("averageRating"), "averageRating")
    score = None
    if count > 0:
        if rating is None:
            raise Invalid(out.MALFORMED, "averageRating missing")
        if not 1 <= rating <= 10:
            raise Invalid(out.INVALID_DATA, "averageRating outside 1-10")
        score = rating.quantize(CENT)
    share = data.get("percentageRecommendation")
    if share is None:
        share = data.get("recommendation")
    return Stats(
        provider=provider,
        score=score,
        scale_max=TEN,
        score_10=score,
        review_count=count,
        recommend_pct=percentage(share) if count > 0 else None,  # a share of nothing is unknown
        profile_url=provider_url(data.get("viewReviewUrl"), provider),
        write_review_url=provider_url(data.get("createReviewUrl"), provider),
        location_name=_text(data.get("locationName")),
        fetched_at=fetched_at,
    )


def _fbc_statistics(data: dict[str, Any]) -> list[Any] | None:
    """The `statistics[]` list: at the root, under `data`, or in the first `data[]` item."""
    candidates = [data]
    inner = data.get("data")
    if isinstance(inner, dict):
        candidates.append(inner)
    elif isinstance(inner, list):
        candidates.extend(item for item in inner if isinstance(item, dict))
    for candidate in candidates:
        if isinstance(candidate.get("statistics"), list):
            return candidate["statistics"]
    return None


def parse_fbc_summary(
    data: dict[str, Any], *, shop: dict[str, Any] | None, fetched_at: datetime
) -> Stats:
    """Feedback Company review summary (+ optional shop summary) → Stats.

    :raises Invalid: no `statistics` list or no `maxscore` (malformed); statistics without the
        overall `final_score` (sub-scores are never used instead) or values out of range
        (invalid_data).
    """
    items = _fbc_statistics(data)
    if items is None:
        raise Invalid(out.MALFORMED, "no statistics list in the review summary")
    final = next(
        (i for i in items if isinstance(i, dict) and i.get("question_type") == "final_score"), None
    )
    if final is None:
        kinds = sorted({str(i.get("question_type")) for i in items if isinstance(i, dict)})
        raise Invalid(
            out.INVALID_DATA,
            "no overall final_score in the statistics (only: " + (", ".join(kinds) or "none") + ")",
        )
    maxscore = to_decimal(final.get("maxscore"), "maxscore")
    value = to_decimal(final.get("value"), "value")
    count = to_count(final.get("count"), "count")
    if maxscore is None or value is None:
        raise Invalid(out.MALFORMED, "final_score without maxscore or value")
    if maxscore <= 0 or maxscore >= 1000 or not 0 <= value <= maxscore:
        raise Invalid(out.INVALID_DATA, "final_score value outside 0-maxscore")
    score = value.quantize(CENT) if count > 0 else None
    score_10 = (value / maxscore * TEN).quantize(CENT) if score is not None else None
    shop_data = _shop_data(shop)
    return Stats(
        provider=Provider.FEEDBACK_COMPANY,
        score=score,
        scale_max=maxscore.quantize(CENT),
        score_10=score_10,
        review_count=count,
        recommend_pct=None,
        profile_url=provider_url(shop_data.get("company_page_url"), Provider.FEEDBACK_COMPANY),
        write_review_url=None,
        location_name=_text(shop_data.get("name")),
        fetched_at=fetched_at,
    )


def _shop_data(shop: dict[str, Any] | None) -> dict[str, Any]:
    inner = (shop or {}).get("data")
    if isinstance(inner, list) and inner and isinstance(inner[0], dict):
        return inner[0]
    return inner if isinstance(inner, dict) else {}


def parse_token(data: dict[str, Any]) -> tuple[str, datetime | None]:
    """FBC token reply → (access token, expiry if parseable).

    :raises Invalid: no usable `access_token` (malformed).
    """
    token = data.get("access_token")
    if not isinstance(token, str) or not token.strip() or len(token) > 2000:
        raise Invalid(out.MALFORMED, "no access_token in token reply")
    return token.strip(), parse_expires_on(data.get("expires_on"))


_EXPIRES_FORMATS = ("%B, %d %Y %H:%M:%S %z", "%B %d %Y %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z")


def parse_expires_on(value: Any) -> datetime | None:
    """FBC `expires_on` ('October, 16 2018 14:03:11 +0200') → aware datetime, else None."""
    if not isinstance(value, str):
        return None
    for fmt in _EXPIRES_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 - every format has %z
        except ValueError:
            continue
    return None
