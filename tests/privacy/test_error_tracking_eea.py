"""Error tracking with an undeclared destination (outside review): production refuses to start
with SENTRY_DSN set but SENTRY_SUBPROCESSOR empty, and sends nothing meanwhile (`flask doctor`
loads such a configuration); the privacy statement (Dutch and English) and the processing
register say "no transfer outside the EEA" only while every configured sub-processor's location
is declared inside it, and otherwise name the ones that are not."""

from __future__ import annotations

import html

import pytest

from portal import create_app
from portal.config import ConfigError
from portal.core import association
from tests.conftest import base_config

DSN = "https://key@o1.ingest.us.sentry.io/42"
NO_TRANSFER_NL = "Wij geven geen persoonsgegevens door naar landen buiten de Europese Economische"
NO_TRANSFER_EN = "outside the European Economic Area"


def test_production_refuses_to_start_with_a_dsn_but_no_declared_service():
    config = base_config(PORTAL_ENV="production", TESTING=False, SENTRY_DSN=DSN)
    with pytest.raises(ConfigError, match="Refusing to start in production") as refused:
        create_app(config)
    assert "SENTRY_DSN is set but SENTRY_SUBPROCESSOR is empty" in str(refused.value)


def test_no_event_leaves_for_an_undeclared_service_in_production(app, monkeypatch):
    import sentry_sdk

    from portal.ops import tracking

    started = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: started.append(kwargs))
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", None)
    tracking.init_app(app)
    assert started == []
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", {"name": "S", "service": "f", "location": "Duitsland (EU)"})  # fmt: skip
    tracking.init_app(app)
    assert len(started) == 1


@pytest.mark.parametrize(
    ("location", "inside"),
    [
        ("Duitsland (EU)", True),
        ("Ierland (EER)", True),
        ("Noorwegen", True),
        ("Germany", True),
        ("o1.ingest.us.sentry.io", False),
        ("Verenigde Staten", False),
        ("Duitsland en Verenigde Staten", False),
    ],
)
def test_a_location_is_inside_the_eea_only_when_declared_so(location, inside):
    assert association.in_eea(location) is inside


def _statement(client, lang: str = "") -> str:
    return html.unescape(client.get("/privacy" + (f"?lang={lang}" if lang else "")).text)


def test_the_statement_names_a_transfer_instead_of_denying_it(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(
        app.config,
        "SENTRY_SUBPROCESSOR",
        {"name": "Functional Software Inc.", "service": "foutmeldingen", "location": "Verenigde Staten"},
    )  # fmt: skip
    dutch, english = _statement(client), _statement(client, "en")
    assert NO_TRANSFER_NL not in dutch
    assert "buiten de Europese Economische Ruimte terechtkomen bij deze dienstverleners" in dutch
    assert "Functional Software Inc.." in dutch  # the list ends the sentence
    assert "may end up outside the European Economic Area with these service providers" in english
    assert "Functional Software Inc.." in english
    # Without SENTRY_SUBPROCESSOR (development) the DSN host is all that is known: not the EEA.
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", None)
    assert "terechtkomen bij deze dienstverleners, waarvan" in _statement(client)
    assert NO_TRANSFER_NL not in _statement(client)


def test_the_statement_denies_a_transfer_while_every_location_is_in_the_eea(
    app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(
        app.config,
        "SENTRY_SUBPROCESSOR",
        {"name": "Functional Software GmbH", "service": "foutmeldingen", "location": "Duitsland (EU)"},
    )  # fmt: skip
    assert NO_TRANSFER_NL in _statement(client)
    assert "We do not transfer personal data to countries outside the European Economic Area" in (
        _statement(client, "en")
    )


def test_the_processing_register_follows_the_configuration(
    app, client, login, make_user, monkeypatch
):
    login(client, make_user(role="admin"))
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", None)
    page = html.unescape(client.get("/beheer/privacy/verwerkingsregister").text)
    assert "Doorgifte buiten de Europese Economische Ruimte: mogelijk bij Sentry" in page
    monkeypatch.setitem(app.config, "SENTRY_DSN", "")
    page = html.unescape(client.get("/beheer/privacy/verwerkingsregister").text)
    assert "Doorgifte buiten de Europese Economische Ruimte: geen" in page
