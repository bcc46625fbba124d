"""Production refuses unsafe settings: each check_deploy branch has a failing configuration."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, check_deploy, load_config

SAFE = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql://portal@db.internal/ledenportaal",
    "TRUSTED_HOSTS": "leden.example.nl",
    "SECRETS_KEYS": "k1:" + "A" * 43,
    "ASSOCIATION_NAME": "Techniek Nederland Test",
    "ASSOCIATION_KVK": "12345678",
    "ASSOCIATION_ADDRESS": "Bredewater 20, 2715 CA Zoetermeer",
    "ASSOCIATION_SIGNATORY_NAME": "A. Bestuurder",
    "ASSOCIATION_SIGNATORY_FUNCTION": "algemeen directeur",
    "PRIVACY_CONTACT_EMAIL": "privacy@vereniging.test",
    "SUBPROCESSORS": "Host B.V.|hosting|Nederland;Mail B.V.|e-mail|Ierland (EU);Back B.V.|back-up|Duitsland",
}


def _config(tmp_path, **changes):
    env = {**SAFE, **changes}
    return load_config(str(tmp_path), {k: v for k, v in env.items() if v is not None})


def test_safe_production_settings_pass(tmp_path):
    assert check_deploy(_config(tmp_path)) == []


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"DEBUG": True}, "DEBUG is on"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY is weak"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS is not set"),
        ({"SESSION_COOKIE_SECURE": False}, "cookies are not Secure"),
        ({"MAX_CONTENT_LENGTH": None}, "no request size limit"),
        ({"SECRETS_KEYS": ""}, "SECRETS_KEYS is not set"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "production needs PostgreSQL"),
    ],
)
def test_each_unsafe_setting_is_reported(tmp_path, override, problem):
    config = {**_config(tmp_path), **override}
    assert any(problem in line for line in check_deploy(config))


@pytest.mark.parametrize(
    "env_change",
    [{"SECRET_KEY": "short"}, {"DATABASE_URL": None}],
)
def test_production_without_secret_or_database_does_not_load(tmp_path, env_change):
    with pytest.raises(ConfigError):
        _config(tmp_path, **env_change)


def test_production_app_refuses_to_start_with_unsafe_settings(tmp_path, monkeypatch):
    for key, value in SAFE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TRUSTED_HOSTS")
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        create_app()


def test_directory_and_geocoder_settings_come_from_the_environment(tmp_path):
    config = _config(
        tmp_path,
        DIRECTORY_RESULT_CACHE_SECONDS="0",
        DIRECTORY_SEARCH_RATE_LIMIT="30/minute;500/hour",
        GEOCODER_PDOK_URL="https://pdok.internal/locatieserver/free",
    )
    assert config["DIRECTORY_RESULT_CACHE_SECONDS"] == 0
    assert config["DIRECTORY_SEARCH_RATE_LIMIT"] == "30/minute;500/hour"
    assert config["GEOCODER_PDOK_URL"] == "https://pdok.internal/locatieserver/free"


def test_directory_and_geocoder_settings_have_the_documented_defaults(tmp_path):
    config = _config(tmp_path)
    assert config["DIRECTORY_RESULT_CACHE_SECONDS"] == 3600
    assert config["DIRECTORY_SEARCH_RATE_LIMIT"] == "120/minute"
    assert config["GEOCODER_PDOK_URL"] == "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"


@pytest.mark.parametrize(
    "env_change",
    [
        {"DIRECTORY_RESULT_CACHE_SECONDS": "een uur"},
        {"DIRECTORY_RESULT_CACHE_SECONDS": "-5"},
        {"DIRECTORY_SEARCH_RATE_LIMIT": "veel"},
        {"GEOCODER_PDOK_URL": "ftp://pdok.example/free"},
        {"GEOCODER_PDOK_URL": "pdok.example"},
    ],
)
def test_bad_directory_settings_refuse_to_load(tmp_path, env_change):
    with pytest.raises(ConfigError):
        _config(tmp_path, **env_change)


def test_the_app_uses_the_directory_settings(tmp_path, monkeypatch):
    """The search rate limit, fragment cache and PDOK endpoint read these keys (no hidden defaults)."""
    from portal.directory.geocoder import PdokGeocoder, geocoder_for
    from portal.extensions import db
    from tests.conftest import base_config

    for key, value in {
        "DIRECTORY_SEARCH_RATE_LIMIT": "2/minute",
        "DIRECTORY_RESULT_CACHE_SECONDS": "0",
        "GEOCODER": "pdok",
        "GEOCODER_PDOK_URL": "https://pdok.internal/free",
    }.items():
        monkeypatch.setenv(key, value)
    settings = base_config(RATELIMIT_ENABLED=True)
    for key in ("DIRECTORY_SEARCH_RATE_LIMIT", "DIRECTORY_RESULT_CACHE_SECONDS", "GEOCODER"):
        settings.pop(key, None)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        try:
            geocoder = geocoder_for(app.config, db.session)
            assert isinstance(geocoder, PdokGeocoder)
            assert geocoder.url == "https://pdok.internal/free"
            client = app.test_client()
            statuses = [client.get("/ledenzoeker/over-de-scores").status_code]
            hx = {"HX-Request": "true", "HX-Target": "directory-results"}
            statuses += [client.get("/ledenzoeker/", headers=hx).status_code for _ in range(3)]
            assert statuses == [200, 200, 200, 429]
            assert (
                db.session.execute(db.text("SELECT count(*) FROM directory_result_cache")).scalar()
                == 0
            )
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.mark.parametrize(
    "missing",
    [
        "ASSOCIATION_NAME",
        "ASSOCIATION_KVK",
        "ASSOCIATION_ADDRESS",
        "ASSOCIATION_SIGNATORY_NAME",
        "ASSOCIATION_SIGNATORY_FUNCTION",
        "PRIVACY_CONTACT_EMAIL",
        "SUBPROCESSORS",
    ],
)
def test_production_without_the_association_identity_does_not_start(tmp_path, monkeypatch, missing):
    for key, value in SAFE.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_production_identity_is_loaded_as_configured(tmp_path):
    config = _config(
        tmp_path, ASSOCIATION_DPO_NAME="F. Gegevens", ASSOCIATION_DPO_EMAIL="fg@v.test"
    )
    assert config["ASSOCIATION_KVK"] == "12345678"
    assert config["ASSOCIATION_ADDRESS"] == "Bredewater 20, 2715 CA Zoetermeer"
    assert config["ASSOCIATION_DPO_NAME"] == "F. Gegevens"
    assert config["ASSOCIATION_DEMO"] is False
    assert [s["service"] for s in config["SUBPROCESSORS"]] == ["hosting", "e-mail", "back-up"]


@pytest.mark.parametrize(
    "change",
    [
        {"ASSOCIATION_KVK": "1234"},
        {"PRIVACY_CONTACT_EMAIL": "geen-adres"},
        {"SUBPROCESSORS": "Host|x"},
    ],
)
def test_malformed_identity_is_refused(tmp_path, change):
    with pytest.raises(ConfigError):
        _config(tmp_path, **change)


def test_development_gets_marked_demo_identity(tmp_path):
    config = load_config(str(tmp_path), {})
    assert config["ASSOCIATION_DEMO"] is True
    assert config["ASSOCIATION_KVK"] == "00000000"
    assert all("(demo)" in s["name"] for s in config["SUBPROCESSORS"])
