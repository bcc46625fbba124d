"""Every URL rule of the app is in the battery's route table, and nothing stale is."""

from __future__ import annotations

from tests.battery import summary
from tests.battery.routes import AUDIENCES, ID_ARGS, OWNERS, ROUTES, app_endpoints, sample_url


def test_every_endpoint_is_in_the_table(battery_app):
    missing = sorted(set(app_endpoints(battery_app)) - {r.endpoint for r in ROUTES})
    summary.record("inventory", len(app_endpoints(battery_app)), len(missing))
    assert not missing, (
        f"routes without a battery entry (add them to tests/battery/routes.py): {missing}"
    )


def test_no_stale_or_duplicate_entries(battery_app):
    endpoints = [r.endpoint for r in ROUTES]
    assert len(endpoints) == len(set(endpoints)), "duplicate endpoints in ROUTES"
    stale = sorted(set(endpoints) - set(app_endpoints(battery_app)))
    assert not stale, f"table entries for endpoints the app no longer has: {stale}"


def test_methods_match_the_app(battery_app):
    actual = app_endpoints(battery_app)
    wrong = {
        r.endpoint: (sorted(r.methods), sorted(actual[r.endpoint]))
        for r in ROUTES
        if r.endpoint in actual and set(r.methods) != actual[r.endpoint]
    }
    assert not wrong, f"methods differ (table, app): {wrong}"


def test_entries_are_well_formed(battery_app, world):
    for route in ROUTES:
        assert route.audience in AUDIENCES, route
        assert route.owner in OWNERS, route
        assert (route.obj is None) == (route.owner is None), route
        if route.obj:
            assert route.obj in ID_ARGS and route.obj in world.objects, route
    # Every sample URL builds and matches its own endpoint.
    adapter = battery_app.url_map.bind("localhost")
    for route in ROUTES:
        for which in ("a", "missing") if route.obj else ("a",):
            url = sample_url(route, world, which)
            endpoint, _args = adapter.match(url, method=route.methods[0])
            assert endpoint == route.endpoint, (route, url)
