"""Single sign-on settings come from the environment only, and production wants https."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, check_deploy, load_config


def test_sso_is_off_by_default(tmp_path):
    config = load_config(str(tmp_path), {})
    assert config["OIDC_ISSUER"] == "" and config["STAFF_PASSWORD_LOGIN"] is True
    assert config["OIDC_FOR"] == "staff" and config["OIDC_SCOPES"] == "openid email profile"


def test_settings_are_read_from_the_environment(tmp_path):
    config = load_config(
        str(tmp_path),
        {
            "OIDC_ISSUER": "https://login.vereniging.example/realms/leden",
            "OIDC_CLIENT_ID": "ledenportaal",
            "OIDC_CLIENT_SECRET": "s3cret",
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_STAFF_GROUPS": "medewerkers, bureau",
            "OIDC_ADMIN_GROUPS": "beheerders",
            "OIDC_ALLOWED_DOMAINS": "Vereniging.example",
            "OIDC_FOR": "Both",
            "STAFF_PASSWORD_LOGIN": "false",
        },
    )
    assert config["OIDC_STAFF_GROUPS"] == ["medewerkers", "bureau"]
    assert config["OIDC_ADMIN_GROUPS"] == ["beheerders"]
    assert config["OIDC_ALLOWED_DOMAINS"] == ["vereniging.example"]
    assert config["OIDC_FOR"] == "both" and config["STAFF_PASSWORD_LOGIN"] is False
    assert config["OIDC_SCOPES"] == "openid email profile groups"


@pytest.mark.parametrize(
    "env",
    [
        {"OIDC_ISSUER": "https://login.example"},  # no client id
        {"OIDC_ISSUER": "login.example", "OIDC_CLIENT_ID": "x"},
        {"OIDC_ISSUER": "https://login.example", "OIDC_CLIENT_ID": "x", "OIDC_FOR": "everyone"},
    ],
)
def test_incomplete_settings_refuse_to_load(tmp_path, env):
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), env)


def test_production_refuses_a_plain_http_issuer(tmp_path):
    config = load_config(
        str(tmp_path), {"OIDC_ISSUER": "http://login.example", "OIDC_CLIENT_ID": "x"}
    )
    assert "OIDC_ISSUER must use https" in check_deploy(config)
    config["OIDC_ISSUER"] = "https://login.example"
    assert "OIDC_ISSUER must use https" not in check_deploy(config)
