"""Error tracking is a sub-processor exactly while SENTRY_DSN is set: annex SUB of the agreement,
the privacy statement's list (Dutch and English) and the processing register name it then, and
only then. SENTRY_SUBPROCESSOR names it; without it the annex says Sentry at the DSN's host."""

from __future__ import annotations

import html

import pytest

from portal.agreements import document
from portal.config import ConfigError, deploy_problems, load_config
from portal.config.legal import error_tracking
from portal.core import association

DSN = "https://key@o1.ingest.de.sentry.io/42"
NAMED = {
    "name": "Functional Software GmbH",
    "service": "foutmeldingen",
    "location": "Duitsland (EU)",
}


@pytest.fixture
def tracked(app, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", dict(NAMED))


def _names(app) -> list[str]:
    with app.app_context():
        return [item["name"] for item in association.subprocessors()]


def test_not_listed_without_a_dsn(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", "")
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", dict(NAMED))  # named, but not in use
    assert NAMED["name"] not in _names(app)
    assert "Sentry" not in _names(app)
    assert NAMED["name"] not in client.get("/privacy").text
    assert "foutmeldingen" not in client.get("/privacy").text


def test_annex_lists_it_before_the_platforms_while_configured(app, tracked):
    names = _names(app)
    assert NAMED["name"] in names
    assert names.index(NAMED["name"]) < names.index("Klantenvertellen")
    with app.app_context():
        annex = document.live_context()["subprocessors"]
    assert NAMED in annex


def test_statement_names_it_with_its_agreement_in_dutch_and_english(app, client, tracked):
    us = app.config["ASSOCIATION_NAME"]
    dutch = html.unescape(client.get("/privacy").text)
    assert "Functional Software GmbH: foutmeldingen (Duitsland (EU))" in dutch
    assert f"verwerkersovereenkomst tussen {us} en Functional Software GmbH" in dutch
    english = html.unescape(client.get("/privacy?lang=en").text)
    assert "Functional Software GmbH: error tracking (Germany (EU))" in english
    assert f"data processing agreement between {us} and Functional Software GmbH" in english


def test_processing_register_lists_it(app, client, login, make_user, tracked):
    login(client, make_user(role="admin"))
    page = html.unescape(client.get("/beheer/privacy/verwerkingsregister").text)
    assert "Functional Software GmbH: foutmeldingen (Duitsland (EU))" in page


def test_without_a_name_the_annex_says_sentry_at_the_dsn_host(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", None)
    with app.app_context():
        listed = association.subprocessors()
    assert {"name": "Sentry", "service": "foutmeldingen", "location": "o1.ingest.de.sentry.io"} in (
        listed
    )
    assert "key" not in str(listed)  # the DSN's secret part is never shown
    problems = deploy_problems({**app.config, "PORTAL_ENV": "production"})
    refusal = [p for p in problems if p.setting == "SENTRY_SUBPROCESSOR"]
    assert refusal and refusal[0].fatal  # production does not start like this (below)


def test_the_setting_is_read_like_a_subprocessors_entry(tmp_path):
    parsed = error_tracking(
        {"SENTRY_SUBPROCESSOR": "Err B.V.|foutmeldingen|Ierland (EU)|error tracking|Ireland (EU)"}
    )
    assert parsed == {
        "name": "Err B.V.", "service": "foutmeldingen", "location": "Ierland (EU)",
        "service_en": "error tracking", "location_en": "Ireland (EU)",
    }  # fmt: skip
    assert error_tracking({}) is None
    with pytest.raises(ConfigError, match=r"^SENTRY_SUBPROCESSOR"):
        error_tracking({"SENTRY_SUBPROCESSOR": "Err B.V.|foutmeldingen"})
    config = load_config(str(tmp_path), {"SENTRY_DSN": DSN, "SENTRY_SUBPROCESSOR": "A|b|c"})
    assert config["SENTRY_SUBPROCESSOR"] == {"name": "A", "service": "b", "location": "c"}
