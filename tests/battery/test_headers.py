"""Security headers on one URL per endpoint, htmx fragments and error pages (SECURITY.md §1, §4.5).

The rendered HTML of every page is also checked: no inline <script> without src, no on*= event
handler attributes, no hx-on, no javascript: URLs, and every POST form carries a csrf_token input.
CSRF is on in this module so the token inputs are rendered.
"""

from __future__ import annotations

import re

import pytest

from tests.battery import summary
from tests.battery.routes import ROUTES, fetch, login_client, sample_url

BATTERY_CONFIG = {"WTF_CSRF_ENABLED": True, "MAX_CONTENT_LENGTH": 64 * 1024}
FIXED = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
# Pages whose URL carries an e-mailed token send no Referer at all (and are never cached).
TOKEN_PAGES = (
    "/wachtwoord-herstellen/",
    "/activeren/",
    "/klacht-volgen/",
    "/e-mailadres-bevestigen/",
    "/e-mailadres-intrekken/",
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
CSP_REQUIRED = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")
CSP_PAGE = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "form-action 'self'")
ACTOR_FOR = {
    "public": None,
    "anon": None,
    "static": None,
    "account": "member_a",
    "member": "member_a",
    "staff": "staff",
    "admin": "admin",
}
FRAGMENTS = {  # GET endpoint -> the region an htmx request swaps
    "directory.index": "directory-results",
    "complaints.index": "complaints-list",
    "compliance.overview": "compliance-results",
    "admin.audit_log": "audit-results",
    "staff_members.index": "staff-member-results",
}

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
EVENT_ATTR = re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.I | re.S)
HX_ON = re.compile(r"<[a-z][^>]*\shx-on[:\-a-z]*\s*=", re.I | re.S)
JS_URL = re.compile(
    r"(?:href|src|action|formaction|hx-get|hx-post)\s*=\s*[\"']?\s*javascript:", re.I
)
# Prefixed forms (prefix="acknowledge") name it "acknowledge-csrf_token"; Flask-WTF accepts both.
CSRF_INPUT = re.compile(r'<input[^>]*name="(?:[\w-]+-)?csrf_token"', re.I)
POST_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form\s*>", re.I | re.S)
# Python's None printed into markup (aria-describedby="None", aria-invalid="None", …).
NONE_ATTR = re.compile(r"<[a-z][^>]*\s([a-z][\w:.-]*)\s*=\s*[\"']?None\b", re.S)
META_DESCRIPTION = re.compile(r'<meta name="description" content="[^"]{40,}">')


def header_problems(response, *, authenticated: bool) -> list[str]:
    """What is missing or wrong in the response headers."""
    problems = [
        f"{name}: {response.headers.get(name)!r}"
        for name, value in FIXED.items()
        if response.headers.get(name) != value
    ]
    token_page = any(
        marker in (response.request.path if response.request else "") for marker in TOKEN_PAGES
    )
    referrer = "no-referrer" if token_page else REFERRER_POLICY
    if response.headers.get("Referrer-Policy") != referrer:
        problems.append(f"Referrer-Policy: {response.headers.get('Referrer-Policy')!r}")
    if token_page and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append("a token page may be cached")
    csp = response.headers.get("Content-Security-Policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows unsafe code: {csp}")
    # Downloads may send a stricter sandbox policy; default-src 'none' then covers object-src.
    sandboxed = csp.startswith("sandbox") and "default-src 'none'" in csp
    required = CSP_REQUIRED[1:] if sandboxed else CSP_REQUIRED + CSP_PAGE
    for directive in required:
        if directive not in csp:
            problems.append(f"CSP lacks {directive}: {csp}")
    for name in ("Server", "X-Powered-By"):
        if name in response.headers:
            problems.append(f"{name} header present")
    if authenticated and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(
            f"Cache-Control {response.headers.get('Cache-Control')!r} on a logged-in page"
        )
    return problems


def html_problems(html: str) -> list[str]:
    """Inline script, event handlers, javascript: URLs and POST forms without a token."""
    problems = []
    for attrs, body in SCRIPT_TAG.findall(html):
        if "src=" not in attrs.lower() or body.strip():
            problems.append(f"inline script: <script{attrs}>{body[:60]!r}")
    problems += [f"event handler attribute {m}" for m in EVENT_ATTR.findall(html)]
    if HX_ON.search(html):
        problems.append("hx-on attribute")
    if JS_URL.search(html):
        problems.append("javascript: URL")
    problems += [f"attribute {m}=None" for m in NONE_ATTR.findall(html)]
    for attrs, body in POST_FORM.findall(html):
        if re.search(r"method\s*=\s*[\"']?post", attrs, re.I) and not CSRF_INPUT.search(body):
            problems.append(f"POST form without csrf_token: <form{attrs}>")
    return problems


def test_html_checks_catch_what_they_should():
    """The scanners themselves: each forbidden construct is found, clean markup passes."""
    bad = [
        "<script>alert(1)</script>",
        '<script src="/static/portal.js">alert(1)</script>',
        '<img src="x" onerror="alert(1)">',
        '<button hx-on:click="x">',
        '<a href="javascript:alert(1)">',
        '<form method="post" action="/x"><input name="a"></form>',
        '<input id="x" aria-describedby="None">',
        '<input id="x" aria-invalid=None>',
    ]
    for snippet in bad:
        assert html_problems(snippet), snippet
    good = (
        '<script src="/static/portal.js" defer></script><a href="/x">online</a>'
        '<form method="post"><input type="hidden" name="csrf_token" value="t"></form>'
        '<form method="get"></form>'
    )
    assert html_problems(good) == []


@pytest.fixture(scope="module")
def clients(battery_app, world):
    made = {}
    for actor in {a for a in ACTOR_FOR.values()}:
        client = battery_app.test_client()
        if actor:
            login_client(client, world.users[actor])
        made[actor] = client
    return made


def test_every_get_endpoint_and_fragment(clients, world):
    problems, cases, pages = [], 0, 0
    for route in ROUTES:
        if "GET" not in route.methods:
            continue
        actor = ACTOR_FOR[route.audience]
        url = sample_url(route, world, "a")
        requests = [("page", {})]
        if route.endpoint in FRAGMENTS:
            requests.append(
                ("fragment", {"HX-Request": "true", "HX-Target": FRAGMENTS[route.endpoint]})
            )
        for kind, headers in requests:
            response = fetch(clients[actor], url, headers=headers)
            cases += 1
            label = f"{kind} {route.endpoint} ({response.status_code})"
            if response.status_code >= 500:
                problems.append(f"{label}: server error")
            problems += [
                f"{label}: {p}" for p in header_problems(response, authenticated=actor is not None)
            ]
            if response.mimetype == "text/html":
                pages += 1
                problems += [f"{label}: {p}" for p in html_problems(response.text)]
                public_page = kind == "page" and route.audience in ("public", "anon")
                ok = response.status_code == 200
                if public_page and ok and not META_DESCRIPTION.search(response.text):
                    problems.append(f"{label}: no meta description")
                if kind == "fragment" and "<html" in response.text:
                    problems.append(f"{label}: a full page instead of the fragment")
    summary.record("headers", cases, len(problems))
    assert pages >= 60
    assert not problems, "\n".join(problems)


def test_post_fragment_has_headers(clients):
    client = clients["member_a"]
    token = re.search(r'"X-CSRFToken": "([^"]+)"', fetch(client, "/account").text).group(1)
    response = fetch(
        client,
        "/mijn-profiel/bedrijfsgegevens/controleer/postcode",
        "POST",
        data={"postcode": "1234ab"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200 and "<html" not in response.text
    problems = header_problems(response, authenticated=True) + html_problems(response.text)
    summary.record("headers", 1, len(problems))
    assert not problems, problems


@pytest.mark.parametrize(
    ("actor", "method", "path", "status", "kwargs"),
    [
        (None, "GET", "/bestaat-niet", 404, {}),
        ("member_a", "GET", "/mijn-profiel/klachten/00000000-0000-4000-8000-000000000000", 404, {}),
        ("member_a", "GET", "/beheer/leden", 404, {}),
        (None, "DELETE", "/inloggen", 405, {}),
        (None, "POST", "/inloggen", 413, {"data": {"email": "x" * 70_000}}),
        ("member_a", "POST", "/mijn-profiel/bedrijfsgegevens", 400, {}),  # CSRF error page
        (None, "GET", "/bestaat-niet", 404, {"headers": {"HX-Request": "true"}}),
    ],
)
def test_error_pages_have_headers(clients, actor, method, path, status, kwargs):
    response = fetch(clients[actor], path, method, **kwargs)
    assert response.status_code == status
    problems = header_problems(response, authenticated=actor is not None)
    problems += html_problems(response.text)
    assert "Traceback" not in response.text
    summary.record("headers", 1, len(problems))
    assert not problems, problems


def test_500_page_has_headers(battery_app):
    from portal import create_app
    from tests.conftest import base_config

    app = create_app(base_config())

    @app.get("/_kapot")
    def _broken():
        raise RuntimeError("geheime details")

    response = fetch(app.test_client(), "/_kapot")
    assert response.status_code == 500 and "geheime details" not in response.text
    problems = header_problems(response, authenticated=False) + html_problems(response.text)
    summary.record("headers", 1, len(problems))
    assert not problems, problems
