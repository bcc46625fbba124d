"""Ledenzoeker fixtures: listed members with specialisms and review systems, and a live server."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.directory.entries import refresh_entry
from portal.extensions import db
from portal.members.models import Recognition, Specialism
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
UTRECHT = (52.0907, 5.1214)  # Domplein
_slugs = itertools.count(1)


@pytest.fixture
def specialism(app) -> Callable[..., Specialism]:
    """`specialism("Warmtepompen")`: get or create a specialism by name."""

    def make(name: str, *, active: bool = True) -> Specialism:
        found = db.session.query(Specialism).filter_by(name=name).one_or_none()
        if found:
            return found
        item = Specialism(slug=_slug(name), name=name, active=active)
        db.session.add(item)
        db.session.flush()
        return item

    return make


@pytest.fixture
def recognition(app) -> Callable[..., Recognition]:
    """`recognition("STEK")`: get or create a recognition by name."""

    def make(name: str) -> Recognition:
        found = db.session.query(Recognition).filter_by(name=name).one_or_none()
        if found:
            return found
        item = Recognition(slug=_slug(name), name=name)
        db.session.add(item)
        db.session.flush()
        return item

    return make


@pytest.fixture
def listed(make_company, specialism, recognition):
    """`listed(name, ..., specialisms=[...], recognitions=[...], reviews=N)` then reindexed.

    `reviews` adds a current, active Klantenvertellen system with that many reviews and 8.7/10,
    fetched a day before NOW; `system={...}` overrides its fields.
    """

    def make(name: str, *, specialisms=(), recognitions=(), reviews=None, system=None, **fields):
        slug = fields.pop("slug", f"{_slug(name)}-{next(_slugs)}")
        company = make_company(legal_name=name, trade_name="", slug=slug, **fields)
        company.specialisms = [specialism(s) for s in specialisms]
        company.recognitions = [recognition(r) for r in recognitions]
        if reviews is not None or system:
            values = {
                "provider": Provider.KLANTENVERTELLEN,
                "status": SystemStatus.ACTIVE,
                "is_current": True,
                "score": Decimal("8.70"),
                "scale_max": Decimal("10"),
                "review_count": reviews or 0,
                "fetched_at": NOW - timedelta(days=1),
                "profile_url": "https://www.klantenvertellen.nl/reviews/1000001/test",
            }
            values.update(system or {})
            db.session.add(ReviewSystem(company=company, **values))
        db.session.commit()
        refresh_entry(company.id)
        db.session.commit()
        return company

    return make


@pytest.fixture
def frozen_now(monkeypatch):
    """Make the routes judge score freshness at NOW."""
    monkeypatch.setattr("portal.directory.routes.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def live_server(tmp_path):
    """`with live_server(seed) as base_url:` a portal on a loopback port (file SQLite).

    Reusable: delegates to tests/browser/live.py so every browser test serves the app alike.
    """
    from tests.browser.live import live_portal

    def start(seed: Callable[[], None] | None = None, **config):
        return live_portal(tmp_path, seed, **config)

    return start


def _slug(name: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())
