"""The ledenzoeker's search core per cache miss (issue 19): what each saving keeps and skips.

Each test pins one change of the search core: the query string is parsed without exceptions
raised and caught. The answers stay those of before (bench/directory_inprocess.py --digest compares
whole bodies; tests/directory/test_id_index.py the sets against the SQL).
"""

from __future__ import annotations

import sys

import pytest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from portal.directory.forms import DEFAULT_RADIUS, MAX_PAGE, SearchQuery


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
