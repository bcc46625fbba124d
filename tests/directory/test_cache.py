"""The shared cache of fragments and detail pages: hits, invalidation on every refresh and on a
new publication minimum, expiry, who gets a shared page, and switching it off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.core.settings import update_settings
from portal.directory import cache, id_index, vocabulary
from portal.directory.entries import refresh_entry
from portal.directory.models import ResultCache
from portal.extensions import db
from tests.directory.conftest import NOW
from tests.directory.test_search import FRAGMENT, names


def test_fragment_is_served_from_the_cache_until_the_directory_changes(client, listed):
    company = listed("Bakker Installaties")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    # The vocabulary and the matching sets are shared next to the pages.
    shared = [cache.make_key(vocabulary.CACHE_KEY), cache.make_key(id_index.CACHE_KEY)]
    assert db.session.query(ResultCache).filter(ResultCache.key.not_in(shared)).count() == 1
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


def _put(key: str, body: str, *, now=NOW, generation: str = "0") -> None:
    """Store and commit: on PostgreSQL cache reads see committed rows only."""
    cache.put(db.session, key, body, now=now, ttl=60, generation=generation)
    db.session.commit()


def test_entries_expire_and_are_pruned(app):
    _put("a" * 64, "oud")
    assert cache.get(db.session, "a" * 64, now=NOW + timedelta(seconds=59)) == "oud"
    assert cache.get(db.session, "a" * 64, now=NOW + timedelta(seconds=61)) is None
    later = NOW + timedelta(seconds=61)
    _put("b" * 64, "nieuw", now=later)
    _put("b" * 64, "nieuwer", now=later)  # upsert
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


def test_rows_of_an_older_version_are_never_served(app):
    _put("c" * 64, "v0")
    assert cache.get(db.session, "c" * 64, now=NOW) == "v0"
    cache.bump(db.session, now=NOW)
    db.session.commit()
    assert cache.get(db.session, "c" * 64, now=NOW) is None
    # A body rendered from version 0 but stored after the bump (a slow worker) stays unserved.
    _put("c" * 64, "late", generation="0")
    assert cache.get(db.session, "c" * 64, now=NOW) is None
    _put("c" * 64, "v1", generation=cache.generation(db.session)[1])
    assert cache.get(db.session, "c" * 64, now=NOW) == "v1"


def _heading(response) -> str:
    text = response.get_data(as_text=True)
    return text.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_detail_page_is_served_from_the_cache_until_the_member_changes(client, listed):
    company = listed("Bakker Installaties")
    url = f"/ledenzoeker/{company.slug}"
    first = client.get(url)
    assert _heading(first) == "Bakker Installaties"
    assert db.session.query(ResultCache).count() == 1
    db.session.execute(db.text("UPDATE directory_entries SET name = 'Niet ververst'"))
    db.session.commit()
    again = client.get(url)
    assert again.get_data() == first.get_data()  # the cached page, byte for byte
    company.legal_name = "Bakker Warmte"
    refresh_entry(company.id)
    db.session.commit()
    assert _heading(client.get(url)) == "Bakker Warmte"


def test_new_publication_minimum_reaches_cached_pages_and_fragments(
    client, listed, make_user, frozen_now
):
    company = listed("Bakker Installaties", reviews=4)
    detail, search = f"/ledenzoeker/{company.slug}", "/ledenzoeker/?q=bakker"
    assert "8,7" not in client.get(detail).get_data(as_text=True)
    assert "8,7" not in client.get(search, headers=FRAGMENT).get_data(as_text=True)
    update_settings({"publication_min": 4}, by=make_user(role=Role.ADMIN))
    db.session.commit()
    assert "8,7 / 10" in client.get(detail).get_data(as_text=True)
    assert "8,7 / 10" in client.get(search, headers=FRAGMENT).get_data(as_text=True)


def test_signed_in_users_never_get_the_shared_page(client, listed, make_user, login):
    company = listed("Bakker Installaties")
    url = f"/ledenzoeker/{company.slug}"
    assert "Inloggen" in client.get(url).get_data(as_text=True)  # cached for anonymous visitors
    login(client, make_user())
    text = client.get(url).get_data(as_text=True)
    assert "Uitloggen" in text and ">Inloggen<" not in text


def test_pending_messages_are_shown_not_swallowed_by_the_cache(client, listed):
    company = listed("Bakker Installaties")
    url = f"/ledenzoeker/{company.slug}"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Uw melding is verstuurd.")]
    assert "Uw melding is verstuurd." in client.get(url).get_data(as_text=True)
    assert "Uw melding is verstuurd." not in client.get(url).get_data(as_text=True)


def test_detail_cache_can_be_switched_off(app, client, listed):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    company = listed("Bakker Installaties")
    assert client.get(f"/ledenzoeker/{company.slug}").status_code == 200
    assert client.get("/ledenzoeker/bestaat-niet").status_code == 404
    assert db.session.query(ResultCache).count() == 0


def test_a_broken_reader_connection_is_a_miss_and_is_replaced(app, caplog):
    """PostgreSQL reads hits on pooled autocommit connections without a pre-ping."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the reader pool is PostgreSQL's")
    _put("b" * 64, "bewaard")
    assert cache.get(db.session, "b" * 64, now=NOW) == "bewaard"
    with cache.reader(db.engine).connect() as conn:  # the pooled connection the next read gets
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    db.session.execute(db.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()
    assert cache.get(db.session, "b" * 64, now=NOW) is None  # a miss, never a 500
    assert "directory cache: read failed" in caplog.text
    assert cache.get(db.session, "b" * 64, now=NOW) == "bewaard"  # a fresh connection


def test_cached_bodies_are_kept_per_mount_point(client, listed):
    """The links in a cached body are paths under the mount point: one body per mount point."""
    listed("Bakker Installaties", slug="bakker")
    mounted = {"base_url": "http://localhost/portaal/"}
    for _ in range(2):  # rendered, then from the cache
        plain = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
        under = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT, **mounted).text
        assert 'href="/ledenzoeker/bakker?terug=q%3Dbakker"' in plain
        assert 'href="/portaal/ledenzoeker/bakker?terug=q%3Dbakker"' in under
        for path in ("/ledenzoeker/bakker?terug=q%3Dbakker", "/ledenzoeker/kaart.json?q=bakker"):
            assert "/portaal/" not in client.get(path).text
            assert "/portaal/ledenzoeker/" in client.get(path, **mounted).text
