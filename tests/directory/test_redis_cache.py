"""The Redis page cache (production, with REDIS_URL): hits without SQL, versions published only
after commit and only forwards, recovery from a lost version, and pages still served when Redis
is down. Uses the machine's Redis (127.0.0.1:6379); keys live under a per-test prefix."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
import redis
from sqlalchemy import event

from portal.auth.models import Role
from portal.core.db import utcnow
from portal.core.settings import update_settings
from portal.directory import cache, redis_cache, vocabulary
from portal.directory.entries import refresh_entry
from portal.directory.models import ResultCache
from portal.extensions import db
from tests.directory.test_search import FRAGMENT, names

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = f"ledenportaal-test:{uuid.uuid4().hex}:"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis at " + REDIS_URL)
    return client


@pytest.fixture
def app_config():
    return {"DIRECTORY_CACHE_REDIS_URL": REDIS_URL, "DIRECTORY_CACHE_REDIS_PREFIX": PREFIX}


@pytest.fixture
def store(app):
    client = _redis_or_skip()
    yield client
    for key in client.scan_iter(match=PREFIX + "*"):
        client.delete(key)


def _published(store) -> int | None:
    value = store.get(PREFIX + "version")
    return None if value is None else redis_cache.tag_version(value)


def _statements(app):
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_detail_hit_needs_no_sql_and_the_database_cache_stays_empty(app, client, store, listed):
    company = listed("Bakker Installaties")
    url = f"/ledenzoeker/{company.slug}"
    first = client.get(url)
    assert first.status_code == 200
    statements = _statements(app)
    again = client.get(url)
    assert again.get_data() == first.get_data()
    assert statements == []
    assert db.session.query(ResultCache).count() == 0
    assert len(list(store.scan_iter(match=PREFIX + "page:*"))) == 1


def test_refresh_is_published_after_commit(client, store, listed):
    company = listed("Bakker Installaties")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    before = _published(store)
    company.legal_name = "Bakker Warmte"
    refresh_entry(company.id)
    assert _published(store) == before  # not yet committed: readers keep the old version
    db.session.commit()
    assert _published(store) == before + 1
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Warmte"]


def test_rolled_back_bump_is_never_published(app, store, listed):
    listed("Bakker Installaties")
    store.set(PREFIX + "version", cache.generation(db.session)[1])
    before = _published(store)
    cache.bump(db.session, now=utcnow())
    db.session.rollback()
    db.session.commit()  # a later, unrelated commit publishes nothing either
    assert _published(store) == before


def test_versions_only_move_forward(app, store):
    store.set(PREFIX + "version", "7@a")
    for tag in ("9@c", "8@b"):  # two commits publishing out of order
        redis_cache.publish_after_commit(db.session, lambda t=tag: t, committed=lambda: "9@c")
        db.session.commit()
    assert store.get(PREFIX + "version") == b"9@c"


@pytest.mark.parametrize("held", ["9@lost", "8@lost"])
def test_a_generation_of_a_lost_history_is_replaced(app, store, held):
    """After a database restore Redis may hold a higher number than the database has (the
    database, read after Redis, is behind it) or the same number bumped at another time."""
    store.set(PREFIX + "version", held)
    redis_cache.publish_after_commit(db.session, lambda: "8@new", committed=lambda: "8@new")
    db.session.commit()
    assert store.get(PREFIX + "version") == b"8@new"


def test_lost_version_is_read_from_the_database(client, store, listed):
    company = listed("Bakker Installaties")
    store.delete(PREFIX + "version")  # expired, or Redis restarted empty
    assert client.get(f"/ledenzoeker/{company.slug}").status_code == 200
    assert _published(store) == cache.version(db.session)


def test_new_publication_minimum_reaches_cached_pages(client, store, listed, make_user, frozen_now):
    company = listed("Bakker Installaties", reviews=4)
    url = f"/ledenzoeker/{company.slug}"
    assert "8,7" not in client.get(url).get_data(as_text=True)
    update_settings({"publication_min": 4}, by=make_user(role=Role.ADMIN))
    db.session.commit()
    assert "8,7 / 10" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"DIRECTORY_CACHE_REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_pages_are_served_when_redis_is_down(client, listed, caplog):
    company = listed("Bakker Installaties")
    with caplog.at_level(logging.WARNING, logger="portal.directory.redis_cache"):
        page = client.get(f"/ledenzoeker/{company.slug}")
        fragment = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
        company.legal_name = "Bakker Warmte"
        refresh_entry(company.id)
        db.session.commit()  # the publish fails quietly too
    assert page.status_code == 200 and "Bakker Installaties" in page.get_data(as_text=True)
    assert names(fragment) == ["Bakker Installaties"]
    assert "Redis unavailable" in caplog.text and "not published" in caplog.text


def test_sets_fetched_while_redis_lags_are_not_kept_for_the_new_version(client, store, listed):
    """A worker that reads the matching sets while Redis still has the old version (before the
    publish, or after a lost one) does not keep them, nor results built from them, as current."""
    listed("Bakker Een")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Een"]
    old = store.get(PREFIX + "version")
    listed("Bakker Twee")
    new = store.get(PREFIX + "version")
    store.set(PREFIX + "version", old)  # the publish was lost
    assert len(names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT))) == 1  # lag
    client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT)  # a miss reads the sets meanwhile
    assert vocabulary.current(db.session)  # so does the vocabulary
    store.set(PREFIX + "version", new)
    both = ["Bakker Een", "Bakker Twee"]
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == both
    assert names(client.get("/ledenzoeker/?q=bakke", headers=FRAGMENT)) == both
    assert "twee" in vocabulary.current(db.session).words


def test_results_are_stamped_no_newer_than_the_sets_they_used(client, store, listed):
    """A fragment rendered from the matching sets of version V is never stored under a newer
    version that Redis published meanwhile."""
    listed("Bakker Een")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Een"]
    used = store.get(PREFIX + "version")
    later = f"{redis_cache.tag_version(used) + 1}@later".encode()
    store.set(PREFIX + "version", later)  # published after this request read its version
    client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT)
    stamps = {
        store.get(key).partition(b"\n")[0] for key in store.scan_iter(match=PREFIX + "page:*")
    }
    assert later not in stamps
