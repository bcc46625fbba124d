"""Real browser, with and without JavaScript: the later parts of a complaint (issue 18).

A photo attached and downloaded, a customer group, a solution with a standard compensation
chosen by the customer, an improvement action marked done from the action list, an escalation,
and the company's own work instruction. Screenshots (desktop and phone) go to SCREENSHOT_DIR.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.live import member_page, screenshots
from tests.complaints.test_browser_flow import JANSEN, seed

pytestmark = pytest.mark.browser


def _shot(page, name: str, javascript: bool) -> None:
    if javascript:  # one set of screenshots (the page looks the same without JavaScript)
        screenshots(page, f"i18x-{name}")


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "lekkage.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 90, 160)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_attachments_solutions_actions_escalation_instruction(tmp_path, javascript):
    with member_page(tmp_path, seed, JANSEN, javascript=javascript) as (base, page):
        # A standard compensation in the settings.
        page.goto(f"{base}/mijn-profiel/klachten/instellingen")
        page.get_by_label("Standaardvergoedingen").fill("Tegoedbon; 50,00")
        page.get_by_role("button", name="Opslaan").click()
        page.get_by_text("is opgeslagen").wait_for()

        # Intake with a customer group.
        page.goto(f"{base}/mijn-profiel/klachten/nieuw")
        page.get_by_label("Naam klager").fill("Karin Klager")
        page.get_by_label("Omschrijving van de klacht").fill("Cv-ketel lekt na onderhoud.")
        page.get_by_label("Klantgroep").select_option("vve")
        page.get_by_role("button", name="Klacht registreren").click()
        page.get_by_text("is geregistreerd").wait_for()
        complaint_url = page.url
        expect(page.get_by_text("VvE").first).to_be_visible()

        # A photo: refused file first, then a real one.
        bad = tmp_path / "niet-echt.jpg"
        bad.write_bytes(b"<html>geen foto</html>")
        page.get_by_label("Foto of document").set_input_files(str(bad))
        page.get_by_role("button", name="Toevoegen").last.click()
        page.get_by_text("Kies een foto als JPEG, PNG of WebP").first.wait_for()
        page.goto(complaint_url)
        page.get_by_label("Foto of document").set_input_files(str(_photo(tmp_path)))
        page.locator("#files-title").locator("..").get_by_role("button", name="Toevoegen").click()
        page.get_by_text("Bijlage toegevoegd.").wait_for()
        with page.expect_download() as download:
            page.get_by_role("link", name="lekkage.jpg").click()
        assert download.value.suggested_filename == "lekkage.jpg"

        # A solution with the compensation, chosen by the customer.
        page.get_by_text("Oplossing toevoegen").click()
        page.get_by_label("Oplossing", exact=True).fill("Ketel vervangen")
        page.get_by_label("Standaardvergoeding").select_option("Tegoedbon")
        page.locator("#solutions-title").locator("..").get_by_role(
            "button", name="Toevoegen"
        ).click()
        page.get_by_text("Oplossing vastgelegd.").wait_for()
        page.get_by_role("button", name="Klant kiest deze").click()
        page.get_by_text("Keuze van de klant vastgelegd.").wait_for()

        # An improvement action, and an escalation (no colleague: nobody to escalate to).
        page.get_by_text("Actie toevoegen").click()
        page.get_by_label("Wat moet er gebeuren?").fill("Monteurs instrueren over koppelingen")
        page.get_by_label("Gereed uiterlijk").fill("2099-01-31")
        page.locator("#actions-title").locator("..").get_by_role("button", name="Toevoegen").click()
        page.get_by_text("Actie vastgelegd.").wait_for()
        _shot(page, "complaint", javascript)
        page.goto(f"{base}/mijn-profiel/klachten/acties")
        _shot(page, "actions", javascript)
        page.get_by_role("button", name="Gereed melden").click()
        page.get_by_text("Actie afgerond.").wait_for()

        # The work instruction: adapt, see it on the Werkwijze page.
        page.goto(f"{base}/mijn-profiel/klachten/werkwijze")
        _shot(page, "werkwijze", javascript)
        page.get_by_role("link", name="Werkinstructie aanpassen").click()
        page.wait_for_url("**/werkwijze/werkinstructie")
        page.locator("#work_instruction").fill("Bel elke klager binnen een uur terug.")
        _shot(page, "instruction-edit", javascript)
        page.get_by_role("button", name="Werkinstructie opslaan").click()
        page.get_by_text("Bel elke klager binnen een uur terug.").wait_for()
