"""The provider fault matrix on the live link check of mijn profiel (PROVIDERS.md §4, §6).

Every emulator fault mode x every provider, and x the KV/Kiyoh feed hash in both formats (feed.json,
feed.xml), through the real route over loopback HTTP: one call
and no retries; a refusal saves nothing and explains itself in Dutch; an unreachable provider may
be saved as "nog niet gecontroleerd"; the token never reaches a log line or the page.
"""

from __future__ import annotations

import itertools
import logging

import pytest
from sqlalchemy import select

from portal.dev.emulator_data import FAULT_MODES
from portal.dev.emulator_feed import feed_hash
from portal.extensions import db
from portal.providers.errors import member_message
from portal.reviews.linking import UNREACHABLE
from portal.reviews.models import Provider, ReviewSystem, SyncAttempt, SystemStatus
from tests.battery import summary

from .conftest import PROVIDERS, emulator_config, good_credentials, played_mode
from .test_fault_matrix import expected, feed_ident

BASE = "/mijn-profiel/beoordelingen"
CASES = list(itertools.product(FAULT_MODES, PROVIDERS))
FEED_VARIANTS = tuple(
    itertools.product((Provider.KLANTENVERTELLEN, Provider.KIYOH), ("json", "xml"))
)
FEED_CASES = list(itertools.product(FAULT_MODES, FEED_VARIANTS))
_serial = itertools.count(1)


@pytest.fixture
def app_config(emulator, request):
    return emulator_config(emulator, played_mode(request))


def _form(provider: Provider, ident: str) -> dict[str, str]:
    creds = good_credentials(provider, ident)
    if provider is Provider.FEEDBACK_COMPANY:
        return {"provider": provider.value, **creds}
    return {"provider": provider.value, "location_id": ident, **creds}


def _secret(provider: Provider, ident: str) -> str:
    return f"emu-{ident}"


def test_matrix_covers_every_mode_and_provider():
    assert len(CASES) == len(FAULT_MODES) * 3 == 54
    assert len(FEED_CASES) == len(FAULT_MODES) * 4 == 72


@pytest.mark.parametrize(("mode", "provider"), CASES, ids=[f"{m}-{p.value}" for m, p in CASES])
def test_link_check_fault(client, make_user, login, emulator, caplog, mode, provider):
    with summary.case("provider-faults-link"):
        serial = 3_000_000 + next(_serial)
        ident = f"fbc-{serial}" if provider is Provider.FEEDBACK_COMPANY else str(serial)
        form = _form(provider, ident)
        _check(client, make_user, login, emulator, caplog, mode, provider, ident, form)


@pytest.mark.parametrize(
    ("mode", "variant"), FEED_CASES, ids=[f"{m}-{p.value}-feed-{f}" for m, (p, f) in FEED_CASES]
)
def test_link_check_feed_fault(client, make_user, login, emulator, caplog, mode, variant):
    with summary.case("provider-faults-link"):
        provider, fmt = variant
        ident = feed_ident(str(3_100_000 + next(_serial)), fmt)
        form = {
            "provider": provider.value,
            "location_id": ident,
            "credential_kind": "feed_hash",
            "feed_hash": feed_hash(ident),
        }
        _check(client, make_user, login, emulator, caplog, mode, provider, ident, form, feed=True)


def _check(client, make_user, login, emulator, caplog, mode, provider, ident, form, *, feed=False):
    """Post the link form under a fault; assert what is saved, shown and never logged."""
    user = make_user()
    login(client, user)
    emulator.fault(ident, mode)
    caplog.set_level(logging.DEBUG)

    response = client.post(f"{BASE}/koppelen", data=form)

    db.session.expire_all()
    system = db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.company_id == user.company_id, ReviewSystem.is_current
        )
    ).first()
    outcome = expected(mode, provider)[0]
    secret = feed_hash(ident) if feed else _secret(provider, ident)
    assert secret not in caplog.text and secret not in response.text
    if outcome == "ok":
        assert response.status_code == 303
        assert system is not None and system.status is SystemStatus.ACTIVE
        assert system.last_outcome == "ok"
    elif outcome in UNREACHABLE:  # may be saved as "nog niet gecontroleerd"
        assert response.status_code == 303
        assert system is not None and system.status is SystemStatus.UNCHECKED
        assert system.score is None
        attempts = db.session.scalars(
            select(SyncAttempt).where(SyncAttempt.review_system_id == system.id)
        ).all()
        assert [(a.outcome, a.attempts) for a in attempts] == [(outcome, 1)]
    else:
        assert response.status_code == 422
        assert system is None
        shown = member_message(outcome, provider, ident, feed=feed)
        html = response.get_data(as_text=True).replace("&#39;", "'")
        assert shown.split(".")[0] in html
