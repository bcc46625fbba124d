"""Real browser: log in, edit company data, see the change, log out (with and without JavaScript)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.live import (
    DE_VRIES,
    browser_page,
    htmx_settled,
    live_portal,
    log_in,
    seed_member,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_login_edit_see_change_logout(tmp_path, javascript):
    with (
        live_portal(tmp_path, seed_member(DE_VRIES)) as base,
        browser_page(javascript=javascript) as page,
    ):
        log_in(page, base, DE_VRIES)
        expect(page.get_by_role("heading", level=1, name="De Vries Installaties")).to_be_visible()

        page.get_by_role("link", name="Bedrijfsgegevens").first.click()
        page.wait_for_url(f"{base}/mijn-profiel/bedrijfsgegevens")
        htmx_settled(page)  # the fields' inline checks are bound
        page.get_by_label("Postcode").fill("12")
        page.get_by_role("button", name="Gegevens opslaan").click()
        page.get_by_text("Vul een postcode in als 1234 AB.").first.wait_for()  # htmx swaps it in
        htmx_settled(page)

        page.get_by_label("Postcode").fill("3512cd")
        page.get_by_label("Plaats").fill("Utrecht Centrum")
        htmx_settled(page)  # the postcode's inline check (on leaving the field) is done
        page.get_by_role("button", name="Gegevens opslaan").click()
        page.wait_for_url(f"{base}/mijn-profiel/bedrijfsgegevens")
        page.get_by_text("Uw gegevens zijn opgeslagen.").wait_for()
        assert page.get_by_label("Postcode").input_value() == "3512 CD"
        page.screenshot(path=str(tmp_path / "details.png"), full_page=True)

        page.get_by_role("link", name="Overzicht").click()
        page.get_by_text("3512 CD Utrecht Centrum").first.wait_for()

        page.get_by_role("button", name="Uitloggen").click()
        page.wait_for_url(f"{base}/inloggen")
        page.goto(f"{base}/mijn-profiel/")
        assert "/inloggen" in page.url
