"""The results frame's links (portal/directory/links.py) are the URLs url_for builds: the same
path under any script root, the same query string in the same order, the language kept last."""

from __future__ import annotations

import pytest
from flask import request, url_for

from portal.directory import links
from portal.directory.forms import SearchQuery

ARGS = [
    {},
    {"q": "install", "page": "3"},
    {"q": "page=5 &x", "postcode": "Utrecht", "straal": "25"},
    {"q": "café ‘x’ %26 <b>\"'!$()*,/:;?@", "postcode": "3511 AB", "straal": "10"},
    {"vakgebied": ["cv", "zon"], "erkenning": ["stek"], "score": "1"},
    {"vakgebied": ["cv", "zon"], "score": "1", "lang": "en"},
    {"q": "x", "lang": "nl"},
]


@pytest.mark.parametrize("script_root", ["", "/portaal"])
@pytest.mark.parametrize("accept", ["", "en-GB,en;q=0.9"])
@pytest.mark.parametrize("args", ARGS)
def test_query_urls_are_the_urls_url_for_builds(app, args, accept, script_root):
    headers = {"Accept-Language": accept} if accept else {}
    with app.test_request_context(
        "/ledenzoeker/",
        query_string=args,
        headers=headers,
        environ_base={"SCRIPT_NAME": script_root},
    ):
        app.preprocess_request()
        query = SearchQuery.from_args(request.args)
        for endpoint in ("directory.index", "directory.map_json"):
            for values in (
                query.url_args(),
                query.url_args(page=1),
                query.url_args(page=7),
                query.url_args(q="warmtepomp", page=1),
                {"q": None, "page": 2},
                {"lang": "nl"},
                {"lang": None},
            ):
                built = links.query_url(endpoint, dict(values))
                assert built == url_for(endpoint, **values), (endpoint, values)


def test_the_values_given_are_left_alone(app):
    with app.test_request_context("/ledenzoeker/?lang=en"):
        app.preprocess_request()
        values = {"q": "x"}
        assert links.query_url("directory.index", values) == "/ledenzoeker/?q=x&lang=en"
        assert values == {"q": "x"}


def test_outside_a_public_page_no_language_is_added(app):
    with app.test_request_context("/inloggen?lang=en"):
        app.preprocess_request()
        assert links.query_url("directory.index", {"q": "x"}) == url_for("directory.index", q="x")


def test_sorted_parameters_are_left_to_url_for(app):
    app.url_map.sort_parameters = True
    try:
        with app.test_request_context("/ledenzoeker/"):
            app.preprocess_request()
            built = links.query_url("directory.index", {"q": "x", "page": 2, "straal": 5})
            assert built == url_for("directory.index", q="x", page=2, straal=5)
            assert built == "/ledenzoeker/?page=2&q=x&straal=5"
    finally:
        app.url_map.sort_parameters = False
