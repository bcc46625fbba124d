"""Double submits at the same moment (PostgreSQL): three browsers of one session submit the same
filled create form together; exactly one row is made and all three are sent to it. A module of
its own, so the world is fresh (tests/battery/test_concurrency_creates.py explains the family)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.battery import summary
from tests.battery.concurrency_forms import CREATES
from tests.battery.test_concurrency_creates import FAMILY, _cases, _three_at_once


def test_three_simultaneous_submits_create_one(battery_app, world, actor_client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the in-memory SQLite test database has one shared connection")
    known, problems = _cases(battery_app, world, actor_client)
    for endpoint, form in known.items():
        found = _three_at_once(battery_app, world, endpoint, form, CREATES[endpoint].role)
        summary.record(FAMILY, 1, 1 if found else 0)
        problems += found
    assert not problems, "\n".join(problems)
