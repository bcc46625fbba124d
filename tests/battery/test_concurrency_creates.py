"""Double submits (SECURITY.md §5 "No lost update"): every create form submitted three times.

Every GET page is crawled as a visitor, members, a staff user and an admin; each POST form
carrying an `idempotency_key` is a create form. The same filled form is submitted three times:
every answer sends the user to the same place, the model gains exactly one row, and the second
and third submits change no table at all. A listed create form that renders without a key, or a
keyed form without a recipe in tests/battery/concurrency_forms.py, fails the family. On
PostgreSQL the three submits also run at the same moment (test_concurrency_creates_at_once.py,
a fresh world). One case per form and mode, in the `double-submits` family.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from tests.battery import summary
from tests.battery.concurrency_forms import (
    CREATES,
    CREATES_ELSEWHERE,
    accept_agreement,
    add_actors,
    crawl_forms,
    form_on,
    model,
    value,
)
from tests.battery.routes import changed_tables, db_fingerprint, fetch, login_client

FAMILY = "double-submits"
ROLES = ("anonymous", "member_a", "member_c", "staff", "admin")


def _count(path: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model(path)))


def _data(recipe, fields: dict) -> MultiDict:
    data = MultiDict({k: v for k, v in fields.items() if v != "" or k in recipe.data})
    for name, spec in recipe.data.items():
        data[name] = value(spec, fields)
    for name, make in recipe.files.items():
        data[name] = make()
    return data


def _submit(client, action: str, recipe, fields: dict):
    data = _data(recipe, fields)
    return fetch(client, action, "POST", data=data, content_type="multipart/form-data")


def _where(response) -> str:
    return response.headers.get("Location") or response.headers.get("HX-Redirect") or ""


def _three_in_a_row(endpoint, form, client) -> list[str]:
    recipe = CREATES[endpoint]
    fields = form_on(client, form.found_on, form.action).fields
    before = _count(recipe.model)
    first = _submit(client, form.action, recipe, fields)
    after_first = db_fingerprint()
    again = [_submit(client, form.action, recipe, fields) for _ in range(2)]
    problems = []
    statuses = [r.status_code for r in (first, *again)]
    if any(status not in (303, 204) for status in statuses):
        problems.append(f"{endpoint}: answers {statuses}")
    if len({_where(r) for r in (first, *again)}) != 1:
        problems.append(f"{endpoint}: the submits went to different places")
    changed = changed_tables(after_first, db_fingerprint())
    if changed:
        problems.append(f"{endpoint}: a repeated submit changed {changed}")
    created = _count(recipe.model) - before
    if created != 1:
        problems.append(f"{endpoint}: three submits made {created} rows")
    return problems


def _three_at_once(app, world, endpoint, form, role) -> list[str]:
    """The same three submits from three browsers sharing one session, at the same moment."""
    recipe = CREATES[endpoint]
    clients = [app.test_client() for _ in range(3)]
    if role != "anonymous":
        login_client(clients[0], world.users[role])
        with clients[0].session_transaction() as shared:
            cookie = dict(shared)
        for other in clients[1:]:
            with other.session_transaction() as session:
                session.update(cookie)
    fields = form_on(clients[0], form.found_on, form.action).fields
    before = _count(recipe.model)
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def submit(client):
        with app.app_context():
            barrier.wait()
            statuses.append(_submit(client, form.action, recipe, fields).status_code)
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = _count(recipe.model) - before
    problems = []
    if sorted(statuses) != [statuses[0]] * 3 or statuses[0] not in (303, 204):
        problems.append(f"{endpoint} at once: answers {statuses}")
    if created != 1:
        problems.append(f"{endpoint} at once: three simultaneous submits made {created} rows")
    return problems


def _cases(battery_app, world, actor_client):
    add_actors(world)
    accept_agreement(world)
    clients = {role: actor_client(role) for role in ROLES}
    found = crawl_forms(battery_app, world, clients, "idempotency_key")
    problems = []
    for endpoint in sorted(set(CREATES) - set(found)):
        summary.record(FAMILY, 1, 1)
        problems.append(f"{endpoint}: a create form renders no idempotency key")
    unknown = sorted(set(found) - set(CREATES) - set(CREATES_ELSEWHERE))
    for endpoint in unknown:
        summary.record(FAMILY, 1, 1)
        problems.append(f"{endpoint}: a keyed form without a recipe in concurrency_forms")
    known = {e: found[e][1] for e in sorted(found) if e in CREATES}
    return known, problems


def test_every_create_form_submitted_three_times_creates_one(battery_app, world, actor_client):
    known, problems = _cases(battery_app, world, actor_client)
    for endpoint, form in known.items():
        found = _three_in_a_row(endpoint, form, actor_client(CREATES[endpoint].role))
        summary.record(FAMILY, 1, 1 if found else 0)
        problems += found
    assert not problems, "\n".join(problems)
