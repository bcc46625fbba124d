"""Real browser: the list/map toggle shows clustered markers for the search's results, follows a
new search, and is absent without JavaScript. Tiles are answered by the test (a blank local
tile): no request leaves the machine."""

from __future__ import annotations

import io
import os
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.directory.entries import refresh_all
from portal.extensions import db
from portal.members.models import Company
from tests.browser.live import browser_page, connected_browser

pytestmark = pytest.mark.browser
TILE_HOST = "service.pdok.nl"
SHOTS = os.environ.get("DIRECTORY_SCREENSHOTS", "")


def seed() -> None:
    places = (("Utrecht", 52.09, 5.12), ("Amsterdam", 52.37, 4.89), ("Zwolle", 52.51, 6.09))
    for n in range(30):
        city, lat, lon = places[n % 3]
        name = ("Bakker" if n < 24 else "Jansen") + f" Installaties {n:02d}"
        db.session.add(
            Company(
                member_number=f"M{n}", kvk_number=f"{30000000 + n}", legal_name=name,
                slug=f"kaart-{n}", postcode="", city=city,
                latitude=lat + n / 1000, longitude=lon + n / 1000,
            )
        )  # fmt: skip
    db.session.commit()
    refresh_all()
    db.session.commit()


def blank_tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (240, 240, 236)).save(out, "PNG")
    return out.getvalue()


def route_outside(page, base: str) -> dict[str, list[str]]:
    """Serve tiles locally, refuse any other host; returns what was asked for."""
    seen: dict[str, list[str]] = {"tiles": [], "foreign": []}
    tile, local = blank_tile(), urlsplit(base).netloc

    def handle(route):
        url = route.request.url
        host = urlsplit(url).netloc
        if host == local:
            route.continue_()
        elif host == TILE_HOST:
            seen["tiles"].append(url)
            route.fulfill(status=200, body=tile, content_type="image/png")
        else:
            seen["foreign"].append(url)
            route.abort()

    page.route("**/*", handle)
    return seen


# The map is at rest showing `expected` companies (a cluster icon counts its number, a single
# marker one): no zoom, pan or cluster animation, every icon opaque, and nothing moved for five
# frames and 400 ms. A count alone is not enough: right after the results arrive the zoom-7
# clusters already add up, and then fitBounds zooms in and the clusters split (animated, with
# icons sliding over each other and fading); between the zoom and the split there is a frame
# without any animation class. axe's target-size rule flagged the overlapping icons when it ran
# in that moment, which on a busy machine it sometimes did.
MAP_AT_REST = """(expected) => {
  const pane = document.querySelector("#directory-map .leaflet-map-pane");
  const icons = [...document.querySelectorAll("#directory-map .leaflet-marker-icon")];
  let n = 0;
  for (const icon of icons) {
    n += icon.classList.contains("marker-cluster") ? parseInt(icon.innerText, 10) : 1;
  }
  const moving = !pane || /leaflet-(zoom|pan|cluster)-anim\\b/.test(pane.className)
    || icons.some((icon) => getComputedStyle(icon).opacity !== "1");
  const state = pane && [pane.style.transform, ...icons.map((i) => i.style.transform)].join(";");
  const now = performance.now();
  const rest = window.mapRestProbe;
  if (moving || n !== expected || !rest || rest.state !== state) {
    window.mapRestProbe = { state: moving || n !== expected ? null : state, since: now, polls: 0 };
    return false;
  }
  rest.polls += 1;
  return rest.polls >= 5 && now - rest.since >= 400;
}"""


def map_at_rest(page, expected: int) -> None:
    """Wait until the map shows `expected` companies and has stopped moving (see MAP_AT_REST)."""
    page.wait_for_function(MAP_AT_REST, arg=expected)


def markers(page):
    """Cluster icons and single markers on the map."""
    return page.locator("#directory-map .leaflet-marker-icon")


def test_map_shows_the_results_as_clustered_markers(live_server):
    with live_server(seed) as base, browser_page(javascript=True) as page:
        seen = route_outside(page, base)
        page.goto(f"{base}/ledenzoeker/?q=bakker")
        expect(page.locator("#directory-results h3")).to_have_count(20)  # the list: page 1
        map_button = page.get_by_role("button", name="Kaart", exact=True)
        expect(map_button).to_be_visible()
        map_button.click()
        expect(map_button).to_have_attribute("aria-pressed", "true")
        status = page.locator("[data-directory-map-status]")
        expect(status).to_have_text("24 bedrijven op de kaart.")  # every page, not just 20
        expect(markers(page).first).to_be_visible()
        map_at_rest(page, 24)  # clusters and single markers add up to the result set
        expect(page.locator("#directory-results .directory-list")).to_be_hidden()
        assert "Kadaster" in page.locator(".leaflet-control-attribution").inner_text()
        assert seen["tiles"] and not seen["foreign"]
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/map-desktop.png", full_page=True)
        # A new search moves the map to the new result set.
        page.get_by_label("Naam of plaats").fill("jansen")
        page.get_by_role("button", name="Zoeken").click()
        expect(status).to_have_text("6 bedrijven op de kaart.")
        map_at_rest(page, 6)  # the old icons are replaced while the map zooms to the new set
        # Keyboard: a marker or cluster takes focus and Enter acts on it.
        first = markers(page).first
        first.focus()
        expect(first).to_be_focused()
        # Back to the list: the same cards as before.
        page.get_by_role("button", name="Lijst", exact=True).click()
        expect(page.locator("#directory-results h3")).to_have_count(6)
        expect(page.locator("#directory-map-region")).to_be_hidden()
        assert not seen["foreign"]


def test_single_marker_opens_a_link_to_the_member(live_server):
    with live_server(seed) as base, browser_page(javascript=True) as page:
        page.set_viewport_size({"width": 360, "height": 800})
        seen = route_outside(page, base)
        page.goto(f"{base}/ledenzoeker/?q=jansen+installaties+29")
        page.get_by_role("button", name="Kaart", exact=True).click()
        marker = page.get_by_role("button", name="Jansen Installaties 29, Zwolle")
        expect(marker).to_be_visible()
        map_at_rest(page, 1)  # focus a marker that is no longer being re-drawn
        marker.focus()
        page.keyboard.press("Enter")
        link = page.locator(".leaflet-popup a", has_text="Jansen Installaties 29")
        expect(link).to_be_focused()
        assert link.get_attribute("href").startswith("/ledenzoeker/kaart-29?terug=")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/map-phone.png", full_page=True)
        link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Jansen Installaties 29")
        assert not seen["foreign"]


def test_popup_link_keeps_english_and_the_way_back(live_server):
    """Regression: in English the popup's link was "/ledenzoeker/?lang=enkaart-29?terug=..."."""
    with live_server(seed) as base, browser_page(javascript=True) as page:
        seen = route_outside(page, base)
        page.goto(f"{base}/ledenzoeker/?q=jansen+installaties+29&lang=en")
        page.get_by_role("button", name="Map", exact=True).click()
        marker = page.get_by_role("button", name="Jansen Installaties 29, Zwolle")
        expect(marker).to_be_visible()
        map_at_rest(page, 1)  # focus a marker that is no longer being re-drawn
        marker.focus()
        page.keyboard.press("Enter")
        link = page.locator(".leaflet-popup a", has_text="Jansen Installaties 29")
        expect(link).to_be_focused()
        href = link.get_attribute("href")
        assert href == "/ledenzoeker/kaart-29?terug=q%3Djansen%2Binstallaties%2B29&lang=en"
        link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Jansen Installaties 29")
        assert page.evaluate("document.documentElement.lang") == "en"
        back = page.locator("a[href*='q=jansen']").first
        assert "lang=en" in back.get_attribute("href")
        assert not seen["foreign"]


def test_without_javascript_there_is_only_the_list(live_server):
    with live_server(seed) as base, browser_page(javascript=False) as page:
        seen = route_outside(page, base)
        page.goto(f"{base}/ledenzoeker/?q=bakker")
        expect(page.locator("#directory-results h3")).to_have_count(20)
        expect(page.get_by_role("button", name="Kaart", exact=True)).to_have_count(0)
        expect(page.locator("#directory-map-region")).to_be_hidden()
        assert not seen["tiles"] and not seen["foreign"]


def test_map_view_has_no_axe_violations(live_server):
    """axe-core over the search page with the map shown (phone and desktop)."""
    from tests.directory.test_axe import axe_violations

    problems = []
    with live_server(seed) as base, connected_browser() as browser:
        for width, height in ((360, 800), (1280, 900)):
            context = browser.new_context(  # bypass: the CSP forbids the injected axe
                bypass_csp=True, viewport={"width": width, "height": height}, locale="nl-NL"
            )
            page = context.new_page()
            seen = route_outside(page, base)
            page.goto(f"{base}/ledenzoeker/?q=bakker")
            page.get_by_role("button", name="Kaart", exact=True).click()
            map_at_rest(page, 24)
            problems += [f"{width}px: {v}" for v in axe_violations(page)]
            assert not seen["foreign"]
            context.close()
    assert not problems, "\n".join(problems)


def test_live_search_and_map_after_arriving_by_a_boosted_link(live_server):
    """Regression: the header's link (boosted, like the home page's search) swapped in the
    ledenzoeker without its scripts, so without live search and map, and under the previous
    page's Content-Security-Policy. The portal now has htmx load the page as a whole."""
    with live_server(seed) as base, browser_page(javascript=True) as page:
        seen = route_outside(page, base)
        page.goto(f"{base}/privacy")
        page.get_by_role("link", name="Ledenzoeker").first.click()
        page.wait_for_url(f"{base}/ledenzoeker/")
        page.get_by_label("Naam of plaats").press_sequentially("jansen", delay=40)
        expect(page.locator("#directory-results h3")).to_have_count(6)  # typed, not submitted
        page.get_by_role("button", name="Kaart", exact=True).click()
        map_at_rest(page, 6)
        assert seen["tiles"] and not seen["foreign"]
