"""Concurrent edits (SECURITY.md §5 "No lost update"): every edit form from two sessions.

Every GET page is crawled as a member, a staff user and an admin; each POST form carrying a
`version` is an edit form of a shared record. Two sessions load it, the first saves a change, the
second saves its own change from the stale page: 409 with the Dutch notice, the second's input
echoed, and not one table changed by the second request. A listed edit form that renders without
a version, or a versioned form without a recipe in tests/battery/concurrency_forms.py, fails the
family. One case per form, in the `concurrent-edits` family.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from tests.battery import summary
from tests.battery.concurrency_forms import (
    EDITS,
    FIRST_VIA,
    SECOND,
    add_actors,
    crawl_forms,
    form_on,
    value,
)
from tests.battery.routes import changed_tables, db_fingerprint, fetch

FAMILY = "concurrent-edits"
CONFLICT = "Iemand anders heeft dit intussen gewijzigd"
MULTI = ("specialisms", "recognitions")  # unticked checkbox lists are not sent by a browser


def _data(fields: dict, changes: dict) -> MultiDict:
    data = {k: v for k, v in fields.items() if not (k in MULTI and v == "")}
    data.update({name: value(spec, fields) for name, spec in changes.items()})
    return MultiDict(data)


def _post(client, action: str, data: MultiDict):
    return fetch(client, action, "POST", data=data, content_type="multipart/form-data")


def _one_edit(endpoint, role, form, found, actor_client) -> list[str]:
    recipe = EDITS[endpoint]
    first, second = actor_client(recipe.role), actor_client(SECOND[recipe.role])
    stale = form_on(second, form.found_on, form.action)
    _, via = found[FIRST_VIA.get(endpoint, endpoint)]
    seen = form_on(first, via.found_on, via.action)
    saved = _post(first, via.action, _data(seen.fields, recipe.first))
    if saved.status_code not in (303, 204):
        return [f"{endpoint}: the first session's save answered {saved.status_code}"]
    before = db_fingerprint()
    response = _post(second, form.action, _data(stale.fields, recipe.second))
    changed = changed_tables(before, db_fingerprint())
    body = response.get_data(as_text=True)
    problems = []
    if response.status_code != 409:
        problems.append(f"{endpoint}: a save from a stale page answered {response.status_code}")
    if changed:
        problems.append(f"{endpoint}: the stale save changed {changed}")
    if CONFLICT not in body:
        problems.append(f"{endpoint}: no conflict notice")
    if recipe.echo and recipe.echo not in body:
        problems.append(f"{endpoint}: the second session's input {recipe.echo!r} is not kept")
    return problems


def test_every_edit_form_refuses_a_stale_save(battery_app, world, actor_client):
    add_actors(world)
    clients = {role: actor_client(role) for role in ("member_a", "staff", "admin")}
    found = crawl_forms(battery_app, world, clients, "version")
    problems = []
    for endpoint in sorted(set(EDITS) - set(found)):
        summary.record(FAMILY, 1, 1)
        problems.append(f"{endpoint}: an edit form of a shared record renders no version")
    for endpoint, (role, form) in sorted(found.items()):
        if endpoint not in EDITS:
            summary.record(FAMILY, 1, 1)
            problems.append(f"{endpoint}: a versioned form without a recipe in concurrency_forms")
            continue
        found_problems = _one_edit(endpoint, role, form, found, actor_client)
        summary.record(FAMILY, 1, 1 if found_problems else 0)
        problems += found_problems
    assert not problems, "\n".join(problems)
