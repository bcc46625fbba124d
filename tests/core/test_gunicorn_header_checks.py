"""gunicorn.conf.py keeps the response header pairs gunicorn accepted once (issue 19).

Same headers, lengths and errors as gunicorn's own check; a kept pair is not checked again.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.http.errors import InvalidResponseHeader, InvalidResponseHeaderName

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CHECK = gunicorn_wsgi.Response.process_headers
CSP = ("Content-Security-Policy", "default-src 'self'; object-src 'none'")

PAIR_LISTS = [
    [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "11817")],
    [CSP, ("ETag", '"abc"'), ("Vary", "HX-Request, Cookie"), ("X-Frame-Options", "DENY")],
    [("Connection", "close"), ("Server", "x"), ("Cache-Control", " max-age=60, public \t")],
    [["Referrer-Policy", "no-referrer"], ("Content-Type", "text/plain")],
    [("Content-Type", "text/plain")] * 3,
    [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Transfer-Encoding", "chunked")],
]
BAD = [
    [("Content-Type", "text/html\r\nX-Evil: 1")],
    [("Vary", "a\x00b")],
    [("Bad Name", "x")],
    [(b"Content-Type", "text/plain")],
    [("Content-Type", 5)],
    [("X-Frame-Options", "DENY"), ("X-Frame-Options", "DENY\n")],
]


class _Request:
    method = "GET"
    version = (1, 1)


@pytest.fixture
def kept(monkeypatch):
    """gunicorn.conf.py loaded; gunicorn's own Response methods come back afterwards."""
    monkeypatch.setattr(gunicorn_wsgi.Response, "process_headers", GUNICORN_CHECK)
    monkeypatch.setattr(
        gunicorn_wsgi.Response, "default_headers", gunicorn_wsgi.Response.default_headers
    )
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return gunicorn_wsgi.Response.process_headers


def _outcome(check, pairs):
    response = gunicorn_wsgi.Response(_Request(), None, Config())
    try:
        check(response, pairs)
    except (TypeError, ValueError, InvalidResponseHeader, InvalidResponseHeaderName) as error:
        return type(error), str(error), response.headers
    return response.headers, response.response_length, response.upgrade


def test_same_outcome_as_gunicorn_twice(kept):
    """Every list twice (the second time from the kept pairs): what gunicorn itself gives."""
    for pairs in PAIR_LISTS + BAD + PAIR_LISTS + BAD:
        assert _outcome(kept, pairs) == _outcome(GUNICORN_CHECK, pairs), pairs


def test_kept_pair_not_checked_again(kept, monkeypatch):
    """The CSP pair is checked on the first answer only; the per-answer ETag every time."""
    assert kept is not GUNICORN_CHECK
    checked = []
    value_check = gunicorn_wsgi.HEADER_VALUE_RE

    class Counting:
        @staticmethod
        def fullmatch(value):
            checked.append(value)
            return value_check.fullmatch(value)

    monkeypatch.setattr(gunicorn_wsgi, "HEADER_VALUE_RE", Counting)
    for etag in ('"one"', '"two"', '"three"'):
        _outcome(kept, [CSP, ("ETag", etag)])
    assert checked == [CSP[1], '"one"', '"two"', '"three"']
