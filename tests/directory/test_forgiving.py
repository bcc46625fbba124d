"""Forgiving search on demo-like data: misspellings, trade words, places in the text box,
"Bedoelde u …?", a neutral order, and the admins' word list."""

from __future__ import annotations

import re

import pytest

from portal.directory import vocabulary
from portal.directory.text import fold
from portal.extensions import db
from tests.directory.conftest import UTRECHT
from tests.directory.test_search import FRAGMENT, heading, names, north_of

ZWOLLE = (52.5168, 6.0830)


@pytest.fixture
def demo(listed):
    """A small directory in the shape of the demo data: names, places and specialisms."""
    listed("Jansen Loodgieters", city="Utrecht", specialisms=["Sanitair"], **north_of(UTRECHT, 2))
    listed("Bakker Installaties", city="Utrecht", specialisms=["Verwarming"],
           **north_of(UTRECHT, 4))  # fmt: skip
    listed("De Vries Klimaattechniek", city="Zwolle", specialisms=["Klimaattechniek"],
           latitude=ZWOLLE[0], longitude=ZWOLLE[1])  # fmt: skip
    listed("Hendriks Techniek", city="Utrecht", specialisms=["Warmtepompen", "Zonnepanelen"],
           **north_of(UTRECHT, 6))  # fmt: skip
    listed("Smit Totaal", city="Zwolle", specialisms=["Sanitair", "Verwarming"],
           latitude=ZWOLLE[0], longitude=ZWOLLE[1])  # fmt: skip
    listed("Bekker Elektro", city="Amersfoort", specialisms=["Elektrotechniek", "Laadpalen"])


def search(client, q: str, **args):
    return client.get("/ledenzoeker/", query_string={"q": q, **args}, headers=FRAGMENT)


def reading(response) -> str:
    found = re.search(r'class="directory-reading">([^<]*)<', response.text)
    return found.group(1).replace("&#39;", "'") if found else ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("jansn", ["Jansen Loodgieters"]),  # 5 letters, one edit
        ("instalaties", ["Bakker Installaties"]),  # 11 letters, one edit
        ("klimaattchnek", ["De Vries Klimaattechniek"]),  # 13 letters, two edits
        ("hendrik", ["Hendriks Techniek"]),  # a prefix: no correction needed
    ],
)
def test_misspelt_names_are_found(client, demo, typed, expected):
    response = search(client, typed)
    assert names(response) == expected


def test_correction_is_said_on_the_page(client, demo):
    response = search(client, "jansn")
    assert "‘jansn’ gezocht als ‘jansen’" in reading(response)
    assert "de volgorde blijft dezelfde" in response.text


def test_short_words_and_too_distant_words_are_not_corrected(client, demo):
    assert names(search(client, "smt")) == []  # 3 letters: never corrected
    assert names(search(client, "jnsn")) == []  # 4 letters, two edits from "jansen"


def test_exact_and_prefix_matches_win_over_corrections(client, demo):
    """'bakker' exists, so 'Bekker' (one edit away) is not added to the results."""
    assert names(search(client, "bakker")) == ["Bakker Installaties"]
    assert names(search(client, "bekker")) == ["Bekker Elektro"]


@pytest.mark.parametrize("typed", ["cv ketel", "cv-ketel", "cvketel", "CV Ketel"])
def test_compound_trade_words_find_the_specialism(client, demo, typed):
    response = search(client, typed)
    assert names(response) == ["Bakker Installaties", "Smit Totaal"]
    assert "ook bedrijven met vakgebied Verwarming" in reading(response)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("airco", ["De Vries Klimaattechniek"]),
        ("loodgieter", ["Jansen Loodgieters", "Smit Totaal"]),  # name word or Sanitair
        ("zonne-energie", ["Hendriks Techniek"]),
        ("laadpaal", ["Bekker Elektro"]),
        ("warmtpomp", ["Hendriks Techniek"]),  # misspelt trade word
        ("warmtep", ["Hendriks Techniek"]),  # typed start of a trade word (live search)
    ],
)
def test_synonyms_find_members_by_specialism(client, demo, typed, expected):
    assert names(search(client, typed)) == expected


def test_place_in_the_text_box_becomes_the_location(client, demo):
    response = search(client, "loodgieter utrecht")
    assert names(response) == ["Jansen Loodgieters"]  # Smit Totaal is in Zwolle
    assert "gesorteerd op afstand" in response.text
    assert "‘utrecht’ gezocht als plaats" in reading(response)
    zwolle = search(client, "cv ketel zwolle")
    assert names(zwolle) == ["Smit Totaal"]


def test_a_place_alone_or_with_a_name_stays_text(client, demo):
    """'utrecht' alone searches names and places as before (no distance list)."""
    alone = search(client, "utrecht")
    assert names(alone) == ["Bakker Installaties", "Hendriks Techniek", "Jansen Loodgieters"]
    assert "Gesorteerd op naam" in alone.text
    assert names(search(client, "smit zwolle")) == ["Smit Totaal"]


def test_a_given_postcode_wins_over_a_place_in_the_text(client, demo):
    response = search(client, "loodgieter zwolle", postcode="Utrecht", straal=10)
    assert names(response) == []  # "zwolle" stays a word; nothing near Utrecht has it


def test_zero_results_suggest_a_query(client, demo):
    response = search(client, "jnsn")
    assert heading(response) == "Geen installateurs gevonden"
    link = re.search(r'Bedoelde u <a href="([^"]+)"[^>]*>([^<]+)</a>', response.text)
    assert link.group(2) == "jansen"
    assert link.group(1) == "/ledenzoeker/?q=jansen"
    assert names(client.get(link.group(1))) == ["Jansen Loodgieters"]
    assert "Bedoelde u" not in search(client, "qqqqqqqqq").text  # nothing near: no suggestion


def test_order_stays_a_to_z_whatever_matched(client, demo):
    """Fuzzy and trade matches are not ranked below exact ones: the list stays A-Z."""
    response = search(client, "loodgieter")
    assert names(response) == sorted(names(response), key=fold)
    assert "Gesorteerd op naam" in response.text


def test_typo_rules_follow_the_word_length():
    assert [vocabulary.max_distance(w) for w in ("abc", "abcd", "abcdefg", "abcdefgh")] == [
        0, 1, 1, 2,
    ]  # fmt: skip


def test_vocabulary_is_rebuilt_after_a_refresh(client, demo, listed):
    assert names(search(client, "pietrsen")) == []
    listed("Pietersen Warmte", city="Utrecht")
    assert names(search(client, "pietrsen")) == ["Pietersen Warmte"]


def test_admins_edit_the_word_list(client, demo, make_user, login):
    admin = make_user(role="admin")
    login(client, admin)
    page = client.get("/beheer/ledenzoeker/zoekwoorden")
    assert page.status_code == 200 and "airco, airconditioning: Klimaattechniek" in page.text
    version = re.search(r'name="version"[^>]*value="([^"]+)"', page.text)
    version = version.group(1) if version else ""
    bad = client.post(
        "/beheer/ledenzoeker/zoekwoorden",
        data={"body": "kachel: Kachelbouw\nzonder dubbele punt", "version": version},
    )
    assert bad.status_code == 422
    assert "Regel 1: onbekend vakgebied ‘Kachelbouw’." in bad.text
    assert "Regel 2: schrijf" in bad.text
    assert "zonder dubbele punt" in bad.text  # the input is kept
    saved = client.post(
        "/beheer/ledenzoeker/zoekwoorden",
        data={"body": "kachel, houtkachel: Verwarming", "version": version},
    )
    assert saved.status_code == 303
    client.post("/uitloggen")
    assert names(search(client, "houtkachel")) == ["Bakker Installaties", "Smit Totaal"]
    assert names(search(client, "airco")) == []  # no longer in the list


@pytest.mark.parametrize("role", [None, "member", "staff"])
def test_only_admins_see_the_word_list(client, make_user, login, role):
    if role:
        login(client, make_user(role=role))
    response = client.get("/beheer/ledenzoeker/zoekwoorden")
    assert response.status_code in (302, 403, 404)
    assert "Zoekwoorden opslaan" not in response.text
    assert db.session.execute(db.text("SELECT count(*) FROM directory_search_words")).scalar() == 0
