"""The ledenzoeker's search core per cache miss (issue 19): what each saving keeps and skips.

Each test pins one change of the search core: the query string is parsed without exceptions
raised and caught, the whole A-Z list is paged from the matching sets' ranks without a page
statement. The answers stay those of before (bench/directory_inprocess.py --digest compares
whole bodies; tests/directory/test_id_index.py the sets against the SQL).
"""

from __future__ import annotations

import sys

import pytest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from portal.directory import id_index, queries
from portal.directory.forms import DEFAULT_RADIUS, MAX_PAGE, SearchQuery
from tests.directory.test_keyset_paging import offset_pages
from tests.directory.test_search import FRAGMENT, heading, names


def _raised(call) -> list[str]:
    """The exceptions raised (and caught or not) anywhere inside `call()`."""
    seen: list[str] = []

    def trace(frame, event, arg):
        if event == "exception":
            seen.append(f"{arg[0].__name__} in {frame.f_code.co_name}")
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return seen


@pytest.mark.parametrize(
    "query",
    ["", "q=bakker", "postcode=Utrecht&straal=25", "vakgebied=cv&page=3", "page=2&score=1"],
)
def test_a_search_query_is_parsed_without_exceptions(query):
    """werkzeug's MultiDict.get raises and catches a BadRequestKeyError for every parameter
    that is absent, and int(None) a ValueError: about 2 µs each, on every search."""
    args = ImmutableMultiDict(MultiDict([tuple(p.split("=")) for p in query.split("&") if p]))
    assert _raised(lambda: SearchQuery.from_args(args)) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, SearchQuery()),
        ({"q": "", "postcode": "", "page": ""}, SearchQuery()),
        ({"q": "  Bakker \x00 en   zn ", "page": "0"}, SearchQuery(q="Bakker en zn")),
        ({"page": "12x"}, SearchQuery()),
        ({"page": " 7 ", "straal": "25"}, SearchQuery(page=7, straal=25)),
        ({"page": "99999999"}, SearchQuery(page=MAX_PAGE)),
        ({"straal": "7"}, SearchQuery(straal=DEFAULT_RADIUS)),
        ({"score": "ja"}, SearchQuery(score=True)),
        ({"score": "nee"}, SearchQuery()),
        ({"unknown": "1"}, SearchQuery()),
        ({"vakgebied": "cv"}, SearchQuery(vakgebied=("cv",))),
    ],
)
def test_search_query_values_from_a_plain_mapping(args, expected):
    assert SearchQuery.from_args(args) == expected


def test_search_query_takes_the_first_value_and_every_slug():
    args = MultiDict(
        [("q", "eerste"), ("q", "tweede"), ("vakgebied", "zon"), ("vakgebied", "cv"),
         ("vakgebied", "zon"), ("vakgebied", "<x>"), ("erkenning", "stek"), ("page", "2"),
         ("page", "5")]
    )  # fmt: skip
    parsed = SearchQuery.from_args(args)
    assert parsed == SearchQuery(q="eerste", vakgebied=("cv", "zon"), erkenning=("stek",), page=2)
    assert SearchQuery.from_query_string(parsed.query_string()) == parsed


@pytest.fixture
def no_page_statement(monkeypatch):
    """A page of the whole list must not be read in SQL (keyset or OFFSET)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a page of the whole list was read in SQL")

    monkeypatch.setattr(queries, "page_from", refuse)
    monkeypatch.setattr(queries, "page_rows", refuse)


def test_the_whole_list_is_paged_from_the_sets(app, client, listed, no_page_statement):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # every request a miss
    for n in range(53):  # equal names share a sort key: the company id breaks the tie
        listed("Bakker Installaties" if n % 2 else f"Ábel {n:02d}", slug=f"lid-{n}")
    expected = offset_pages()
    assert len(expected) == 3
    for number, page in enumerate(expected, start=1):
        response = client.get(f"/ledenzoeker/?page={number}", headers=FRAGMENT)
        assert names(response) == page
        assert heading(response) == "53 installateurs gevonden"
    assert app.extensions[id_index.EXTENSION]  # the sets answered
    beyond = client.get("/ledenzoeker/?page=4", headers=FRAGMENT)
    assert names(beyond) == [] and heading(beyond) == "53 installateurs gevonden"
    assert "Pagina 4 bestaat niet" in beyond.text


def test_an_empty_list_from_the_sets(app, client, no_page_statement):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    response = client.get("/ledenzoeker/?page=1", headers=FRAGMENT)
    assert names(response) == [] and heading(response) == "Geen installateurs gevonden"
    assert id_index.EXTENSION in app.extensions  # the sets answered
