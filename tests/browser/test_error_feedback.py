"""With JavaScript on, errors other than 422 are visible: whole page for boosted, alert otherwise."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.live import DE_VRIES, browser_page, live_portal, log_in, seed_member

pytestmark = pytest.mark.browser
STALE_TOKEN = """() => {
  document.querySelectorAll('input[name=csrf_token]').forEach((i) => { i.value = 'verlopen'; });
  document.body.setAttribute('hx-headers', '{"X-CSRFToken": "verlopen"}');
}"""
BROKEN_LINK = """() => {
  const link = document.createElement('a');
  link.href = '/bestaat-niet';
  link.textContent = 'Kapotte link';
  document.getElementById('main').append(link);
  window.htmx.process(link);
}"""


def test_errors_are_shown_in_dutch_with_javascript(tmp_path):
    with (
        live_portal(tmp_path, seed_member(DE_VRIES), WTF_CSRF_ENABLED=True) as base,
        browser_page(javascript=True) as page,
    ):
        log_in(page, base, DE_VRIES)
        page.goto(f"{base}/mijn-profiel/bedrijfsgegevens")
        page.wait_for_function("() => window.htmx !== undefined")
        alert = page.locator("#portal-alert")
        assert not alert.evaluate("el => el.classList.contains('is-open')")

        # A region swap (the inline field check) with an expired form: message in the alert.
        page.evaluate(STALE_TOKEN)
        page.get_by_label("Plaats").fill("Amersfoort")
        page.get_by_label("Plaats").blur()
        page.locator("#portal-alert.is-open").wait_for()
        assert "Het formulier is verlopen of ongeldig" in alert.inner_text()
        assert "(foutcode 400)" in alert.inner_text()
        page.get_by_role("button", name="Melding sluiten").click()
        page.locator("#portal-alert:not(.is-open)").wait_for(state="attached")

        # A boosted form with the expired token: the whole Dutch error page, like without JS.
        page.get_by_role("button", name="Gegevens opslaan").click()
        page.get_by_role("heading", level=1, name="Ongeldig verzoek").wait_for()
        expect(page.get_by_text("Het formulier is verlopen of ongeldig.")).to_be_visible()
        expect(page).to_have_title(re.compile(r"^Ongeldig verzoek"))

        # A boosted link to a page that does not exist: the Dutch 404 page at that address.
        page.goto(f"{base}/mijn-profiel/")
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate(BROKEN_LINK)
        page.get_by_role("link", name="Kapotte link").click()
        page.get_by_role("heading", level=1, name="Pagina niet gevonden").wait_for()
        assert page.url == f"{base}/bestaat-niet"
