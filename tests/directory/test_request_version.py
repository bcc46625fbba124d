"""The directory version a ledenzoeker request reads (request_state.request_generation) is the current one.

A request whose session has begun nothing reads it on a pooled connection of its own, so a
search answered from kept sets and cards begins no transaction on the session's engine at
all (the rows of cards not kept yet and of a page of everyone are read there too); a session
that is in a transaction (it may hold its own bump or changes) reads through the session.
Runs on a database file (in-memory SQLite has one shared connection and always reads through
the session) or on the PostgreSQL test database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from portal.directory import cache, request_state, search_filters
from portal.directory.entries import refresh_entry
from portal.extensions import db
from portal.members.models import Company, Specialism
from tests.conftest import database_url_for_tests
from tests.directory.conftest import NOW
from tests.directory.test_search import FRAGMENT, names


@pytest.fixture
def app_config(tmp_path):
    config = {"DIRECTORY_RESULT_CACHE_SECONDS": 0}  # every search a miss, as live typing
    if not database_url_for_tests().startswith("postgresql"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'portal.db'}"
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {}  # a pool of connections, as in production
    return config


@pytest.fixture
def begins(app):
    """Transactions begun on the session's engine (the version reader has its own pool)."""
    counted: list[int] = []
    listener = lambda *_args: counted.append(1)  # noqa: E731
    event.listen(db.engine, "begin", listener)
    yield counted
    event.remove(db.engine, "begin", listener)


def test_a_warm_miss_begins_no_transaction_on_the_session(client, listed, begins):
    listed("Bakker Installaties")
    listed("Bakker Techniek")
    assert len(names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT))) == 2  # warm
    db.session.remove()  # as at the end of a real request
    begins.clear()
    assert len(names(client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT))) == 2
    assert begins == []


def rename_elsewhere(company_id: int, name: str) -> None:
    """Rename a member and refresh its entry in a session of its own, committed, as another
    process would."""
    company = db.session.get(Company, company_id)
    company.legal_name = name
    refresh_entry(company.id)
    db.session.commit()
    db.session.remove()


def test_a_change_committed_elsewhere_shows_on_the_next_miss(client, listed):
    company_id = listed("Bakker Installaties", city="Utrecht").id
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    db.session.remove()
    rename_elsewhere(company_id, "Bakker Warmte")
    assert names(client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT)) == ["Bakker Warmte"]


def test_a_session_in_a_transaction_reads_its_own_bump(app):
    cache.bump(db.session, now=NOW)
    db.session.commit()
    committed, tag = request_state.request_generation(db.session)
    assert (committed, tag) == cache.generation(db.session) and committed >= 1
    db.session.rollback()
    cache.bump(db.session, now=NOW)  # not committed: only this session sees it
    assert request_state.request_generation(db.session)[0] == committed + 1
    db.session.rollback()
    assert request_state.request_generation(db.session) == (committed, tag)


def test_a_kept_specialism_filter_begins_no_transaction(client, listed, begins):
    listed("Bakker Installaties", specialisms=["Verwarming"])
    listed("Bakker Techniek")
    url = "/ledenzoeker/?vakgebied=verwarming"
    assert names(client.get(url, headers=FRAGMENT)) == ["Bakker Installaties"]  # warm
    db.session.remove()
    begins.clear()
    assert names(client.get(url + "&q=bakk", headers=FRAGMENT)) == ["Bakker Installaties"]
    assert begins == []


def test_a_specialism_added_since_its_ids_were_kept_is_found(app, specialism):
    heating = specialism("Verwarming").id
    db.session.commit()
    key = ("generation", "database")
    assert search_filters.list_ids(db.session, Specialism, ["verwarming"], key=key) == [heating]
    airco = specialism("Airco").id  # adding a specialism moves no version on
    db.session.commit()
    found = search_filters.list_ids(db.session, Specialism, ["airco", "verwarming"], key=key)
    assert found == [airco, heating]
    assert search_filters.list_ids(db.session, Specialism, ["bestaat-niet"], key=key) == []


def test_a_miss_reading_rows_for_cards_not_kept_begins_no_transaction(client, listed, begins):
    listed("Bakker Installaties")
    listed("Smit Techniek")
    assert names(client.get("/ledenzoeker/?q=smit", headers=FRAGMENT)) == ["Smit Techniek"]
    db.session.remove()
    begins.clear()
    # Bakker's card was never rendered: its row is read, on the reader, not in the session.
    assert names(client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT)) == ["Bakker Installaties"]
    assert begins == []


def test_a_later_page_of_everyone_begins_no_transaction(client, listed, begins):
    for n in range(25):
        listed(f"Bakker {n:02d}")
    assert len(names(client.get("/ledenzoeker/", headers=FRAGMENT))) == 20  # page starts kept
    db.session.remove()
    begins.clear()
    assert names(client.get("/ledenzoeker/?page=2", headers=FRAGMENT)) == [
        f"Bakker {n:02d}" for n in range(20, 25)
    ]
    assert begins == []


def test_rows_are_read_in_the_session_while_it_is_in_a_transaction(app, listed):
    company_id = listed("Bakker Installaties").id
    db.session.commit()
    statement = text("SELECT name FROM directory_entries WHERE company_id = :id")
    assert [r.name for r in request_state.rows(db.session, statement, {"id": company_id})] == [
        "Bakker Installaties"
    ]
    db.session.execute(
        text("UPDATE directory_entries SET name = 'Bakker Warmte' WHERE company_id = :id"),
        {"id": company_id},
    )  # not committed: only this session sees it
    assert [r.name for r in request_state.rows(db.session, statement, {"id": company_id})] == [
        "Bakker Warmte"
    ]
    db.session.rollback()


@pytest.fixture
def checkouts(app):
    """Connections checked out of the reader pool (`cache.reader`)."""
    counted: list[int] = []
    reader = cache.reader(db.engine)
    listener = lambda *_args: counted.append(1)  # noqa: E731
    event.listen(reader, "checkout", listener)
    yield counted
    event.remove(reader, "checkout", listener)


def test_warm_misses_read_the_version_without_a_pool_checkout(client, listed, checkouts):
    listed("Bakker Installaties")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    db.session.remove()
    checkouts.clear()
    for typed in ("bakk", "bakke", "bak"):  # the card is kept: nothing but the version is read
        assert names(client.get(f"/ledenzoeker/?q={typed}", headers=FRAGMENT)) == [
            "Bakker Installaties"
        ]
        db.session.remove()
    assert checkouts == []


def test_a_broken_kept_connection_is_replaced(client, listed, app, caplog):
    company_id = listed("Bakker Installaties").id
    db.session.commit()
    db.session.remove()  # a session with nothing begun: the version is read on the kept one
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    db.session.remove()
    kept = app.extensions[cache.READERS][db.engine, request_state.KEPT]
    broken = kept.current
    broken.close()  # as a database restart or a dropped connection leaves it
    rename_elsewhere(company_id, "Bakker Warmte")
    # Read in the session instead, so the change shows; the next read opens another connection.
    assert names(client.get("/ledenzoeker/?q=bakk", headers=FRAGMENT)) == ["Bakker Warmte"]
    assert "directory version: read failed" in caplog.text
    db.session.remove()
    assert names(client.get("/ledenzoeker/?q=bak", headers=FRAGMENT)) == ["Bakker Warmte"]
    assert kept.current is not None and kept.current is not broken
