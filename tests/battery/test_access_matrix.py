"""Access-control and IDOR matrix: every route x method x actor x object (SECURITY.md §4.3).

Expected, following portal/core/security.py: another company's object answers 404 exactly like a
missing id; member, staff and admin areas answer 404 to the wrong role (role_required hides them);
anonymous visitors are sent to /inloggen; a denied mutating request leaves the database unchanged.
Allowed requests run last (destructive ones at the very end), each only checked for "reached the
object": no 404, no login redirect, no 5xx.
"""

from __future__ import annotations

import logging

from tests.battery import summary
from tests.battery.routes import (
    ROUTES,
    Route,
    changed_tables,
    db_fingerprint,
    fetch,
    sample_url,
)

ACTORS = ("anonymous", "member_a", "member_b", "staff", "admin")
OWN_OBJECT = {"member_a": "a", "member_b": "b"}
# Allowed, yet 404 by design for an actor: the request is valid but there is nothing to show.
ALLOWED_404 = {
    ("auth.mfa_disable", "staff"),  # staff may not switch TOTP off: hidden
    ("auth.mfa_disable", "admin"),
    ("profile.logo", "member_a"),  # no logo uploaded
    ("profile.logo", "member_b"),
    ("agreements.download", "member_a"),  # no agreement version published
    ("agreements.download", "member_b"),
}


def expectation(route: Route, actor: str, which: str | None) -> str:
    """'login', '404' or 'allowed' for this actor and object (None: route without ids)."""
    audience = route.audience
    if audience in ("public", "static", "anon"):
        return (
            "404"
            if which == "missing" and route.owner == "public" and route.obj == "slug"
            else "any"
        )
    if actor == "anonymous":
        return "login"
    role_ok = {
        "account": True,
        "member": actor.startswith("member"),
        "staff": actor in ("staff", "admin"),
        "admin": actor == "admin",
    }[audience]
    if not role_ok:
        return "404"
    if which is None:
        return "allowed"
    if which in ("missing", "other"):
        return "404"
    if route.owner in ("company", "user"):
        return "allowed" if OWN_OBJECT.get(actor) == which else "404"
    if route.owner == "creator":
        return "allowed" if actor == "staff" else "404"
    return "allowed"


def check(response, expected: str, route: Route, actor: str) -> str | None:
    """A problem description, or None when the response matches the expectation."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"{status} server error"
    if expected == "login":
        if status in (302, 303) and "/inloggen" in location:
            return None
        return f"{status} {location!r}, expected a redirect to /inloggen"
    if expected == "404":
        return None if status == 404 else f"{status}, expected 404"
    if expected == "allowed":
        if route.endpoint == "auth.logout" and status == 303:
            return None  # logging out lands on the login page by design
        if status == 404 and (route.endpoint, actor) not in ALLOWED_404:
            return "404 for an allowed actor (sample object not reached)"
        if status in (401, 403) or (status in (302, 303) and "/inloggen" in location):
            return f"{status} {location!r} for an allowed actor"
    return None


def _cases(route: Route):
    """(method, actor, which) for one route."""
    if route.obj is None:
        objects = (None,)
    elif route.owner == "public" or route.obj in ("session", "outbox", "company_message"):
        # Slugs and tokens have no "other type"; session ids are plain integers, so any other
        # table's integer id is just another session id (covered by "b" and "missing").
        objects = ("a", "b", "missing")
    else:
        objects = ("a", "b", "missing", "other")
    for method in route.methods:
        for actor in ACTORS:
            for which in objects:
                yield method, actor, which


class _DeniedEvents(logging.Handler):
    """Counts `authz_denied` security events."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        if getattr(record, "event_type", "") == "authz_denied":
            self.count += 1


def test_access_matrix(battery_app, world, actor_client, capsys):
    events = _DeniedEvents()
    security_log = logging.getLogger("portal.security")
    security_log.addHandler(events)
    try:
        _run_matrix(world, actor_client, capsys, events)
    finally:
        security_log.removeHandler(events)


def _run_matrix(world, actor_client, capsys, events):
    problems: list[str] = []
    counts = {"requests": 0, "denied": 0, "cross_company": 0}
    deferred: list[tuple[Route, str, str, str | None]] = []

    def run(route, method, actor, which, client=None):
        client = client or actor_client(actor)
        url = sample_url(route, world, which or "a")
        response = fetch(client, url, method)
        counts["requests"] += 1
        expected = expectation(route, actor, which)
        problem = check(response, expected, route, actor)
        if problem:
            problems.append(f"{method} {route.endpoint} as {actor} on {which}: {problem}")
        return expected

    last = None  # the fingerprint taken after the previous route, if no request ran since
    for route in ROUTES:
        before = (last or db_fingerprint()) if route.mutating else None
        last = None
        for method, actor, which in _cases(route):
            expected = expectation(route, actor, which)
            if expected == "allowed" and method != "GET":
                deferred.append((route, method, actor, which))
                continue
            if expected == "any" and method != "GET":
                deferred.append((route, method, actor, which))
                continue
            logged = events.count
            run(route, method, actor, which)
            if expected in ("404", "login"):
                counts["denied"] += 1
            cross = which in ("a", "b") and actor in OWN_OBJECT and OWN_OBJECT[actor] != which
            if cross and route.owner == "company":
                counts["cross_company"] += 1
                if events.count - logged != 1:
                    problems.append(
                        f"{method} {route.endpoint} as {actor} on {which}: "
                        f"{events.count - logged} authz_denied events, expected 1"
                    )
        if before is not None:
            last = db_fingerprint()
            changed = changed_tables(before, last)
            if changed:
                problems.append(f"{route.endpoint}: denied requests changed tables {changed}")

    # Allowed mutations last, destructive ones at the very end, each on a fresh login.
    deferred.sort(key=lambda case: case[0].destructive)
    for route, method, actor, which in deferred:
        fresh = actor_client(actor, fresh=True) if route.destructive else None
        run(route, method, actor, which, client=fresh)

    summary.record("access-matrix", counts["requests"], len(problems))
    with capsys.disabled():
        print(
            f"\naccess matrix: {counts['requests']} requests over {len(ROUTES)} routes, "
            f"{counts['denied']} denied ({counts['cross_company']} cross-company), "
            f"{len(problems)} problems"
        )
    assert not problems, "\n".join(problems)
