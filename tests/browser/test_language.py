"""Real browser: the language switch on public pages, kept while browsing, Dutch by default."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.live import BADGE, browser_page, htmx_settled, live_portal, seed_member

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("I20_SCREENSHOTS")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switch_to_english_and_back(tmp_path, javascript):
    with (
        live_portal(tmp_path, seed_member(BADGE, reviews=12)) as base,
        browser_page(javascript=javascript) as page,
    ):
        page.goto(f"{base}/")
        assert page.locator("html").get_attribute("lang") == "nl"
        assert (
            page.get_by_role("heading", level=1).inner_text()
            == "Vind een erkend installatiebedrijf"
        )
        page.get_by_role("link", name="English").first.click()
        page.wait_for_url(f"{base}/?lang=en")
        assert (
            page.get_by_role("heading", level=1).inner_text()
            == "Find an accredited installation company"
        )
        page.get_by_label("Name or town").fill("badge")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/ledenzoeker/**lang=en**")
        htmx_settled(page)  # with JavaScript, follow the result link as htmx does
        page.get_by_role("link", name="Badge Installaties").click()
        page.wait_for_url(f"{base}/ledenzoeker/badge-installaties?*lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        expect(page.get_by_text("8.6 / 10").first).to_be_visible()
        if SHOTS:
            page.screenshot(
                path=os.path.join(SHOTS, f"detail-en-desktop-{javascript}.png"), full_page=True
            )
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(
                path=os.path.join(SHOTS, f"detail-en-phone-{javascript}.png"), full_page=True
            )
        page.get_by_role("link", name="Nederlands").first.click()
        page.wait_for_url(f"{base}/ledenzoeker/badge-installaties?*lang=nl")
        assert page.locator("html").get_attribute("lang") == "nl"
        expect(page.get_by_text("8,6 / 10").first).to_be_visible()
