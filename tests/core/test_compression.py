"""Responses are compressed with brotli or gzip; signed-in pages are not (BREACH)."""

from __future__ import annotations

import gzip

import brotli
import pytest

from portal import create_app
from tests.conftest import base_config


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("br, gzip", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_public_html_css_and_js_are_compressed(client, accept, encoding, decode):
    plain = client.get("/ledenzoeker/over-de-scores")
    for path in ("/ledenzoeker/over-de-scores", "/static/portal.css", "/static/directory.js"):
        response = client.get(path, headers={"Accept-Encoding": accept})
        assert response.status_code == 200, path
        assert response.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in response.headers["Vary"], path
        if path.endswith("scores"):
            assert decode(response.get_data()).decode() == plain.text
    assert "Content-Encoding" not in plain.headers  # a client that asks for nothing


def test_streamed_export_is_compressed(client):
    response = client.get("/ledenzoeker/export.json", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.get_data()).startswith(b"{")


def test_signed_in_pages_are_not_compressed(client, make_user, login):
    login(client, make_user())
    response = client.get("/mijn-profiel/", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    css = client.get("/static/portal.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"  # static files hold no secrets


def test_switched_off_when_a_proxy_compresses(tmp_path):
    app = create_app(base_config(COMPRESS_ENABLED=False))
    response = app.test_client().get("/static/portal.css", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers


VARY_CASES = [None, "Cookie", "HX-Request, Accept-Encoding", "accept-encoding", "Accept-Language"]


@pytest.mark.parametrize("vary", VARY_CASES)
@pytest.mark.parametrize("encoding", [None, ""])
def test_without_accept_encoding_same_headers_as_flask_compress(app, vary, encoding):
    """No Accept-Encoding (or an empty one): the fast path adds what Flask-Compress adds."""
    from flask import Response

    from portal.core.compression import vary_on_encoding
    from portal.extensions import compress

    headers = {} if encoding is None else {"Accept-Encoding": encoding}
    for body, streamed in (("<p>" * 400, False), (iter([b"<p>"] * 400), True)):
        answers = []
        for fast in (True, False):
            with app.test_request_context("/ledenzoeker/", headers=headers):
                response = Response(body, mimetype="text/html")
                if vary is not None:
                    response.headers["Vary"] = vary
                if fast:
                    vary_on_encoding(response)
                else:
                    response = compress.after_request(response)
                answers.append((response.headers.to_wsgi_list(), response.is_streamed))
        assert answers[0] == answers[1], (vary, streamed)


def test_without_accept_encoding_flask_compress_is_not_asked(client, monkeypatch):
    """Issue 19: the live search sends no Accept-Encoding; Flask-Compress's negotiation (header
    and content-type parsing) is skipped, the Vary stays."""
    from portal.extensions import compress

    def refuse(response):
        raise AssertionError("Flask-Compress asked for a request without Accept-Encoding")

    monkeypatch.setattr(compress, "after_request", refuse)
    response = client.get("/ledenzoeker/over-de-scores")
    assert response.status_code == 200
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Encoding" not in response.headers
