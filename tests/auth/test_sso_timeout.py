"""The IdP calls' timeout is a setting (OIDC_CONNECT_TIMEOUT, OIDC_READ_TIMEOUT), checked at
start-up and handed to the OpenID Connect client (was a constant in portal/auth/oidc.py). A first
login makes up to three IdP calls in one request: together they stay within the login deadline,
under gunicorn's worker timeout (the deploy files' --timeout), and the calls of one login request
share that deadline (portal/auth/oidc_deadline.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from portal import ROOT, create_app
from portal.auth import oidc_deadline
from portal.config import ConfigError, load_config, sections
from tests.conftest import base_config

SSO = {"OIDC_ISSUER": "https://login.example", "OIDC_CLIENT_ID": "ledenportaal"}


def test_defaults_and_values_from_the_environment(tmp_path):
    config = load_config(str(tmp_path), {})
    assert (config["OIDC_CONNECT_TIMEOUT"], config["OIDC_READ_TIMEOUT"]) == (3.05, 10.0)
    config = load_config(
        str(tmp_path), {"OIDC_CONNECT_TIMEOUT": "2", "OIDC_READ_TIMEOUT": "7.5", **SSO}
    )
    assert (config["OIDC_CONNECT_TIMEOUT"], config["OIDC_READ_TIMEOUT"]) == (2.0, 7.5)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "31", "46"])
@pytest.mark.parametrize("name", ["OIDC_CONNECT_TIMEOUT", "OIDC_READ_TIMEOUT"])
def test_a_bad_timeout_refuses_to_start(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path), {name: value, **SSO})


@pytest.mark.parametrize(("connect", "read"), [("10", "25"), ("5", "11"), ("0.5", "14.6")])
def test_three_calls_together_stay_within_the_login_deadline(tmp_path, connect, read):
    # 5 + 11 passed the old check (one call, at most 30 s), yet three such calls take 48 s.
    env = {"OIDC_CONNECT_TIMEOUT": connect, "OIDC_READ_TIMEOUT": read, **SSO}
    with pytest.raises(ConfigError, match="together must be 15 seconds or less"):
        load_config(str(tmp_path), env)


def test_the_largest_allowed_timeouts_start(tmp_path):
    env = {"OIDC_CONNECT_TIMEOUT": "5", "OIDC_READ_TIMEOUT": "10", **SSO}
    assert load_config(str(tmp_path), env)["OIDC_READ_TIMEOUT"] == 10.0


def test_the_login_deadline_is_under_the_deployed_worker_timeout():
    service = (Path(ROOT) / "deploy/systemd/ledenportaal.service").read_text(encoding="utf-8")
    deployed = re.findall(r"--timeout (\d+)", service)
    assert deployed == [str(sections.WORKER_TIMEOUT)]
    assert sections.IDP_CALLS == 3  # discovery, token, signing keys
    assert sections.LOGIN_DEADLINE < sections.WORKER_TIMEOUT


def test_the_client_uses_the_configured_timeout():
    app = create_app(base_config(**SSO, OIDC_CONNECT_TIMEOUT=1.5, OIDC_READ_TIMEOUT=4.0))
    assert app.extensions["portal.oidc"].client_kwargs["default_timeout"] == (1.5, 4.0)
    assert app.extensions["portal.oidc"].client_cls is oidc_deadline.DeadlineSession


def test_each_call_gets_at_most_the_time_left(app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(oidc_deadline.time, "monotonic", lambda: clock[0])
    with app.app_context():
        assert oidc_deadline.call_timeout((3.05, 10.0)) == (3.05, 10.0)  # outside a login
        with oidc_deadline.login_deadline(45):
            assert oidc_deadline.call_timeout((3.05, 10.0)) == (3.05, 10.0)
            clock[0] += 40  # a slow discovery and token call
            assert oidc_deadline.call_timeout((3.05, 10.0)) == (3.05, 5.0)
            clock[0] += 4
            assert oidc_deadline.call_timeout((3.05, 10.0)) == (1.0, 1.0)
            clock[0] += 1
            with pytest.raises(requests.Timeout):
                oidc_deadline.call_timeout((3.05, 10.0))
        assert oidc_deadline.call_timeout((3.05, 10.0)) == (3.05, 10.0)
