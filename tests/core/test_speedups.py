"""The test-only caches of tests/speedups.py change cost, not behaviour."""

from __future__ import annotations

from contextlib import contextmanager

from argon2 import PasswordHasher
from werkzeug.exceptions import HTTPException
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
    with _werkzeug_uncached():
        plain = Map([r.empty() for r in rules]).bind("localhost")
    for endpoint, args in values:
        assert (
            cached.build(endpoint, args)
            == again.build(endpoint, args)
            == plain.build(endpoint, args)
        )
    for path in ("/a/7/x/y", "/b/", "/b/3", "/c/x", "/c/z", "/a/x/y"):
        assert _match(cached, path) == _match(again, path) == _match(plain, path)


@contextmanager
def _werkzeug_uncached():
    speedups.Rule._compile_builder = speedups._original_compile_builder
    speedups.Rule.compile = speedups._original_compile
    try:
        yield
    finally:
        speedups.install()


def _match(adapter, path):
    try:
        return adapter.match(path)
    except HTTPException as error:
        return type(error)


def test_cached_rule_parse_equals_werkzeugs_for_every_route_of_the_app():
    """Every rule of a fresh app: the same parts, trace, converters and arguments as werkzeug's."""
    from portal import create_app
    from tests.conftest import base_config

    def shape(app):
        return {
            (rule.rule, rule.endpoint): (
                rule._parts,
                rule._trace,
                {
                    k: (type(c), c.regex, {**vars(c), "map": c.map is app.url_map})
                    for k, c in rule._converters.items()
                },
                rule.arguments,
                rule.map is app.url_map,
            )
            for rule in app.url_map.iter_rules()
        }

    create_app(base_config())  # fills the caches
    cached = shape(create_app(base_config()))
    with _werkzeug_uncached():
        plain = shape(create_app(base_config()))
    assert len(cached) > 150
    assert cached == plain


def test_multipart_bodies_share_one_boundary_and_parse_the_same():
    """The fixed boundary changes no field or file the app reads, and `re` caches its patterns."""
    import io

    from flask import Flask, request

    app = Flask(__name__)

    @app.post("/")
    def echo():
        upload = request.files["f"]
        return {
            "ct": request.content_type,
            "a": request.form.getlist("a"),
            "file": [upload.filename, upload.read().decode()],
        }

    client = app.test_client()
    for _ in range(2):
        data = {"a": ["1", "<b>--x</b>"], "f": (io.BytesIO(b"inhoud"), "bijlage.txt")}
        body = client.post("/", data=data, content_type="multipart/form-data").get_json()
        assert body["a"] == ["1", "<b>--x</b>"]
        assert body["file"] == ["bijlage.txt", "inhoud"]
        assert f'boundary="{speedups.BOUNDARY}"' in body["ct"]


def test_what_one_test_stores_is_gone_for_the_next(app, make_user):
    """The per-test cleanup (tests/conftest.py): the next app sees empty tables, and ids start
    again where a fresh schema starts them (PostgreSQL: only the filled tables are emptied and
    only the used sequences restarted)."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from tests.conftest import base_config, finish_database, start_database

    user = make_user()
    first = (user.id, user.company_id)
    db.session.remove()
    finish_database()  # what the `app` fixture does after each test
    following = create_app(base_config())
    with following.app_context():
        start_database()
        try:
            counts = {
                table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }
            assert not any(counts.values()), counts
            again = make_user()
            assert (again.id, again.company_id) == first
        finally:
            db.session.remove()
            finish_database()
            db.engine.dispose()


def test_apps_share_compiled_sql_but_not_connections(app):
    """Each app gets its own engine and pool; the dialect and compiled-SQL cache are the first
    engine's for the same URL and options, as one long-lived engine keeps them in production."""
    from sqlalchemy import select

    from portal import create_app
    from portal.auth.models import User
    from portal.extensions import db
    from tests.conftest import base_config, finish_database, start_database

    first = db.engine
    db.session.execute(select(User.id).where(User.email == "x")).all()
    other = create_app(base_config())
    with other.app_context():
        start_database()
        try:
            second = db.engine
            assert second is not first and second.pool is not first.pool
            assert second.dialect is first.dialect and second.pool._dialect is first.dialect
            assert second._compiled_cache is first._compiled_cache
            cached = len(second._compiled_cache)
            assert db.session.execute(select(User.id).where(User.email == "y")).all() == []
            assert len(second._compiled_cache) == cached  # compiled by the first app's engine
        finally:
            db.session.remove()
            finish_database()
            db.engine.dispose()


def test_the_shared_dialect_asks_the_server_once(app, monkeypatch):
    """A new app's engine does not initialize a dialect again (server version, default schema,
    string quoting: a few queries per test on PostgreSQL); the shared one was initialized."""
    from portal import create_app
    from portal.extensions import db
    from tests.conftest import base_config, finish_database, start_database

    db.session.execute(db.select(1)).all()  # this app's first connection
    shared = db.engine.dialect
    assert shared.server_version_info is not None  # initialized, by this or an earlier engine
    calls = []
    monkeypatch.setattr(type(shared), "initialize", lambda self, conn: calls.append(self))
    other = create_app(base_config())
    with other.app_context():
        start_database()
        try:
            db.session.execute(db.select(1)).all()
            assert db.engine.dialect is shared
        finally:
            db.session.remove()
            finish_database()
            db.engine.dispose()
    assert calls == []
