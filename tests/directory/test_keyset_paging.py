"""Keyset paging of the whole A-Z list (portal/directory/browse.py): the same pages as OFFSET."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.directory import browse, queries
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from tests.directory.test_search import FRAGMENT, heading, names


def offset_pages() -> list[list[str]]:
    """The whole list as OFFSET paging cut it: A-Z by sort key, ties by company id."""
    rows = db.session.scalars(
        select(DirectoryEntry.name).order_by(DirectoryEntry.sort_key, DirectoryEntry.company_id)
    ).all()
    return [list(rows[i : i + 20]) for i in range(0, len(rows), 20)]


@pytest.fixture
def no_offset_walk(monkeypatch):
    """Browsing everyone must not walk the sort index with OFFSET any more."""

    def refuse(*args, **kwargs):
        raise AssertionError("the whole list was paged with OFFSET")

    monkeypatch.setattr(queries, "page_rows", refuse)


def test_every_page_of_the_whole_list_matches_offset_paging(client, listed, no_offset_walk):
    # Equal names share a sort key: the company id breaks the tie across page boundaries.
    for n in range(53):
        listed("Bakker Installaties" if n % 2 else f"Ábel {n:02d}", slug=f"lid-{n}")
    expected = offset_pages()
    assert len(expected) == 3
    for number, page in enumerate(expected, start=1):
        response = client.get(f"/ledenzoeker/?page={number}", headers=FRAGMENT)
        assert names(response) == page
        assert heading(response) == "53 installateurs gevonden"
    last = client.get("/ledenzoeker/?page=3", headers=FRAGMENT)
    assert 'rel="next"' not in last.text and '<ol class="directory-list" start="41">' in last.text
    beyond = client.get("/ledenzoeker/?page=4")
    assert names(beyond) == []
    assert "Pagina 4 bestaat niet: deze resultaten passen op 3 pagina's." in beyond.text
    assert 'href="/ledenzoeker/?page=3">Naar de laatste pagina (3)</a>' in beyond.text


def test_page_starts_follow_the_directory_version(client, listed, no_offset_walk):
    for n in range(21):
        listed(f"Bedrijf {n:02d}")
    assert names(client.get("/ledenzoeker/?page=2")) == ["Bedrijf 20"]
    listed("Aaa Eerste")  # a refresh moves the version on: the page starts are built again
    second = client.get("/ledenzoeker/?page=2")
    assert names(second) == ["Bedrijf 19", "Bedrijf 20"]
    assert heading(second) == "22 installateurs gevonden"


def test_empty_directory_has_no_page_starts(app, client):
    assert browse.build(db.session) == browse.PageStarts(0, [])
    response = client.get("/ledenzoeker/")
    assert response.status_code == 200
    assert names(response) == []
    assert "Geen installateurs gevonden" in response.text


def test_filtered_searches_keep_their_own_paging(client, listed):
    """Only the unfiltered list uses the page starts: a filter's pages hold only its hits."""
    for n in range(30):
        listed(f"Smit {n:02d}" if n % 3 == 0 else f"Jansen {n:02d}")
    jansen = [f"Jansen {n:02d}" for n in range(30) if n % 3]
    assert names(client.get("/ledenzoeker/?q=jansen&page=2")) == jansen[20:]
    assert names(client.get("/ledenzoeker/?page=2")) == [f"Smit {n:02d}" for n in range(0, 30, 3)]


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"q": "page=5 &x", "postcode": "Utrecht", "straal": "25"},
        {"vakgebied": ["cv", "zon"], "score": "1", "lang": "en"},
    ],
)
def test_page_links_are_the_urls_url_for_builds(app, args):
    from flask import url_for

    from portal.directory.forms import SearchQuery

    with app.test_request_context("/ledenzoeker/", query_string=args):
        from flask import request

        query = SearchQuery.from_args(request.args)
        page_url = browse.result_links(query).page
        for number in (1, 2, 9, 120, 99_999):
            assert page_url(number) == url_for("directory.index", **query.url_args(page=number)), (
                number
            )
