"""Deterministic demo review systems: which provider, status, credentials and last figures.

Timestamps are returned as offsets (`*_ago` keys, timedeltas) and turned into datetimes at
insert time, so the figures look fresh whenever the demo is seeded.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from portal.demo import names
from portal.reviews.models import Provider, SystemStatus

REFERENCE_DATE = date(2025, 10, 1)  # fixed "today" of the demo, so generated dates never drift
# Fixed emulator locations (PROVIDERS.md §6) for the first companies, so the demo logins show
# known figures: 8,9/10 from 42 reviews; 3 reviews (below the threshold); none yet.
FIXED_KV = {
    0: ("1000001", Decimal("8.9"), 42, Decimal("95")),
    2: ("1000002", Decimal("7.5"), 3, Decimal("67")),
    3: ("1000003", None, 0, None),
}
FIXED_FBC = {1: ("fbc-demo-1", Decimal("4.6"), 128)}
KV_BASE = "https://www.klantenvertellen.nl"
KIYOH_BASE = "https://www.kiyoh.com"
FBC_BASE = "https://www.feedbackcompany.com"
TIMESTAMP_KEYS = ("fetched_at", "last_success_at", "last_attempt_at", "requested_at", "activated_at", "decided_at")  # fmt: skip


def demo_uuid(rng: random.Random) -> str:
    """A UUID4 drawn from the seeded generator (public ids must be reproducible too)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def empty_system(rng: random.Random) -> dict:
    """Every ReviewSystem column the demo sets, with neutral values (bulk inserts need one shape)."""
    return {
        "public_id": demo_uuid(rng),
        "provider": Provider.KLANTENVERTELLEN,
        "status": SystemStatus.ACTIVE,
        "is_current": True,
        "included": False,
        "location_id": "",
        "secret_hint": "",
        "other_name": "",
        "other_url": "",
        "other_description": "",
        "self_reported": False,
        "decision_reason": "",
        "location_name": "",
        "score": None,
        "scale_max": None,
        "score_10": None,
        "review_count": 0,
        "recommend_pct": None,
        "profile_url": "",
        "write_review_url": "",
        "last_outcome": "",
        **{f"{key}_ago": None for key in TIMESTAMP_KEYS},
    }


def review_system(rng: random.Random, i: int, company: dict) -> tuple[dict | None, dict | None]:
    """(system columns, credential payload) for company number `i`, or (None, None)."""
    system = empty_system(rng)
    draw = rng.random()
    if i in FIXED_KV:
        location, score, count, pct = FIXED_KV[i]
        return _kv_active(rng, system, company, location, (score, count, pct))
    if i in FIXED_FBC:
        return _fbc_active(rng, system, company, *FIXED_FBC[i])
    if draw < 0.70:
        return _kv_active(rng, system, company, f"{1_001_000 + i}", None)
    if draw < 0.78:
        return _kiyoh_active(rng, system, company, f"{1_500_000 + i}")
    if draw < 0.84:
        return _fbc_active(rng, system, company, f"fbc-{i}", None, None)
    if draw < 0.87:
        system.update(
            provider=Provider.KLANTENVERTELLEN, status=SystemStatus.REQUESTED, included=True
        )
        system["requested_at_ago"] = timedelta(days=rng.randint(1, 30))
        return system, None
    if draw < 0.90:
        return _other(rng, system, company), None
    return None, None


def _figures(rng: random.Random) -> tuple[Decimal | None, int, Decimal | None]:
    """A plausible score on /10, review count and recommendation percentage."""
    count = rng.randint(0, 4) if rng.random() < 0.15 else int(rng.lognormvariate(3.4, 1.0)) + 5
    if count == 0:
        return None, 0, None
    score = Decimal(str(round(min(9.9, max(5.5, rng.gauss(8.6, 0.5))), 1)))
    pct = Decimal(str(min(100, max(40, round(rng.gauss(93, 6))))))
    return score, count, pct


def _fresh(rng: random.Random, system: dict) -> None:
    ago = timedelta(hours=rng.randint(1, 20), minutes=rng.randint(0, 59))
    system.update(
        fetched_at_ago=ago, last_success_at_ago=ago, last_attempt_at_ago=ago, last_outcome="ok"
    )
    system["activated_at_ago"] = timedelta(days=rng.randint(30, 2000))


def _kv_active(
    rng: random.Random,
    system: dict,
    company: dict,
    location: str,
    fixed: tuple[Decimal | None, int, Decimal | None] | None,
) -> tuple[dict, dict]:
    score, count, pct = fixed or _figures(rng)
    token = f"emu-{location}"
    _fresh(rng, system)
    system.update(
        provider=Provider.KLANTENVERTELLEN,
        included=True,
        location_id=location,
        secret_hint=token[-4:],
        location_name=company["trade_name"] or company["legal_name"],
        score=score,
        scale_max=Decimal("10"),
        score_10=score,
        review_count=count,
        recommend_pct=pct,
        profile_url=f"{KV_BASE}/reviews/{location}/{company['slug']}",
        write_review_url=f"{KV_BASE}/invite-link/{location}/{company['slug']}?lang=nl",
    )
    return system, {"token": token}


def _kiyoh_active(
    rng: random.Random, system: dict, company: dict, location: str
) -> tuple[dict, dict]:
    system, secrets = _kv_active(rng, system, company, location, None)
    system.update(
        provider=Provider.KIYOH,
        included=False,
        profile_url=f"{KIYOH_BASE}/reviews/{location}/{company['slug']}",
        write_review_url=f"{KIYOH_BASE}/invite-link/{location}/{company['slug']}?lang=nl",
    )
    return system, secrets


def _fbc_active(
    rng: random.Random,
    system: dict,
    company: dict,
    client_id: str,
    score: Decimal | None,
    count: int | None,
) -> tuple[dict, dict]:
    if score is None:
        score10, count, _ = _figures(rng)
        score = None if score10 is None else (score10 / 2).quantize(Decimal("0.1"))
    secret = f"emu-{client_id}"
    _fresh(rng, system)
    system.update(
        provider=Provider.FEEDBACK_COMPANY,
        location_id=client_id,
        secret_hint=secret[-4:],
        location_name=company["trade_name"] or company["legal_name"],
        score=score,
        scale_max=Decimal("5"),
        score_10=None if score is None else score * 2,
        review_count=count,
        profile_url=f"{FBC_BASE}/nl-nl/reviews/{company['slug']}/",
    )
    return system, {"client_id": client_id, "client_secret": secret}


def _other(rng: random.Random, system: dict, company: dict) -> dict:
    name, url = rng.choice(names.OTHER_SYSTEMS)
    status = rng.choice((SystemStatus.IN_REVIEW, SystemStatus.APPROVED, SystemStatus.REJECTED))
    system.update(
        provider=Provider.OTHER,
        status=status,
        other_name=name,
        other_url=url + company["slug"],
        other_description=f"Wij vragen klanten na elke opdracht om een beoordeling via {name}.",
        requested_at_ago=timedelta(days=rng.randint(5, 60)),
    )
    if status is SystemStatus.APPROVED:
        system.update(
            decision_reason="Voldoet: onafhankelijk en openbaar.", decided_at_ago=timedelta(days=2)
        )
    elif status is SystemStatus.REJECTED:
        reason = "Voldoet niet: beoordelingen zijn niet openbaar en niet controleerbaar."
        system.update(decision_reason=reason, decided_at_ago=timedelta(days=3))
    return system
