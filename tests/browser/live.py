"""A live portal on a loopback port and a Debian-chromium browser, for Playwright tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import base_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def live_portal(
    tmp_path: Path, seed: Callable[[], None] | None = None, *, port: int = 0, **config
) -> Iterator[str]:
    """Serve a fresh portal on a file-based SQLite database; yields its base URL."""
    settings = base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}", **config)
    settings.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        if seed:
            seed()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@contextmanager
def browser_page(*, javascript: bool = True):
    """A Playwright page in headless Debian chromium; skips when chromium is absent outside CI."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium (/usr/bin/chromium) is required in CI")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
