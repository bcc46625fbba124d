"""Real browser: passkeys with Chromium's virtual authenticator (CDP WebAuthn domain).

A staff member registers a passkey as the second factor, uses it after the password, logs in
with it alone, and removes it, after which it no longer works. WebAuthn needs a secure context
and a domain as relying party id, so the portal is addressed as http://localhost:<port>.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.extensions import db
from tests.browser.live import browser_page, live_portal
from tests.mailserver import free_port

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "sanne@vereniging.example", "lantaarnpaal-boterham-fietsbel-2026"


def seed() -> None:
    db.session.add(
        User(
            email=EMAIL, name="Sanne Visser", role=Role.STAFF, password_hash=hash_password(PASSWORD)
        )
    )
    db.session.commit()


def add_virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def password_login(page, base):
    page.goto(f"{base}/inloggen")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()


def logout(page, base):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{base}/inloggen")


def test_passkey_register_second_factor_login_and_remove(tmp_path):
    port = free_port()
    base = f"http://localhost:{port}"
    with (
        live_portal(tmp_path, seed, port=port, PUBLIC_BASE_URL=base, RATELIMIT_ENABLED=False),
        browser_page() as page,
    ):
        cdp, authenticator = add_virtual_authenticator(page)

        # Staff without a second factor: the portal asks for one; a passkey will do.
        password_login(page, base)
        page.wait_for_url(f"{base}/account/tweestapsverificatie")
        page.get_by_role("link", name="Of gebruik een passkey als tweede stap.").click()
        page.wait_for_url(f"{base}/account/passkeys")
        page.get_by_label("Naam van de passkey").fill("Laptop kantoor")
        page.get_by_role("button", name="Passkey toevoegen").click()
        page.get_by_text("Uw passkey is toegevoegd.").wait_for()
        expect(page.locator('input[value="Laptop kantoor"]')).to_have_count(1)
        creds = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(creds["credentials"]) == 1 and creds["credentials"][0]["isResidentCredential"]
        page.goto(f"{base}/beheer/leden")
        assert page.url == f"{base}/beheer/leden"  # the session counts as verified now
        logout(page, base)

        # Password, then the passkey as second step instead of a TOTP code.
        password_login(page, base)
        page.wait_for_url(f"{base}/inloggen/code")
        page.get_by_role("button", name="Bevestigen met uw passkey").click()
        page.wait_for_url(f"{base}/beheer/leden")
        logout(page, base)

        # The passkey alone (discoverable credential, user verified on the device).
        page.get_by_role("button", name="Inloggen met een passkey").click()
        page.wait_for_url(f"{base}/beheer/leden")

        # Rename, then remove; afterwards the authenticator's credential is refused.
        page.goto(f"{base}/account/passkeys")
        page.get_by_label("Naam van de passkey").first.fill("Oude laptop")
        page.get_by_role("button", name="Naam opslaan").click()
        page.get_by_text("De naam is gewijzigd.").wait_for()
        expect(page.locator('input[value="Oude laptop"]')).to_have_count(1)
        page.get_by_role("button", name="Verwijderen Oude laptop").click()
        page.get_by_text("U heeft nog geen passkey.").wait_for()
        logout(page, base)
        page.get_by_role("button", name="Inloggen met een passkey").click()
        page.get_by_text("niet (meer) bekend").wait_for()
        assert page.url == f"{base}/inloggen"
        creds = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(creds["credentials"]) == 1  # still on the device, no longer accepted
