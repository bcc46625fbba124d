"""Error pages: boosted htmx requests get the whole Dutch page, 429 says how long to wait."""

from __future__ import annotations

import re

import pytest
from flask import abort
from werkzeug.exceptions import TooManyRequests

from portal.core.errors import wait_phrase
from tests.conftest import PASSWORD

BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
REGION = {"HX-Request": "true", "HX-Target": "directory-results"}


def test_boosted_request_gets_the_whole_error_page(client):
    response = client.get("/bestaat-niet", headers=BOOSTED)
    assert response.status_code == 404
    assert "<html" in response.text and "<h1>Pagina niet gevonden</h1>" in response.text


def test_region_swap_gets_only_the_message(client):
    response = client.get("/bestaat-niet", headers=REGION)
    assert response.status_code == 404 and "<html" not in response.text
    assert 'class="error-message" role="alert"' in response.text
    assert "Deze pagina bestaat niet (meer)." in response.text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_boosted_form_with_stale_token_gets_the_dutch_page(client):
    response = client.post(
        "/inloggen", data={"email": "a@b.example", "password": "x", "csrf_token": "oud"},
        headers=BOOSTED,
    )  # fmt: skip
    assert response.status_code == 400 and "<html" in response.text
    assert "Het formulier is verlopen of ongeldig." in response.text


@pytest.mark.parametrize(
    ("seconds", "phrase"),
    [(1, "1 seconde"), (45, "45 seconden"), (60, "1 minuut"), (89, "1 minuut"),
     (100, "2 minuten"), (3500, "58 minuten"), (3599, "1 uur"), (7200, "2 uur")],
)  # fmt: skip
def test_wait_phrase(app, seconds, phrase):
    with app.test_request_context():
        assert wait_phrase(seconds) == phrase


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_rate_limited_login_says_how_long_to_wait(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/inloggen", data={"email": user.email, "password": PASSWORD + "x"})
    response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    match = re.search(r"Probeer het over ongeveer (\d+) (seconden?|minuut)", response.text)
    assert match, response.text
    fragment = client.post("/inloggen", data={"email": user.email}, headers=REGION)
    assert fragment.status_code == 429 and "<html" not in fragment.text
    assert "Probeer het over ongeveer" in fragment.text


def _busy():
    raise TooManyRequests(retry_after=7200)


def test_known_retry_after_is_shown_and_sent(app, client):
    app.add_url_rule("/test-druk", "test_busy", _busy)
    response = client.get("/test-druk")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7200"
    assert "Probeer het over ongeveer 2 uur opnieuw." in response.text


def test_unknown_wait_keeps_the_general_message(app, client):
    app.add_url_rule("/test-druk", "test_busy", lambda: abort(429))
    response = client.get("/test-druk")
    assert response.status_code == 429 and "Retry-After" not in response.headers
    assert "Wacht even en probeer het daarna opnieuw." in response.text
