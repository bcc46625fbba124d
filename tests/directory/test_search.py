"""Search semantics: radius boundaries, postcodes, accents, empty query, paging, order, counts."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest

from portal.directory import services
from portal.directory.geo import EARTH_RADIUS_KM, Point, haversine_km
from tests.directory.conftest import UTRECHT

FRAGMENT = {"HX-Request": "true", "HX-Target": "directory-results"}


def names(response) -> list[str]:
    return re.findall(r'<h3><a href="/ledenzoeker/[^"]+">([^<]+)</a></h3>', response.text)


def heading(response) -> str:
    return re.search(r'id="directory-results-heading"[^>]*>([^<]+)<', response.text).group(1)


def north_of(point: tuple[float, float], km: float) -> dict:
    return {"latitude": point[0] + math.degrees(km / EARTH_RADIUS_KM), "longitude": point[1]}


def east_of(point: tuple[float, float], km: float) -> dict:
    half = math.asin(math.sin(km / (2 * EARTH_RADIUS_KM)) / math.cos(math.radians(point[0])))
    return {"latitude": point[0], "longitude": point[1] + math.degrees(2 * half)}


def test_radius_boundaries_north_and_east(client, listed):
    for km in (4.95, 5.05, 9.95, 10.05, 24.95, 25.05, 49.9):
        listed(f"Noord {km}", **north_of(UTRECHT, km))
        listed(f"Oost {km}", **east_of(UTRECHT, km))
    center = Point(*UTRECHT)
    assert haversine_km(center, Point(**north_of(UTRECHT, 9.95))) == pytest.approx(9.95)
    assert haversine_km(center, Point(**east_of(UTRECHT, 10.05))) == pytest.approx(10.05)

    for radius, inside in ((5, 2), (10, 6), (25, 10), (50, 14)):
        response = client.get(f"/ledenzoeker/?postcode=Utrecht&straal={radius}", headers=FRAGMENT)
        assert heading(response) == f"{inside} installateurs gevonden"
        assert all(float(n.split()[1]) < radius for n in names(response))


def test_results_are_ordered_by_distance_then_name(client, listed):
    listed("Verweg", **north_of(UTRECHT, 8))
    listed("Dichtbij B", **north_of(UTRECHT, 2))
    listed("Dichtbij A", **north_of(UTRECHT, 2))
    listed("Nog dichterbij", **east_of(UTRECHT, 1.5))
    response = client.get("/ledenzoeker/?postcode=utrecht&straal=10")
    assert names(response) == ["Nog dichterbij", "Dichtbij A", "Dichtbij B", "Verweg"]
    assert "gesorteerd op afstand" in response.text
    assert re.findall(r'class="directory-distance">([^<]+)<', response.text) == [
        "1,5 km",
        "2,0 km",
        "2,0 km",
        "8,0 km",
    ]


@pytest.mark.parametrize("postcode", ["3511ab", "3511 AB", " 3511AB ", "3511  ab"])
def test_postcode_is_normalised(client, listed, postcode):
    listed("Op de postcode", postcode="3511 AB", latitude=UTRECHT[0], longitude=UTRECHT[1])
    listed("Ver weg", postcode="9711 AA", latitude=53.2194, longitude=6.5665)
    response = client.get("/ledenzoeker/", query_string={"postcode": postcode, "straal": "5"})
    assert names(response) == ["Op de postcode"]
    assert "Binnen 5 km van 3511 AB" in response.text


def test_unknown_postcode_or_place_gives_a_clear_message(client, listed):
    listed("Bakker")
    for value in ("Nergenshuizen", "9999 ZZ"):
        response = client.get("/ledenzoeker/", query_string={"postcode": value})
        assert response.status_code == 200
        assert heading(response) == "Postcode of plaats niet gevonden"
        assert "We kennen de postcode of plaats" in response.text
        assert names(response) == []


@pytest.mark.parametrize("query", ["Hénk", "henk", "HENK", "hen", "Henk Bakker", "bakk henk"])
def test_text_search_ignores_accents_and_case(client, listed, query):
    listed("Henk Bakker Installaties")
    listed("Hénk de Vries Techniek")
    listed("Jansen Loodgieters")
    response = client.get("/ledenzoeker/", query_string={"q": query})
    found = names(response)
    assert "Jansen Loodgieters" not in found
    assert "Henk Bakker Installaties" in found
    if "bakk" not in query.lower():
        assert "Hénk de Vries Techniek" in found


def test_text_search_matches_trade_name_legal_name_and_place(client, listed, make_company):
    listed("Van Dijk B.V.", city="Amersfoort")
    company = listed("Koude Kant", city="Zwolle")
    company.trade_name = "Klimaatmakers"
    from portal.directory.entries import refresh_entry
    from portal.extensions import db

    refresh_entry(company.id)
    db.session.commit()
    assert names(client.get("/ledenzoeker/?q=amersfoort")) == ["Van Dijk B.V."]
    assert names(client.get("/ledenzoeker/?q=klimaat")) == ["Klimaatmakers"]
    assert names(client.get("/ledenzoeker/?q=koude")) == ["Klimaatmakers"]
    assert names(client.get("/ledenzoeker/?q=zwolle+klimaat")) == ["Klimaatmakers"]
    assert names(client.get("/ledenzoeker/?q=zwolle+dijk")) == []


def test_empty_query_lists_everyone_alphabetically_never_by_score(client, listed, frozen_now):
    listed("Zeta Installaties", reviews=200, system={"score": Decimal("9.9")})
    listed("Ábel Techniek")
    listed("alfa Warmte", reviews=5, system={"score": Decimal("5.1")})
    response = client.get("/ledenzoeker/")
    assert names(response) == ["Ábel Techniek", "alfa Warmte", "Zeta Installaties"]
    assert heading(response) == "3 installateurs gevonden"
    assert "Gesorteerd op naam" in response.text


def test_paging_shows_twenty_per_page_with_numbers(client, listed):
    for n in range(45):
        listed(f"Bedrijf {n:02d}")
    first = client.get("/ledenzoeker/")
    third = client.get("/ledenzoeker/?page=3")
    assert names(first) == [f"Bedrijf {n:02d}" for n in range(20)]
    assert names(third) == [f"Bedrijf {n:02d}" for n in range(40, 45)]
    assert heading(third) == "45 installateurs gevonden"
    assert '<ol class="directory-list" start="41">' in third.text
    assert 'href="/ledenzoeker/?page=2" rel="prev"' in third.text
    assert 'aria-current="page"' in third.text
    beyond = client.get("/ledenzoeker/?page=9999")
    assert beyond.status_code == 200
    assert heading(beyond) == "45 installateurs gevonden"
    assert "Pagina 9.999 bestaat niet: deze resultaten passen op 3 pagina's." in beyond.text
    assert 'href="/ledenzoeker/?page=3">Naar de laatste pagina (3)</a>' in beyond.text
    assert names(beyond) == []


def test_every_member_is_reachable_by_paging_with_exact_counts(client, listed, monkeypatch):
    """No count cap: past 1,000 (here past a lowered walk threshold) the count stays exact."""
    for n in range(47):
        listed(f"Installateur {n:02d}", specialisms=["CV"])
    monkeypatch.setattr("portal.directory.queries.WALK_THRESHOLD", 10)
    for url in ("/ledenzoeker/", "/ledenzoeker/?vakgebied=cv", "/ledenzoeker/?q=installateur"):
        first = client.get(url)
        assert heading(first) == "47 installateurs gevonden"
        sep = "&" if "?" in url else "?"
        last = client.get(f"{url}{sep}page=3", headers=FRAGMENT)
        assert names(last) == [f"Installateur {n:02d}" for n in range(40, 47)]
        assert 'rel="next"' not in last.text


def test_filters_on_specialism_and_recognition(client, listed):
    listed("Warm en Co", specialisms=["Warmtepompen", "Zonnepanelen"], recognitions=["STEK"])
    listed("Alleen Zon", specialisms=["Zonnepanelen"])
    listed("Niets")
    assert names(client.get("/ledenzoeker/?vakgebied=zonnepanelen")) == ["Alleen Zon", "Warm en Co"]
    assert names(client.get("/ledenzoeker/?vakgebied=warmtepompen")) == ["Warm en Co"]
    assert names(client.get("/ledenzoeker/?erkenning=stek&vakgebied=zonnepanelen")) == [
        "Warm en Co"
    ]
    unknown = client.get("/ledenzoeker/?vakgebied=bestaat-niet")
    assert unknown.status_code == 200
    assert heading(unknown) == "Geen installateurs gevonden"


def test_card_shows_place_specialisms_recognitions_and_score_text(client, listed, frozen_now):
    listed("Met Score", specialisms=["Warmtepompen"], recognitions=["STEK"], reviews=23)
    listed("Bijna", reviews=3)
    listed("Geen Systeem")
    text = client.get("/ledenzoeker/", headers=FRAGMENT).text
    assert "<strong>8,7 / 10</strong> (23 beoordelingen, Klantenvertellen)" in text
    assert "Nog geen score: 3 van de 5 beoordelingen" in text
    card = text.split("Geen Systeem")[1].split("</li>")[0]
    assert "beoordeling" not in card and "score" not in card.lower()
    assert "Warmtepompen" in text and "STEK" in text


def test_sort_index_walk_gives_the_same_pages(client, listed, monkeypatch):
    for n in range(30):
        listed(f"Bakker {n:02d}", specialisms=["CV"] if n % 3 else [])
    expected = [f"Bakker {n:02d}" for n in range(30) if n % 3][:20]
    assert names(client.get("/ledenzoeker/?q=bakker&vakgebied=cv")) == expected
    monkeypatch.setattr("portal.directory.queries.WALK_THRESHOLD", 3)
    assert names(client.get("/ledenzoeker/?q=bakker&vakgebied=cv")) == expected
    second = [f"Bakker {n:02d}" for n in range(30) if n % 3][20:]
    assert names(client.get("/ledenzoeker/?q=bakker&vakgebied=cv&page=2")) == second


def test_growing_circle_gives_the_same_order_as_the_full_radius(client, listed):
    for km in range(1, 46):  # 45 members, 1 to 45 km north and east of the centre
        listed(f"Op {km:02d} km", **(north_of if km % 2 else east_of)(UTRECHT, km))
    first = names(client.get("/ledenzoeker/?postcode=Utrecht&straal=50"))
    third = names(client.get("/ledenzoeker/?postcode=Utrecht&straal=50&page=3"))
    assert first == [f"Op {km:02d} km" for km in range(1, 21)]
    assert third == [f"Op {km:02d} km" for km in range(41, 46)]


def test_circle_probed_ring_by_ring_gives_the_same_page(client, listed, monkeypatch):
    """Without known ring counts each smaller circle is probed; the page must not change."""
    for km in range(1, 46):
        listed(f"Op {km:02d} km", **(north_of if km % 2 else east_of)(UTRECHT, km))
    expected = [f"Op {km:02d} km" for km in range(21, 41)]
    assert names(client.get("/ledenzoeker/?postcode=Utrecht&straal=50&page=2")) == expected
    real = services.queries.counted_rings
    monkeypatch.setattr(services.queries, "counted_rings", lambda s, f: (real(s, f)[0], None))
    response = client.get("/ledenzoeker/?postcode=Utrecht&straal=50&page=2")
    assert heading(response) == "45 installateurs gevonden"
    assert names(response) == expected
