"""Shared fixtures: app per test on SQLite or PostgreSQL, client, factories, login helper.

Each test gets a fresh application and empty tables, but the schema is built once per xdist
worker (see `start_database` / `finish_database`), not per test:
- in-memory SQLite (the default): every app's single connection is a private in-memory copy
  (sqlite3's backup API) of a template database that `create_all` built once in this process;
- PostgreSQL (`TEST_DATABASE_URL`): the worker's scratch database keeps its schema, and after
  each test the tables it filled are emptied and the sequences it used restarted, so tests commit
  for real and may use several connections, threads, locks and subprocesses;
- any other database a test chooses (a file under tmp_path): `create_all` / `drop_all` as
  before.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import sys
import threading
import time

import pyotp
import pytest
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from portal import ROOT, create_app
from portal.auth import sessions
from portal.auth.models import CompanyRole, Role, User
from portal.auth.passwords import hash_password
from portal.directory.cache import dispose_readers
from portal.extensions import db
from portal.members.models import Company, MembershipStatus
from tests import halves, speedups

speedups.install()

# The xdist controller never loads tests/battery/conftest.py, so the summary hooks come in here.
pytest_plugins = ["tests.battery.summary"]

PASSWORD = "paarse-kraan-lekt-zachtjes-2026"
_counter = itertools.count(1)


# Modules whose tests take seconds each (measured with --durations on the shared machine), besides
# the `slow` and `browser` markers. They run first, so no worker starts one when the others have
# nothing left to do: with `--dist worksteal` (scripts/test.sh) an idle worker takes the other's
# last, quick tests instead of waiting for a long one that started at the end.
LONG_MODULES = (
    "tests/battery/test_hostile_inputs.py",
    "tests/battery/test_access_matrix.py",
    "tests/battery/test_csrf_session.py",
    "tests/battery/test_upload_matrix.py",
    "tests/ops/test_metrics.py",
    "tests/ops/test_tracking.py",
    "tests/core/test_ratelimit_store.py",
    "tests/core/test_access_log.py",
    "tests/core/test_gunicorn_server_header.py",
    "tests/demo/test_seed.py",
    "tests/migrations/test_migrations.py",
)


def _runs_long(item: pytest.Item) -> bool:
    if item.get_closest_marker("slow") or item.get_closest_marker("browser"):
        return True
    return item.nodeid.split("::", 1)[0] in LONG_MODULES


# Set by scripts/test.sh for its PostgreSQL half: leave the tests that never reach the test
# database to the SQLite half (tests/halves.py).
ONLY_DATABASE_TESTS = "TEST_ONLY_DATABASE_TESTS"
_left_to_sqlite: list[int] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long tests first, each group in collection order (the same order in every worker); in
    the PostgreSQL half of scripts/test.sh, without the tests that never reach the database."""
    items.sort(key=lambda item: not _runs_long(item))
    if os.environ.get(ONLY_DATABASE_TESTS) == "1":
        if not _test_database_url().startswith("postgresql"):
            raise pytest.UsageError(f"{ONLY_DATABASE_TESTS}=1 is for a PostgreSQL run")
        left = [item for item in items if not halves.reaches_database(item)]
        if left:
            config.hook.pytest_deselected(items=left)
            kept = {id(item) for item in left}
            items[:] = [item for item in items if id(item) not in kept]
        _left_to_sqlite.append(len(left))
        if hasattr(config, "workeroutput"):  # an xdist worker: the controller prints it
            config.workeroutput["left_to_sqlite"] = len(left)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """The xdist controller keeps a worker's count of tests left to the SQLite half."""
    count = getattr(node, "workeroutput", {}).get("left_to_sqlite")
    if count is not None and not _left_to_sqlite:
        _left_to_sqlite.append(count)


def pytest_terminal_summary(terminalreporter) -> None:
    if _left_to_sqlite:
        terminalreporter.write_line(
            f"{_left_to_sqlite[0]} tests that never reach the test database were left to the "
            "SQLite half (tests/halves.py)"
        )


_guarded: list[str] = []  # the test being run, when it must not reach the test database
_guard_violations: list[str] = []
# TEST_DATABASE_URL while a guarded test runs (tests/halves.py): PostgreSQL that refuses every
# connection (nothing listens on port 1), so a child process that reads the test database from
# the inherited variable fails instead of quietly using in-memory SQLite in the SQLite half.
GUARD_DATABASE_URL = "postgresql+psycopg://left-to-the-sqlite-half@127.0.0.1:1/see_tests_halves_py"


@pytest.fixture(autouse=True)
def _database_free_guard(request):
    """Fail a test that tests/halves.py leaves to the SQLite half if it reaches the test
    database after all (its PostgreSQL run would have been lost)."""
    if halves.reaches_database(request.node):
        yield
        return
    _guarded.append(request.node.nodeid)
    inherited = os.environ.get("TEST_DATABASE_URL")
    os.environ["TEST_DATABASE_URL"] = GUARD_DATABASE_URL
    try:
        yield
    finally:
        _guarded.clear()
        if inherited is None:
            os.environ.pop("TEST_DATABASE_URL", None)
        else:
            os.environ["TEST_DATABASE_URL"] = inherited
    if _guard_violations:
        where = _guard_violations[:]
        _guard_violations.clear()
        pytest.fail(
            "this test reaches the test database (" + "; ".join(where) + "), so it must run "
            "on PostgreSQL too: see tests/halves.py",
            pytrace=False,
        )


def _check_guard(what: str) -> None:
    if _guarded:
        _guard_violations.append(what)


def pytest_sessionfinish() -> None:
    """Quit this worker's chromium, if a browser test started one (tests/browser/chromium.py)."""
    chromium = sys.modules.get("tests.browser.chromium")
    if chromium is not None:
        chromium.CHROMIUM_PROCESS.stop()


def database_url_for_tests() -> str:
    """TEST_DATABASE_URL (PostgreSQL scratch database, one per xdist worker) or in-memory SQLite."""
    _check_guard("database_url_for_tests()")
    return _test_database_url()


def _test_database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url.startswith("postgresql") and worker:
        url = f"{url}_{worker}"
    return url


def _ensure_postgres_database(url: str) -> None:
    """Create the per-worker scratch database once (the test command drops them all)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


@pytest.fixture(scope="session", autouse=True)
def _postgres_scratch():
    """Make sure this worker's PostgreSQL database exists."""
    url = _test_database_url()
    if url.startswith("postgresql"):
        _ensure_postgres_database(url)


_MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")
_template_lock = threading.Lock()
_sqlite_template: sqlite3.Connection | None = None
_sqlite_template_engine = None  # kept: disposing a StaticPool engine closes its connection


def _memory_copy_of_schema() -> sqlite3.Connection:
    """A new in-memory SQLite connection holding the schema that `db.create_all()` makes.

    The template is built once per process with the models' own metadata (so the audit
    triggers and the full-text table come with it) and copied page by page for each app.
    """
    global _sqlite_template, _sqlite_template_engine
    with _template_lock:
        if _sqlite_template is None:
            template = sqlite3.connect(":memory:", check_same_thread=False)
            engine = create_engine("sqlite://", creator=lambda: template, poolclass=StaticPool)
            with engine.begin() as connection:
                db.metadata.create_all(connection)
                stamp_migration_head(connection)
            _sqlite_template, _sqlite_template_engine = template, engine
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        _sqlite_template.backup(copy)
    return copy


def totp_code(secret: str, *, margin: float = 3.0) -> str:
    """The current TOTP code, taken at least `margin` seconds before its 30-second step ends.

    The portal accepts only the current step (valid_window=0, see SECURITY.md), so a code read
    just before the step rolls over fails when the request reaches the server in the next one,
    which on a busy machine happens. Waits (at most `margin` seconds) for the next step instead."""
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < margin:
        time.sleep(left + 0.05)
    return totp.now()


def base_config(**overrides) -> dict:
    """Test settings: CSRF and rate limits off unless a test turns them on."""
    url = _test_database_url()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-1234567890",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SECRETS_KEYS": "test1:" + "A" * 43,
        "PUBLIC_BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }
    if url.startswith("sqlite://") and url in _MEMORY_URLS:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    elif url.startswith("postgresql"):
        # The production options, and no wait for the WAL flush at each commit: what a test
        # commits need not survive a server crash, and visibility and locking are unchanged.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"] == url:
        _check_guard("an app on the test database")
    # A test that points its app at its own SQLite file keeps none of the PostgreSQL options.
    own_sqlite = not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if own_sqlite and url.startswith("postgresql") and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    options = config.get("SQLALCHEMY_ENGINE_OPTIONS")
    if config["SQLALCHEMY_DATABASE_URI"] in _MEMORY_URLS and options and "creator" not in options:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "creator": _memory_copy_of_schema}
    return config


# PostgreSQL databases (normalised URL) whose schema this process built and still trusts: the
# query that lists what a fresh schema would not have (rows, used sequences).
_ready_schemas: dict[str, str] = {}


def _url_key(url) -> str:
    return make_url(url).render_as_string(hide_password=False)


@event.listens_for(db.metadata, "after_drop")
def _forget_dropped_schema(target, connection, **kw) -> None:
    """A `drop_all` anywhere (battery, config test, kill-rerun) means: build again next time."""
    _ready_schemas.pop(_url_key(connection.engine.url), None)


def _database_kind() -> str:
    """How the app in context gets its schema: "template", "postgres" or "own"."""
    config = current_app.config
    if (config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("creator") is _memory_copy_of_schema:
        return "template"
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql") and _url_key(url) == _url_key(_test_database_url()):
        return "postgres"
    return "own"


# alembic_version keeps its row: the schema stays "at the migration head" (see stamp_migration_head).
_PG_TABLES = (
    "SELECT quote_ident(tablename) FROM pg_tables "
    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)


def _leftovers_query(connection) -> str:
    """One query naming what a fresh schema would not have: ('table', name, None) for each table
    with rows, ('sequence', name, start value) for each sequence already used."""
    tables = [row[0] for row in connection.exec_driver_sql(_PG_TABLES)]
    return " UNION ALL ".join(
        [
            *(
                f"SELECT 'table', '{t}', NULL::bigint WHERE EXISTS (SELECT 1 FROM {t})"  # noqa: S608 - quote_ident names
                for t in tables
            ),
            "SELECT 'sequence', quote_ident(sequencename), start_value FROM pg_sequences "
            "WHERE schemaname = 'public' AND last_value IS NOT NULL",
        ]
    )


def _empty_leftovers(connection, probe: str) -> None:
    """Empty the tables with rows and restart the used sequences (inside a transaction).

    Only what the probe names is touched: DELETE of a few tables and setval() of a few sequences
    cost about 1 ms of server time, where DELETE of every table and ALTER SEQUENCE ... RESTART of
    every sequence (each gets a new file) cost 7 to 19 ms per test. Emptying runs with
    `session_replication_role = replica` (the superuser `postgres`), which lets the append-only
    audit log be emptied and skips the foreign-key triggers (everything goes at once). DELETE of
    a few rows is ~50 times quicker than TRUNCATE, which makes new files for each table. A
    sequence set with setval(start, false) hands out its start value next, as after RESTART.
    """
    leftovers = connection.exec_driver_sql(probe).all()
    if not leftovers:
        return
    statements = [
        "SET LOCAL session_replication_role = replica",
        "SET LOCAL lock_timeout = '30s'",
        *(f"DELETE FROM {name}" for kind, name, _ in leftovers if kind == "table"),  # noqa: S608
    ]
    restarts = [
        f"setval('{name}', {int(start)}, false)"
        for kind, name, start in leftovers
        if kind == "sequence"
    ]
    if restarts:
        statements.append("SELECT " + ", ".join(restarts))
    connection.exec_driver_sql("; ".join(statements))


def stamp_migration_head(connection) -> None:
    """Record the migration head in alembic_version, as `flask db upgrade` leaves it: the models'
    schema is the head's (tests/migrations proves it), and `/readyz` checks the row."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(ROOT / "migrations"))
    context = MigrationContext.configure(connection)
    for head in script.get_heads():
        context.stamp(script, head)


def start_database() -> None:
    """Give the app in context an empty, current schema (call inside its app context)."""
    kind = _database_kind()
    if kind == "template":
        return
    if kind == "own":
        db.create_all()
        with db.engine.begin() as connection:
            stamp_migration_head(connection)
        return
    key = _url_key(db.engine.url)
    if key not in _ready_schemas:
        db.drop_all()
        db.create_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            stamp_migration_head(connection)
            _ready_schemas[key] = _leftovers_query(connection)
            # No autovacuum: it would hand the emptied pages' free line pointers to new rows,
            # and a query without ORDER BY would no longer see rows in insertion order, as it
            # does in a fresh table.
            for (table,) in connection.exec_driver_sql(_PG_TABLES).all():
                connection.exec_driver_sql(
                    f"ALTER TABLE {table} SET (autovacuum_enabled = false, "
                    "toast.autovacuum_enabled = false)"
                )
    with db.engine.begin() as connection:
        _empty_leftovers(connection, _ready_schemas[key])  # written outside the fixtures


def finish_database() -> None:
    """Undo what the test stored (call inside the app context, after `db.session.remove()`)."""
    kind = _database_kind()
    if kind == "template":
        return  # the in-memory copy goes with the engine
    if kind == "own":
        db.drop_all()
        return
    key = _url_key(db.engine.url)
    if key not in _ready_schemas:
        return  # the test dropped the schema itself; the next start builds it again
    try:
        with db.engine.begin() as connection:
            _empty_leftovers(connection, _ready_schemas[key])
    except Exception:
        _ready_schemas.pop(key, None)  # build from scratch next time
        raise


class IsolatedClient(FlaskClient):
    """Test client that clears per-request state kept on `g`.

    The fixture keeps one app context pushed, so requests share `g`; real requests never do.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change settings for its `app`."""
    return {}


@pytest.fixture
def app(app_config):
    """A fresh application and an empty schema for each test (see the module docstring)."""
    application = create_app(base_config(**app_config))
    application.test_client_class = IsolatedClient
    with application.app_context():
        start_database()
        yield application
        db.session.remove()
        dispose_readers()
        finish_database()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_company(app):
    """Factory for member companies; keyword arguments override the defaults."""

    def make(**overrides) -> Company:
        n = next(_counter)
        values = {
            "member_number": f"T{n:06d}",
            "kvk_number": f"{10000000 + n:08d}",
            "legal_name": f"Testbedrijf {n} B.V.",
            "trade_name": f"Testinstallaties {n}",
            "slug": f"testinstallaties-{n}",
            "street": "Dorpsstraat",
            "house_number": str(n),
            "postcode": "3511 AB",
            "city": "Utrecht",
            "latitude": 52.09,
            "longitude": 5.12,
            "email": f"info{n}@bedrijf.example",
            "phone": "030 123 45 67",
            "membership_status": MembershipStatus.ACTIVE,
        }
        values.update(overrides)
        company = Company(**values)
        db.session.add(company)
        db.session.commit()
        return company

    return make


@pytest.fixture
def make_user(app, make_company):
    """Factory for users; members get their own company and the beheerder role by default."""

    def make(**overrides) -> User:
        n = next(_counter)
        role = Role(overrides.pop("role", Role.MEMBER))
        password = overrides.pop("password", PASSWORD)
        values = {
            "email": f"gebruiker{n}@bedrijf.example",
            "name": f"Gebruiker {n}",
            "role": role,
            "password_hash": hash_password(password) if password else None,
        }
        if role is Role.MEMBER:
            if "company" not in overrides and "company_id" not in overrides:
                values["company"] = make_company()
            values["company_role"] = CompanyRole.BEHEERDER
        values.update(overrides)
        user = User(**values)
        db.session.add(user)
        db.session.commit()
        return user

    return make


def accept_agreement(company: Company, user: User | None = None) -> None:
    """Publish the standard processor agreement if needed and accept it for `company` (committed).

    The complaint register and uploads need it (issue 15); `user` defaults to a new beheerder.
    """
    from portal.agreements import services as agreements

    version = agreements.publish_default()
    if agreements.has_accepted_current(company):
        return
    signer = user if user is not None and user.is_company_admin else None
    if signer is None:
        signer = db.session.scalars(
            select(User).where(
                User.company_id == company.id, User.company_role == CompanyRole.BEHEERDER
            )
        ).first()
    if signer is None:
        raise ValueError("accept_agreement needs a beheerder of the company")
    agreements.accept(company, version, by=signer, signatory_name=signer.name or "Beheerder")
    db.session.commit()


def login_as(client, user: User, *, mfa_verified: bool = True) -> str:
    """Log a user in without the form: a server-side session row plus the session cookie."""
    token = sessions.start_session(
        user, remember=False, ip="127.0.0.1", user_agent="pytest", mfa_verified=mfa_verified
    )
    db.session.commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
    return token


@pytest.fixture
def login():
    """`login(client, user)` logs the user in (staff with verified MFA)."""
    return login_as


def mailed_text(message) -> str:
    """The text a queued mail has when it goes out (its personal link filled in)."""
    from portal.core.outbox import compose

    return compose(message).get_content()


def mailed_link(message, route: str) -> str:
    """The path of the personal link (`/activeren/<token>`, ...) in a queued mail."""
    import re

    return re.search(rf"http://localhost(/{route}/\S+)", mailed_text(message)).group(1)


def post_token_form(client, path: str, **data):
    """Submit the new-password form of an e-mailed link: the token travels in the form body."""
    base, _slash, token = path.rpartition("/")
    return client.post(base, data={"token": token, **data})
