"""After a database restore the shared copy of the matching sets (kept in Redis, or in a cache
table the restore did not cover) belongs to a history the database no longer has: it is never
served, whether its version number is higher than the database's or the counter has come back
to it, and `flask directory build-sets` builds new sets instead of saying "already shared".
`--force` builds them even when the copy shared is current."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.core.db import utcnow
from portal.directory import cache, id_index
from portal.extensions import db
from tests.directory.test_id_prebuild import PARTS, builds  # noqa: F401 (fixture)
from tests.directory.test_redis_cache import PREFIX, REDIS_URL, _redis_or_skip
from tests.directory.test_search import FRAGMENT, names

BACKENDS = {
    "database": {},
    "redis": {"DIRECTORY_CACHE_REDIS_URL": REDIS_URL, "DIRECTORY_CACHE_REDIS_PREFIX": PREFIX},
}


@pytest.fixture(params=sorted(BACKENDS))
def app_config(request):
    return BACKENDS[request.param]


@pytest.fixture
def backend(app):
    if not app.config.get("DIRECTORY_CACHE_REDIS_URL"):
        yield
        return
    store = _redis_or_skip()
    yield
    for key in store.scan_iter(match=PREFIX + "*"):
        store.delete(key)


def _backup() -> dict:
    """What a restore brings back of the directory state (the rest is undone by `_restore`)."""
    row = db.session.execute(text("SELECT version, updated_at FROM directory_state")).one()
    db.session.rollback()
    return {"version": row[0], "updated_at": row[1]}


def _restore(state: dict, *lost_companies) -> None:
    """The database as it was at `_backup`: the companies listed since are gone, the version
    counter is back; the shared cache outside the restore keeps its copy."""
    ids = ", ".join(str(company.id) for company in lost_companies)
    for table in ("company_specialisms", "company_recognitions", "directory_entries"):
        db.session.execute(text(f"DELETE FROM {table} WHERE company_id IN ({ids})"))  # noqa: S608
    db.session.execute(
        text("UPDATE directory_state SET version = :version, updated_at = :updated_at"), state
    )
    db.session.commit()


def _share(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["directory", "build-sets", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _listed_ids(index) -> set[int]:
    return set(index.ids)


def test_a_copy_of_a_higher_version_from_before_a_restore_is_not_served(
    app,
    backend,
    listed,
    builds,  # noqa: F811
):
    one = listed("Bakker Een")
    state = _backup()
    two = listed("Bakker Twee")
    assert id_index.share(wait=True) == cache.version(db.session) == state["version"] + 1
    _restore(state, two)
    version = cache.version(db.session)
    assert version == state["version"]
    assert id_index.current(db.session, version=version) is None  # not the lost history's
    assert _share(app) == f"Built version {version}.\n"
    assert _listed_ids(id_index.current(db.session, version=version)) == {one.id}


def test_a_copy_whose_number_the_counter_reaches_again_is_not_served(
    app,
    backend,
    listed,
    builds,  # noqa: F811
):
    one = listed("Bakker Een")
    state = _backup()
    two = listed("Bakker Twee")
    lost = id_index.share(wait=True)
    _restore(state, two)
    three = listed("Bakker Drie")  # the counter reaches the lost copy's number again
    version = cache.version(db.session)
    assert version == lost == cache.copy_stamp(db.session, PARTS)
    assert id_index.current(db.session, version=version) is None
    builds.clear()
    assert _share(app) == f"Built version {version}.\n"
    assert builds == [1]
    assert _listed_ids(id_index.current(db.session, version=version)) == {one.id, three.id}


def test_build_sets_force_builds_even_when_the_shared_copy_is_current(
    app,
    backend,
    listed,
    builds,  # noqa: F811
):
    listed("Bakker Een")
    version = cache.version(db.session)
    assert _share(app) == f"Built version {version}.\n"
    assert _share(app) == "Matching sets already shared.\n"
    builds.clear()
    assert _share(app, "--force") == f"Built version {version}.\n"
    assert builds == [1]
    assert id_index.current(db.session, version=version) is not None


def _search(client, words: str) -> list[str]:
    return names(client.get(f"/ledenzoeker/?q={words}", headers=FRAGMENT))


def test_pages_of_a_version_the_counter_reaches_again_are_not_served(app, client, backend, listed):
    """The page cache (database or Redis) and the copies each process keeps (cards, page starts,
    vocabulary, filter ids) are stamped with the generation, not the number alone."""
    listed("Bakker Een", specialisms=["Warmtepompen"])
    state = _backup()
    two = listed("Bakker Twee", specialisms=["Warmtepompen"])
    lost = cache.version(db.session)
    assert _search(client, "bakker") == ["Bakker Een", "Bakker Twee"]
    assert _search(client, "warmtepomp") == ["Bakker Een", "Bakker Twee"]
    assert _search(client, "")[:2] == ["Bakker Een", "Bakker Twee"]
    _restore(state, two)
    listed("Bakker Drie", specialisms=["Warmtepompen"])
    assert cache.version(db.session) == lost  # the counter is back at the lost pages' number
    assert _search(client, "bakker") == ["Bakker Drie", "Bakker Een"]
    assert _search(client, "warmtepomp") == ["Bakker Drie", "Bakker Een"]
    assert "Bakker Twee" not in _search(client, "")


def test_pages_of_a_higher_version_from_before_a_restore_are_not_served(
    app, client, backend, listed
):
    """Right after the restore the database's number is below the lost pages' one; the next
    change, or `flask directory build-sets`, replaces Redis's generation of the lost history."""
    listed("Bakker Een")
    state = _backup()
    two = listed("Bakker Twee")
    assert _search(client, "bakker") == ["Bakker Een", "Bakker Twee"]
    _restore(state, two)
    _share(app)
    assert _search(client, "bakker") == ["Bakker Een"]
    listed("Bakker Drie")
    assert _search(client, "bakker") == ["Bakker Drie", "Bakker Een"]


@pytest.mark.parametrize("app_config", [{"DIRECTORY_RESULT_CACHE_SECONDS": 0}])
def test_cards_kept_in_the_process_are_of_the_generation(client, listed):
    """A worker's kept cards of a lost history are not shown once the counter is back at their
    number (the shared page cache switched off: every search renders its cards)."""
    one = listed("Bakker Een")
    state = _backup()
    rename = text("UPDATE directory_entries SET name = :name WHERE company_id = :id")
    db.session.execute(rename, {"name": "Bakker Verloren", "id": one.id})
    cache.bump(db.session, now=utcnow())
    db.session.commit()
    assert _search(client, "bakker") == ["Bakker Verloren"]
    db.session.execute(rename, {"name": "Bakker Een", "id": one.id})  # the restore
    db.session.execute(
        text("UPDATE directory_state SET version = :version, updated_at = :updated_at"), state
    )
    cache.bump(db.session, now=utcnow())
    db.session.commit()
    assert _search(client, "bakker") == ["Bakker Een"]
