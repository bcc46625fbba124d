"""Boosted navigation (base.html: hx-boost on <body>) to every GET page of the route inventory.

A boost swaps only the body (and the title): a page's own stylesheets, scripts and meta tags in
the head, and its own Content-Security-Policy, do not arrive. So a boosted request for a page that
needs more in its head than base.html gives, or another CSP, must answer with a full page load
(HX-Redirect to the same URL); any other page may be swapped in as usual.
"""

from __future__ import annotations

import re

import pytest
from flask import render_template

from portal.core.security import CSP
from tests.battery import summary
from tests.battery.routes import ROUTES, fetch, login_client, sample_url
from tests.battery.test_headers import ACTOR_FOR, FRAGMENTS

BOOSTED = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": "http://localhost/"}
HEAD = re.compile(r"<head>(.*?)</head>", re.S | re.I)
HEAD_TAG = re.compile(r"<(?:link|script|meta|style|base)\b[^>]*>", re.I)
IGNORED = re.compile(r'name="description"', re.I)  # the text differs per page; not an asset


def head_assets(html: str) -> set[str]:
    """The tags in the document's head, except the per-page description and the title."""
    match = HEAD.search(html)
    if not match:
        return set()
    return {" ".join(tag.split()) for tag in HEAD_TAG.findall(match[1]) if not IGNORED.search(tag)}


@pytest.fixture(scope="module")
def clients(battery_app, world):
    made = {}
    for actor in set(ACTOR_FOR.values()):
        client = battery_app.test_client()
        if actor:
            login_client(client, world.users[actor])
        made[actor] = client
    return made


@pytest.fixture(scope="module")
def base_assets(battery_app):
    with battery_app.test_request_context("/"):
        return head_assets(render_template("base.html"))


def test_head_assets_reads_the_head(base_assets):
    assert any("/static/portal." in tag for tag in base_assets)
    assert any("/static/vendor/htmx" in tag for tag in base_assets)
    page = "<html><head><link rel='stylesheet' href='/x.css'></head><body><script src='/y.js'>"
    assert head_assets(page) == {"<link rel='stylesheet' href='/x.css'>"}


def test_boosted_get_of_every_page(clients, world, base_assets):
    problems, cases, reloads = [], 0, set()
    for route in ROUTES:
        if "GET" not in route.methods or route.audience not in ACTOR_FOR:
            continue
        client = clients[ACTOR_FOR[route.audience]]
        url = sample_url(route, world, "a")
        plain = fetch(client, url)
        boosted = fetch(client, url, headers=BOOSTED)
        cases += 1
        label = f"{route.endpoint} {url} ({plain.status_code}/{boosted.status_code})"
        if boosted.status_code >= 500:
            problems.append(f"{label}: server error")
            continue
        if boosted.headers.get("HX-Redirect"):
            reloads.add(route.endpoint)
            if boosted.headers["HX-Redirect"] != url or boosted.get_data():
                problems.append(f"{label}: HX-Redirect {boosted.headers['HX-Redirect']!r}")
            if "HX-Boosted" not in boosted.headers.get("Vary", ""):
                problems.append(f"{label}: the reload answer does not vary on HX-Boosted")
            continue
        if plain.status_code != 200 or plain.mimetype != "text/html" or "<head>" not in plain.text:
            continue  # redirects, downloads, feeds: nothing to swap into a page
        extra = head_assets(plain.text) - base_assets
        if extra:
            problems.append(f"{label}: boosted swap would lose {sorted(extra)}")
        csp = plain.headers.get("Content-Security-Policy")
        if csp != CSP:
            problems.append(f"{label}: boosted swap would keep the old CSP instead of {csp!r}")
        if "<html" not in boosted.text:
            problems.append(f"{label}: boosted answer is not the whole page")
    summary.record("boosted pages", cases, len(problems))
    assert cases >= 60
    assert not problems, "\n".join(problems)
    # The pages known to carry their own head (stylesheets, scripts, no-referrer meta) reload.
    assert {"directory.index", "directory.about_scores", "compliance.overview"} <= reloads


def test_htmx_fragments_and_plain_loads_are_not_redirected(clients, world):
    """Live search and other targeted swaps, and pages without JavaScript, stay as they were."""
    for route in ROUTES:
        if route.endpoint not in FRAGMENTS:
            continue
        client = clients[ACTOR_FOR[route.audience]]
        url = sample_url(route, world, "a")
        fragment = fetch(
            client, url, headers={"HX-Request": "true", "HX-Target": FRAGMENTS[route.endpoint]}
        )
        assert fragment.status_code == 200, route.endpoint
        assert "HX-Redirect" not in fragment.headers and "<html" not in fragment.text
        plain = fetch(client, url)
        assert plain.status_code == 200 and "HX-Redirect" not in plain.headers
        assert "<html" in plain.text, route.endpoint


def test_boosted_post_is_not_redirected(clients):
    """A boosted form post answered with a page (errors shown) keeps the posted input."""
    client = clients[None]
    response = fetch(client, "/inloggen", "POST", data={"email": "x"}, headers=BOOSTED)
    assert "HX-Redirect" not in response.headers
