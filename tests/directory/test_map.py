"""Map view: kaart.json follows the list's filters over every page, public fields only, cached
with the directory version; the page's CSP allows the tile host and nothing else."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config
from portal.directory.entries import refresh_entry
from portal.extensions import db

PDOK = "https://service.pdok.nl"


def features(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = response.get_json(force=True)
    assert data["type"] == "FeatureCollection"
    return data["features"]


def test_map_holds_every_match_across_pages_with_the_list_filters(client, listed):
    for n in range(23):  # two pages of 20 in the list
        listed(f"Bakker Installaties {n:02d}", latitude=52.0 + n / 100, longitude=5.1)
    listed("Jansen Dakwerken")
    found = features(client.get("/ledenzoeker/kaart.json?q=bakker&page=2"))
    assert len(found) == 23
    assert {f["properties"]["naam"] for f in found} == {
        f"Bakker Installaties {n:02d}" for n in range(23)
    }
    point = next(f for f in found if f["properties"]["naam"] == "Bakker Installaties 03")
    assert point["geometry"] == {"type": "Point", "coordinates": [5.1, 52.03]}
    assert len(features(client.get("/ledenzoeker/kaart.json"))) == 24
    assert features(client.get("/ledenzoeker/kaart.json?q=dakwerk"))[0]["properties"]["naam"] == (
        "Jansen Dakwerken"
    )


def test_map_follows_specialism_score_and_place_filters(client, listed):
    listed("Bakker Installaties", specialisms=["Verwarming"], reviews=12)
    listed("Jansen Loodgieters", specialisms=["Sanitair"], city="Amsterdam",
           latitude=52.37, longitude=4.89)  # fmt: skip
    slug = "verwarming"
    assert [f["properties"]["naam"] for f in features(
        client.get(f"/ledenzoeker/kaart.json?vakgebied={slug}"))] == ["Bakker Installaties"]  # fmt: skip
    near = features(client.get("/ledenzoeker/kaart.json?postcode=Amsterdam&straal=10"))
    assert [f["properties"]["naam"] for f in near] == ["Jansen Loodgieters"]
    assert features(client.get("/ledenzoeker/kaart.json?vakgebied=bestaat-niet")) == []
    unknown = client.get("/ledenzoeker/kaart.json?postcode=Nergenshuizen").get_json(force=True)
    assert unknown["features"] == [] and "Nergenshuizen" in unknown["melding"]


def test_map_shows_only_public_fields_of_listed_members(client, listed, make_company):
    listed("Bakker Installaties", email="geheim@bakker.example", phone="06 12345678",
           show_address=False, latitude=52.123456, longitude=5.123456)  # fmt: skip
    make_company(legal_name="Opgezegd Bedrijf", trade_name="", directory_opt_out=True)
    response = client.get("/ledenzoeker/kaart.json")
    (point,) = features(response)
    assert "geheim" not in response.text and "12345678" not in response.text
    assert "Opgezegd" not in response.text
    assert set(point["properties"]) == {"slug", "url", "naam", "plaats", "bij_benadering"}
    assert point["properties"]["bij_benadering"] is True
    assert point["geometry"]["coordinates"] == [5.12, 52.12]  # rounded: address hidden
    assert "public" in response.headers["Cache-Control"]


def test_map_follows_the_directory_version(client, listed, make_company):
    listed("Bakker Installaties")
    assert len(features(client.get("/ledenzoeker/kaart.json"))) == 1  # now cached
    company = make_company(legal_name="Nieuw Bedrijf", trade_name="")
    refresh_entry(company.id)
    db.session.commit()
    assert len(features(client.get("/ledenzoeker/kaart.json"))) == 2
    company.directory_opt_out = True
    refresh_entry(company.id)
    db.session.commit()
    assert len(features(client.get("/ledenzoeker/kaart.json"))) == 1


def test_search_page_allows_the_tile_host_for_images_only(client, listed):
    listed("Bakker Installaties")
    page = client.get("/ledenzoeker/")
    csp = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["img-src"] == f"'self' data: {PDOK}"
    assert PDOK not in csp.replace(directives["img-src"], "")
    assert "'unsafe-inline'" not in csp
    assert PDOK not in client.get("/ledenzoeker/over-de-scores").headers["Content-Security-Policy"]
    # Without JavaScript the toggle stays hidden and the list is there.
    assert "data-directory-view hidden" in page.text
    assert 'id="directory-map-region" class="directory-map"' in page.text
    assert 'data-directory-map-url="/ledenzoeker/kaart.json"' in page.text
    assert f'data-tile-url="{PDOK}/brt/achtergrondkaart/' in page.text
    assert "Kadaster" in page.text


def test_tile_url_is_configurable_and_checked(app, client, listed, tmp_path):
    listed("Bakker Installaties")
    app.config["DIRECTORY_MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    csp = client.get("/ledenzoeker/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in csp
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"DIRECTORY_MAP_TILE_URL": "https://tiles.example.org/tile.png"})
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"DIRECTORY_MAP_TILE_URL": "javascript:alert(1)//{z}{x}{y}"})


def test_popup_links_are_whole_detail_urls_in_dutch_and_english(client, listed):
    """Regression: the popup joined base + slug, and the base carried `?lang=en` in English
    ("/ledenzoeker/?lang=enbakker-...")."""
    listed("Bakker Installaties", latitude=52.1, longitude=5.1)
    (point,) = features(client.get("/ledenzoeker/kaart.json?q=bakker&page=2"))
    slug = point["properties"]["slug"]
    assert point["properties"]["url"] == f"/ledenzoeker/{slug}?terug=q%3Dbakker"
    (point,) = features(client.get("/ledenzoeker/kaart.json"))
    assert point["properties"]["url"] == f"/ledenzoeker/{slug}"
    (point,) = features(client.get("/ledenzoeker/kaart.json?q=bakker&lang=en"))
    assert point["properties"]["url"] == f"/ledenzoeker/{slug}?terug=q%3Dbakker&lang=en"
    (point,) = features(
        client.get("/ledenzoeker/kaart.json?q=bakker", headers={"Accept-Language": "en"})
    )
    assert point["properties"]["url"] == f"/ledenzoeker/{slug}?terug=q%3Dbakker&lang=en"
    page = client.get(point["properties"]["url"])
    assert page.status_code == 200 and 'lang="en"' in page.text
    assert "/ledenzoeker/?q=bakker" in page.text  # the way back to the search
