"""Battery fixtures (one app and one set of objects per module) and the summary table."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db
from tests.battery import summary
from tests.battery.routes import build_world, login_client
from tests.conftest import IsolatedClient, base_config, finish_database, start_database


def pytest_configure(config):
    """Register the summary hooks once (tests/conftest.py may list them in pytest_plugins too)."""
    if not config.pluginmanager.has_plugin("tests.battery.summary"):
        config.pluginmanager.register(summary, "tests.battery.summary")


@pytest.fixture(scope="module")
def battery_app(request):
    """One app per module; the module's BATTERY_CONFIG dict overrides the test settings."""
    overrides = getattr(request.module, "BATTERY_CONFIG", {})
    application = create_app(base_config(**overrides))
    application.test_client_class = IsolatedClient
    with application.app_context():
        start_database()  # empty tables, schema built once per worker (tests/conftest.py)
        yield application
        db.session.remove()
        finish_database()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(battery_app):
    """Companies A and B with their objects, a staff user and an admin (see world.build_world)."""
    return build_world()


@pytest.fixture(scope="module")
def actor_client(battery_app, world):
    """`actor_client(name)`: a logged-in client per actor, made once per module and cached."""
    cache = {}

    def get(name: str, *, fresh: bool = False):
        if fresh or name not in cache:
            client = battery_app.test_client()
            if name != "anonymous":
                login_client(client, world.users[name])
            cache[name] = client
        return cache[name]

    return get


@pytest.fixture(scope="module")
def discovered(battery_app, world):
    """(role, Form) for every distinct form the portal renders (see tests/battery/hostile.py)."""
    from tests.battery.hostile import discover_forms

    return discover_forms(battery_app, world)


@pytest.fixture(scope="module")
def writes(battery_app):
    """Which tables each request committed writes to (tests/battery/hostile.py's WriteWatch)."""
    from tests.battery.hostile import WriteWatch

    watch = WriteWatch(db.engine)
    yield watch
    watch.close()
