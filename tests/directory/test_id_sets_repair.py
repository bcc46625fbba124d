"""A shared copy of the matching sets that cannot be read (truncated, foreign bytes, a broken
stamp in Redis) never turns a search into a 500: the search answers from SQL and the entry is
built again. Redis down or full: a worker builds the sets once and keeps them, not after every
search. A web worker's build runs once even while the directory keeps changing."""

from __future__ import annotations

import base64
import logging

import pytest

from portal.directory import cache, id_index, redis_cache
from portal.extensions import db
from tests.directory.test_id_prebuild import PARTS, builds  # noqa: F401 (fixture)
from tests.directory.test_redis_cache import PREFIX, REDIS_URL, _redis_or_skip
from tests.directory.test_search import FRAGMENT, names

BROKEN = {
    "not-base64": "%%% not base64 %%%",
    "truncated": None,  # the real body cut in half
    "foreign-bytes": base64.b64encode(b"\x00\x01 not the codec's bytes").decode(),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_shared_copy_answers_from_sql_and_is_built_again(
    app,
    client,
    listed,
    builds,  # noqa: F811 (the fixture imported above)
    kind,
    caplog,
):
    listed("Bakker Een")
    listed("Bakker Twee")
    version = id_index.share(wait=True)
    assert version == cache.version(db.session)
    good = cache.stored_copy(db.session, PARTS, version=version)
    body = BROKEN[kind] or good[: len(good) // 2]
    cache.drop_copy(db.session, PARTS)
    cache.store_copy(db.session, PARTS, body, version=version, ttl=60)
    app.extensions.pop(id_index.EXTENSION, None)
    builds.clear()
    with caplog.at_level(logging.WARNING, logger="portal.directory.id_index"):
        response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
    assert response.status_code == 200
    assert names(response) == ["Bakker Een", "Bakker Twee"]
    assert "unreadable shared matching sets" in caplog.text
    response.close()  # after the response the worker shares good sets again
    assert builds == [1]
    assert cache.stored_copy(db.session, PARTS, version=version) == good
    again = client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT)  # not a cached page
    assert names(again) == ["Bakker Een", "Bakker Twee"]
    assert app.extensions[id_index.EXTENSION][0][0] == version  # the sets answered


@pytest.mark.parametrize(
    "app_config",
    [{"DIRECTORY_CACHE_REDIS_URL": REDIS_URL, "DIRECTORY_CACHE_REDIS_PREFIX": PREFIX}],
)
@pytest.mark.parametrize("entry", [b"x1\njunk", b"12", b"\xff\xfe\n\xff"])
def test_a_broken_redis_entry_is_not_a_500(app, client, listed, entry):
    store = _redis_or_skip()
    try:
        listed("Bakker Een")
        key = f"{PREFIX}page:{cache.make_key(*PARTS)}"
        store.set(key, entry)
        assert redis_cache.stamp(store, cache.make_key(*PARTS)) in (None, -1)
        response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
        assert response.status_code == 200
        assert names(response) == ["Bakker Een"]
    finally:
        for found in store.scan_iter(match=PREFIX + "*"):
            store.delete(found)


@pytest.mark.parametrize("app_config", [{"DIRECTORY_CACHE_REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_with_redis_down_a_worker_builds_the_sets_once(app, client, listed, builds):  # noqa: F811
    listed("Bakker Een")
    builds.clear()
    for _ in range(4):
        response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
        assert names(response) == ["Bakker Een"]
        response.close()
    assert builds == [1]  # kept in the process, not built again after every search
    assert app.extensions[id_index.EXTENSION][0][0] == cache.version(db.session)


def test_a_web_worker_builds_once_while_the_directory_keeps_changing(
    app,
    listed,
    builds,  # noqa: F811 (the fixture imported above)
    monkeypatch,
):
    listed("Bakker Een")
    real = id_index.build
    names_left = iter(["Bakker Twee", "Bakker Drie", "Bakker Vier"])

    def build_then_change(session):
        index = real(session)
        name = next(names_left, None)
        if name:
            listed(name)  # another process bumps the version during the build
        return index

    monkeypatch.setattr(id_index, "build", build_then_change)
    builds.clear()
    first = cache.version(db.session)
    assert id_index.share(wait=False) == first
    assert cache.version(db.session) > first  # the change is left to its own process
