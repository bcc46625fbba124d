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
