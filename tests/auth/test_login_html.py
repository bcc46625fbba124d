"""The login page is valid HTML as far as ids go: its forms (SSO, passkey, password) each carry
a CSRF token, and no id appears twice."""

from __future__ import annotations

import re
from collections import Counter


def duplicate_ids(html: str) -> list[str]:
    ids = re.findall(r'\sid="([^"]+)"', html)
    return [i for i, n in Counter(ids).items() if n > 1]


def test_login_page_has_unique_ids(app, client):
    app.config.update(WTF_CSRF_ENABLED=True)
    html = client.get("/inloggen").text
    tokens = re.findall(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert len(tokens) >= 2  # the passkey and the password form, each with its token
    assert duplicate_ids(html) == []


def test_the_token_still_protects_the_form(app, client, make_user):
    app.config.update(WTF_CSRF_ENABLED=True)
    user = make_user()
    page = client.get("/inloggen").text
    token = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    refused = client.post("/inloggen", data={"email": user.email, "password": "wrong-password"})
    assert refused.status_code == 400
    accepted = client.post(
        "/inloggen", data={"email": user.email, "password": "wrong-password", "csrf_token": token}
    )
    assert accepted.status_code != 400


def test_account_page_with_two_step_on_has_unique_ids(client, make_user, login):
    # The 2FA-off form and the change-password form both rendered id="password".
    import pyotp

    from portal.auth import mfa
    from portal.extensions import db

    user = make_user()
    login(client, user)
    mfa.enable(user, pyotp.random_base32())
    db.session.commit()
    html = client.get("/account").text
    assert "mfa-off-password" in html
    assert duplicate_ids(html) == []
