"""Cheaper response hooks with the same headers: Flask's `ensure_sync` asks once per plain
function (portal/core/sync_hooks.py), the security headers are added without a scan per header,
and Vary gets a name appended as werkzeug writes it (`i18n.add_vary`)."""

from __future__ import annotations

import asyncio

import flask.app
import pytest
from flask import Response, g

from portal.core import i18n
from portal.core.security import CSP


def test_ensure_sync_asks_once_per_plain_function(app, client, monkeypatch):
    asked: list[object] = []
    real = flask.app.iscoroutinefunction

    def counting(func):
        asked.append(func)
        return real(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)
    for _ in range(3):
        assert client.get("/ledenzoeker/over-de-scores").status_code == 200
    plain = [f for f in asked if type(f).__name__ == "function"]
    assert plain and len(plain) == len(set(plain))  # each plain function asked once


def test_coroutine_functions_are_still_wrapped(app, monkeypatch):
    async def later():
        await asyncio.sleep(0)
        return "klaar"

    def now():
        return "nu"

    def wrap(func):  # Flask's async_to_sync needs asgiref, which the portal does not install
        return lambda *args, **kwargs: asyncio.run(func(*args, **kwargs))

    monkeypatch.setattr(app, "async_to_sync", wrap)
    wrappers = []
    for _ in range(2):
        assert app.ensure_sync(now) is now
        wrappers.append(app.ensure_sync(later))
        assert wrappers[-1] is not later and wrappers[-1]() == "klaar"
    assert wrappers[0] is not wrappers[1]  # asked (and wrapped) each time, as Flask does


def _old_security_headers(response: Response, referrer: str) -> list[tuple[str, str]]:
    """What the hook wrote before: setdefault, four sets, two pops (werkzeug's semantics)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = referrer
    headers.pop("Server", None)
    headers.pop("X-Powered-By", None)
    return list(headers.items())


PRESET = [
    [],
    [("Vary", "HX-Request")],
    [("content-security-policy", "default-src 'none'"), ("X-Frame-Options", "SAMEORIGIN")],
    [("Server", "x"), ("x-frame-options", "A"), ("X-Frame-Options", "B"), ("X-Powered-By", "y")],
    [("Referrer-Policy", "no-referrer"), ("Strict-Transport-Security", "max-age=1"), ("A", "b")],
]


@pytest.mark.parametrize("preset", PRESET)
@pytest.mark.parametrize("referrer", [None, "no-referrer"])
def test_security_headers_are_what_the_old_hook_wrote(app, preset, referrer):
    with app.test_request_context("/"):
        if referrer:
            g.referrer_policy = referrer
        expected = _old_security_headers(
            Response("x", headers=preset), referrer or "strict-origin-when-cross-origin"
        )
        response = app.process_response(Response("x", headers=preset))
        written = [h for h in response.headers.items() if h[0] not in ("Vary", "ETag")]
        assert written == [h for h in expected if h[0] not in ("Vary", "ETag")]


@pytest.mark.parametrize(
    "vary",
    [
        None,
        "HX-Request, HX-Target",
        "Cookie",
        "accept-language",
        "HX-Request, Accept-Language",
        "HX-Request,HX-Target",
        "HX-Request,  Cookie",
        '"odd", Cookie',
        "",
        "*",
    ],
)
def test_add_vary_writes_what_werkzeug_writes(vary, app):
    with app.test_request_context("/"):
        ours = Response("x", headers={"Vary": vary} if vary is not None else {})
        theirs = Response("x", headers={"Vary": vary} if vary is not None else {})
        i18n.add_vary(ours, "Accept-Language")
        theirs.vary.add("Accept-Language")
        assert list(ours.headers.items()) == list(theirs.headers.items())
