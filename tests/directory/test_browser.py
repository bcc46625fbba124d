"""Real browser: typing updates results and the status count (htmx), and the no-JS form works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.directory.entries import refresh_all
from portal.extensions import db
from portal.members.models import Company
from tests.browser.live import browser_page

pytestmark = pytest.mark.browser
NAMES = ("Bakker Installaties", "Jansen Loodgieters", "De Vries Klimaattechniek")


def seed() -> None:
    for n, name in enumerate(NAMES):
        db.session.add(
            Company(
                member_number=f"B{n}",
                kvk_number=f"{20000000 + n}",
                legal_name=name,
                slug=f"bedrijf-{n}",
                postcode="3511 AB",
                city="Utrecht",
                latitude=52.09 + n / 100,
                longitude=5.12,
            )
        )
    db.session.commit()
    refresh_all()
    db.session.commit()


def test_typing_updates_results_and_count_without_reload(live_server):
    with live_server(seed) as base, browser_page(javascript=True) as page:
        page.goto(f"{base}/ledenzoeker/")
        status = page.locator("#directory-status")
        assert status.text_content() == "3 installateurs gevonden"
        page.evaluate("window.directoryMarker = 'same page'")
        page.get_by_label("Naam of plaats").press_sequentially("jans", delay=40)
        expect(status).to_have_text("1 installateur gevonden")
        cards = page.locator("#directory-results h3")
        expect(cards).to_have_text(["Jansen Loodgieters"])
        assert page.evaluate("window.directoryMarker") == "same page"  # swapped, not reloaded
        assert page.url == f"{base}/ledenzoeker/?q=jans&postcode=&straal=10"
        assert page.locator("#directory-status").get_attribute("role") == "status"
        field = page.get_by_label("Naam of plaats")
        field.press("Backspace")
        field.press("Backspace")
        field.press("Backspace")  # "j": one letter, no search
        page.wait_for_timeout(700)
        expect(cards).to_have_text(["Jansen Loodgieters"])
        field.press("Backspace")  # empty: everyone again
        expect(status).to_have_text("3 installateurs gevonden")
        expect(cards).to_have_count(3)
        page.go_back()  # back to ?q=jans, restored by htmx from the server
        expect(status).to_have_text("1 installateur gevonden")


def test_search_works_without_javascript(live_server):
    with live_server(seed) as base, browser_page(javascript=False) as page:
        page.goto(f"{base}/ledenzoeker/")
        assert page.locator("#directory-status").text_content() == "3 installateurs gevonden"
        page.get_by_label("Naam of plaats").fill("bakker")
        page.get_by_role("button", name="Zoeken").click()
        page.wait_for_url(f"{base}/ledenzoeker/?q=bakker*")
        assert page.locator("#directory-status").text_content() == "1 installateur gevonden"
        assert page.locator("#directory-results h3").all_text_contents() == ["Bakker Installaties"]
        page.get_by_role("link", name="Bakker Installaties").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bakker Installaties")


def test_pages_reflow_at_320_css_pixels_without_horizontal_scrolling(live_server):
    """WCAG 1.4.10: at 320 px wide nothing overflows sideways (the card grid used to)."""
    with live_server(seed) as base, browser_page(javascript=True) as page:
        page.set_viewport_size({"width": 320, "height": 700})
        for path in ("/ledenzoeker/", "/ledenzoeker/?q=bakker", "/ledenzoeker/bedrijf-0",
                     "/ledenzoeker/over-de-scores"):  # fmt: skip
            page.goto(f"{base}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
