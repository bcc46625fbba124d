"""The shared fragment cache: hits, invalidation on every refresh, expiry, and switching it off."""

from __future__ import annotations

from datetime import timedelta

from portal.directory import cache
from portal.directory.entries import refresh_entry
from portal.directory.models import ResultCache
from portal.extensions import db
from tests.directory.conftest import NOW
from tests.directory.test_search import FRAGMENT, names


def test_fragment_is_served_from_the_cache_until_the_directory_changes(client, listed):
    company = listed("Bakker Installaties")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    assert db.session.query(ResultCache).count() == 1
    # A change that was not refreshed yet: the cached fragment still answers.
    db.session.execute(db.text("UPDATE directory_entries SET name = 'Gewijzigd'"))
    db.session.commit()
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    # refresh_entry moves the version on: the next request renders afresh.
    company.legal_name = "Bakker Warmte"
    refresh_entry(company.id)
    db.session.commit()
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Warmte"]


def test_removed_member_disappears_from_cached_results(client, listed):
    company = listed("Bakker Installaties")
    listed("Bakker Techniek")
    assert len(names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT))) == 2
    company.directory_opt_out = True
    refresh_entry(company.id)
    db.session.commit()
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Techniek"]


def test_cache_can_be_switched_off(app, client, listed):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    listed("Bakker Installaties")
    client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
    assert db.session.query(ResultCache).count() == 0


def test_entries_expire_and_are_pruned(app):
    cache.put(db.session, "a" * 64, "oud", now=NOW, ttl=60)
    assert cache.get(db.session, "a" * 64, now=NOW + timedelta(seconds=59)) == "oud"
    assert cache.get(db.session, "a" * 64, now=NOW + timedelta(seconds=61)) is None
    cache.put(db.session, "b" * 64, "nieuw", now=NOW + timedelta(seconds=61), ttl=60)
    cache.put(db.session, "b" * 64, "nieuwer", now=NOW + timedelta(seconds=62), ttl=60)  # upsert
    assert db.session.query(ResultCache).count() == 1
    assert cache.get(db.session, "b" * 64, now=NOW + timedelta(seconds=62)) == "nieuwer"


def test_version_moves_on_every_bump(app):
    assert cache.version(db.session) == 0
    cache.bump(db.session, now=NOW)
    cache.bump(db.session, now=NOW)
    assert cache.version(db.session) == 2


def test_anonymous_public_pages_start_no_session(client, listed):
    """No CSRF token (and so no session cookie) for visitors who only read: cheaper and cacheable."""
    company = listed("Sessieloos Installatie", reviews=12)
    for url in ("/ledenzoeker/", "/ledenzoeker/?q=sessieloos", f"/ledenzoeker/{company.slug}"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url
        assert "X-CSRFToken" not in response.get_data(as_text=True)
