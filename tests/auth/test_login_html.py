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
