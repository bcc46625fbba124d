"""Real browser at 360 px: the complaint register's pages never scroll sideways and every entry
of its sub-navigation is in view, in reading order, without swiping (it was a swipe row whose
later entries were cut off behind a fade, with no scrollbar)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.browser.live import DESKTOP, PHONE, browser_page, live_portal, log_in
from tests.complaints.test_browser_flow import JANSEN
from tests.complaints.test_browser_flow import seed as seed_company

pytestmark = pytest.mark.browser
PAGES = ("", "?behandelaar=mij", "nieuw", "acties", "statistieken", "instellingen", "werkwijze")
ENTRIES = [
    "Klachtenregister", "Mijn klachten", "Klacht registreren", "Acties", "Statistieken",
    "Klachtenregeling en brieven", "Werkwijze",
]  # fmt: skip


def seed() -> None:
    from portal.complaints import services
    from portal.complaints.models import Channel
    from portal.extensions import db
    from portal.members.models import Company

    seed_company()
    company = db.session.scalars(db.select(Company)).one()
    values = {
        "complainant_name": "Karin Klager",
        "complainant_email": "karin@klant.example",
        "subject": "Cv-ketel",
        "description": "De ketel lekt na onderhoud.",
    }
    services.create_complaint(
        company, values, by=None, channel=Channel.PHONE, received_on=date(2026, 3, 2)
    )
    db.session.commit()


def _overflow(page) -> dict:
    return page.evaluate(
        """() => {
          const root = document.documentElement;
          const nav = document.querySelector('nav[aria-label=Klachtenregistratie] ul');
          return {
            page: root.scrollWidth - root.clientWidth,
            nav: nav.scrollWidth - nav.clientWidth,
            links: [...nav.querySelectorAll('a')].map(a => {
              const box = a.getBoundingClientRect();
              return [a.textContent.trim(), box.left >= 0 && box.right <= root.clientWidth];
            }),
          };
        }"""
    )


def test_register_pages_fit_a_360_px_phone(tmp_path):
    with live_portal(tmp_path, seed) as base, browser_page() as page:
        page.set_viewport_size(DESKTOP)
        log_in(page, base, JANSEN)
        page.goto(f"{base}/mijn-profiel/klachten/")
        show = page.get_by_role("link", name="K-").first.get_attribute("href")
        page.set_viewport_size(PHONE)
        folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
        for number, path in enumerate((*PAGES, show)):
            url = path if path.startswith("/") else f"/mijn-profiel/klachten/{path}"
            page.goto(base + url)
            found = _overflow(page)
            assert found["page"] <= 0, (url, found)
            assert found["nav"] <= 0, (url, found)
            assert found["links"] == [[name, True] for name in ENTRIES], (url, found)
            page.screenshot(path=str(folder / f"register-phone-{number}.png"))
        page.goto(f"{base}/mijn-profiel/klachten/?behandelaar=mij")
        current = page.get_by_role("navigation", name="Klachtenregistratie").locator(
            "a[aria-current=page]"
        )
        assert current.inner_text() == "Mijn klachten"
        page.get_by_role("navigation", name="Klachtenregistratie").get_by_role(
            "link", name="Werkwijze"
        ).click()
        page.wait_for_url(f"{base}/mijn-profiel/klachten/werkwijze")
