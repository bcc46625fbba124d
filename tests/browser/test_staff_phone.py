"""Real browser on a phone: the staff navigation wraps with every entry (the current page too) in
view, page titles do not break mid-word, and overdue deadlines are marked in the overview."""

from __future__ import annotations

import pytest

from tests.browser.live import browser_page, live_portal
from tests.compliance.test_browser_reminders import log_in, seed

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_staff_navigation_fits_a_phone(tmp_path):
    with live_portal(tmp_path, seed) as base, browser_page() as page:
        log_in(page, base)
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/beheer/criterium-2/")
        nav = page.locator("nav.subnav").first
        current = nav.locator("a[aria-current=page]")
        assert current.inner_text() == "Criterium 2"
        # Every entry is on the screen (rows, not a swipe row; tests/browser/test_subnav_phone.py).
        for link in nav.locator("a").all():
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        nav.get_by_role("link", name="Auditlog").click()
        page.wait_for_url(f"{base}/beheer/audit")
        # The long title fits the screen at the phone type size (it broke mid-word before).
        page.goto(f"{base}/beheer/criterium-2/")
        title = page.locator("h1")
        width = title.evaluate("el => el.scrollWidth")
        assert width <= title.evaluate("el => el.clientWidth")
        assert page.locator(".c2-overdue").first.is_visible()
