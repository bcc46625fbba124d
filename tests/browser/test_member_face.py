"""Real browser: the dashboard's to-do list and the badge's live preview (with and without JS)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.live import BADGE, browser_page, htmx_settled, live_portal, log_in, seed_member

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("I20_SCREENSHOTS")  # a directory: also save screenshots there


def _wait_for_width(page, width: int) -> None:
    """Wait until the preview image has loaded at this natural width."""
    expect(page.locator("#badge-preview-img")).to_have_js_property("naturalWidth", width)


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_dashboard_lists_what_to_do_and_the_invite_button_works(tmp_path):
    with live_portal(tmp_path, seed_member(BADGE, reviews=3)) as base, browser_page() as page:
        log_in(page, base, BADGE)
        todos = page.locator("ol.todo-list > li")
        assert todos.first.get_attribute("data-todo") == "criterion"
        first = todos.first
        assert "Nog 2 beoordelingen tot uw score zichtbaar is" in first.inner_text()
        assert first.locator("progress").get_attribute("value") == "3"
        expect(page.locator('[data-todo="profile"]')).to_be_visible()
        _shot(page, "dashboard-desktop.png")
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, "dashboard-phone.png")
        first.get_by_role("link", name="Klanten uitnodigen").click()
        page.wait_for_url(f"{base}/mijn-profiel/uitnodigen/")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_badge_preview_follows_the_options(tmp_path, javascript):
    with (
        live_portal(tmp_path, seed_member(BADGE, reviews=12)) as base,
        browser_page(javascript=javascript) as page,
    ):
        log_in(page, base, BADGE)
        page.goto(f"{base}/mijn-profiel/beoordelingen/")
        preview = page.locator("#badge-preview-img")
        assert preview.get_attribute("src") == "/ledenzoeker/badge-installaties/badge.svg"
        # The image really loads (natural width of the compact badge).
        _wait_for_width(page, 200)
        page.get_by_label("Donker").check()
        if javascript:
            # The change swaps in a new options form; a click before htmx has processed it (or
            # while the request runs, on the form it replaces) would be lost.
            expect(preview).to_have_attribute("src", re.compile(r"thema=donker"))
            htmx_settled(page)
        page.get_by_label("Breed").check()
        if not javascript:
            page.get_by_role("button", name="Voorbeeld bijwerken").click()
        expect(page.locator("#badge-preview-img")).to_have_attribute(
            "src", "/ledenzoeker/badge-installaties/badge.svg?thema=donker&formaat=breed"
        )
        snippet = page.locator("#badge-snippet").input_value()
        assert "badge.svg?thema=donker&amp;formaat=breed" in snippet
        _wait_for_width(page, 440)
        if javascript:
            assert page.url == f"{base}/mijn-profiel/beoordelingen/"  # swapped, not navigated
        _shot(page, f"badge-desktop-{'js' if javascript else 'nojs'}.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#badge-title").scroll_into_view_if_needed()
        _shot(page, f"badge-phone-{'js' if javascript else 'nojs'}.png")
