"""Deterministic seed data and the fault board of the provider emulator (PROVIDERS.md §6).

Dev and test tool only: production never imports `portal.dev`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

FAULT_MODES = (
    "bad_token",
    "forbidden",
    "unknown_location",
    "rate_limit",
    "rate_limit_text",
    "server_error",
    "unavailable",
    "slow",
    "timeout",
    "trickle",
    "malformed_json",
    "wrong_content_type",
    "oversized",
    "missing_fields",
    "out_of_range",
    "redirect",
    "token_expired",
    "variant_fields",
)
FIXED = {
    "1000001": (8.9, 42, 95),
    "1000002": (7.5, 3, 80),
    "1000003": (None, 0, None),
    "fbc-demo-1": (4.6, 128, None),
    "fbc-demo-2": (4.0, 2, None),
}
FIRST_NAMES = ("Jan", "Fatima", "Pieter", "Sanne", "Mohamed", "Anouk", "Kees", "Lotte", "Daan")
CITIES = ("Utrecht", "Tilburg", "Zwolle", "Breda", "Groningen", "Arnhem", "Delft", "Venlo")
OPINIONS = (
    "Netjes gewerkt en op tijd klaar.",
    "Goede uitleg over de warmtepomp.",
    "Monteur was vriendelijk en vakkundig.",
    "Afspraak één keer verzet, verder prima.",
    "Snel geholpen bij een lekkage.",
)


# Every location gets a few unhappy customers, so negative-review follow-up has work in the demo.
NEGATIVE_OPINIONS = (
    "Monteur kwam twee keer niet opdagen, niemand belde af.",
    "Lekkage na de installatie en pas na een week teruggekomen.",
    "Factuur veel hoger dan de offerte, zonder uitleg.",
)
NEGATIVE_EVERY = 11  # review n with n % NEGATIVE_EVERY == 3 is a failing one


def _hash(identifier: str) -> bytes:
    return hashlib.sha256(identifier.encode()).digest()


@dataclass(frozen=True)
class Location:
    """Seed figures of one location or FBC client id."""

    ident: str
    fbc: bool
    score: float | None  # on the provider scale (10, or 5 for FBC)
    count: int
    recommend: int | None

    @property
    def name(self) -> str:
        return f"Emulator {'shop' if self.fbc else 'locatie'} {self.ident}"


def location(ident: str, *, fbc: bool = False) -> Location:
    """Deterministic figures per id (fbc: out of 5): fixed ids of §6, else a hash-based spread."""
    if ident in FIXED:
        score, count, rec = FIXED[ident]
        return Location(ident, fbc, score, count, rec)
    h = _hash(ident)
    bucket = h[0] % 100
    if bucket < 7:
        count = 0
    elif bucket < 20:
        count = 1 + h[1] % 4  # below the publication threshold of 5
    else:
        count = 5 + (h[1] * 256 + h[2]) % 400
    if count == 0:
        return Location(ident, fbc, None, 0, None)
    # FBC 3.0-5.0 out of 5, KV/Kiyoh 6.0-9.8 out of 10.
    score = round(3.0 + (h[3] % 21) / 10, 1) if fbc else round(6.0 + (h[3] % 39) / 10, 1)
    return Location(ident, fbc, score, count, 60 + h[4] % 41)


def reviews(loc: Location, limit: int, start: int = 0) -> list[dict]:
    """Up to `limit` deterministic review seeds: rating, author, city, text, date."""
    items = []
    base = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    for n in range(start, min(loc.count, start + limit)):
        h = _hash(f"{loc.ident}:{n}")
        top = 5 if loc.fbc else 10
        centre = loc.score or top
        rating = max(1, min(top, round(centre + (h[0] % 5 - 2) * (0.5 if loc.fbc else 1))))
        text = OPINIONS[h[3] % len(OPINIONS)]
        if n % NEGATIVE_EVERY == 3:
            rating = 2 if loc.fbc else 3 + h[0] % 2
            text = NEGATIVE_OPINIONS[h[3] % len(NEGATIVE_OPINIONS)]
        items.append(
            {
                "n": n,
                "rating": rating,
                "author": "anoniem" if h[1] % 7 == 0 else FIRST_NAMES[h[1] % len(FIRST_NAMES)],
                "city": CITIES[h[2] % len(CITIES)],
                "text": text,
                "date": base - timedelta(days=n * 3 + h[4] % 3, minutes=h[5]),
                "uid": hashlib.md5(f"{loc.ident}:{n}".encode(), usedforsecurity=False).hexdigest(),
            }
        )
    return items


@dataclass
class FaultBoard:
    """Fault rules, issued FBC tokens and received invites, shared by the server's threads."""

    default_mode: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    rules: dict[str, list] = field(default_factory=dict)  # target → [mode, remaining | None]
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict)  # token → (client, serial)
    expired_marks: dict[str, int] = field(default_factory=dict)
    invites: list[dict] = field(default_factory=list)
    serial: int = 0
    requests: int = 0
    # Waiting fault modes hold their reply until a release (POST /_emulator/release) or until
    # EMULATOR_SLOW_SECONDS pass; `busy` counts provider calls being answered.
    releases: int = 0
    busy: int = 0
    settled: threading.Condition = field(default_factory=threading.Condition)

    @classmethod
    def from_env(cls) -> FaultBoard:
        mode = os.environ.get("EMULATOR_FAULT", "").strip() or None
        return cls(default_mode=mode if mode in FAULT_MODES else None)

    def set_rule(self, target: str, mode: str, times: int | None) -> None:
        with self.lock:
            self.rules[target] = [mode, times]

    def reset(self) -> None:
        with self.lock:
            self.rules.clear()
            self.expired_marks.clear()
            self.invites.clear()

    def take(self, ident: str, modes: frozenset[str] | None = None) -> str | None:
        """The fault to play for this id now, or None; a limited rule counts down when played.

        `modes` restricts which faults this endpoint plays; others are left for the next call.
        """
        allowed = (lambda m: True) if modes is None else modes.__contains__
        if ident.startswith("fault-") and ident[6:] in FAULT_MODES:
            return ident[6:] if allowed(ident[6:]) else None
        with self.lock:
            for target in (ident, "*"):
                rule = self.rules.get(target)
                if rule is None or not allowed(rule[0]) or rule[1] == 0:
                    continue
                if rule[1] is not None:
                    rule[1] -= 1
                return rule[0]
        mode = self.default_mode
        return mode if mode is not None and allowed(mode) else None

    def count_request(self) -> None:
        with self.lock:
            self.requests += 1

    def begin_call(self) -> None:
        with self.settled:
            self.busy += 1

    def end_call(self) -> None:
        with self.settled:
            self.busy -= 1
            self.settled.notify_all()

    def hold(self, seconds: float, since: int | None = None) -> None:
        """Wait `seconds`, or until the next release after `since` (a `releases` value)."""
        with self.settled:
            start = self.releases if since is None else since
            self.settled.wait_for(lambda: self.releases != start, timeout=seconds)

    def release(self, timeout: float = 10.0) -> bool:
        """End every hold now and wait until no provider call is being answered (True)."""
        with self.settled:
            self.releases += 1
            self.settled.notify_all()
            return self.settled.wait_for(lambda: self.busy == 0, timeout=timeout)

    def issue_token(self, client_id: str) -> str:
        with self.lock:
            self.serial += 1
            token = f"emuat-{secrets.token_hex(16)}"
            self.tokens[token] = (client_id, self.serial)
            return token

    def token_client(self, token: str) -> tuple[str, int] | None:
        with self.lock:
            return self.tokens.get(token)

    def expire_once(self, client_id: str, serial: int) -> bool:
        """token_expired: True (answer 401) for tokens issued before the first 401 was served."""
        with self.lock:
            mark = self.expired_marks.get(client_id)
            if mark is None or serial <= mark:
                self.expired_marks[client_id] = self.serial
                return True
            return False

    def add_invite(self, invite: dict) -> None:
        with self.lock:
            self.invites.append(invite)

    def list_invites(self) -> list[dict]:
        with self.lock:
            return list(self.invites)
