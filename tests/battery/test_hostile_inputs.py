"""Hostile inputs to every form field and query parameter of every route (SECURITY.md §4.2).

Forms come from tests/battery/hostile.py's discovery; a mutating route with no rendered form must
be named in NO_FORM with a reason. Pass criteria for every request: never a 5xx, never a payload
echoed unescaped (or a template payload evaluated), no injected header or off-site redirect, and
nothing committed when the request was rejected (4xx).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from tests.battery import payloads, summary
from tests.battery.hostile import (
    _ARGS,
    ROLE_FOR,
    ROLES,
    URL_CAP,
    Checker,
    FormBatch,
    client_for,
    endpoint_of,
    hostile_data,
    is_destructive,
    ordered,
    quoted,
    submit_and_check,
    view_source,
)
from tests.battery.routes import ROUTES, fetch, sample_url

# Mutating routes that no page renders as a <form>, and why they are still covered.
NO_FORM = {
    "profile.details_check": "htmx inline check posted per field from the details form (fuzzed below)",
    "complaints_public.survey": "the survey on the complainant's status page, reached only with a "
    "mailed token; tests/complaints/test_features_i18.py posts empty, invalid and valid answers",
}


def test_every_mutating_route_has_a_discovered_form(battery_app, discovered):
    """A mutating route nobody renders a form for is either listed in NO_FORM or a gap."""
    reached = {endpoint_of(battery_app, f.method, f.action) for _, f in discovered}
    missing = [
        r.endpoint
        for r in ROUTES
        if r.mutating and r.endpoint not in reached and r.endpoint not in NO_FORM
    ]
    summary.record("hostile-coverage", len(ROUTES), len(missing))
    assert len(payloads.corpus()) >= 120
    literal = [m for m in payloads.TEMPLATE_MARKERS if any(m in p for _, p in payloads.corpus())]
    assert not literal, f"markers that payloads contain literally: {literal}"
    assert not missing, f"mutating routes without a discovered form: {missing}"


# The audiences whose pages each crawling role can open. A page the role may not open answers
# with a login redirect or the 404 page before any stored row is read; that page's layout (the
# user's name, the company) is also on every page the role can open. test_stored_payloads_...
# below still crawls every page as every role.
OPENS = {
    "anonymous": {"public", "anon"},
    "member_a": {"public", "anon", "account", "member"},
    "admin": {"public", "anon", "account", "staff", "admin"},
}


def _stored_crawl(checker, world, sent, *, reachable_only: bool = True) -> None:
    """Every GET page as a visitor, member A and admin: none shows a sent payload unescaped.

    With `reachable_only`, each role fetches only the pages it may open (see OPENS)."""
    dangerous = [p for _, p in sent if payloads.echo_is_dangerous(p) and len(p) < payloads.BIG]
    for role in ("anonymous", "member_a", "admin"):
        client = client_for(checker.app, world, role)
        for route in ROUTES:
            if "GET" not in route.methods or route.audience not in ROLE_FOR:
                continue
            if reachable_only and route.audience not in OPENS[role]:
                continue
            response = fetch(client, sample_url(route, world, "a"))
            checker.check(f"GET {route.endpoint} as {role}", "", response)
            if response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            checker.problems += [
                f"GET {route.endpoint} as {role}: stored payload {p[:40]!r} unescaped"
                for p in dangerous
                if p in body
            ]


@pytest.mark.parametrize("family", payloads.FAMILY_NAMES)
def test_every_payload_in_every_field_of_every_form(battery_app, world, discovered, writes, family):
    """The whole corpus, each payload in every field at once, as the form's own role."""
    checker = Checker(battery_app, "hostile-forms")
    sent = payloads.family(family)
    last = None  # the fingerprint the previous batch ended with (FormBatch reuses it if valid)
    for role, form in ordered(battery_app, discovered):
        client = client_for(battery_app, world, role)
        label = f"{form.method} {form.action} as {role}"
        batch = FormBatch(checker, label, writes=writes, before=last)
        for _family, payload in sent:
            data = hostile_data(form, payload)
            batch.note(submit_and_check(checker, writes, client, form, data, payload, label))
        last = batch.close()
    _stored_crawl(checker, world, sent)
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


FIELD_CHUNKS = 3  # one-field-at-a-time split by form, so xdist spreads it over the workers


@pytest.mark.parametrize("chunk", range(FIELD_CHUNKS))
def test_one_field_at_a_time_with_valid_neighbours(battery_app, world, discovered, writes, chunk):
    """A sample of payloads per field with the other fields valid, so services see them too."""
    checker = Checker(battery_app, "hostile-fields")
    forms = [
        item
        for item in ordered(battery_app, discovered)
        if not is_destructive(battery_app, item[1])
    ]
    for role, form in forms[chunk::FIELD_CHUNKS]:
        client = client_for(battery_app, world, role)
        for name in [*form.fuzzable(), *sorted(form.files)]:
            label = f"{form.method} {form.action} as {role} field {name}"
            for _family, payload in payloads.sample():
                data = hostile_data(form, payload, only=name)
                submit_and_check(checker, writes, client, form, data, payload, label)
    _stored_crawl(checker, world, payloads.sample())
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


OPTIONS_PER_SELECT = 12


def test_every_option_of_every_select(battery_app, world, discovered, writes):
    """Each real option of each <select> with the other fields at their defaults, then a few
    hostile values in it: the services see every choice the page offers and every wrong one."""
    checker = Checker(battery_app, "hostile-selects")
    selects = 0
    for role, form in ordered(battery_app, discovered):
        if is_destructive(battery_app, form) or not form.options:
            continue
        client = client_for(battery_app, world, role)
        for name, values in form.options.items():
            selects += 1
            label = f"{form.method} {form.action} as {role} select {name}"
            wrong = [p for _f, p in payloads.sample()[:3]] + ["", "0", "-1", "x" * 300]
            for value in [*values[:OPTIONS_PER_SELECT], *wrong]:
                data = MultiDict(form.fields)
                data[name] = value
                submit_and_check(checker, writes, client, form, data, value, label)
    checker.record()
    assert selects >= 20, f"only {selects} selects discovered: is the form parser reading them?"
    assert not checker.problems, "\n".join(checker.problems[:50])


def test_wrong_shapes_json_and_repeated_keys(battery_app, world, discovered, writes):
    """JSON where a form is expected, every field repeated, and fields of the wrong name."""
    checker = Checker(battery_app, "hostile-shapes")
    for role, form in ordered(battery_app, discovered):
        if form.method != "POST" or is_destructive(battery_app, form):
            continue
        client = client_for(battery_app, world, role)
        label = f"POST {form.action} as {role}"
        names = form.fuzzable()
        for _family, payload in payloads.sample()[:4]:
            shapes = {
                "json": ({}, {name: payload for name in names}),
                "json-types": ({}, {name: [payload, {"x": 1}, 7, None] for name in names}),
                "repeated": (MultiDict([(n, v) for n in names for v in (payload, payload)]), None),
                "extra": (
                    MultiDict({**form.fields, "company_id": "2", "role": "admin", payload: "1"}),
                    None,
                ),
            }
            for shape, (data, as_json) in shapes.items():
                submit_and_check(
                    checker, writes, client, form, data, payload, f"{label} {shape}", json=as_json
                )
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


def test_other_roles_sending_hostile_forms_change_nothing(battery_app, world, discovered, writes):
    """Every form, hostile, as each role that does not own it: no 5xx, rejected means unchanged."""
    checker = Checker(battery_app, "hostile-roles")
    clients = {role: client_for(battery_app, world, role) for role in ROLES}
    for owner, form in ordered(battery_app, discovered):
        for role in ROLES:
            if role == owner:
                continue
            label = f"{form.method} {form.action} as {role}"
            for _family, payload in payloads.sample():
                data = hostile_data(form, payload)
                submit_and_check(checker, writes, clients[role], form, data, payload, label)
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


def _query_names(app, route, discovered) -> list[str]:
    """Names the route's view reads from request.args, plus its GET forms' fields."""
    source, _ = view_source(app, route.endpoint)
    names = set(_ARGS.findall(source))
    path = urlsplit(sample_url(route, None, "a") if not route.obj else "").path
    for _, form in discovered:
        if form.method == "GET" and path and form.action == path:
            names.update(form.fuzzable())
    return sorted(names)


QUERY_CHUNKS = 4


def _query(names: list[str], payload: str) -> str | None:
    """`urlencode({name: payload for name in names})`, or None when it would pass URL_CAP."""
    value = quoted(payload)
    if len(value) > URL_CAP:
        return None
    query = "&".join(f"{quoted(name)}={value}" for name in names)
    return None if len(query) > URL_CAP else query


@pytest.mark.parametrize("chunk", range(QUERY_CHUNKS))
def test_every_query_parameter_of_every_get_route(battery_app, world, discovered, chunk):
    """The corpus in every query parameter a GET route reads, as the route's role and as others."""
    checker = Checker(battery_app, "hostile-query")
    for route in ROUTES[chunk::QUERY_CHUNKS]:
        if "GET" not in route.methods or route.audience not in ROLE_FOR:
            continue
        names = _query_names(battery_app, route, discovered)
        reads_none = not names
        names = names or ["q", "page"]  # the view reads none: unknown ones must be ignored
        base = sample_url(route, world, "a")
        owner = ROLE_FOR[route.audience]
        for role in ROLES:
            client = client_for(battery_app, world, role)
            if role != owner:
                corpus = payloads.sample()[:3]
            elif reads_none:
                corpus = payloads.sample()
            else:
                corpus = payloads.corpus()
            for _family, payload in corpus:
                query = _query(names, payload)
                if query is None:
                    continue
                response = fetch(client, base + ("&" if "?" in base else "?") + query)
                checker.check(f"GET {route.endpoint} as {role}", payload, response)
                db.session.rollback()
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


def test_stored_payloads_render_escaped_everywhere(battery_app, world):
    """Whatever this worker's passes stored, no page shows any payload of the corpus unescaped."""
    checker = Checker(battery_app, "hostile-stored")
    _stored_crawl(checker, world, payloads.corpus(with_oversized=False), reachable_only=False)
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


def test_bytes_that_are_not_utf8_get_the_400_page_on_every_route(battery_app, world, discovered):
    """A raw or percent-encoded non-UTF-8 byte in the query of every GET route, and in the body
    of every form, as the route's own role: the Dutch 400 page (werkzeug raised a 500 on it)."""
    checker = Checker(battery_app, "hostile-encoding")
    clients = {role: client_for(battery_app, world, role) for role in ROLES}
    for route in ROUTES:
        if "GET" not in route.methods or route.audience not in ROLE_FOR:
            continue
        url = sample_url(route, world, "a")
        for query in ("q=\xff", "q=%FF&page=1"):
            response = clients[ROLE_FOR[route.audience]].get(
                url.split("?")[0], environ_overrides={"QUERY_STRING": query}
            )
            _expect_400(checker, f"GET {route.endpoint} ?{query!r}", response)
    for role, form in ordered(battery_app, discovered):
        if form.method != "POST":
            continue
        for body in (b"name=%FF", b"name=\xff&x=1"):
            response = fetch(
                clients[role], form.action, "POST", data=body,
                content_type="application/x-www-form-urlencoded",
            )  # fmt: skip
            _expect_400(checker, f"POST {form.action} as {role} {body!r}", response)
        db.session.rollback()
    checker.record()
    assert not checker.problems, "\n".join(checker.problems[:50])


def _expect_400(checker, label: str, response) -> None:
    checker.cases += 1
    if response.status_code != 400 or "verzoek kon niet worden verwerkt" not in response.text:
        checker.problems.append(f"{label}: {response.status_code}")
