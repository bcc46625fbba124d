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
