"""A live portal on a loopback port and a page in Debian's chromium, for Playwright tests."""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.browser.chromium import CHROMIUM, CHROMIUM_PROCESS
from tests.conftest import base_config, totp_code

# For actions, navigations and expect(): a bound on a hang, not an expectation. Playwright's 5 s
# and then 10 s were tight for a page load on the 2-core CI machine running both test halves.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 800}


@dataclass(frozen=True)
class Member:
    """A member company (Kerkstraat, Utrecht) and its beheerder, as the browser tests seed them."""

    email: str
    password: str
    name: str
    company: dict = field(default_factory=dict)  # Company columns besides the address


DE_VRIES = Member(
    email="beheerder@devries.example",
    password="paarse-kraan-lekt-zachtjes-2026",
    name="Jan de Vries",
    company={
        "member_number": "L000001",
        "kvk_number": "12345678",
        "legal_name": "De Vries Installaties B.V.",
        "trade_name": "De Vries Installaties",
        "slug": "de-vries-installaties",
        "house_number": "1",
    },
)
BADGE = Member(
    email="beheerder@badge.example",
    password="groene-ketel-brandt-stil-2026",
    name="Bea Badge",
    company={
        "member_number": "L000020",
        "kvk_number": "12345020",
        "legal_name": "Badge Installaties B.V.",
        "trade_name": "Badge Installaties",
        "slug": "badge-installaties",
        "house_number": "20",
    },
)


def seed_member(member: Member, *, reviews: int | None = None) -> Callable[[], None]:
    """A `live_portal` seed: the member's company and beheerder (committed).

    With `reviews`, the company also gets an active Klantenvertellen link (score 8.6, fetched two
    hours ago) with that many reviews, and its ledenzoeker entry is refreshed.
    """

    def run() -> None:
        from portal.auth.models import CompanyRole, Role, User
        from portal.auth.passwords import hash_password
        from portal.directory.entries import refresh_entry
        from portal.members.models import Company
        from portal.reviews.models import Provider, ReviewSystem, SystemStatus

        company = Company(street="Kerkstraat", postcode="3511 AB", city="Utrecht", **member.company)
        db.session.add(company)
        db.session.add(
            User(
                email=member.email,
                name=member.name,
                role=Role.MEMBER,
                company=company,
                company_role=CompanyRole.BEHEERDER,
                password_hash=hash_password(member.password),
            )
        )
        if reviews is not None:
            fetched = datetime.now(UTC) - timedelta(hours=2)
            db.session.add(
                ReviewSystem(
                    company=company,
                    provider=Provider.KLANTENVERTELLEN,
                    status=SystemStatus.ACTIVE,
                    score=Decimal("8.60"),
                    scale_max=Decimal("10"),
                    review_count=reviews,
                    fetched_at=fetched,
                    last_success_at=fetched,
                    last_attempt_at=fetched,
                    last_outcome="ok",
                )
            )
        db.session.commit()
        if reviews is not None:
            refresh_entry(company.id)
            db.session.commit()

    return run


def add_staff(email: str, name: str, role: Any, password: str, totp_secret: str) -> None:
    """A staff or admin account with two-step verification on (staff must have it), committed."""
    from portal.auth import mfa
    from portal.auth.models import User
    from portal.auth.passwords import hash_password

    user = User(email=email, name=name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    mfa.enable(user, totp_secret)
    db.session.commit()


def log_in(page, base: str, member: Member) -> None:
    """Log in through the form and land on the member's dashboard."""
    page.goto(f"{base}/inloggen")
    page.get_by_label("E-mailadres").fill(member.email)
    page.get_by_label("Wachtwoord").fill(member.password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(f"{base}/mijn-profiel/")
    htmx_settled(page)


def log_in_staff(page, base: str, email: str, password: str, totp_secret: str) -> None:
    """Log a staff account in through the form and the two-step code; land on /beheer/leden."""
    page.goto(f"{base}/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.locator("input[name=code]").fill(totp_code(totp_secret, margin=10))
    page.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url(f"{base}/beheer/leden")


# Classes htmx puts on elements from the request until the new content is processed.
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page) -> None:
    """Wait until htmx has swapped *and processed* the last response.

    After a boosted navigation the new content is visible a moment before htmx binds its
    triggers (the settle step); typing into a live-search field in that moment is lost, as it
    would be for a person typing within 20 ms. Call it once the new content is there (after
    `wait_for_url` or a wait for its text): htmx pushes the URL and swaps in one task. Without
    JavaScript this returns at once."""
    expect(page.locator(HTMX_BUSY)).to_have_count(0)


def screenshots(page, name: str) -> None:
    """Full-page screenshots at desktop and phone width (360 px) into SCREENSHOT_DIR when it is
    set, as `<name>-desktop.png` and `<name>-phone.png`; the page goes back to desktop width."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


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


class _Driver:
    """This worker's one Playwright driver, connected over CDP to its chromium (chromium.py).

    Starting Playwright (its Node.js driver) and connecting cost about 0.35 CPU s, once per
    browser test before. Kept for the worker, it leaves one thing behind between calls: its sync
    API marks its asyncio loop as the thread's running loop (so that its tasks find it), and a
    later test in the same worker could then not call `asyncio.run` or start a second
    Playwright. `connected_browser` therefore marks the loop as running only while a test uses
    the browser, and unmarks it when the test ends.
    """

    def __init__(self) -> None:
        self.manager: Any = None
        self.browser: Any = None
        self.endpoint = ""
        self.defaults: list[Any] = []  # chromium's default context, present before any test

    def connect(self):
        """The connected browser, (re)starting Playwright if it or chromium went away."""
        endpoint = CHROMIUM_PROCESS.cdp_endpoint()
        if self.browser is not None:
            asyncio._set_running_loop(self.browser._loop)  # as Playwright's last call left it
            if endpoint == self.endpoint and self.browser.is_connected():
                return self.browser
            self.stop()
        from playwright.sync_api import sync_playwright

        self.manager = sync_playwright()
        playwright = self.manager.start()
        try:
            self.browser = playwright.chromium.connect_over_cdp(endpoint)
        except BaseException:
            self.stop()
            raise
        self.endpoint = endpoint
        self.defaults = list(self.browser.contexts)
        return self.browser

    def release(self) -> None:
        """Close the contexts a test opened (not chromium's default one); unmark the loop."""
        try:
            if self.browser is not None and self.browser.is_connected():
                for context in self.browser.contexts:
                    if not any(context is default for default in self.defaults):
                        context.close()
        finally:
            asyncio._set_running_loop(None)

    def stop(self) -> None:
        manager, self.manager, self.browser, self.endpoint = self.manager, None, None, ""
        self.defaults = []
        try:
            if manager is not None:
                asyncio._set_running_loop(manager._loop)  # its dispatcher resumes in the loop
                manager.__exit__()  # ends the driver; chromium stays (chromium.py)
        finally:
            asyncio._set_running_loop(None)


_DRIVER = _Driver()
atexit.register(_DRIVER.stop)


@contextmanager
def connected_browser():
    """Playwright connected to this worker's headless Debian chromium (tests/browser/chromium.py),
    both kept for the worker (`_Driver`): the contexts a test opens in it are its own and closed
    at the end; skips when chromium is absent outside CI."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium (/usr/bin/chromium) is required in CI")
        pytest.skip("chromium is not installed")
    try:
        yield _DRIVER.connect()
    finally:
        _DRIVER.release()


@contextmanager
def browser_page(*, javascript: bool = True):
    """A Playwright page in a new context (cookies, storage and cache empty) of this worker's
    headless Debian chromium; skips when chromium is absent outside CI."""
    with connected_browser() as browser:
        context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            yield page
        finally:
            context.close()


@contextmanager
def member_page(
    tmp_path: Path, seed: Callable[[], None], member: Member, *, javascript: bool = True
) -> Iterator[tuple[str, Any]]:
    """A live portal with `seed`, and a browser page (desktop width) logged in as `member`:
    yields (base URL, page)."""
    with live_portal(tmp_path, seed) as base, browser_page(javascript=javascript) as page:
        page.set_viewport_size(DESKTOP)
        log_in(page, base, member)
        yield base, page
