"""The home page: a ledenzoeker search box and how the scores are made."""

from __future__ import annotations

import re


def test_home_has_search_box_and_score_rules(client, listed):
    listed("Bakker Installaties")
    listed("Jansen Techniek")
    page = client.get("/")
    assert page.status_code == 200
    form = re.search(r'<form method="get" action="/ledenzoeker/"[^>]*role="search">', page.text)
    assert form, "no search form to the ledenzoeker"
    assert 'name="q"' in page.text and 'name="postcode"' in page.text
    assert '<label for="home-q">' in page.text and '<label for="home-postcode">' in page.text
    assert "In de ledenzoeker staan 2 installatiebedrijven" in page.text
    assert "vanaf 5 beoordelingen" in page.text
    assert 'href="/ledenzoeker/over-de-scores"' in page.text


def test_home_follows_the_publication_minimum(client, app):
    from portal.core.models import Setting
    from portal.extensions import db

    db.session.add(Setting(key="publication_min", value="1"))
    db.session.commit()
    assert "vanaf 1 beoordeling." in client.get("/").text


def test_search_from_home_lands_on_results(client, listed):
    listed("Bakker Installaties")
    response = client.get("/ledenzoeker/?q=bakker&postcode=")
    assert response.status_code == 200 and "Bakker Installaties" in response.text


def test_logged_in_users_still_go_to_their_area(client, make_user, login):
    login(client, make_user())
    assert client.get("/").headers["Location"].endswith("/mijn-profiel/")
