"""Review-sync fixtures: the provider emulator on a loopback port and link factories.

Opt-in: a test module that needs the emulator overrides `app_config` with `emulator_config`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests

from portal.dev.provider_emulator import make_emulator_server
from portal.extensions import db
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

PROVIDERS = (Provider.KLANTENVERTELLEN, Provider.KIYOH, Provider.FEEDBACK_COMPANY)
SLOW_SECONDS = 1.5
# Modes in which the emulator makes the portal wait (SLOW_SECONDS, or three times that).
WAITING_MODES = frozenset({"slow", "timeout", "trickle"})
# Waits for a test whose emulator answers at once: room for a stalled, loaded CI machine.
ROOMY_WAITS = {
    "PROVIDER_READ_TIMEOUT": 5.0,
    "PROVIDER_REQUEST_DEADLINE": 8.0,
    "PROVIDER_INVITE_TIMEOUT": 5.0,
}
# Waits for a test that plays a waiting mode: all well below SLOW_SECONDS, so the portal gives
# up before the emulator answers (sleeping never ends early). The margin is what a stalled
# machine may delay the portal's own timeout by before the late answer wins the race: at least
# 0.7 s here (the invite timeout was 1.2 s, a 0.3 s margin, when quick modes shared it).
TIGHT_WAITS = {
    "PROVIDER_READ_TIMEOUT": 0.3,
    "PROVIDER_REQUEST_DEADLINE": 0.8,
    "PROVIDER_INVITE_TIMEOUT": 0.3,
}


@dataclass
class Emulator:
    """Handle on the running emulator: its URL and its fault API."""

    base_url: str
    board: object

    def fault(self, target: str, mode: str, times: int | None = None) -> None:
        body = {"target": target, "mode": mode}
        if times is not None:
            body["times"] = times
        reply = requests.post(f"{self.base_url}/_emulator/faults", json=body, timeout=5)
        assert reply.status_code == 200, reply.text

    def reset(self) -> None:
        requests.delete(f"{self.base_url}/_emulator/faults", timeout=5)

    def invites(self) -> list[dict]:
        return requests.get(f"{self.base_url}/_emulator/invites", timeout=5).json()["invites"]


@pytest.fixture(scope="session")
def emulator_server():
    """One threaded emulator for the whole session on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_emulator_server("127.0.0.1", 0, EMULATOR_SLOW_SECONDS=SLOW_SECONDS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def emulator(emulator_server) -> Emulator:
    """The emulator with faults, token marks and invites reset for this test."""
    handle = Emulator(
        f"http://127.0.0.1:{emulator_server.server_port}",
        emulator_server.app.extensions["provider_emulator"],
    )
    handle.reset()
    yield handle
    handle.reset()


def played_mode(request: pytest.FixtureRequest) -> str | None:
    """The emulator fault mode a parametrized test plays (its `mode` parameter), if any."""
    callspec = getattr(request.node, "callspec", None)
    return callspec.params.get("mode") if callspec is not None else None


def emulator_config(emulator: Emulator, mode: str | None = None, **overrides) -> dict:
    """App settings pointing every provider at the emulator.

    The waits depend on the fault `mode` the test plays: tight for a waiting mode (so the test
    is quick and the portal surely times out), roomy otherwise (so a quick answer is never
    turned into a timeout by a stalled CI machine).
    """
    url = emulator.base_url
    config = {
        "PROVIDER_BASE_URLS": f"klantenvertellen={url},kiyoh={url},feedback_company={url}",
        "PROVIDER_ALLOWED_HOSTS": ["127.0.0.1"],
        "PROVIDER_CONNECT_TIMEOUT": 1.0,
        **(TIGHT_WAITS if mode in WAITING_MODES else ROOMY_WAITS),
        "SYNC_BACKOFF_BASE": 0.01,
        "SYNC_MAX_RETRY_AFTER": 1.0,  # the emulator's Retry-After: 2 → pause, not wait
        "SYNC_LINK_DEADLINE": 10.0,
    }
    config.update(overrides)
    return config


def good_credentials(provider: Provider, ident: str) -> dict[str, str]:
    """Credentials the emulator accepts for this id."""
    if provider is Provider.FEEDBACK_COMPANY:
        return {"client_id": ident, "client_secret": f"emu-{ident}"}
    return {"token": f"emu-{ident}"}


PRIOR_GOOD = {
    "score": Decimal("7.10"),
    "scale_max": Decimal("10.00"),
    "score_10": Decimal("7.10"),
    "review_count": 17,
    "recommend_pct": Decimal("88.00"),
    "profile_url": "https://www.klantenvertellen.nl/reviews/prior",
    "location_name": "Vorige naam",
}


@pytest.fixture
def make_link(make_company):
    """Factory: a company with one current review-system link and stored credentials."""

    def make(
        provider: Provider = Provider.KLANTENVERTELLEN,
        ident: str = "1000001",
        *,
        status: SystemStatus = SystemStatus.ACTIVE,
        prior: dict | None = None,
        creds: dict[str, str] | None = None,
        company=None,
    ) -> ReviewSystem:
        system = ReviewSystem(
            company=company or make_company(),
            provider=provider,
            status=status,
            location_id=ident,
            **(prior or {}),
        )
        db.session.add(system)
        db.session.flush()
        credentials.store_credentials(system, creds or good_credentials(provider, ident))
        db.session.commit()
        return system

    return make
