"""The privacy statement names the processor agreement with each processor and sub-processor the
configuration lists (hosting, mail, back-up, the three review platforms), in Dutch and English;
it used to name only the one with Klantenvertellen."""

from __future__ import annotations

import html

import pytest

from portal.core import association


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(
        app.config,
        "SUBPROCESSORS",
        [
            {"name": "Host B.V.", "service": "hosting", "location": "Nederland (EU)"},
            {"name": "Mail B.V.", "service": "e-mail", "location": "Ierland (EU)"},
        ],
    )


def _names(app) -> list[str]:
    with app.app_context():
        return [item["name"] for item in association.subprocessors()]


def test_statement_names_an_agreement_for_each_processor_in_dutch(app, client, configured):
    names = _names(app)
    assert names == ["Host B.V.", "Mail B.V.", "Klantenvertellen", "Kiyoh", "Feedback Company"]
    page = html.unescape(client.get("/privacy").text)
    us = app.config["ASSOCIATION_NAME"]
    for name in names:
        assert f"verwerkersovereenkomst tussen {us} en {name}" in page, name
    assert "heeft een verwerkersovereenkomst met Klantenvertellen." not in page
    assert "met elk van deze platforms een verwerkersovereenkomst" in page


def test_statement_names_them_in_english(app, client, configured):
    page = html.unescape(client.get("/privacy?lang=en").text)
    us = app.config["ASSOCIATION_NAME"]
    for name in _names(app):
        assert f"data processing agreement between {us} and {name}" in page, name
    assert "with each of these platforms" in page
    assert "verwerkersovereenkomst" not in page.lower()


def test_error_tracking_is_named_with_its_agreement(app, client, configured, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", "https://key@errors.example/1")
    us = app.config["ASSOCIATION_NAME"]
    page = html.unescape(client.get("/privacy").text)
    assert "Onze dienst voor foutmeldingen" in page
    assert f"verwerkersovereenkomst tussen {us} en Sentry" in page
    english = html.unescape(client.get("/privacy?lang=en").text)
    assert f"data processing agreement between {us} and Sentry" in english
