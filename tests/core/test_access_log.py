"""The access log of gunicorn as `make run` starts it never holds an e-mailed token (issue 14)."""

from __future__ import annotations

import secrets

import pytest

from portal.core.accesslog import mask
from tests.core.test_gunicorn_server_header import _get, start_gunicorn, stop


def test_mask_covers_paths_queries_and_referrers():
    token = secrets.token_urlsafe(32)
    line = (
        f'"GET /wachtwoord-herstellen/{token} HTTP/1.1" 200 "http://x/activeren/{token}?a=1" '
        f"/iets?token={token}&b=2"
    )
    masked = mask(line)
    assert token not in masked
    assert "/wachtwoord-herstellen/[verborgen]" in masked and "/activeren/[verborgen]?a=1" in masked
    assert "token=[verborgen]&b=2" in masked
    assert mask("GET /ledenzoeker?q=activeren HTTP/1.1") == "GET /ledenzoeker?q=activeren HTTP/1.1"
    status = mask(f"GET /klacht-volgen/{token} HTTP/1.1")
    assert token not in status and "/klacht-volgen/[verborgen]" in status


@pytest.mark.own_database  # a file SQLite under tmp_path (tests/halves.py)
def test_gunicorn_access_log_masks_reset_and_activation_tokens(tmp_path):
    log = tmp_path / "access.log"
    port, server = start_gunicorn(tmp_path, workers=1, access_log=log)
    token = secrets.token_urlsafe(32)
    try:
        for path in (f"/wachtwoord-herstellen/{token}", f"/activeren/{token}"):
            assert _get(port, path).status == 404  # unknown token: the "link werkt niet" page
    finally:
        stop(server)  # a worker writes its access line after the response; it exits after that
    text = log.read_text()
    assert "/wachtwoord-herstellen/[verborgen]" in text and "/activeren/[verborgen]" in text
    assert token not in text


def test_token_pages_send_no_referrer_and_are_never_stored(client, make_user):
    from portal.auth import tokens
    from portal.auth.models import TokenPurpose
    from portal.extensions import db

    user = make_user()
    raw = tokens.issue(user, TokenPurpose.RESET)
    db.session.commit()
    for path in (f"/wachtwoord-herstellen/{raw}", "/wachtwoord-herstellen/ongeldig-token-xyz"):
        response = client.get(path)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/inloggen").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
