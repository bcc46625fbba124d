"""Password reset end to end in Chromium, with the mail going through a real SMTP server (STARTTLS
verified against a test CA); then an admin reads Beheer > E-mail and sees no usable link."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from portal import create_app
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.core import outbox
from portal.extensions import db
from tests.browser.live import add_staff, browser_page, live_portal, log_in_staff
from tests.conftest import base_config
from tests.mailserver import Certificates, MailServer

pytestmark = pytest.mark.browser
MEMBER = "jan@installatiebedrijf.example"
ADMIN, ADMIN_PASSWORD = "beheer@vereniging.example", "lange-zin-voor-de-beheerder-2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEW_PASSWORD = "groene-warmtepomp-zoemt-zacht-7"


def seed() -> None:
    from tests.compliance.test_browser_reminders import company

    firm = company(1, "Jansen Installaties")
    db.session.add(firm)
    db.session.flush()
    db.session.add(
        User(
            email=MEMBER,
            name="Jan Jansen",
            company_id=firm.id,
            password_hash=hash_password("oud-wachtwoord-dat-hij-vergat-1"),
        )
    )
    add_staff(ADMIN, "Bea Beheer", Role.ADMIN, ADMIN_PASSWORD, SECRET)


def _send_outbox(database: str, mail_config: dict) -> dict:
    """`flask outbox send` against the live portal's database."""
    settings = base_config(SQLALCHEMY_DATABASE_URI=database, **mail_config)
    settings.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(settings)
    with app.app_context():
        try:
            return outbox.deliver_pending()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_reset_by_mail_and_the_outbox_as_admin_sees_it(tmp_path, javascript):
    certs = Certificates(tmp_path)
    server = MailServer(certs).start()
    mail_config = {
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": server.port,
        "MAIL_SMTP_CA_FILE": str(certs.ca_file),
        "MAIL_FROM": "ledenservice@vereniging.example",
    }
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
    try:
        with (
            live_portal(tmp_path, seed, **mail_config) as base,
            browser_page(javascript=javascript) as page,
        ):
            page.goto(f"{base}/wachtwoord-vergeten")
            page.get_by_label("E-mailadres").fill(MEMBER)
            page.get_by_role("button", name="Link versturen").click()
            page.wait_for_url(f"{base}/inloggen")

            counts = _send_outbox(f"sqlite:///{tmp_path / 'live.db'}", mail_config)
            assert counts["sent"] == 1
            (mail,) = server.received
            link = next(w for w in mail.get_content().split() if "/wachtwoord-herstellen/" in w)
            page.goto(link.replace("http://localhost", base))
            page.locator("#password").fill(NEW_PASSWORD)
            page.locator("#confirm").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Wachtwoord opslaan").click()
            page.wait_for_url(f"{base}/inloggen")
            expect(page.get_by_text("Uw wachtwoord is ingesteld")).to_be_visible()
            page.goto(link.replace("http://localhost", base))  # single use
            expect(page.get_by_text("Deze link werkt niet meer")).to_be_visible()

            log_in_staff(page, base, ADMIN, ADMIN_PASSWORD, SECRET)
            page.get_by_role("link", name="Verzonden e-mail").click()
            page.wait_for_url(f"{base}/beheer/e-mail")
            expect(page.get_by_role("cell", name="verzonden")).to_be_visible()
            page.screenshot(path=f"{shots}/outbox-list-{javascript}.png", full_page=True)
            page.get_by_role(
                "link", name="Nieuw wachtwoord instellen voor het ledenportaal"
            ).click()
            page.get_by_text("[persoonlijke link verborgen]").wait_for()
            assert re.search(r"/beheer/e-mail/\d+$", page.url)
            token = link.rsplit("/", 1)[1]
            assert token not in page.content()
            page.screenshot(path=f"{shots}/outbox-detail-{javascript}.png", full_page=True)
    finally:
        server.stop()
