"""Real browser, with and without JavaScript: a complaint's whole life (issue 18).

Phone intake with severity and job, my complaints, an edited acknowledgement, the log, an
ongegrond close with its rejection letter, a repeat problem reopened with a new deadline, the
complainant's status page with the survey, and the statistics with the PDF report.
Screenshots on desktop and phone go to SCREENSHOT_DIR when set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal import create_app
from portal.core import outbox
from portal.core.models import OutboxMessage
from portal.extensions import db
from tests.browser.live import member_page, screenshots
from tests.complaints.test_browser_flow import JANSEN, seed
from tests.conftest import base_config

pytestmark = pytest.mark.browser


def _shot(page, tmp_path: Path, name: str, javascript: bool) -> None:
    if javascript:  # one set of screenshots (the page looks the same without JavaScript)
        screenshots(page, f"i18-{name}")


def _status_link(tmp_path: Path) -> str:
    """The status link from the outbox, as the mail job would fill it in."""
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}"))
    with app.app_context():
        message = db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == "complaints/status_link")
        ).first()
        text = outbox.compose(message).get_content()
        db.session.remove()
        db.engine.dispose()
    return next(line for line in text.splitlines() if "/klacht-volgen/" in line).strip()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_complaints_life(tmp_path, javascript):
    with member_page(tmp_path, seed, JANSEN, javascript=javascript) as (base, page):
        # Intake by phone: serious, with the job.
        page.goto(f"{base}/mijn-profiel/klachten/nieuw")
        page.get_by_label("Naam klager").fill("Karin Klager")
        page.get_by_label("E-mailadres").fill("karin@klant.example")
        page.get_by_label("Categorie").select_option("Kwaliteit werk")
        page.get_by_label("Omschrijving van de klacht").fill("Cv-ketel lekt na onderhoud.")
        page.get_by_label("Ernst").select_option("serious")
        page.get_by_label("Werkbon-, order- of factuurnummer").fill("WB-2026-114")
        page.get_by_label("Soort installatie").fill("Cv-ketel")
        page.get_by_label("Betrokken monteur").fill("Jan de Wit")
        _shot(page, tmp_path, "intake", javascript)
        page.get_by_role("button", name="Klacht registreren").click()
        page.get_by_text("is geregistreerd").wait_for()
        complaint_url = page.url
        expect(page.get_by_text("WB-2026-114")).to_be_visible()

        # Handler, then "mijn klachten".
        page.locator("#handler").select_option(label="Joke Jansen")
        page.get_by_role("button", name="Toewijzen").click()
        page.get_by_text("Behandelaar gewijzigd.").wait_for()
        page.goto(f"{base}/mijn-profiel/klachten/?behandelaar=mij")
        page.get_by_role("link", name="K-").first.wait_for()
        _shot(page, tmp_path, "register", javascript)

        # The acknowledgement, adjusted for this one customer.
        page.goto(complaint_url)
        page.get_by_role("link", name="Ontvangstbevestiging").click()
        body = page.get_by_label("Tekst van de brief")
        body.fill(body.input_value() + "\n\nPS: onze monteur belt u morgen.")
        _shot(page, tmp_path, "letter", javascript)
        page.get_by_role("button", name="Versturen per e-mail").click()
        page.get_by_text("is verstuurd").wait_for()
        page.get_by_role("button", name="In behandeling nemen").click()
        page.get_by_text("Status: In behandeling.").wait_for()

        # The investigation log.
        page.locator("#kind").select_option("contact")
        page.get_by_label("Wat is er gevonden, gezegd of afgesproken?").fill(
            "Klant gebeld; lekkage komt van een eigen kraan."
        )
        page.get_by_role("button", name="Vastleggen").click()
        page.get_by_text("Toegevoegd aan het logboek.").wait_for()

        # Close as ongegrond: the reason is required.
        page.locator("summary", has_text="Afhandelen").click()
        form = page.locator("form[action$='/stap/close']")
        form.get_by_label("Oplossing").fill("Gratis controle van de aansluiting.")
        form.get_by_label("Oordeel").select_option("unjustified")
        form.get_by_role("button", name="Afhandelen").click()
        page.get_by_text("Geef aan waarom de klacht ongegrond is.").first.wait_for()
        form = page.locator("form[action$='/stap/close']")
        form.get_by_label("Reden (verplicht bij ongegrond)").fill(
            "Lekkage komt van een eigen kraan."
        )
        form.get_by_label("Oordeel").select_option("unjustified")
        form.get_by_label("Oplossing").fill("Gratis controle van de aansluiting.")
        form.get_by_role("button", name="Afhandelen").click()
        page.get_by_text("Status: Afgehandeld.").wait_for()
        page.get_by_role("link", name="Afhandelingsbrief", exact=True).click()
        letter = page.get_by_label("Tekst van de brief").input_value()
        assert "ongegrond" in letter and "Lekkage komt van een eigen kraan." in letter
        assert "Geschillencommissie" not in letter

        # The customer's status page and survey.
        page.goto(complaint_url)
        page.get_by_role("button", name="Tevredenheidsvraag sturen").click()
        page.get_by_text("link naar de statuspagina").first.wait_for()
        link = _status_link(tmp_path)
        page.goto(base + link.split("http://localhost", 1)[1])  # PUBLIC_BASE_URL of the tests
        expect(page.get_by_text("Afgehandeld").first).to_be_visible()
        expect(page.get_by_text("Karin")).to_have_count(0)
        page.get_by_label("Hoe tevreden bent u over de afhandeling van uw klacht?").select_option(
            "good"
        )
        _shot(page, tmp_path, "status-page", javascript)
        page.get_by_role("button", name="Versturen").click()
        page.get_by_text("Dank u wel voor uw antwoord.").wait_for()

        # The problem comes back: reopened as a repeat, not a dispute, with a new deadline.
        page.goto(complaint_url)
        page.locator("summary", has_text="Heropenen").click()
        reopen = page.locator("form[action$='/stap/reopen']")
        reopen.get_by_label("Waarom heropenen?").select_option("repeat")
        reopen.get_by_role("button", name="Heropenen").click()
        page.get_by_text("Heropend: het probleem is terug na herstel.").wait_for()
        _shot(page, tmp_path, "complaint", javascript)

        # Statistics and the report.
        page.goto(f"{base}/mijn-profiel/klachten/statistieken")
        page.get_by_text("ontvangst tijdig bevestigd", exact=True).wait_for()
        _shot(page, tmp_path, "statistics", javascript)
        with page.expect_download() as download:
            page.get_by_role("link", name="Rapport (PDF) met vorige periode").click()
        assert download.value.suggested_filename.startswith("klachtenrapport-")
