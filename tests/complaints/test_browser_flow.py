"""Real browser: a consumer complains via the ledenzoeker form, the member handles it to the end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.auth.models import CompanyRole, Role, User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.members.models import Company
from tests.browser.live import Member, browser_page, live_portal
from tests.conftest import accept_agreement

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "beheerder@jansen.example", "paarse-kraan-lekt-zachtjes-2026"
SLUG = "jansen-installatietechniek"
JANSEN = Member(email=EMAIL, password=PASSWORD, name="Joke Jansen")  # as `seed` makes her


def seed() -> None:
    company = Company(
        member_number="L000042",
        kvk_number="87654321",
        legal_name="Jansen Installatietechniek B.V.",
        trade_name="Jansen Installatietechniek",
        slug=SLUG,
        street="Industrieweg",
        house_number="12",
        postcode="3812 AB",
        city="Amersfoort",
        phone="033 123 45 67",
        email="info@jansen.example",
    )
    db.session.add(company)
    user = User(
        email=EMAIL,
        name="Joke Jansen",
        role=Role.MEMBER,
        company=company,
        company_role=CompanyRole.BEHEERDER,
        password_hash=hash_password(PASSWORD),
    )
    db.session.add(user)
    db.session.commit()
    accept_agreement(company, user)  # the register needs the processor agreement (issue 15)


def _shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_public_form_to_handled_complaint(tmp_path, javascript):
    with live_portal(tmp_path, seed) as base, browser_page(javascript=javascript) as page:
        page.goto(f"{base}/ledenzoeker/{SLUG}/klacht")
        page.get_by_role("button", name="Klacht versturen").click()
        page.get_by_text("Dit veld is verplicht.").first.wait_for()
        page.get_by_label("Uw naam").fill("Ëlla van Dijk")
        page.get_by_label("E-mailadres").fill("ella@consument.example")
        page.get_by_label("Waar gaat uw klacht over?").fill("Warmtepomp bromt")
        page.get_by_label("Beschrijf uw klacht").fill("De buitenunit bromt 's nachts hard.")
        assert page.get_by_text("Daarvoor is geen toestemming nodig").is_visible()  # no consent box
        _shot(page, tmp_path, "public-form")
        page.get_by_role("button", name="Klacht versturen").click()
        page.wait_for_url(f"{base}/ledenzoeker/{SLUG}/klacht/verzonden")
        expect(page.get_by_role("heading", name="Bedankt, uw klacht is verstuurd")).to_be_visible()

        page.goto(f"{base}/inloggen")
        page.get_by_label("E-mailadres").fill(EMAIL)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen", exact=True).click()
        page.wait_for_url(f"{base}/mijn-profiel/")
        page.get_by_role("link", name="Klachten").first.click()
        page.wait_for_url(f"{base}/mijn-profiel/klachten/")
        page.get_by_role("link", name="K-").first.wait_for()
        _shot(page, tmp_path, "register")
        page.get_by_role("link", name="K-").first.click()
        page.get_by_text("Ëlla van Dijk").first.wait_for()

        page.get_by_role("link", name="Ontvangstbevestiging").click()
        body = page.get_by_label("Tekst van de brief")
        assert body.input_value().startswith("Beste Ëlla van Dijk,")
        _shot(page, tmp_path, "letter")
        page.get_by_role("button", name="Versturen per e-mail").click()
        page.get_by_text("is verstuurd").wait_for()
        page.get_by_role("button", name="In behandeling nemen").click()
        page.get_by_text("Status: In behandeling.").wait_for()

        page.locator("summary", has_text="Afhandelen").click()
        form = page.locator("form[action$='/stap/close']")
        form.get_by_label("Oplossing").fill("Trillingsdempers geplaatst.")
        form.get_by_label("Oordeel").select_option("justified")
        form.get_by_label("Tevredenheid klager").select_option("very_good")
        form.get_by_role("button", name="Afhandelen").click()
        page.get_by_text("Status: Afgehandeld.").wait_for()
        _shot(page, tmp_path, "handled")
        steps = page.locator(".complaint-steps li[aria-current=step]")
        expect(steps).to_have_text("Afgehandeld")
        expect(page.get_by_text("Trillingsdempers geplaatst.").first).to_be_visible()
