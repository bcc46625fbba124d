"""Who builds the matching sets (portal/directory/prebuild.py, id_index.share): the process that
changed the directory, after its commit, under a lock; a search never waits for them."""

from __future__ import annotations

import re
import threading

import pytest

from portal.directory import cache, id_index, services
from portal.extensions import db
from tests.directory.test_search import FRAGMENT, names

PARTS = (id_index.CACHE_KEY,)


@pytest.fixture
def builds(monkeypatch):
    """Every build of the sets, counted (the real build runs)."""
    seen: list[int] = []
    real = id_index.build

    def counted(session):
        seen.append(1)
        return real(session)

    monkeypatch.setattr(id_index, "build", counted)
    return seen


def _sql_only(client, monkeypatch, url: str) -> str:
    real = services.search
    monkeypatch.setattr(services, "search", lambda *a, **k: real(*a, **{**k, "id_index": None}))
    try:
        return client.get(url, headers=FRAGMENT).text
    finally:
        monkeypatch.setattr(services, "search", real)


def test_a_search_answers_from_sql_and_leaves_the_build_for_after_its_response(
    app, client, listed, builds, monkeypatch
):
    listed("Bakker Een")
    listed("Bakker Twee", specialisms=["CV"])
    version = cache.version(db.session)
    assert cache.copy_stamp(db.session, PARTS) is None  # nobody built this version's sets
    response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
    assert names(response) == ["Bakker Een", "Bakker Twee"]
    assert builds == []  # the visitor did not wait for a build
    assert app.extensions.get(id_index.EXTENSION) is None  # nor does the worker keep any
    response.close()  # the server has sent the response
    assert builds == [1]
    assert cache.copy_stamp(db.session, PARTS) == version
    # The next search reads the shared sets, answers as the SQL does, and builds nothing.
    url = "/ledenzoeker/?q=bakker&vakgebied=cv"
    with_sets = client.get(url, headers=FRAGMENT).text
    assert app.extensions[id_index.EXTENSION][0][0] == version
    assert with_sets == _sql_only(client, monkeypatch, url)
    assert builds == [1]


def test_sets_of_an_older_version_are_not_used(app, client, listed, builds):
    listed("Bakker Een")
    assert id_index.share(wait=True) == cache.version(db.session)
    listed("Bakker Twee")  # a change whose builder has not run (yet)
    response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
    assert names(response) == ["Bakker Een", "Bakker Twee"]  # SQL, not the old sets
    assert app.extensions.get(id_index.EXTENSION) is None


def test_a_command_that_changes_the_directory_builds_the_sets_once_when_it_ends(
    app, listed, builds
):
    listed("Bakker Een")
    listed("Bakker Twee")
    result = app.test_cli_runner().invoke(args=["directory", "reindex"])
    assert result.exit_code == 0, result.output
    assert builds == [1]
    assert cache.copy_stamp(db.session, PARTS) == cache.version(db.session)
    again = app.test_cli_runner().invoke(args=["directory", "build-sets"])
    assert "already shared" in again.output and builds == [1]


def test_an_edit_in_a_request_builds_the_sets_after_its_response(
    app, client, listed, make_user, login, builds
):
    listed("Bakker Een", specialisms=["Verwarming"])
    login(client, make_user(role="admin"))
    page = client.get("/beheer/ledenzoeker/zoekwoorden")
    saved = client.post(
        "/beheer/ledenzoeker/zoekwoorden",
        data={"body": "kachel: Verwarming", "version": _form_version(page.text)},
    )
    assert saved.status_code == 303
    assert builds == []
    saved.close()
    assert builds == [1]
    assert cache.copy_stamp(db.session, PARTS) == cache.version(db.session)


def _form_version(html: str) -> str:
    found = re.search(r'name="version"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def test_no_sets_are_shared_with_the_cache_switched_off(app, client, listed, builds):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    listed("Bakker Een")
    client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).close()
    assert builds == [1]  # the process's own copy, as before
    assert cache.copy_stamp(db.session, PARTS) is None


def _postgresql_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")


def test_two_builders_of_one_version_build_once(app, listed, monkeypatch):
    """The second waits on the advisory lock while the first builds, then finds the sets."""
    _postgresql_only()
    listed("Bakker Een")
    started, go, seen = threading.Event(), threading.Event(), []
    real = id_index.build

    def slow(session):
        seen.append(threading.get_ident())
        started.set()
        assert go.wait(60)
        return real(session)

    monkeypatch.setattr(id_index, "build", slow)
    results: dict[str, int | None] = {}

    def builder(name: str) -> None:
        with app.app_context():
            results[name] = id_index.share(wait=True)
            db.session.remove()

    first = threading.Thread(target=builder, args=("first",))
    first.start()
    assert started.wait(60)
    second = threading.Thread(target=builder, args=("second",))
    second.start()
    while not _waiting_for_advisory_lock():
        assert second.is_alive()
        second.join(0.05)
    go.set()
    first.join(60)
    second.join(60)
    assert not first.is_alive() and not second.is_alive()
    assert len(seen) == 1
    assert results == {"first": cache.version(db.session), "second": None}
    assert cache.copy_stamp(db.session, PARTS) == cache.version(db.session)


def _waiting_for_advisory_lock() -> bool:
    with db.engine.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).scalar()
        )


def test_a_worker_leaves_the_build_to_the_lock_holder(app, client, listed, builds):
    """While another process holds the build lock, a worker that misses the sets answers from
    SQL and does not wait for the lock after its response either."""
    _postgresql_only()
    listed("Bakker Een")
    with db.engine.connect() as other:
        assert other.exec_driver_sql(f"SELECT pg_try_advisory_lock({id_index.LOCK_KEY})").scalar()
        other.commit()
        done = threading.Event()

        def search() -> None:
            with app.app_context():
                response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
                assert names(response) == ["Bakker Een"]
                response.close()
                done.set()

        worker = threading.Thread(target=search)
        worker.start()
        worker.join(60)  # a failure detector, not a measurement: it waited for the lock
        assert done.is_set(), "the worker waited for the build lock"
        other.exec_driver_sql(f"SELECT pg_advisory_unlock({id_index.LOCK_KEY})")
        other.commit()
    assert builds == []
    assert cache.copy_stamp(db.session, PARTS) is None
