"""Real browser: filter the overview, select members, preview and send a reminder batch."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.extensions import db
from portal.members.models import Company
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from tests.browser.live import add_staff, browser_page, htmx_settled, live_portal, log_in_staff

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "staf@vereniging.example", "paarse-kraan-lekt-zachtjes-2026-staf"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def company(n: int, name: str) -> Company:
    return Company(
        member_number=f"L{n:06d}",
        kvk_number=f"{20000000 + n}",
        legal_name=f"{name} B.V.",
        trade_name=name,
        slug=f"bedrijf-{n}",
        postcode="3511 AB",
        city="Utrecht",
        email=f"info{n}@bedrijf.example",
        member_since=date(2020, 1, 1),
    )


def seed() -> None:
    members = [
        company(1, "Alfa Installaties"),
        company(2, "Beta Techniek"),
        company(3, "Gamma Warmte"),
    ]
    good = company(4, "Delta Klimaat")
    db.session.add_all([*members, good])
    db.session.flush()
    db.session.add(
        ReviewSystem(company_id=good.id, provider=Provider.KIYOH, status=SystemStatus.ACTIVE)
    )
    db.session.commit()
    add_staff(EMAIL, "Sanne Staf", Role.STAFF, PASSWORD, SECRET)


def log_in(page, base: str) -> None:
    """Log the seeded staff member in (also used by other staff browser tests)."""
    log_in_staff(page, base, EMAIL, PASSWORD, SECRET)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_filter_select_preview_and_send(tmp_path, javascript):
    with live_portal(tmp_path, seed) as base, browser_page(javascript=javascript) as page:
        log_in(page, base)
        page.get_by_role("link", name="Criterium 2").first.click()
        page.wait_for_url(f"{base}/beheer/criterium-2/")
        expect(page.get_by_text("4 leden gevonden (van 4 actieve leden)")).to_be_visible()
        htmx_settled(page)

        page.get_by_label("Status", exact=True).select_option("voldoet_niet")
        if not javascript:
            page.get_by_role("button", name="Filteren").click()
        page.get_by_text("3 leden gevonden (van 4 actieve leden)").wait_for()
        assert "status=voldoet_niet" in page.url  # the filter lives in the URL
        expect(page.get_by_text("Delta Klimaat")).to_have_count(0)
        htmx_settled(page)  # the selection form came with the swap

        page.get_by_label("Alfa Installaties selecteren").check()
        page.get_by_label("Gamma Warmte selecteren").check()
        page.get_by_role("button", name="Voorbeeld bekijken").click()
        page.get_by_text("2 leden krijgen deze herinnering; 0 worden overgeslagen.").wait_for()
        expect(page.get_by_text("Beste Alfa Installaties,").first).to_be_visible()
        htmx_settled(page)
        page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

        page.get_by_role("button", name="2 herinneringen versturen").click()
        page.get_by_text("2 herinneringen staan in de wachtrij; 0 leden overgeslagen.").wait_for()
        assert "status=voldoet_niet" in page.url

        with sqlite3.connect(tmp_path / "live.db") as conn:
            sent = conn.execute(
                "SELECT to_address, kind FROM outbox_messages ORDER BY to_address"
            ).fetchall()
            reminders = conn.execute("SELECT COUNT(*) FROM reminders").fetchone()[0]
        assert sent == [
            ("info1@bedrijf.example", "compliance.geen_systeem"),
            ("info3@bedrijf.example", "compliance.geen_systeem"),
        ]
        assert reminders == 2

        # The sent reminders queue: search with and without JavaScript, state in the URL.
        page.get_by_role("link", name="Herinneringen", exact=True).click()
        page.wait_for_url(f"{base}/beheer/criterium-2/herinneringen")
        page.get_by_text("2 herinneringen", exact=True).wait_for()
        htmx_settled(page)
        page.get_by_label("Zoeken").fill("gamma")
        if not javascript:
            page.get_by_role("button", name="Toon").click()
        page.get_by_text("1 herinnering", exact=True).wait_for()
        assert "q=gamma" in page.url
        expect(page.get_by_role("link", name="Gamma Warmte")).to_be_visible()
        expect(page.get_by_role("link", name="Alfa Installaties")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "sent-reminders.png"), full_page=True)
