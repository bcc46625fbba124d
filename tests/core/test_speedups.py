"""The test-only caches of tests/speedups.py change cost, not behaviour."""

from __future__ import annotations

from argon2 import PasswordHasher
from werkzeug.routing import Map, Rule

from portal.auth import passwords
from tests import speedups


def test_production_keeps_the_owasp_argon2_parameters():
    """Only the test process lowers the cost; the module as shipped hashes at t=2, m=19 MiB."""
    production = speedups.PRODUCTION_PARAMETERS
    assert (production.time_cost, production.memory_cost, production.parallelism) == (2, 19456, 1)
    assert passwords.hasher._parameters == speedups.TEST_PARAMETERS
    shipped = PasswordHasher.from_parameters(production)
    assert shipped.hash("x").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_hashes_made_in_tests_still_verify_and_refuse(app, make_user):
    user = make_user(password="lange-groene-appel-2026")
    assert passwords.verify_password(user.password_hash, "lange-groene-appel-2026") == (True, None)
    assert passwords.verify_password(user.password_hash, "lange-groene-appel-2027")[0] is False
    assert passwords.verify_password(None, "wat dan ook")[0] is False


def test_cached_url_builders_build_what_werkzeug_builds():
    """Two maps with the same rules share builders; URLs equal werkzeug's uncached ones."""
    rules = [
        Rule("/a/<int:n>/<path:rest>", endpoint="a"),
        Rule("/b/", defaults={"page": 1}, endpoint="b"),
        Rule("/b/<int:page>", endpoint="b"),
        Rule("/c/<any(x, y):kind>", endpoint="c"),
    ]
    values = [("a", {"n": 7, "rest": "x y/z", "q": "1"}), ("b", {}), ("b", {"page": 3})]
    values.append(("c", {"kind": "y"}))
    cached = Map([r.empty() for r in rules]).bind("localhost")
    again = Map([r.empty() for r in rules]).bind("localhost")
    speedups.Rule._compile_builder = speedups._original_compile_builder
    try:
        plain = Map([r.empty() for r in rules]).bind("localhost")
    finally:
        speedups.install()
    for endpoint, args in values:
        assert (
            cached.build(endpoint, args)
            == again.build(endpoint, args)
            == plain.build(endpoint, args)
        )
