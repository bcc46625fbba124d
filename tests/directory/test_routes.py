"""Pages and fragments: no-JS and htmx modes, the status region, JSON-LD, caching, bad input."""

from __future__ import annotations

import json
import re

import pytest

from portal.reviews.models import Provider, SystemStatus
from tests.directory.test_search import FRAGMENT, heading, names


def test_page_works_without_javascript(client, listed):
    listed("Bakker Installaties", specialisms=["Verwarming"], recognitions=["STEK"])
    response = client.get("/ledenzoeker/?q=bakker&straal=25")
    assert response.status_code == 200
    assert "<html" in response.text
    form = re.search(r"<form id=\"directory-search\"[^>]*>", response.text).group(0)
    assert 'action="/ledenzoeker/"' in form and 'method="get"' in form
    for name in ("q", "postcode", "straal", "vakgebied", "erkenning", "score"):
        assert f'name="{name}"' in response.text
    assert 'value="bakker"' in response.text
    assert '<option value="25" selected>' in response.text
    assert '<button type="submit">Zoeken</button>' in response.text
    assert names(response) == ["Bakker Installaties"]


def test_htmx_search_gets_only_the_fragment(client, listed):
    listed("Bakker Installaties")
    listed("Jansen Dakwerken")
    page = client.get("/ledenzoeker/?q=install")
    fragment = client.get("/ledenzoeker/?q=install", headers=FRAGMENT)
    assert "<html" in page.text and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<p id="directory-status" hx-swap-oob="innerHTML">')
    assert '<section id="directory-results"' in fragment.text
    assert names(fragment) == ["Bakker Installaties"]
    for response in (page, fragment):
        assert {"HX-Request", "HX-Target"} <= set(response.vary)


@pytest.mark.parametrize("target", [{}, {"HX-Target": "directory-results"}])
def test_boosted_navigation_loads_the_whole_page(client, listed, target):
    """A boost would swap in the body only: without the page's scripts (live search, map) and
    with the previous page's CSP (no map tiles). htmx is told to load the page instead."""
    listed("Bakker Installaties")
    headers = {"HX-Request": "true", "HX-Boosted": "true", **target}
    response = client.get("/ledenzoeker/?q=bakker&straal=10", headers=headers)
    assert response.status_code == 200 and response.text == ""
    assert response.headers["HX-Redirect"] == "/ledenzoeker/?q=bakker&straal=10"
    assert {"HX-Request", "HX-Boosted"} <= set(response.vary)
    plain = client.get("/ledenzoeker/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert plain.headers["HX-Redirect"] == "/ledenzoeker/"
    page = client.get("/ledenzoeker/?q=bakker")
    assert "HX-Redirect" not in page.headers and "HX-Boosted" in page.vary


@pytest.mark.parametrize(
    "headers",
    [
        {
            "HX-Request": "true",
            "HX-History-Restore-Request": "true",
            "HX-Target": "directory-results",
        },
        {"HX-Request": "true", "HX-Target": "main"},
    ],
)
def test_history_restores_and_other_targets_get_the_page(client, listed, headers):
    listed("Bakker Installaties")
    response = client.get("/ledenzoeker/?q=bakker", headers=headers)
    assert "<html" in response.text
    assert "hx-swap-oob" not in response.text


def test_status_region_announces_the_count_and_results_are_no_live_region(client, listed):
    listed("Bakker Installaties")
    listed("Bakker Techniek")
    page = client.get("/ledenzoeker/?q=bakker").text
    fragment = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
    assert page.count('role="status"') == 1
    assert (
        '<p id="directory-status" class="visually-hidden" role="status">2 installateurs gevonden</p>'
        in page
    )
    assert (
        '<p id="directory-status" hx-swap-oob="innerHTML">2 installateurs gevonden</p>' in fragment
    )
    results = fragment.split('<section id="directory-results"')[1]
    assert "aria-live" not in results and 'role="status"' not in results
    form = re.search(r"<form id=\"directory-search\"[^>]*>", page).group(0)
    assert 'hx-target="#directory-results"' in form and 'hx-push-url="true"' in form
    assert "directory-input delay:300ms" in form


def test_order_is_explained_on_the_page(client, listed):
    listed("Bakker Installaties")
    text = client.get("/ledenzoeker/").text
    assert "De volgorde hangt nooit af van scores, het soort lidmaatschap of betalingen." in text
    assert 'href="/ledenzoeker/over-de-scores"' in text


def test_detail_page_has_contact_score_complaint_route_and_json_ld(client, listed, frozen_now):
    listed(
        "De Vries Installaties", street="Kerkstraat", house_number="12", house_number_addition="a",
        postcode="3512 CD", city="Utrecht", latitude=52.0912, longitude=5.1180,
        phone="030 765 43 21", email="info@devries.example", website="https://devries.example",
        specialisms=["Warmtepompen"], recognitions=["STEK"], reviews=42, slug="de-vries",
    )  # fmt: skip
    response = client.get("/ledenzoeker/de-vries")
    text = response.text
    assert response.status_code == 200
    assert "Kerkstraat 12-a" in text and "3512 CD Utrecht" in text
    assert 'href="tel:0307654321"' in text and "mailto:info@devries.example" in text
    assert "<strong>8,7 / 10</strong> · Klantenvertellen" in text
    assert "42 beoordelingen" in text and "1 maart 2026" in text
    assert 'href="https://www.klantenvertellen.nl/reviews/1000001/test" rel="noopener"' in text
    assert "Geschillencommissie" in text and "eerst bij De Vries Installaties zelf" in text
    data = json_ld(text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LocalBusiness"
    assert data["name"] == "De Vries Installaties"
    assert data["url"] == "http://localhost/ledenzoeker/de-vries"
    assert data["address"] == {
        "@type": "PostalAddress", "streetAddress": "Kerkstraat 12-a", "postalCode": "3512 CD",
        "addressLocality": "Utrecht", "addressCountry": "NL",
    }  # fmt: skip
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 52.0912, "longitude": 5.118}
    assert data["telephone"] == "030 765 43 21"
    assert "aggregaterating" not in json.dumps(data).lower()
    assert "review" not in {key.lower() for key in data}


def json_ld(text: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_json_ld_cannot_break_out_of_its_script(client, listed):
    listed("</script><script>alert(1)</script>", slug="x")
    text = client.get("/ledenzoeker/x").text
    assert "<script>alert(1)" not in text
    assert json_ld(text)["name"] == "</script><script>alert(1)</script>"


def test_about_scores_explains_the_rules(client, app):
    app.config["REVIEW_MIN_COUNT"] = 7
    text = client.get("/ledenzoeker/over-de-scores").text
    for phrase in (
        "Pas vanaf 7 beoordelingen", "Klantenvertellen", "Kiyoh", "Feedback Company",
        "Niets herwogen of omgerekend", "ouder dan 30 dagen", "Een beoordeling melden",
        "nooit af van de score",
    ):  # fmt: skip
        assert phrase in text


def test_unknown_member_is_404(client):
    assert client.get("/ledenzoeker/bestaat-niet").status_code == 404
    assert client.get("/ledenzoeker/" + "x" * 500).status_code == 404


def test_public_caching_headers(client, listed):
    listed("Bakker Installaties")
    fragment = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
    assert fragment.headers["Cache-Control"] in ("public, max-age=60", "max-age=60, public")
    assert "Set-Cookie" not in fragment.headers
    again = client.get(
        "/ledenzoeker/?q=bakker", headers={**FRAGMENT, "If-None-Match": fragment.headers["ETag"]}
    )
    assert again.status_code == 304
    page = client.get("/ledenzoeker/?q=bakker")  # carries a CSRF token: browser cache only
    assert "private" in page.headers["Cache-Control"]


def test_logged_in_visitors_get_no_store(client, listed, make_user, login):
    listed("Bakker Installaties")
    login(client, make_user())
    response = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)
    assert response.headers["Cache-Control"] == "no-store"


HOSTILE = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{7*7}}", "{% print 7*7 %}",
    "' OR '1'='1' --", "1; DROP TABLE companies", "\x00", "a\x00b", "%00", "\u202eevil",
    "NEAR(a b)", '"', "*", "^", "a OR b", "-x", "🙂🙂", "../../etc/passwd", "x" * 5000,
    "1e999", "-1", "NaN", "\r\nSet-Cookie: a=b", "[]", "\\", "ß" * 300, "hx-get=/x",
]  # fmt: skip


@pytest.mark.parametrize("param", ["q", "postcode", "straal", "vakgebied", "erkenning", "page"])
def test_hostile_query_strings_never_500(client, listed, param):
    listed("Bakker Installaties", slug="bakker")
    for payload in HOSTILE:
        for headers in ({}, FRAGMENT):
            response = client.get("/ledenzoeker/", query_string={param: payload}, headers=headers)
            assert "<script>alert(1)" not in response.text
            assert "<img src=x" not in response.text
            if "\x00" in payload:  # refused for every route before it reaches the database
                assert response.status_code == 400, (param, payload)
                assert "Het verzoek kon niet worden verwerkt" in response.text
                continue
            assert response.status_code == 200, (param, payload)
            assert heading(response)
        if "7*7" in payload and param == "q":  # echoed as typed, never evaluated
            assert (
                f'value="{payload}"'
                in client.get("/ledenzoeker/", query_string={"q": payload}).text
            )


def test_repeated_and_array_parameters_are_tolerated(client, listed):
    listed("Bakker Installaties")
    response = client.get("/ledenzoeker/?q=bakker&q=jansen&page=1&page=x&straal[]=5")
    assert response.status_code == 200
    assert names(response) == ["Bakker Installaties"]


def test_self_reported_score_is_marked_on_card_and_detail(client, listed, frozen_now):
    other = {
        "provider": Provider.OTHER,
        "status": SystemStatus.APPROVED,
        "other_name": "WerkSpot",
        "self_reported": True,
    }
    listed("Zelfmelder Installaties", reviews=20, system=other, slug="zelfmelder")
    listed("Koppelaar Installaties", reviews=20, slug="koppelaar")

    detail = client.get("/ledenzoeker/zelfmelder").text
    assert "<strong>8,7 / 10</strong> · Ander systeem · zelf opgegeven" in detail
    assert "zelf opgegeven" not in client.get("/ledenzoeker/koppelaar").text
    results = client.get("/ledenzoeker/?q=installaties").text
    assert "(20 beoordelingen, Ander systeem, zelf opgegeven)" in results
    assert "(20 beoordelingen, Klantenvertellen)" in results
