"""Session, CSRF and auth battery (SECURITY.md §4.4), with CSRF protection switched on.

Already covered elsewhere and not repeated here: logout replay and planted session keys, password
change ending other sessions, the 6th login try → 429 and the TOTP login flow (tests/auth/
test_login.py); CSRF on one member form (tests/core/test_headers_csrf.py). This module adds the
CSRF matrix over every mutating route, the GET crawl, and the cases those tests leave open.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import UserSession
from portal.auth.sessions import token_hash
from portal.extensions import db
from tests.battery import summary
from tests.battery.routes import (
    PASSWORD,
    ROUTES,
    Route,
    changed_tables,
    db_fingerprint,
    fetch,
    login_client,
    sample_url,
)

BATTERY_CONFIG = {"WTF_CSRF_ENABLED": True}
TOKEN_PATTERNS = (
    re.compile(r'"X-CSRFToken": "([^"]+)"'),
    re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
    re.compile(r'value="([^"]+)"[^>]*name="csrf_token"'),
)
CSRF_MESSAGE = "formulier is verlopen of ongeldig"
ACTOR_FOR = {
    "public": None,
    "anon": None,
    "account": "member_a",
    "member": "member_a",
    "staff": "staff",
    "admin": "admin",
}


def actor_of(route: Route) -> str | None:
    """Who may use the route: None for visitors; batches belong to the staff user who made them."""
    return ACTOR_FOR[route.audience]


def new_client(app, world, actor: str | None):
    client = app.test_client()
    if actor:
        login_client(client, world.users[actor])
    return client


def csrf_token(client, actor: str | None) -> str:
    """The token the portal hands this client (page header for users, login form for visitors)."""
    html = client.get("/account" if actor else "/inloggen", follow_redirects=True).text
    for pattern in TOKEN_PATTERNS:
        found = pattern.search(html)
        if found:
            return found.group(1)
    raise AssertionError("no CSRF token on the page")


def is_csrf_rejection(response) -> bool:
    """The CSRF error page (400 with its own message), not a 400 for bad form input."""
    return response.status_code == 400 and CSRF_MESSAGE in response.text


def _form_post(client, url, token=None, headers=None):
    data = {"csrf_token": token} if token is not None else {}
    return fetch(client, url, "POST", data=data, headers=headers or {})


@pytest.mark.parametrize("actor", ["anonymous", "member_a", "staff", "admin"])
def test_get_crawl_changes_nothing(battery_app, world, actor):
    """Every GET route, as each role, leaves every table (but the logs) as it was."""
    client = new_client(battery_app, world, None if actor == "anonymous" else actor)
    problems, cases = [], 0
    before = db_fingerprint()
    for route in ROUTES:
        if "GET" not in route.methods:
            continue
        response = fetch(client, sample_url(route, world, "a"))
        cases += 1
        if response.status_code >= 500:
            problems.append(f"{route.endpoint}: {response.status_code}")
        # No request runs between this fingerprint and the next route's GET, so it is also
        # the next route's "before" (one full-table fingerprint per route instead of two).
        after = db_fingerprint()
        changed = changed_tables(before, after)
        if changed:
            problems.append(f"GET {route.endpoint} as {actor} changed {changed}")
        before = after
    summary.record("get-crawl", cases, len(problems))
    assert not problems, "\n".join(problems)


def test_csrf_matrix(battery_app, world):
    """Every mutating route x {none, wrong, other session's, header, form} → 400/400/400/ok/ok."""
    problems, cases = [], 0
    mutating = [r for r in ROUTES if r.mutating]
    mutating.sort(key=lambda r: r.destructive)
    other_client = new_client(battery_app, world, "member_b")
    other_token = csrf_token(other_client, "member_b")
    for route in mutating:
        actor = actor_of(route)
        url = sample_url(route, world, "a")
        client = new_client(battery_app, world, actor)
        csrf_token(client, actor)  # the session now holds its own token
        before = db_fingerprint()
        rejected = {
            "none": _form_post(client, url),
            "wrong": _form_post(client, url, "wrong-token"),
            "other session's": _form_post(client, url, other_token),
            "wrong header (htmx)": _form_post(
                client, url, headers={"HX-Request": "true", "X-CSRFToken": "wrong-token"}
            ),
        }
        for name, response in rejected.items():
            cases += 1
            if not is_csrf_rejection(response):
                problems.append(f"{route.endpoint} {name}: {response.status_code}, expected 400")
        changed = changed_tables(before, db_fingerprint())
        if changed:
            problems.append(f"{route.endpoint}: rejected posts changed {changed}")
        for name in ("header", "form"):
            cases += 1
            client = new_client(battery_app, world, actor)
            token = csrf_token(client, actor)
            if name == "header":
                response = _form_post(
                    client, url, headers={"HX-Request": "true", "X-CSRFToken": token}
                )
            else:
                response = _form_post(client, url, token)
            if is_csrf_rejection(response) or response.status_code >= 500:
                problems.append(f"{route.endpoint} valid {name} token: {response.status_code}")
    summary.record("csrf", cases, len(problems))
    assert len(mutating) >= 30
    assert not problems, "\n".join(problems)


def _session_row(client) -> UserSession | None:
    with client.session_transaction() as flask_session:
        token = flask_session.get("_user_id")
    if not token:
        return None
    return db.session.scalars(
        select(UserSession).where(UserSession.token_hash == token_hash(token))
    ).first()


def _login_form(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, None)
    return client.post(
        "/inloggen", data={"email": email, "password": password, "csrf_token": token}
    )


def test_login_rotates_server_session(battery_app, world):
    """A second login on the same browser gets a new session row; the old one is revoked."""
    user = world.users["member_b"]
    client = battery_app.test_client()
    first_token = login_client(client, user)
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "member_b")})
    assert _login_form(client, user.email).status_code == 303
    second = _session_row(client)
    assert second is not None and second.token_hash != token_hash(first_token)
    db.session.expire_all()
    old = db.session.scalars(
        select(UserSession).where(UserSession.token_hash == token_hash(first_token))
    ).one()
    assert old.revoked_at is not None
    # An attacker-planted anonymous cookie does not survive the login either.
    planted = battery_app.test_client()
    planted.get("/inloggen")
    cookie = planted.get_cookie("session")
    assert _login_form(planted, user.email).status_code == 303
    assert cookie is None or planted.get_cookie("session").value != cookie.value
    summary.record("session", 3)


def test_logout_needs_token_and_revokes_server_side(battery_app, world):
    user = world.users["member_a"]
    client = battery_app.test_client()
    login_client(client, user)
    assert client.post("/uitloggen").status_code == 400  # no token: still logged in
    assert client.get("/mijn-profiel/").status_code == 200
    cookie = client.get_cookie("session").value
    response = client.post("/uitloggen", data={"csrf_token": csrf_token(client, "member_a")})
    assert response.status_code == 303
    client.set_cookie("session", cookie)  # replay the cookie from before the logout
    replay = client.get("/mijn-profiel/")
    assert replay.status_code == 302 and "/inloggen" in replay.headers["Location"]
    fragment = client.get("/mijn-profiel/", headers={"HX-Request": "true"})
    assert fragment.status_code == 401 and "/inloggen" in fragment.headers["HX-Redirect"]
    summary.record("session", 4)


def test_password_change_under_csrf_ends_other_sessions(battery_app, world):
    user = world.users["member_b"]
    mine, other = battery_app.test_client(), battery_app.test_client()
    login_client(mine, user)
    login_client(other, user)
    new = "groene-regenton-zingt-luid-77"
    response = mine.post(
        "/account/wachtwoord",
        data={
            "current": PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(mine, "member_b"),
        },
    )
    assert response.status_code == 303
    assert mine.get("/mijn-profiel/").status_code == 200
    assert other.get("/mijn-profiel/").status_code == 302
    summary.record("session", 2)


@pytest.mark.parametrize("actor", ["staff", "admin"])
def test_staff_without_totp_reaches_no_console_page(battery_app, world, actor):
    """Every staff and admin route, GET and POST, sends an unverified session to enrolment."""
    client = battery_app.test_client()
    login_client(client, world.users[actor], mfa_verified=False)
    token = csrf_token(client, actor)
    problems, cases = [], 0
    for route in ROUTES:
        if route.audience not in ("staff", "admin"):
            continue
        for method in route.methods:
            url = sample_url(route, world, "a")
            response = fetch(client, url, method, data={"csrf_token": token})
            cases += 1
            location = response.headers.get("Location", "")
            if (
                response.status_code not in (302, 303)
                or "/account/tweestapsverificatie" not in location
            ):
                problems.append(f"{method} {route.endpoint}: {response.status_code} {location}")
    summary.record("staff-totp", cases, len(problems))
    assert cases >= 50 and not problems, "\n".join(problems)
