"""Shared fixtures: app per test on SQLite or PostgreSQL, client, factories, login helper."""

from __future__ import annotations

import itertools
import os

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.pool import StaticPool

from portal import create_app
from portal.auth import sessions
from portal.auth.models import CompanyRole, Role, User
from portal.auth.passwords import hash_password
from portal.directory.cache import dispose_readers
from portal.extensions import db
from portal.members.models import Company, MembershipStatus

# The xdist controller never loads tests/battery/conftest.py, so the summary hooks come in here.
pytest_plugins = ["tests.battery.summary"]

PASSWORD = "paarse-kraan-lekt-zachtjes-2026"
_counter = itertools.count(1)


def database_url_for_tests() -> str:
    """TEST_DATABASE_URL (PostgreSQL scratch database, one per xdist worker) or in-memory SQLite."""
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
    url = database_url_for_tests()
    if url.startswith("postgresql"):
        _ensure_postgres_database(url)


def base_config(**overrides) -> dict:
    """Test settings: CSRF and rate limits off unless a test turns them on."""
    url = database_url_for_tests()
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
    if url.startswith("sqlite://") and url in ("sqlite://", "sqlite:///:memory:"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    config.update(overrides)
    return config


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
    """A fresh application and empty schema for each test."""
    application = create_app(base_config(**app_config))
    application.test_client_class = IsolatedClient
    with application.app_context():
        db.create_all()
        yield application
        db.session.remove()
        dispose_readers()
        db.drop_all()
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
