"""The directory generation tag and its publication to Redis (outside review).

- The tag names the bump time as UTC microseconds: hosts whose connections have another
  TimeZone (PGTZ, ALTER ROLE/DATABASE SET timezone) build the same tag for the same row, so they
  do not replace each other's published generation and throw away each other's pages.
- Publishing after a commit never raises, also when reading the committed generation fails.
- A rolled-back savepoint does not drop the outer transaction's pending publish.
- The default Redis prefix carries the database's key: portals (or a restored copy in another
  database) sharing one Redis do not serve each other's pages.

Runs on SQLite and on the PostgreSQL test database; the Redis tests need the machine's Redis.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from portal.core.db import database_key, is_postgres, utcnow
from portal.directory import cache, redis_cache
from portal.directory.entries import refresh_entry
from portal.directory.models import DirectoryState
from portal.extensions import db
from tests.directory import test_redis_cache
from tests.directory.test_redis_cache import PREFIX, REDIS_URL, _redis_or_skip
from tests.directory.test_search import FRAGMENT, names

app_config = test_redis_cache.app_config  # the fixtures: Redis under a per-run prefix
store = test_redis_cache.store

STATE_SQL = "SELECT version, updated_at FROM directory_state WHERE id = 1"


def test_the_tag_does_not_depend_on_the_form_of_the_bump_time():
    """SQLite's raw read is the stored text (naive UTC); a driver may hand an aware datetime in
    any zone for the same instant."""
    instant = datetime(2026, 12, 6, 17, 0, 0, 123456, tzinfo=UTC)
    amsterdam = instant.astimezone(timezone(timedelta(hours=1)))
    assert cache.tag(7, "2026-12-06 17:00:00.123456") == cache.tag(7, instant)
    assert cache.tag(7, amsterdam) == cache.tag(7, instant)
    assert cache.tag(7, "2026-12-06 18:00:00.123456+01:00") == cache.tag(7, instant)
    assert cache.tag(7, instant) != cache.tag(7, instant + timedelta(microseconds=1))


def test_every_read_of_the_state_builds_the_same_tag(app, listed):
    """Through the session, on the driver's own cursor (as `request_state` reads it) and from
    the model; on PostgreSQL under several TimeZone settings of the connection."""
    listed("Bakker Een")
    db.session.commit()
    state = db.session.scalars(select(DirectoryState)).one()
    tags = {cache.tag(state.version, state.updated_at)}
    zones = ("UTC", "Europe/Amsterdam", "Pacific/Chatham") if is_postgres(db.session) else ("",)
    for zone in zones:
        if zone:  # for this transaction only
            db.session.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})
        tags.add(cache.generation(db.session)[1])
        cursor = db.session.connection().connection.cursor()
        cursor.execute(STATE_SQL)
        tags.add(cache.tagged(cursor.fetchone())[1])
        cursor.close()
    db.session.rollback()
    assert len(tags) == 1, tags


def test_two_hosts_in_other_time_zones_keep_each_others_pages(app, store):
    """Live typing on two hosts: one new search per host per round and three popular ones. With
    one tag for the same row, only the new searches miss."""
    instant = datetime(2026, 12, 6, 17, 0, 0, 123456, tzinfo=UTC)
    hosts = {
        "a": cache.tag(7, instant),
        "b": cache.tag(7, instant.astimezone(timezone(timedelta(hours=1)))),
    }
    store.set(PREFIX + "version", hosts["a"])
    renders: list[str] = []
    popular = ["a" * 64, "b" * 64, "c" * 64]
    for round_ in range(4):
        for host, generation in hosts.items():
            for key in [f"{round_}{host}".ljust(64, "z"), *popular]:
                redis_cache.fetch(
                    store, key, lambda key=key: renders.append(key) or "body", ttl=60,
                    db_generation=lambda g=generation: g, basis=lambda g=generation: g,
                )  # fmt: skip
    assert len(renders) == len(popular) + 4 * len(hosts)


def test_a_failed_database_read_after_commit_does_not_fail_the_commit(app, store, listed, caplog):
    """Redis holds a later number (another commit published first), so the publish reads the
    committed generation; that read failing is logged and left to the version's expiry."""
    company = listed("Bakker Een")
    company_id, model = company.id, type(company)
    store.set(PREFIX + "version", "999@later")

    def committed() -> str:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    company.legal_name = "Bakker Warmte"
    refresh_entry(company_id)
    redis_cache.publish_after_commit(db.session, lambda: "998@mine", committed=committed)
    with caplog.at_level(logging.WARNING, logger="portal.directory.redis_cache"):
        db.session.commit()
    assert "not published (OperationalError)" in caplog.text
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # the session is usable
    db.session.remove()
    assert db.session.get(model, company_id).legal_name == "Bakker Warmte"


@pytest.mark.parametrize("bump_in_savepoint", [False, True])
def test_a_rolled_back_savepoint_keeps_the_outer_bumps_publish(
    app, store, listed, bump_in_savepoint
):
    """E.g. a complaint's record-once or a reference retry in a savepoint after a change of
    public rows: the committed generation is published, not the savepoint's rolled-back one."""
    listed("Bakker Een")
    store.set(PREFIX + "version", cache.generation(db.session)[1])
    db.session.commit()
    before = store.get(PREFIX + "version")
    cache.bump(db.session, now=utcnow())
    with contextlib.suppress(RuntimeError), db.session.begin_nested():
        if bump_in_savepoint:
            cache.bump(db.session, now=utcnow())
        raise RuntimeError("savepoint rolled back")
    db.session.commit()
    committed = cache.generation(db.session)[1]
    db.session.rollback()
    assert store.get(PREFIX + "version") == committed.encode() != before


@pytest.fixture
def default_prefix(app):
    """The default prefix of this test's database; its keys are removed afterwards."""
    prefix = f"{redis_cache.PREFIX}{database_key(db.session)}:"
    yield prefix
    found = _redis_or_skip()
    for key in found.scan_iter(match=prefix + "*"):
        found.delete(key)


@pytest.mark.parametrize("app_config", [{"DIRECTORY_CACHE_REDIS_URL": REDIS_URL}])
def test_the_default_prefix_carries_the_database_key(client, default_prefix, listed):
    found = _redis_or_skip()
    listed("Bakker Een")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Een"]
    assert found.get(default_prefix + "version") is not None
    assert list(found.scan_iter(match=default_prefix + "page:*"))


def test_a_configured_prefix_is_used_as_it_is(client, store, listed):
    listed("Bakker Een")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Een"]
    assert store.get(PREFIX + "version") is not None
    assert list(store.scan_iter(match=PREFIX + "page:*"))
