"""Sentry error tracking: the scrubber removes e-mail addresses, tokens, form bodies, cookies and
local variables; a real client sends a scrubbed event with release and environment to a local
collector (in a subprocess: the Sentry client is process-wide)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.ops.tracking import scrub_breadcrumb, scrub_event
from tests.conftest import ROOT

TOKEN = "Zk3p9QwErTy-uIoP1aSdFgH2jKl"


def event_with_personal_data() -> dict:
    return {
        "message": "reset failed for jan.jansen@bedrijf.example",
        "request": {
            "url": f"https://leden.example.org/wachtwoord-herstellen/{TOKEN}?token={TOKEN}",
            "method": "POST",
            "query_string": f"token={TOKEN}",
            "data": {"email": "jan.jansen@bedrijf.example", "password": "Geheim-wachtwoord-1"},
            "cookies": {"__Host-session": "sessie-cookie-waarde"},
            "headers": {
                "Authorization": f"Bearer {TOKEN}",
                "Cookie": "a=b",
                "X-CSRFToken": "csrf-waarde",
                "User-Agent": "Firefox",
                "Referer": f"https://leden.example.org/activeren/{TOKEN}",
            },
            "env": {"REMOTE_ADDR": "192.0.2.7"},
        },
        "user": {"id": "42", "email": "jan.jansen@bedrijf.example", "ip_address": "192.0.2.7"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "client_secret=supergeheim voor piet@example.nl",
                    "stacktrace": {
                        "frames": [{"function": "send", "vars": {"password": "x", "to": "a@b.nl"}}]
                    },
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "mail to klaas@example.nl", "category": "log"}]},
        "extra": {"nested": [{"note": f"GET /activeren/{TOKEN}"}]},
        "release": "abc123",
        "environment": "production",
    }


def test_scrubber_removes_personal_data_and_secrets():
    scrubbed = scrub_event(event_with_personal_data(), {})
    text = json.dumps(scrubbed)
    for secret in (
        TOKEN,
        "jan.jansen",
        "piet@",
        "klaas@",
        "Geheim-wachtwoord",
        "supergeheim",
        "sessie-cookie",
        "csrf-waarde",
        "192.0.2.7",
        "a@b.nl",
    ):
        assert secret not in text, secret
    request = scrubbed["request"]
    assert set(request) == {"url", "method", "headers"}
    assert request["headers"] == {"User-Agent": "Firefox"}
    assert request["url"] == "https://leden.example.org/wachtwoord-herstellen/[verborgen]"
    assert scrubbed["user"] == {"id": "42"}
    assert "vars" not in scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert scrubbed["exception"]["values"][0]["value"] == "client_secret=[redacted] voor [e-mail]"
    assert (scrubbed["release"], scrubbed["environment"]) == ("abc123", "production")


def test_breadcrumbs_are_scrubbed():
    crumb = scrub_breadcrumb({"message": f"token={TOKEN} to a@b.nl", "data": {"url": "/x"}}, {})
    assert crumb == {"message": "token=[redacted] to [e-mail]", "data": {"url": "/x"}}


class _Collector(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # sentry-sdk prefers brotli when the package is installed
            import brotli

            body = brotli.decompress(body)
        self.bodies.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


CHILD = """
import sentry_sdk
from portal import create_app
app = create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s" * 40,
                  "SENTRY_DSN": DSN, "SENTRY_RELEASE": "ledenportaal@test-1",
                  "SENTRY_ENVIRONMENT": "staging", "WTF_CSRF_ENABLED": False,
                  "SENTRY_SUBPROCESSOR": "Sentry Test|foutmeldingen|Duitsland (EU)",
                  "RATELIMIT_ENABLED": False})

@app.post("/boem")
def boom():
    raise RuntimeError("mislukt voor jan.jansen@bedrijf.example")

response = app.test_client().post("/boem", data={"email": "jan.jansen@bedrijf.example",
                                                 "wachtwoord": "Geheim-wachtwoord-1"})
assert response.status_code == 500, response.status_code
sentry_sdk.flush(10)
"""


@pytest.mark.own_database  # the child's app is on in-memory SQLite (tests/halves.py)
def test_a_real_error_reaches_sentry_scrubbed_with_release_and_environment():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Collector.bodies = []
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/1"
    try:
        result = subprocess.run(
            [sys.executable, "-c", f"DSN = {dsn!r}\n" + CHILD],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PORTAL_ENV": "development"},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-2000:]
    sent = b"\n".join(_Collector.bodies).decode()
    assert "RuntimeError" in sent and "mislukt voor [e-mail]" in sent
    assert '"release":"ledenportaal@test-1"' in sent.replace(" ", "")
    assert '"environment":"staging"' in sent.replace(" ", "")
    for secret in ("jan.jansen", "Geheim-wachtwoord"):
        assert secret not in sent
