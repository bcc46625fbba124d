"""Status, system kind, deadline and signal rules: every combination from a table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from portal.compliance.regions import UNKNOWN, province_for_postcode
from portal.compliance.status import (
    ComplianceStatus,
    MemberFacts,
    SystemKind,
    Thresholds,
    add_months,
    compute_status,
    default_deadline,
    effective_deadline,
    signals,
    system_kind,
)
from portal.reviews.models import Provider, SystemStatus

V, B, N = ComplianceStatus.VOLDOET, ComplianceStatus.IN_BEHANDELING, ComplianceStatus.VOLDOET_NIET
TODAY = date(2026, 3, 15)
S = SystemStatus
# Expected status per system status, for (deadline in the future, deadline passed).
EXPECTED = {
    S.ACTIVE: (V, V),
    S.APPROVED: (V, V),
    S.REQUESTED: (B, B),
    S.UNCHECKED: (B, B),
    S.IN_REVIEW: (B, B),
    S.MORE_INFO: (B, B),
    S.REJECTED: (B, N),
    S.ENDED: (B, N),
}
CASES = [
    (provider, status, deadline, EXPECTED[status][0 if deadline >= TODAY else 1])
    for provider in Provider
    for status in SystemStatus
    for deadline in (TODAY + timedelta(days=1), TODAY, TODAY - timedelta(days=1))
] + [
    (None, None, TODAY + timedelta(days=1), B),
    (None, None, TODAY, B),
    (None, None, TODAY - timedelta(days=1), N),
    (None, None, None, N),
]


def test_every_provider_and_status_is_in_the_table():
    assert len(CASES) == len(Provider) * len(SystemStatus) * 3 + 4 == 100


@pytest.mark.parametrize(("provider", "status", "deadline", "expected"), CASES)
def test_compute_status(provider, status, deadline, expected):
    assert compute_status(provider, status, deadline=deadline, today=TODAY) is expected


KIND_CASES = [
    (None, None, SystemKind.NONE),
    (Provider.KLANTENVERTELLEN, S.ACTIVE, SystemKind.KV_ACTIVE),
    (Provider.KLANTENVERTELLEN, S.UNCHECKED, SystemKind.KV_ACTIVE),
    (Provider.KLANTENVERTELLEN, S.REQUESTED, SystemKind.KV_REQUESTED),
    (Provider.KLANTENVERTELLEN, S.ENDED, SystemKind.NONE),
    (Provider.KLANTENVERTELLEN, S.REJECTED, SystemKind.NONE),
    (Provider.KIYOH, S.ACTIVE, SystemKind.KIYOH),
    (Provider.KIYOH, S.UNCHECKED, SystemKind.KIYOH),
    (Provider.FEEDBACK_COMPANY, S.ACTIVE, SystemKind.FEEDBACK_COMPANY),
    (Provider.FEEDBACK_COMPANY, S.ENDED, SystemKind.NONE),
    (Provider.OTHER, S.APPROVED, SystemKind.OTHER_APPROVED),
    (Provider.OTHER, S.IN_REVIEW, SystemKind.OTHER_IN_REVIEW),
    (Provider.OTHER, S.MORE_INFO, SystemKind.OTHER_IN_REVIEW),
    (Provider.OTHER, S.REJECTED, SystemKind.OTHER_REJECTED),
    (Provider.OTHER, S.ENDED, SystemKind.NONE),
]


@pytest.mark.parametrize(("provider", "status", "expected"), KIND_CASES)
def test_system_kind(provider, status, expected):
    assert system_kind(provider, status) is expected


@pytest.mark.parametrize(
    ("member_since", "registered", "period", "extension", "expected"),
    [
        (date(2026, 1, 1), date(2025, 12, 1), 21, None, date(2026, 1, 22)),
        (None, date(2025, 12, 1), 21, None, date(2025, 12, 22)),
        (date(2026, 1, 1), date(2025, 12, 1), 0, None, date(2026, 1, 1)),
        (date(2026, 1, 1), date(2025, 12, 1), 21, date(2026, 6, 30), date(2026, 6, 30)),
        # An extension may also shorten the deadline: the newest decision counts.
        (date(2026, 1, 1), date(2025, 12, 1), 21, date(2026, 1, 5), date(2026, 1, 5)),
    ],
)
def test_effective_deadline(member_since, registered, period, extension, expected):
    assert effective_deadline(member_since, registered, period, extension) == expected


def test_new_member_flips_to_voldoet_niet_the_day_after_the_deadline():
    deadline = default_deadline(date(2026, 3, 1), date(2026, 3, 1), 21)
    assert deadline == date(2026, 3, 22)
    day_before, on_day, day_after = (deadline + timedelta(days=d) for d in (-1, 0, 1))
    assert compute_status(None, None, deadline=deadline, today=day_before) is B
    assert compute_status(None, None, deadline=deadline, today=on_day) is B
    assert compute_status(None, None, deadline=deadline, today=day_after) is N


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 15), -12, date(2025, 3, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 12, 5), 1, date(2027, 1, 5)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
LIMITS = Thresholds(
    publication_min=5, deadline_days=21, broken_link_days=14, below_minimum_months=6
)


def facts(**kw) -> MemberFacts:
    base = {
        "company_id": 1,
        "public_id": "x",
        "member_number": "L1",
        "name": "Bedrijf",
        "provider": Provider.KLANTENVERTELLEN,
        "status": S.ACTIVE,
        "review_count": 20,
        "score": Decimal("8.5"),
        "scale_max": Decimal("10"),
        "fetched_at": NOW,
        "last_success_at": NOW,
        "last_outcome": "ok",
        "active_since": NOW - timedelta(days=30),
        "count_since": (NOW - timedelta(days=10)).date(),
    }
    base.update(kw)
    return MemberFacts(**base)


SIGNAL_CASES = [
    ("healthy", {}, []),
    ("no system", {"provider": None, "status": None}, ["geen_systeem"]),
    ("rejected other", {"provider": Provider.OTHER, "status": S.REJECTED}, ["geen_systeem"]),
    (
        "request 22 days old",
        {"status": S.REQUESTED, "requested_at": NOW - timedelta(days=22)},
        ["aanvraag_loopt_lang"],
    ),
    ("request 21 days old", {"status": S.REQUESTED, "requested_at": NOW - timedelta(days=21)}, []),
    (
        "broken 15 days",
        {"last_outcome": "auth_error", "last_success_at": NOW - timedelta(days=15)},
        ["koppeling_stuk"],
    ),
    (
        "broken 14 days",
        {"last_outcome": "auth_error", "last_success_at": NOW - timedelta(days=14)},
        [],
    ),
    (
        "never synced, broken since activation",
        {
            "status": S.UNCHECKED,
            "last_outcome": "timeout",
            "last_success_at": None,
            "active_since": NOW - timedelta(days=40),
        },
        ["koppeling_stuk"],
    ),
    (
        "other systems are never 'broken'",
        {
            "provider": Provider.OTHER,
            "status": S.APPROVED,
            "last_outcome": "auth_error",
            "last_success_at": NOW - timedelta(days=90),
        },
        [],
    ),
    (
        "no new reviews for exactly 12 months",
        {"count_since": date(2025, 3, 15)},
        ["geen_nieuwe_beoordelingen"],
    ),
    ("no new reviews for 12 months minus a day", {"count_since": date(2025, 3, 16)}, []),
    (
        "below minimum after 6 months",
        {"review_count": 4, "active_since": datetime(2025, 9, 15, 8, tzinfo=UTC)},
        ["onder_minimum"],
    ),
    (
        "below minimum, not yet 6 months",
        {"review_count": 4, "active_since": datetime(2025, 9, 16, 8, tzinfo=UTC)},
        [],
    ),
    ("at the minimum", {"review_count": 5, "active_since": NOW - timedelta(days=400)}, []),
    (
        "zero reviews for a year: stale and below minimum",
        {"review_count": 0, "count_since": None, "active_since": NOW - timedelta(days=400)},
        ["geen_nieuwe_beoordelingen", "onder_minimum"],
    ),
]


@pytest.mark.parametrize(
    ("label", "overrides", "expected"), SIGNAL_CASES, ids=[c[0] for c in SIGNAL_CASES]
)
def test_signals(app, label, overrides, expected):
    found = signals(facts(**overrides), now=NOW, thresholds=LIMITS)
    assert [s.code for s in found] == expected
    assert all(s.explanation and s.label for s in found)


@pytest.mark.parametrize(
    ("postcode", "province"),
    [
        ("9711 AB", "Groningen"),  # inside the Groningen range
        ("3511 AB", "Utrecht"),
        ("1011 AA", "Noord-Holland"),
        ("6211 AA", "Limburg"),
        ("", UNKNOWN),
        ("ABCD", UNKNOWN),
        ("0123 AB", UNKNOWN),
    ],
)
def test_province_for_postcode(postcode, province):
    assert province_for_postcode(postcode) == province
