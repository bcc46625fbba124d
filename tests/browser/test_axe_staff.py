"""axe-core over the staff console (/beheer/...), signed in as an admin: no WCAG 2.2 A/AA
violations, on a phone and a desktop viewport (like tests/directory/test_axe.py for the public
pages)."""

from __future__ import annotations

import json

import pytest

from tests.browser.live import DESKTOP, PHONE, live_portal, log_in_staff
from tests.browser.test_subnav_phone import ADMIN, ADMIN_PASSWORD, SECRET, seed
from tests.directory.test_axe import axe_violations

pytestmark = pytest.mark.browser
PAGES = (
    "/beheer/leden", "/beheer/leden/import/", "/beheer/e-mail", "/beheer/beoordelingen/",
    "/beheer/ledenzoeker/zoekwoorden", "/beheer/verwerkersovereenkomsten/",
    "/beheer/verwerkersovereenkomsten/nieuw", "/beheer/privacy/", "/beheer/privacy/klanten",
    "/beheer/privacy/verwerkingsregister", "/beheer/privacy/datalekken",
    "/beheer/privacy/datalekken/nieuw", "/beheer/criterium-2/", "/beheer/criterium-2/beoordelen",
    "/beheer/criterium-2/herinneringen", "/beheer/criterium-2/herinneringen/teksten",
    "/beheer/criterium-2/rapportage", "/beheer/audit", "/beheer/instellingen",
    "/beheer/vakgebieden", "/beheer/medewerkers", "/beheer/klachten/",
)  # fmt: skip


def test_staff_pages_have_no_axe_violations(tmp_path):
    from tests.browser.live import connected_browser

    problems = []
    with live_portal(tmp_path, seed) as base, connected_browser() as browser:
        # The CSP forbids injected scripts; only this test's own context bypasses it.
        context = browser.new_context(bypass_csp=True, viewport=DESKTOP, locale="nl-NL")
        page = context.new_page()
        log_in_staff(page, base, ADMIN, ADMIN_PASSWORD, SECRET)
        member = page.locator("main a[href^='/beheer/leden/']").first.get_attribute("href")
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            for path in (*PAGES, member):
                response = page.goto(f"{base}{path}")
                assert response is not None and response.status == 200, path
                found = axe_violations(page)
                problems += [f"{size['width']}px {path}: {json.dumps(v)}" for v in found]
        context.close()
    assert not problems, "\n".join(problems)
