"""Real browser at 360 px (WCAG 2.2 AA 1.4.10 Reflow, 2.4.3 Focus Order): every sub-navigation
(Mijn profiel, Klachtenregistratie, Beheer, Criterium 2, Privacy) shows all its entries on the
screen, without sideways scrolling or a fade over later entries, in the same order as the DOM
(and so the keyboard), with the current page marked by aria-current. They were swipe rows with a
hidden scrollbar that hid most entries and moved the current page to the front."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path

import pytest

from portal.auth.models import Role
from tests.browser.live import (
    DESKTOP,
    PHONE,
    add_staff,
    browser_page,
    live_portal,
    log_in,
    log_in_staff,
)
from tests.complaints.test_browser_flow import JANSEN
from tests.complaints.test_browser_flow import seed as seed_member

pytestmark = pytest.mark.browser
ADMIN, ADMIN_PASSWORD = "beheer@vereniging.example", "lange-zin-voor-de-beheerder-2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# (path, {navigation label: the entry marked current})
MEMBER_PAGES = [
    ("/mijn-profiel/", {"Mijn profiel": "Overzicht"}),
    ("/mijn-profiel/bedrijfsgegevens", {"Mijn profiel": "Bedrijfsgegevens"}),
    ("/mijn-profiel/beoordelingen/", {"Mijn profiel": "Beoordelingen"}),
    (
        "/mijn-profiel/klachten/",
        {"Mijn profiel": "Klachten", "Klachtenregistratie": "Klachtenregister"},
    ),
    ("/mijn-profiel/collegas", {"Mijn profiel": "Collega's"}),
    ("/mijn-profiel/uitnodigen/", {"Mijn profiel": "Klanten uitnodigen"}),
    ("/mijn-profiel/verwerkersovereenkomst/", {"Mijn profiel": "Verwerkersovereenkomst"}),
    ("/mijn-profiel/berichten", {"Mijn profiel": "Berichten"}),
    ("/mijn-profiel/mijn-gegevens", {"Mijn profiel": "Mijn gegevens"}),
]
STAFF_PAGES = [
    ("/beheer/leden", {"Beheer": "Leden"}),
    ("/beheer/criterium-2/", {"Beheer": "Criterium 2", "Criterium 2": "Overzicht"}),
    ("/beheer/criterium-2/rapportage", {"Beheer": "Criterium 2", "Criterium 2": "Rapportage"}),
    ("/beheer/privacy/", {"Beheer": "Privacy", "Privacy": "Verzoeken"}),
    ("/beheer/privacy/datalekken", {"Beheer": "Privacy", "Privacy": "Datalekken"}),
    ("/beheer/audit", {"Beheer": "Auditlog"}),
    ("/beheer/ledenzoeker/zoekwoorden", {"Beheer": "Zoekwoorden"}),
]

MEASURE = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  return {
    page: root.scrollWidth - width,
    navs: [...document.querySelectorAll('nav.subnav')].map(nav => {
      const ul = nav.querySelector('ul');
      const style = getComputedStyle(ul);
      const links = [...ul.querySelectorAll('a')].map(a => {
        const box = a.getBoundingClientRect();
        return {name: a.textContent.trim(), left: box.left, right: box.right, top: box.top,
                shown: box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= width,
                current: a.getAttribute('aria-current')};
      });
      return {label: nav.getAttribute('aria-label'), overflow: ul.scrollWidth - ul.clientWidth,
              mask: style.maskImage || style.webkitMaskImage || 'none', links};
    }),
  };
}"""


def seed() -> None:
    seed_member()  # with the processor agreement, which the complaint register needs
    add_staff(ADMIN, "Bea Beheer", Role.ADMIN, ADMIN_PASSWORD, SECRET)


def _in_reading_order(links: list[dict]) -> bool:
    """Each entry follows the one before it on the same line (to its right) or on a later line."""
    for before, after in pairwise(links):
        same_line = abs(after["top"] - before["top"]) < 2
        if not (after["top"] > before["top"] + 2 or (same_line and after["left"] > before["left"])):
            return False
    return True


def _check(page, path: str, expected: dict[str, str], folder: Path, name: str) -> None:
    found = page.evaluate(MEASURE)
    assert found["page"] <= 0, (path, found["page"])
    navs = {nav["label"]: nav for nav in found["navs"]}
    assert set(expected) <= set(navs), (path, list(navs))
    for label, nav in navs.items():
        assert nav["overflow"] <= 0, (path, label, nav)
        assert nav["mask"] == "none", (path, label, nav["mask"])
        hidden = [link["name"] for link in nav["links"] if not link["shown"]]
        assert hidden == [], (path, label, hidden)
        assert _in_reading_order(nav["links"]), (path, label, nav["links"])
        current = [link["name"] for link in nav["links"] if link["current"] == "page"]
        assert current == ([expected[label]] if label in expected else current[:1]), (path, label)
    page.screenshot(path=str(folder / f"subnav-{name}.png"))


def test_every_sub_navigation_fits_a_360_px_phone(tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    with live_portal(tmp_path, seed) as base, browser_page() as page:
        page.set_viewport_size(DESKTOP)
        log_in(page, base, JANSEN)
        page.goto(f"{base}/mijn-profiel/klachten/")
        _check(page, "/mijn-profiel/klachten/", MEMBER_PAGES[3][1], folder, "member-desktop")
        page.set_viewport_size(PHONE)
        for number, (path, expected) in enumerate(MEMBER_PAGES):
            page.goto(base + path)
            _check(page, path, expected, folder, f"member-{number}-phone")
        # The last entry is in view and works without swiping.
        page.goto(f"{base}/mijn-profiel/")
        nav = page.get_by_role("navigation", name="Mijn profiel")
        nav.get_by_role("link", name="Mijn gegevens").click()
        page.wait_for_url(f"{base}/mijn-profiel/mijn-gegevens")

        page.context.clear_cookies()
        page.set_viewport_size(DESKTOP)
        log_in_staff(page, base, ADMIN, ADMIN_PASSWORD, SECRET)
        page.goto(f"{base}/beheer/criterium-2/")
        _check(page, "/beheer/criterium-2/", STAFF_PAGES[1][1], folder, "staff-desktop")
        page.set_viewport_size(PHONE)
        for number, (path, expected) in enumerate(STAFF_PAGES):
            page.goto(base + path)
            _check(page, path, expected, folder, f"staff-{number}-phone")
