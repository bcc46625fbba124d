"""Real OpenID Connect providers on loopback for the SSO tests: oidc-provider-mock and ours."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]
# The tests' own calls to a provider process: a bound on a hang, not an expectation (a fresh
# Flask process on the loaded CI machine can take seconds to answer).
CALL_TIMEOUT = 60


@contextmanager
def idp_process(args: list[str], port: int):
    """Start a provider process and wait until its discovery document answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    # A minute, not 200 tries of 50 ms: on a loaded machine a fresh Python process takes more
    # than ten seconds to import Flask and listen, and its first answer may be slow too.
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if requests.get(f"{url}/.well-known/openid-configuration", timeout=10).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"IdP process {args[0]} exited early")
            if time.monotonic() > deadline:
                raise RuntimeError(f"IdP process {args[0]} did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def mock_idp():
    """oidc-provider-mock (PyPI, pinned) on a free port; yields its issuer URL."""
    port = free_port()
    with idp_process(["oidc_provider_mock", "--port", str(port)], port) as url:
        yield url


@contextmanager
def forging_idp():
    """tests/auth/forging_idp.py on a free port; yields its issuer URL."""
    port = free_port()
    with idp_process(["tests.auth.forging_idp", "--port", str(port)], port) as url:
        yield url


def put_user(issuer: str, sub: str, **claims) -> None:
    """Create or replace a user (and its claims) at oidc-provider-mock."""
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=CALL_TIMEOUT)
    assert response.status_code == 204, response.text


def set_mode(issuer: str, mode: str, **claims) -> None:
    """Choose what the forging IdP's next ID token looks like."""
    response = requests.put(
        f"{issuer}/mode", json={"mode": mode, "claims": claims}, timeout=CALL_TIMEOUT
    )
    assert response.status_code == 204, response.text


def local_path(url: str) -> str:
    """Path and query of a portal URL, for the Flask test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start(client, **form):
    """Press the SSO button; returns the IdP authorization URL."""
    response = client.post("/inloggen/sso", data=form)
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]


def authorize_at_mock(authorize_url: str, sub: str | None, *, deny: bool = False) -> str:
    """Log in at oidc-provider-mock's form as `sub` (or deny); returns the callback URL."""
    data = {"action": "deny"} if deny else {"sub": sub}
    response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=CALL_TIMEOUT)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def authorize_at_forger(authorize_url: str) -> str:
    response = requests.get(authorize_url, allow_redirects=False, timeout=CALL_TIMEOUT)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]
