"""Real browser: leaving the ledenzoeker (loaded whole for its map) by a link is a whole page load
too, so the map's stylesheets, scripts and looser Content-Security-Policy do not linger in the
next page's head (a boost swapped only the body and kept them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.live import browser_page, htmx_settled, live_portal

pytestmark = pytest.mark.browser


def test_link_away_from_the_ledenzoeker_leaves_no_map_assets(tmp_path):
    with live_portal(tmp_path) as base, browser_page() as page:
        page.goto(f"{base}/ledenzoeker/")
        htmx_settled(page)
        expect(page.locator("head link[href*='leaflet']")).not_to_have_count(0)
        page.evaluate("window.__sameDocument = true")
        page.get_by_role("link", name="Inloggen", exact=True).click()
        page.wait_for_url(f"{base}/inloggen")
        htmx_settled(page)
        expect(page.locator("head link[href*='leaflet']")).to_have_count(0)
        expect(page.locator("head script[src*='directory']")).to_have_count(0)
        assert page.evaluate("window.__sameDocument === undefined")  # a new document
        assert page.evaluate("typeof L === 'undefined'")  # Leaflet is not loaded here
