"""The results fragment's kept texts (portal/directory/results_text.py) and its links from one
query string (browse.result_links): kept per language and count, never injected."""

from __future__ import annotations

import re

import pytest
from flask import request, url_for

from portal.directory import browse, results_text
from portal.directory.forms import SearchQuery
from tests.directory.conftest import UTRECHT
from tests.directory.test_search import FRAGMENT


@pytest.fixture(autouse=True)
def misses_only(app):
    """Every search renders (the shared page cache would hide the kept texts)."""
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0


def _heading(response) -> str:
    return re.search(r'<h2 id="directory-results-heading"[^>]*>([^<]*)</h2>', response.text)[1]


def test_the_kept_summary_follows_the_language_and_the_count(app, client, listed):
    for n in range(3):
        listed(f"Bakker {n:02d}")
    listed("Jansen Techniek")
    assert _heading(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == (
        "3 installateurs gevonden"
    )
    assert _heading(client.get("/ledenzoeker/?q=bakker&lang=en", headers=FRAGMENT)) == (
        "3 installers found"
    )
    english = {**FRAGMENT, "Accept-Language": "en"}
    assert _heading(client.get("/ledenzoeker/?q=bakker", headers=english)) == "3 installers found"
    assert _heading(client.get("/ledenzoeker/?q=bakker&lang=nl", headers=english)) == (
        "3 installateurs gevonden"
    )
    assert _heading(client.get("/ledenzoeker/?q=jansen", headers=FRAGMENT)) == (
        "1 installateur gevonden"
    )
    listed("Bakker 03")  # the same search, one more: the count's own summary
    assert _heading(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == (
        "4 installateurs gevonden"
    )
    assert _heading(client.get("/ledenzoeker/?q=qqqqzzzz", headers=FRAGMENT)) == (
        "Geen installateurs gevonden"
    )
    held = app.extensions[results_text.KEPT]
    for key in (("nl", False, 3), ("en", False, 3), ("nl", False, 1), ("nl", False, 4)):
        assert ("summary", *key) in held


def test_the_kept_order_sentence_follows_the_language_radius_and_place(app, client, listed):
    listed("Op de postcode", postcode="3511 AB", latitude=UTRECHT[0], longitude=UTRECHT[1])
    listed("Ver weg", postcode="9711 AA", latitude=53.2194, longitude=6.5665)
    near = "/ledenzoeker/?postcode=3511AB&straal=5"
    assert "Binnen 5 km van 3511 AB, gesorteerd" in client.get(near, headers=FRAGMENT).text
    english = client.get(near + "&lang=en", headers=FRAGMENT).text
    assert "Within 5 km of 3511 AB, sorted by distance" in english
    wider = client.get("/ledenzoeker/?postcode=3511AB&straal=25", headers=FRAGMENT).text
    assert "Binnen 25 km van 3511 AB, gesorteerd" in wider
    other = client.get("/ledenzoeker/?postcode=9711AA&straal=5", headers=FRAGMENT).text
    assert "Binnen 5 km van 9711 AA, gesorteerd" in other
    assert ("order", "en", 5, "3511 AB") in app.extensions[results_text.KEPT]


def test_the_kept_sentences_follow_the_language(app, client, listed):
    listed("Bakker 00")
    dutch = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
    english = client.get("/ledenzoeker/?q=bakker&lang=en", headers=FRAGMENT).text
    again = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
    assert "Gesorteerd op naam (A tot Z)." in dutch and "Sorted by name" not in dutch
    assert "Sorted by name (A to Z)." in english and "Gesorteerd op naam" not in english
    assert again == dutch
    assert set(app.extensions[results_text.EXTENSION]) == {"nl", "en"}


def test_the_kept_sentences_are_the_ones_the_template_translates(app):
    """Each kept sentence is what `_()` gives in a template, in both languages."""
    for lang in ("nl", "en"):
        with app.test_request_context(f"/ledenzoeker/?lang={lang}"):
            app.preprocess_request()
            texts = results_text.texts()
            translate = app.jinja_env.from_string('{{ _("Vorige") }}|{{ _("Pagina") }}').render
            assert f"{texts.previous}|{texts.page_word}" == translate()


ARGS = [
    {},
    {"q": "install", "page": "3"},
    {"q": "page=987654321", "page": "2"},  # the marker's text as a value: quoted, never a page
    {"q": "987654321 page=987654321&page=987654321", "postcode": "Utrecht", "straal": "25"},
    {"vakgebied": ["cv", "zon"], "score": "1", "lang": "en"},
    {"q": "x", "lang": "nl"},
]


@pytest.mark.parametrize("sort", [False, True])
@pytest.mark.parametrize("script_root", ["", "/portaal"])
@pytest.mark.parametrize("accept", ["", "en-GB,en;q=0.9"])
@pytest.mark.parametrize("args", ARGS)
def test_result_links_are_the_urls_url_for_builds(app, args, accept, script_root, sort):
    headers = {"Accept-Language": accept} if accept else {}
    app.url_map.sort_parameters = sort
    try:
        with app.test_request_context(
            "/ledenzoeker/",
            query_string=args,
            headers=headers,
            environ_base={"SCRIPT_NAME": script_root},
        ):
            app.preprocess_request()
            query = SearchQuery.from_args(request.args)
            built = browse.result_links(query)
            assert built.map == url_for("directory.map_json", **query.url_args(page=1))
            for number in (1, 2, 9, 120, 987_654_321, 99_999):
                assert built.page(number) == url_for(
                    "directory.index", **query.url_args(page=number)
                ), number
    finally:
        app.url_map.sort_parameters = False


def test_a_query_naming_the_marker_keeps_its_text(client, listed):
    for n in range(23):
        listed(f"Bakker {n:02d}")
    text = client.get("/ledenzoeker/?page=2", headers=FRAGMENT).text
    assert 'href="/ledenzoeker/"' in text and 'href="/ledenzoeker/?page=2"' in text
    text = client.get("/ledenzoeker/?q=page%3D987654321", headers=FRAGMENT).text
    assert "kaart.json?q=page%3D987654321" in text
