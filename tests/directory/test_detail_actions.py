"""Detail page: call, mail and website actions for public fields only, score before the
details, a way back to the same search, and the complaint route as a plain link."""

from __future__ import annotations

import re

from tests.directory.test_search import FRAGMENT


def actions(text: str) -> list[str]:
    block = re.search(r'<ul class="directory-actions"[^>]*>(.*?)</ul>', text, re.S)
    return re.findall(r'class="button[^"]*" href="([^"]+)"', block.group(1)) if block else []


def test_actions_for_public_contact_fields(client, listed, frozen_now):
    listed("Alles Open", phone="030 765 43 21", email="info@open.example",
           website="https://open.example", reviews=12, slug="open")  # fmt: skip
    text = client.get("/ledenzoeker/open").text
    assert actions(text) == ["tel:0307654321", "mailto:info@open.example", "https://open.example"]
    assert ">Bellen<" in text and ">E-mail<" in text and ">Website<" in text
    # The score comes before the contact details and the complaint route.
    assert text.index("directory-score-card") < text.index("contact-heading")
    assert text.index("directory-score-card") < text.index("complaint-heading")


def test_hidden_contact_fields_give_no_action(client, listed):
    listed("Alles Dicht", phone="030 765 43 21", email="info@dicht.example",
           website="https://dicht.example", show_phone=False, show_email=False,
           show_website=False, slug="dicht")  # fmt: skip
    text = client.get("/ledenzoeker/dicht").text
    assert actions(text) == []
    assert "0307654321" not in text and "dicht.example" not in text
    listed("Alleen Bellen", phone="06 12345678", show_email=False, email="x@y.example",
           slug="bellen")  # fmt: skip
    assert actions(client.get("/ledenzoeker/bellen").text) == ["tel:0612345678"]


def test_complaint_route_is_a_plain_link_not_the_primary_button(client, listed):
    listed("Klachtbedrijf", phone="030 1234567", slug="klacht")
    text = client.get("/ledenzoeker/klacht").text
    link = re.search(r'<a ([^>]*)href="/ledenzoeker/klacht/klacht[^"]*"', text)
    assert link is not None and "button" not in link.group(1)
    assert text.index(">Bellen<") < text.index("complaint-heading")


def test_back_link_returns_to_the_same_search(client, listed):
    for n in range(25):
        listed(f"Bakker {n:02d}", specialisms=["Verwarming"], slug=f"bakker-{n:02d}")
    results = client.get("/ledenzoeker/?q=bakker&vakgebied=verwarming&page=2", headers=FRAGMENT)
    href = re.search(r'<h3><a href="(/ledenzoeker/bakker-20[^"]*)"', results.text).group(1)
    assert href == "/ledenzoeker/bakker-20?terug=q%3Dbakker%26vakgebied%3Dverwarming%26page%3D2"
    detail = client.get(href.replace("&amp;", "&")).text
    back = re.search(r'class="directory-back"><a href="([^"]+)">([^<]+)<', detail)
    assert back.group(2) == "Terug naar uw zoekresultaten"
    assert back.group(1) == "/ledenzoeker/?q=bakker&amp;vakgebied=verwarming&amp;page=2"
    plain = client.get("/ledenzoeker/bakker-20").text  # the cache must not mix the two up
    assert 'class="directory-back"><a href="/ledenzoeker/">Terug naar de ledenzoeker<' in plain
    junk = client.get("/ledenzoeker/bakker-20?terug=%3Cscript%3E%26page%3Dx").text
    assert 'class="directory-back"><a href="/ledenzoeker/">' in junk
