"""Shared machinery of the hostile-input and upload batteries: form discovery, checks, sending.

Forms are discovered by crawling every GET page of the route inventory as the role that may see
it (plus, for forms that only render in another state, the Flask-WTF form the view binds), so a
new form is covered without being listed. `Checker` applies the pass criteria to one response;
`WriteWatch` tells which tables a request committed writes to.
"""

from __future__ import annotations

import inspect
import io
import re
from functools import lru_cache
from urllib.parse import quote_plus, urlsplit

from sqlalchemy import event
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from tests.battery import payloads, summary
from tests.battery.forms import Form, forms_in
from tests.battery.routes import (
    BY_ENDPOINT,
    ROUTES,
    changed_tables,
    db_fingerprint,
    fetch,
    login_client,
    sample_url,
)
from tests.battery.world import VOLATILE_TABLES

ROLE_FOR = {
    "public": "anonymous",
    "anon": "anonymous",
    "account": "member_a",
    "member": "member_a",
    "staff": "staff",
    "admin": "admin",
}
ROLES = ("anonymous", "member_a", "member_b", "staff", "admin")
URL_CAP = 10_001  # longer query strings are refused by any real server (414) before the app
_ARGS = re.compile(r"request\.args\.(?:get|getlist)\(\s*[\"']([A-Za-z_][\w-]*)[\"']")
_FORM_CLASS = re.compile(r"\b([A-Z]\w*Form)\(")
_FORM_GET = re.compile(r"request\.form\.(?:get|getlist)\(\s*[\"']([A-Za-z_][\w-]*)[\"']")


_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class WriteWatch:
    """Tables that committed writes touched, from the engine's own events (cheap per request).

    A statement counts only once its transaction commits, so a service that writes, fails and
    rolls back leaves nothing. The security log and session bookkeeping are expected to change.
    """

    def __init__(self, engine):
        self.engine = engine
        self.committed: list[str] = []
        event.listen(engine, "before_cursor_execute", self._execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def _execute(self, conn, cursor, statement, parameters, context, executemany):
        found = _WRITE.match(statement)
        if found and found.group(1) not in VOLATILE_TABLES:
            conn.info.setdefault("battery_writes", []).append(found.group(1))

    def _commit(self, conn):
        self.committed += conn.info.pop("battery_writes", [])

    def _rollback(self, conn):
        conn.info.pop("battery_writes", None)

    def take(self) -> list[str]:
        """Tables written and committed since the last call."""
        written, self.committed = sorted(set(self.committed)), []
        return written

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._execute)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


class Checker:
    """Collects problems and case counts for one family."""

    def __init__(self, app, family: str):
        self.app = app
        self.family = family
        self.cases = 0
        self.problems: list[str] = []
        self.secret = app.config["SECRET_KEY"]

    def check(self, label: str, payload: str, response) -> None:
        """Apply every pass criterion that one response can show."""
        self.cases += 1
        where = f"{label} [{payload[:40]!r}]"
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code}")
            return
        for name, value in response.headers.items():
            injected = name.lower() == "x-injected" or "\r" in value or "\n" in value
            if injected or (name.lower() == "set-cookie" and value.startswith("pwned")):
                self.problems.append(f"{where}: injected header {name}: {value[:60]}")
        location = response.headers.get("Location", "")
        if location and urlsplit(location).netloc not in ("", "localhost"):
            self.problems.append(f"{where}: redirect off-site to {location[:80]}")
        if response.mimetype != "text/html":
            return
        body = response.get_data(as_text=True)
        if payloads.echo_is_dangerous(payload) and payload in body:
            self.problems.append(f"{where}: payload echoed unescaped")
        for marker in payloads.TEMPLATE_MARKERS:
            if marker in body and marker not in payload:
                self.problems.append(f"{where}: template marker {marker!r} in the page")
        if self.secret in body:
            self.problems.append(f"{where}: SECRET_KEY in the page")

    def record(self) -> None:
        summary.record(self.family, self.cases, len(self.problems))


def client_for(app, world, role: str):
    client = app.test_client()
    if role != "anonymous":
        login_client(client, world.users[role])
    return client


def endpoint_of(app, method: str, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except HTTPException:
        return None
    return endpoint


def view_source(app, endpoint: str) -> tuple[str, dict]:
    """The view's source plus that of the module's private helpers it calls (one level)."""
    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return "", {}
    namespace = view.__globals__
    for helper in set(re.findall(r"\b(_[a-z]\w*)\(", source)):
        if inspect.isfunction(namespace.get(helper)):
            source += inspect.getsource(namespace[helper])
    return source, namespace


def form_from_view(app, world, route) -> Form | None:
    """The form a POST route binds, read from its view: the Flask-WTF class or request.form names.

    For routes whose form only renders in a state the battery world is not in (a pending login,
    a valid reset token, an unaccepted agreement, ...).
    """
    source, namespace = view_source(app, route.endpoint)
    fields: dict[str, str] = {}
    files: set[str] = set()
    classes = [name for name in _FORM_CLASS.findall(source) if name in namespace]
    with app.test_request_context():
        for class_name in classes:
            form_class = namespace.get(class_name)
            if form_class is None:
                continue
            for bound in form_class(meta={"csrf": False}):
                if bound.type == "FileField" or bound.type == "MultipleFileField":
                    files.add(bound.name)
                elif bound.type not in ("SubmitField", "CSRFTokenField"):
                    fields[bound.name] = ""
    fields.update(dict.fromkeys(_FORM_GET.findall(source), ""))
    if not classes and not fields:
        return None
    if not fields and not files:
        fields["extra"] = ""  # a token-only confirmation form: payloads ride in an unknown field
    with app.test_request_context():
        action = sample_url(route, world, "a")
    return Form("POST", urlsplit(action).path, fields, files, found_on="view:" + route.endpoint)


def is_destructive(app, form: Form) -> bool:
    endpoint = endpoint_of(app, form.method, form.action)
    route = BY_ENDPOINT.get(endpoint)
    return bool(route and route.destructive)


def ordered(app, forms):
    """Forms whose success removes a world object (or ends the session) go last."""
    return sorted(forms, key=lambda item: is_destructive(app, item[1]))


@lru_cache(maxsize=1024)
def quoted(value: str) -> str:
    """quote_plus once per distinct value: an oversized payload takes tens of ms to encode."""
    return quote_plus(value)


def encode_query(pairs) -> str:
    """`urlencode(pairs, doseq=True)` for a MultiDict or dict of strings, with cached quoting."""
    items = pairs.items(multi=True) if isinstance(pairs, MultiDict) else pairs.items()
    return "&".join(f"{quoted(str(k))}={quoted(str(v))}" for k, v in items)


def send(client, form: Form, data, *, json=None):
    """Submit `data` (or `json`) the way the form would: query string for GET, body for POST."""
    if form.method == "GET":
        return fetch(client, form.action + "?" + encode_query(data))
    if json is not None:
        return fetch(client, form.action, "POST", json=json)
    return fetch(client, form.action, "POST", data=data, content_type="multipart/form-data")


def hostile_data(form: Form, payload: str, *, only: str | None = None) -> MultiDict:
    """The form's defaults with `payload` in field `only`, or in every field."""
    data = MultiDict(form.fields)
    targets = [only] if only else form.fuzzable()
    if len(payload) >= payloads.BIG and not only:
        targets = targets[:1]
    for name in targets:
        data[name] = payload
    for name in form.files:
        if only in (None, name) and len(payload) < payloads.BIG:
            data[name] = (io.BytesIO(b"dummy"), payload[:200] or "x")
    return data


def submit_and_check(checker, writes, client, form, data, payload, label, *, json=None):
    """One request, its checks, and the 'rejected means nothing committed' rule."""
    if form.method == "GET" and len(encode_query(data)) > URL_CAP:
        return 400
    writes.take()
    response = send(client, form, data, json=json)
    checker.check(label, payload, response)
    db.session.rollback()
    written = writes.take()
    if 400 <= response.status_code < 500 and written:
        checker.problems.append(f"{label} [{payload[:40]!r}]: rejected but wrote {written}")
    return response.status_code


class FormBatch:
    """Full-table fingerprints around a batch of requests to one form, when all were rejected.

    `before` may be the fingerprint the previous batch closed with, when `writes` shows that
    nothing outside the volatile tables was committed since: then it equals a fresh one. (Were
    a write missed, the stale fingerprint would flag a change that no request made: a false
    alarm, never a missed change.)
    """

    def __init__(self, checker, label, *, writes=None, before: dict[str, str] | None = None):
        self.checker, self.label = checker, label
        unchanged = before is not None and writes is not None and not writes.take()
        self.before = before if unchanged and before is not None else db_fingerprint()
        self.after: dict[str, str] | None = None
        self.accepted = 0

    def note(self, status: int) -> None:
        self.accepted += status < 400

    def close(self) -> dict[str, str] | None:
        """Check the batch; the fingerprint it ended with, when it took one."""
        if self.accepted:
            return None
        self.after = db_fingerprint()
        changed = changed_tables(self.before, self.after)
        if changed:
            self.checker.problems.append(
                f"{self.label}: every request rejected, yet {changed} changed"
            )
        return self.after


def discover_forms(app, world) -> list[tuple[str, Form]]:
    """(role, Form) for every distinct form on every GET page, seen as the role that may use it."""
    found: dict[tuple, tuple[str, Form]] = {}
    clients = {role: client_for(app, world, role) for role in set(ROLE_FOR.values())}
    for route in ROUTES:
        if "GET" not in route.methods or route.audience not in ROLE_FOR:
            continue
        role = ROLE_FOR[route.audience]
        url = sample_url(route, world, "a")
        response = fetch(clients[role], url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_in(response.get_data(as_text=True), urlsplit(url).path):
            key = (*form.key, tuple(sorted(form.fields)), tuple(sorted(form.files)))
            found.setdefault(key, (role, form))
    reached = {endpoint_of(app, f.method, f.action) for _, f in found.values()}
    for route in ROUTES:
        if route.mutating and route.endpoint not in reached and route.audience in ROLE_FOR:
            form = form_from_view(app, world, route)
            if form is not None:
                found[(route.endpoint,)] = (ROLE_FOR[route.audience], form)
    return list(found.values())
