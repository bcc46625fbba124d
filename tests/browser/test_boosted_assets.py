"""Real browser: a boosted link (hx-boost on <body>) to a page with its own head assets loads
that page as a whole, so its stylesheet applies and its script runs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.live import browser_page, htmx_settled, live_portal
from tests.compliance.test_browser_reminders import log_in, seed

pytestmark = pytest.mark.browser


def _select_all_ticks_every_row(page) -> None:
    """compliance.js runs: its select-all box shows and ticks every member row."""
    select_all = page.get_by_label("Alle leden op deze pagina selecteren")
    expect(select_all).to_be_visible()
    select_all.check()
    boxes = page.locator("input[type=checkbox][name=leden]")
    assert boxes.count() >= 1
    for n in range(boxes.count()):
        expect(boxes.nth(n)).to_be_checked()


def test_boosted_link_to_about_scores_applies_directory_css(tmp_path):
    with live_portal(tmp_path) as base, browser_page() as page:
        page.goto(f"{base}/")
        htmx_settled(page)
        link = page.get_by_role("link", name="Meer over de scores en het melden van misbruik")
        assert link.evaluate("a => htmx.closest(a, '[hx-boost]') !== null")  # a boosted link
        link.click()
        page.wait_for_url(f"{base}/ledenzoeker/over-de-scores")
        prose = page.locator(".directory-prose")
        expect(prose).to_be_visible()
        expect(page.locator("head link[href*='/static/directory.']")).to_have_count(1)
        expect(prose).to_have_css("max-width", "736px")  # 46rem, from directory.css


def test_boosted_link_to_criterium_2_shows_select_all(tmp_path):
    with live_portal(tmp_path, seed) as base, browser_page() as page:
        log_in(page, base)  # lands on /beheer/leden, which has no compliance.js
        htmx_settled(page)
        page.get_by_role("link", name="Criterium 2").first.click()
        page.wait_for_url(f"{base}/beheer/criterium-2/")
        htmx_settled(page)
        _select_all_ticks_every_row(page)


def test_back_to_criterium_2_after_a_boosted_link_starts_its_script_again(tmp_path):
    """Back after a boosted link away: htmx has no cached copy (historyCacheSize 0), and a
    restore that swapped only the body would leave compliance.js (started on DOMContentLoaded)
    asleep; refreshOnHistoryMiss loads the page whole."""
    with live_portal(tmp_path, seed) as base, browser_page() as page:
        log_in(page, base)
        page.goto(f"{base}/beheer/criterium-2/")
        htmx_settled(page)
        expect(page.get_by_label("Alle leden op deze pagina selecteren")).to_be_visible()
        page.get_by_role("link", name="Herinneringen", exact=True).click()
        page.wait_for_url(f"{base}/beheer/criterium-2/herinneringen")
        htmx_settled(page)
        page.go_back()
        page.wait_for_url(f"{base}/beheer/criterium-2/")
        htmx_settled(page)
        _select_all_ticks_every_row(page)
