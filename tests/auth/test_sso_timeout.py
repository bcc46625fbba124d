"""The IdP calls' timeout is a setting (OIDC_CONNECT_TIMEOUT, OIDC_READ_TIMEOUT), checked at
start-up and handed to the OpenID Connect client (was a constant in portal/auth/oidc.py)."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, load_config
from tests.conftest import base_config

SSO = {"OIDC_ISSUER": "https://login.example", "OIDC_CLIENT_ID": "ledenportaal"}


def test_defaults_and_values_from_the_environment(tmp_path):
    config = load_config(str(tmp_path), {})
    assert (config["OIDC_CONNECT_TIMEOUT"], config["OIDC_READ_TIMEOUT"]) == (3.05, 10.0)
    config = load_config(
        str(tmp_path), {"OIDC_CONNECT_TIMEOUT": "2", "OIDC_READ_TIMEOUT": "7.5", **SSO}
    )
    assert (config["OIDC_CONNECT_TIMEOUT"], config["OIDC_READ_TIMEOUT"]) == (2.0, 7.5)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "31"])
@pytest.mark.parametrize("name", ["OIDC_CONNECT_TIMEOUT", "OIDC_READ_TIMEOUT"])
def test_a_bad_timeout_refuses_to_start(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path), {name: value, **SSO})


def test_together_they_stay_under_the_worker_timeout(tmp_path):
    env = {"OIDC_CONNECT_TIMEOUT": "10", "OIDC_READ_TIMEOUT": "25", **SSO}
    with pytest.raises(ConfigError, match="together"):
        load_config(str(tmp_path), env)


def test_the_client_uses_the_configured_timeout():
    app = create_app(base_config(**SSO, OIDC_CONNECT_TIMEOUT=1.5, OIDC_READ_TIMEOUT=4.0))
    assert app.extensions["portal.oidc"].client_kwargs["default_timeout"] == (1.5, 4.0)
