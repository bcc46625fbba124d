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
# How long the emulator holds a waiting mode's reply (`trickle`: drips it over three times that).
# Far longer than any test waits: the emulator fixture releases held replies when a test ends,
# so the portal's own timeout always comes first, however loaded the machine is.
SLOW_SECONDS = 30.0
# Modes in which the emulator makes the portal wait.
WAITING_MODES = frozenset({"slow", "timeout", "trickle"})
# Waits for a test whose emulator answers at once: room for a stalled, loaded CI machine (the
# emulator is a thread of the test process; at load 25 one of its answers took more than 5 s).
ROOMY_WAITS = {
    "PROVIDER_READ_TIMEOUT": 30.0,
    "PROVIDER_REQUEST_DEADLINE": 30.0,
    "PROVIDER_INVITE_TIMEOUT": 30.0,
}
# `slow`/`timeout`: the reply is held until the test ends, so nothing arrives however long a try
# waits: the read timeouts end each try, at any load, and can be as short as the clock allows
# (three tries of 0.05 s instead of 0.3 s; the outcome, status and try count are the same).
TIGHT_WAITS = {
    "PROVIDER_READ_TIMEOUT": 0.05,
    "PROVIDER_REQUEST_DEADLINE": 0.05,
    "PROVIDER_INVITE_TIMEOUT": 0.05,
}
# `trickle`: a piece of body every 0.1 s until the test ends (the status line and headers come
# with the first piece), so the body is never complete and only the request deadline can end it.
# The deadline is checked before each piece is read, after the status is known: each try ends
# with HTTP 200 and a timeout at the first check past the deadline, however late the headers
# come, so the deadline can be short too. The read timeouts are as long as the control calls'
# (a loaded machine may be late with a piece: no read timeout instead of the deadline).
TRICKLE_WAITS = {
    "PROVIDER_READ_TIMEOUT": 30.0,
    "PROVIDER_REQUEST_DEADLINE": 0.05,
    "PROVIDER_INVITE_TIMEOUT": 30.0,
}
# The whole link's deadline (all tries of one sync): a minute, also for a waiting mode, whose
# three tries each last a request deadline or a read timeout plus whatever a loaded machine adds
# (the expected try count must not depend on the machine's speed).
LINK_DEADLINE = 60.0
WAITING_LINK_DEADLINE = 60.0
# The tests' own calls to the emulator's fault API: a control call that times out is no finding
# (one did at 5 s, load average 25, on the shared 2-core machine).
CONTROL_TIMEOUT = 30


@dataclass
class Emulator:
    """Handle on the running emulator: its URL and its fault API."""

    base_url: str
    board: object

    def fault(self, target: str, mode: str, times: int | None = None) -> None:
        body = {"target": target, "mode": mode}
        if times is not None:
            body["times"] = times
        reply = requests.post(
            f"{self.base_url}/_emulator/faults", json=body, timeout=CONTROL_TIMEOUT
        )
        assert reply.status_code == 200, reply.text

    def reset(self) -> None:
        requests.delete(f"{self.base_url}/_emulator/faults", timeout=CONTROL_TIMEOUT)

    def release(self) -> None:
        """Answer every held reply now; returns once no provider call is still being answered."""
        reply = requests.post(f"{self.base_url}/_emulator/release", timeout=CONTROL_TIMEOUT)
        assert reply.status_code == 200, reply.text

    def invites(self) -> list[dict]:
        return requests.get(f"{self.base_url}/_emulator/invites", timeout=CONTROL_TIMEOUT).json()[
            "invites"
        ]


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
    """The emulator with faults, token marks and invites reset for this test.

    Held replies are released (and answered) before the reset, so a late answer to this test
    never lands in the next test's emulator state.
    """
    handle = Emulator(
        f"http://127.0.0.1:{emulator_server.server_port}",
        emulator_server.app.extensions["provider_emulator"],
    )
    handle.reset()
    yield handle
    handle.release()
    handle.reset()


def played_mode(request: pytest.FixtureRequest) -> str | None:
    """The emulator fault mode a parametrized test plays (its `mode` parameter), if any."""
    callspec = getattr(request.node, "callspec", None)
    return callspec.params.get("mode") if callspec is not None else None


def emulator_config(emulator: Emulator, mode: str | None = None, **overrides) -> dict:
    """App settings pointing every provider at the emulator.

    The waits depend on the fault `mode` the test plays: tight for a held reply (so the test is
    quick), a tight request deadline for a trickled one, roomy otherwise (so a quick answer is
    never turned into a timeout by a stalled CI machine).
    """
    url = emulator.base_url
    config = {
        "PROVIDER_BASE_URLS": f"klantenvertellen={url},kiyoh={url},feedback_company={url}",
        "PROVIDER_ALLOWED_HOSTS": ["127.0.0.1"],
        "PROVIDER_CONNECT_TIMEOUT": 1.0,
        **_waits(mode),
        "SYNC_BACKOFF_BASE": 0.01,
        "SYNC_MAX_RETRY_AFTER": 1.0,  # the emulator's Retry-After: 2 → pause, not wait
        "SYNC_LINK_DEADLINE": WAITING_LINK_DEADLINE if mode in WAITING_MODES else LINK_DEADLINE,
    }
    config.update(overrides)
    return config


def _waits(mode: str | None) -> dict:
    if mode == "trickle":
        return TRICKLE_WAITS
    return TIGHT_WAITS if mode in WAITING_MODES else ROOMY_WAITS


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
