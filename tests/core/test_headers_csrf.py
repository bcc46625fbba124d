"""Security headers on every kind of response, CSRF on POST, error pages."""

from __future__ import annotations

import pytest

from portal.extensions import db

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


@pytest.mark.parametrize("path", ["/", "/inloggen", "/bestaat-niet", "/wachtwoord-vergeten"])
def test_security_headers(client, path):
    response = client.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    assert (
        "unsafe-inline" not in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert "Server" not in response.headers


def test_404_page_is_dutch_without_trace(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.text
    assert "Traceback" not in response.text


def test_405_page(client):
    response = client.delete("/inloggen")
    assert response.status_code == 405 and "Niet toegestaan" in response.text


def test_500_page_has_no_stack_trace(app, client):
    @app.get("/_kapot")
    def _broken():
        raise RuntimeError("geheime details")

    response = client.get("/_kapot")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.text and "geheime details" not in response.text


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1024}])
def test_413_page(client):
    response = client.post("/inloggen", data={"email": "x" * 4000})
    assert response.status_code == 413 and "te groot" in response.text


def test_json_body_on_a_form_route_is_refused_in_dutch(client):
    response = client.post("/inloggen", json={"email": ["a@example.nl", {"x": 1}], "password": 7})
    assert response.status_code == 415 and "gewone formuliergegevens" in response.text


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("GET", "/ledenzoeker/?q=null%00byte", None),
        ("GET", "/ledenzoeker/bestaat%00niet", None),
        ("POST", "/inloggen", {"email": "a\x00@example.nl", "password": "x"}),
    ],
)
def test_nul_characters_are_refused_before_the_database(client, method, url, data):
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400 and "Ongeldig verzoek" in response.text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_csrf_required_on_post_including_htmx(client, make_user, login):
    user = make_user()
    login(client, user)
    no_token = client.post("/mijn-profiel/bedrijfsgegevens", data={"city": "X"})
    assert no_token.status_code == 400 and "formulier is verlopen" in no_token.text
    wrong = client.post(
        "/mijn-profiel/bedrijfsgegevens",
        data={"city": "X"},
        headers={"HX-Request": "true", "X-CSRFToken": "wrong"},
    )
    assert wrong.status_code == 400
    assert client.post("/uitloggen").status_code == 400
    db.session.expire_all()
    assert user.company.city == "Utrecht"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_csrf_token_in_header_is_accepted(client, make_user, login):
    import re

    user = make_user()
    login(client, user)
    page = client.get("/mijn-profiel/bedrijfsgegevens")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)
    response = client.post(
        "/mijn-profiel/bedrijfsgegevens/controleer/postcode",
        data={"postcode": "1234ab"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_every_post_form_has_csrf_field(client, make_user, login):
    import re

    login(client, make_user())
    for path in ["/mijn-profiel/bedrijfsgegevens", "/mijn-profiel/collegas", "/account"]:
        html = client.get(path).text
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, path
        for body in forms:
            assert 'name="csrf_token"' in body, path
