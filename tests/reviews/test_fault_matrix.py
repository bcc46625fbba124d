"""Fault matrix over real HTTP: every emulator fault x provider x prior state (108 cases), and
every fault x the KV/Kiyoh feed-hash credential in both formats x prior state (72 cases).

Each failing case must keep the last good figures untouched and log one attempt with the right
outcome, HTTP status, try count and Dutch message; the recovering modes must end `ok`.
"""

from __future__ import annotations

import itertools
import logging
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.dev import emulator_data as seed
from portal.dev.emulator_data import FAULT_MODES
from portal.dev.emulator_feed import XML_ONLY_PREFIX, feed_hash
from portal.extensions import db
from portal.providers.errors import member_message
from portal.reviews.models import Provider, ScoreSnapshot, SyncAttempt
from portal.reviews.sync import sync_one
from tests.battery import summary

from .conftest import PRIOR_GOOD, PROVIDERS, emulator_config, played_mode

# mode: (outcome, HTTP status, tries)
EXPECTED = {
    "bad_token": ("auth_error", 401, 1),
    "forbidden": ("auth_error", 403, 1),
    "unknown_location": ("not_found", 404, 1),
    "rate_limit": ("rate_limited", 429, 1),
    "rate_limit_text": ("rate_limited", 429, 1),
    "server_error": ("server_error", 500, 3),
    "unavailable": ("server_error", 503, 3),
    "slow": ("timeout", None, 3),
    "timeout": ("timeout", None, 3),
    "trickle": ("timeout", 200, 3),
    "malformed_json": ("malformed", 200, 1),
    "wrong_content_type": ("bad_content_type", 200, 1),
    "oversized": ("too_large", 200, 1),
    "missing_fields": ("malformed", 200, 1),
    "out_of_range": ("invalid_data", 200, 1),
    "redirect": ("redirect_blocked", 302, 1),
    "token_expired": ("ok", 200, 1),
    "variant_fields": ("ok", 200, 1),
}
# A Feedback Company summary whose statistics lack the overall score is invalid data (sub-scores
# are never used instead); for KV/Kiyoh the same fault mode drops the required fields: malformed.
PER_PROVIDER = {("missing_fields", Provider.FEEDBACK_COMPANY): ("invalid_data", 200, 1)}


def expected(mode: str, provider: Provider) -> tuple:
    """(outcome, HTTP status, tries) of a fault mode played by `provider`."""
    return PER_PROVIDER.get((mode, provider), EXPECTED[mode])


FIGURES = (
    "score",
    "scale_max",
    "score_10",
    "review_count",
    "recommend_pct",
    "profile_url",
    "location_name",
    "fetched_at",
    "last_success_at",
)
CASES = list(itertools.product(FAULT_MODES, PROVIDERS, (False, True)))
# The feed credential: feed.json (KV) and feed.xml (Kiyoh; its `xml-` ids have no feed.json, so
# the client falls back to feed.xml, where the emulator plays the fault as XML).
FEED_FORMATS = ((Provider.KLANTENVERTELLEN, "json"), (Provider.KIYOH, "xml"))
FEED_CASES = list(itertools.product(FAULT_MODES, FEED_FORMATS, (False, True)))
_ids = itertools.count(1)
IDENTS = {case: f"{2000000 + next(_ids)}" for case in CASES}
FEED_IDENTS = {case: f"{2100000 + next(_ids)}" for case in FEED_CASES}


def feed_ident(base: str, fmt: str) -> str:
    """A location id whose feed the emulator serves in `fmt` (xml: feed.xml only)."""
    return f"{XML_ONLY_PREFIX}{base}" if fmt == "xml" else base


@pytest.fixture
def app_config(emulator, request):
    return emulator_config(emulator, played_mode(request))


def test_matrix_covers_every_mode():
    assert set(EXPECTED) == set(FAULT_MODES)
    assert len(CASES) == 108
    assert len(FEED_CASES) == len(FAULT_MODES) * 4 == 72


def _ident(case, provider: Provider) -> str:
    base = IDENTS[case]
    return f"fbc-{base}" if provider is Provider.FEEDBACK_COMPANY else base


@pytest.mark.parametrize(
    ("mode", "provider", "prior"),
    CASES,
    ids=[f"{m}-{p.value}-{'prior' if pr else 'fresh'}" for m, p, pr in CASES],
)
def test_fault(app, emulator, make_link, caplog, mode, provider, prior):
    with summary.case("provider-faults-sync"):
        ident = _ident((mode, provider, prior), provider)
        system = make_link(provider, ident, prior=dict(PRIOR_GOOD) if prior else None)
        _play(emulator, caplog, system, mode, f"emu-{ident}")


@pytest.mark.parametrize(
    ("mode", "variant", "prior"),
    FEED_CASES,
    ids=[f"{m}-{p.value}-feed-{f}-{'prior' if pr else 'fresh'}" for m, (p, f), pr in FEED_CASES],
)
def test_feed_fault(app, emulator, make_link, caplog, mode, variant, prior):
    with summary.case("provider-faults-sync"):
        provider, fmt = variant
        ident = feed_ident(FEED_IDENTS[(mode, variant, prior)], fmt)
        secret = feed_hash(ident)
        system = make_link(
            provider, ident, prior=dict(PRIOR_GOOD) if prior else None, creds={"feed_hash": secret}
        )
        _play(emulator, caplog, system, mode, secret, feed=True)


def _play(emulator, caplog, system, mode: str, secret: str, *, feed: bool = False) -> None:
    """Sync one link under a fault; assert the attempt row, the message and untouched figures."""
    provider, ident = system.provider, system.location_id
    before = {name: getattr(system, name) for name in FIGURES}
    emulator.fault(ident, mode)
    caplog.set_level(logging.DEBUG)

    attempt = sync_one(system.id)
    db.session.commit()
    db.session.expire_all()

    outcome, status, tries = expected(mode, provider)
    attempts = db.session.scalars(select(SyncAttempt)).all()
    snapshots = db.session.scalar(select(func.count()).select_from(ScoreSnapshot))
    assert [a.id for a in attempts] == [attempt.id]
    assert (attempt.outcome, attempt.http_status, attempt.attempts) == (outcome, status, tries)
    assert secret not in caplog.text and secret not in attempt.message
    if outcome == "ok":
        _assert_synced(system, provider, ident, snapshots)
        return
    expected_message = member_message(outcome, provider, ident, feed=feed)
    assert attempt.message.startswith(expected_message)
    assert system.last_error_message == expected_message
    assert system.last_outcome == outcome
    assert system.consecutive_failures == 1
    assert {name: getattr(system, name) for name in FIGURES} == before
    assert snapshots == 0


def _assert_synced(system, provider: Provider, ident: str, snapshots: int) -> None:
    loc = seed.location(ident, fbc=provider is Provider.FEEDBACK_COMPANY)
    expected = Decimal(str(loc.score)).quantize(Decimal("0.01")) if loc.count else None
    assert system.score == expected
    assert system.review_count == loc.count
    assert system.last_outcome == "ok"
    assert system.consecutive_failures == 0
    assert system.last_success_at is not None
    assert snapshots == 1
