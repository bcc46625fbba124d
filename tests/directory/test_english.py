"""English for consumers: a complete catalogue, ?lang=en kept in links, Accept-Language, Dutch
default, member and staff pages Dutch, and a check that fails on untranslated public strings."""

from __future__ import annotations

import gettext
import importlib.util
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _tool():
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "scripts" / "update_translations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _po():
    with (CATALOGUE / "messages.po").open("rb") as handle:
        return read_po(handle, locale="en")


def test_every_public_string_has_an_english_translation():
    tool = _tool()
    assert tool.untranslated(_po(), tool.extract()) == []


def test_the_check_fails_on_a_new_untranslated_string(tmp_path):
    tool = _tool()
    template = tool.extract()
    template.add("Een nieuwe zin die nog niemand vertaalde")
    assert tool.untranslated(_po(), template) == ["Een nieuwe zin die nog niemand vertaalde"]


def test_translations_keep_the_placeholders():
    for message in _po():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids))) - {"num"}
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) - {"num"} == wanted, message.id


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _po():
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id


# --- pages ---------------------------------------------------------------------------------


def test_dutch_is_the_default(client, listed):
    listed("Bakker Installaties")
    page = client.get("/ledenzoeker/")
    assert '<html lang="nl">' in page.text and "Zoeken" in page.text
    assert "Accept-Language" in page.headers["Vary"]


def test_lang_en_translates_and_is_kept_in_links(client, listed, frozen_now):
    company = listed("Bakker Installaties", reviews=12)
    page = client.get("/ledenzoeker/?q=bakker&lang=en")
    assert '<html lang="en">' in page.text
    assert ">Search</button>" in page.text
    assert f'href="/ledenzoeker/{company.slug}?terug=q%3Dbakker&amp;lang=en"' in page.text
    assert 'href="/ledenzoeker/over-de-scores?lang=en"' in page.text
    detail = client.get(f"/ledenzoeker/{company.slug}?lang=en").text
    assert "8.7 / 10" in detail and "12 reviews" in detail
    assert "Find a member" in detail
    # The switch leads back to the same page in Dutch.
    assert f'href="/ledenzoeker/{company.slug}?lang=nl" lang="nl"' in detail  # the switch


def test_accept_language_picks_english_and_lang_overrides_it(client, listed):
    listed("Bakker Installaties")
    english = client.get("/ledenzoeker/over-de-scores", headers={"Accept-Language": "en-GB,en"})
    assert '<html lang="en">' in english.text
    assert "How are the scores in the member directory made?" in english.text
    forced = client.get(
        "/ledenzoeker/over-de-scores?lang=nl", headers={"Accept-Language": "en-GB,en"}
    )
    assert '<html lang="nl">' in forced.text
    assert "Accept-Language" not in forced.headers.get("Vary", "")


@pytest.mark.parametrize(
    ("path", "english"),
    [
        ("/?lang=en", "Find an accredited installation company"),
        ("/privacy?lang=en", "Your rights"),
        ("/privacy?lang=en", "Data controller"),
        ("/privacy?lang=en", "Contact for privacy and data breaches"),
    ],
)
def test_other_public_pages(client, path, english):
    assert english in client.get(path).text


def test_complaint_form_in_english(client, listed, make_user):
    from tests.conftest import accept_agreement

    company = listed("Klacht BV")
    accept_agreement(company, make_user(company=company))  # the form needs it (issue 15)
    page = client.get(f"/ledenzoeker/{company.slug}/klacht?lang=en").text
    assert "Your name" in page and "Describe your complaint" in page
    assert "Send complaint" in page


def test_badge_in_english(client, listed, frozen_now):
    company = listed("Badge BV", reviews=12)
    svg = client.get(f"/ledenzoeker/{company.slug}/badge.svg?lang=en").text
    assert "Accredited member" in svg and "12 reviews via Klantenvertellen" in svg
    assert "8.7 / 10" in svg


def test_member_pages_stay_dutch(client, make_user, login):
    login(client, make_user())
    page = client.get("/mijn-profiel/?lang=en", headers={"Accept-Language": "en"})
    assert '<html lang="nl">' in page.text and "Mijn profiel" in page.text
    assert "English" not in page.text  # no switch on member pages


def test_hostile_query_next_to_the_switch_is_harmless(client, listed):
    company = listed("Bakker Installaties")
    for query in ("?_external=1&_anchor=x", "?slug=andere", "?lang=xx", "?lang=en&lang=nl"):
        response = client.get(f"/ledenzoeker/{company.slug}{query}")
        assert response.status_code == 200, query
        assert "http://localhost" not in response.text.split("<footer")[1]


ENGLISH = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", "HX-Target": "directory-results"}
NAMED_DUTCH = 'href="/ledenzoeker/jansen?terug=q%3Djansen&amp;lang=nl"'
IMPLICIT_DUTCH = 'href="/ledenzoeker/jansen?terug=q%3Djansen"'


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_dutch_chosen_on_an_english_browser_is_kept_in_links(client, listed, headers):
    """`?lang=nl` on a browser that prefers English: the page is Dutch and so is the next
    click (its links keep `lang=nl`); the shared cache keeps that body apart from the body of
    a Dutch request that did not name its language (whose links carry no `lang`)."""
    listed("Jansen Installaties", slug="jansen")
    implicit = client.get("/ledenzoeker/?q=jansen", headers=headers).text
    assert IMPLICIT_DUTCH in implicit and "lang=nl&" not in implicit
    for _ in range(2):  # rendered, then (a fragment) from the shared cache
        named = client.get("/ledenzoeker/?q=jansen&lang=nl", headers=ENGLISH | headers).text
        assert "Gesorteerd op naam" in named  # Dutch
        assert NAMED_DUTCH in named
        assert 'data-directory-map-url="/ledenzoeker/kaart.json?q=jansen&amp;lang=nl"' in named
    assert IMPLICIT_DUTCH in client.get("/ledenzoeker/?q=jansen", headers=headers).text
    if not headers:  # the search form keeps the language, and the switch still leads to English
        assert '<input type="hidden" name="lang" value="nl">' in named
        assert 'href="/ledenzoeker/?q=jansen&amp;lang=en" lang="en"' in named


def test_the_map_keeps_dutch_when_the_url_named_it(client, listed):
    listed("Jansen Installaties", slug="jansen")
    url = "/ledenzoeker/kaart.json?q=jansen&page=1"
    assert (
        client.get(url).json["features"][0]["properties"]["url"]
        == "/ledenzoeker/jansen?terug=q%3Djansen"
    )
    named = client.get(url + "&lang=nl", headers=ENGLISH).json
    assert (
        named["features"][0]["properties"]["url"] == "/ledenzoeker/jansen?terug=q%3Djansen&lang=nl"
    )
    english = client.get(url, headers=ENGLISH).json
    assert (
        english["features"][0]["properties"]["url"]
        == "/ledenzoeker/jansen?terug=q%3Djansen&lang=en"
    )


def test_another_system_is_named_in_the_page_language(app, client, listed, frozen_now):
    """The label of a system that is not one of the known platforms: translated on cards (kept
    per language, Dutch and English in turn in one process), detail pages and badges."""
    from portal.reviews.models import Provider

    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # every request renders (kept cards)
    listed("Eigen Systeem BV", slug="eigen", reviews=12, system={"provider": Provider.OTHER})
    for _ in range(2):
        dutch = client.get("/ledenzoeker/?q=eigen", headers=HTMX).text
        english = client.get("/ledenzoeker/?q=eigen&lang=en", headers=HTMX).text
        assert "Ander systeem" in dutch and "Other system" not in dutch
        assert "Other system" in english and "Ander systeem" not in english
    for path in ("/ledenzoeker/eigen?lang=en", "/ledenzoeker/eigen/badge.svg?lang=en"):
        page = client.get(path).text
        assert "Other system" in page and "Ander systeem" not in page, path
    assert "Ander systeem" in client.get("/ledenzoeker/eigen").text
