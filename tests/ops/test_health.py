"""`/healthz` and `/readyz`: JSON without secrets, 503 when the database, the schema or Redis is
not ready, exempt from rate limits, and left out of the access log when they succeed."""

from __future__ import annotations

import os

import pytest
import redis
from sqlalchemy import text

from portal import create_app
from portal.core.accesslog import is_probe_noise
from portal.extensions import db
from tests.conftest import base_config, stamp_migration_head
from tests.mailserver import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


DOWN_REDIS = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


@pytest.fixture
def schema_version(app):
    """Change the recorded migration revision; the head is recorded again afterwards."""

    def change(sql: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(text(sql))

    yield change
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        stamp_migration_head(connection)


def test_healthz_answers_without_io_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_ok_when_database_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }


def test_readyz_503_when_never_migrated(client, schema_version):
    schema_version("DROP TABLE alembic_version")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == "not at head"
    assert response.json["status"] == "unavailable"


def test_readyz_503_when_an_older_revision_is_recorded(client, schema_version):
    schema_version("UPDATE alembic_version SET version_num = '0001'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "ok",
        "migrations": "not at head",
        "redis": "not configured",
    }


def _unreachable_database_url(tmp_path) -> str:
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return f"postgresql+psycopg://postgres:geheim-wachtwoord@127.0.0.1:{free_port()}/weg"
    return f"sqlite:///{tmp_path / 'bestaat-niet' / 'portal.db'}"


def test_readyz_503_and_healthz_200_with_the_database_unreachable(tmp_path):
    url = _unreachable_database_url(tmp_path)
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unreachable"
    for secret in ("geheim-wachtwoord", "127.0.0.1", "bestaat-niet", "postgres", "sqlite"):
        assert secret not in response.text
    with app.app_context():
        db.engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="a PostgreSQL database that goes away while the app runs",
)
def test_readyz_503_after_the_database_went_away():
    import psycopg
    from sqlalchemy.engine import make_url

    url = os.environ["TEST_DATABASE_URL"] + "_readyz"
    parsed = make_url(url)
    admin = psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                            dbname="postgres", autocommit=True)  # fmt: skip
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{parsed.database}"')
        app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url))
        client = app.test_client()
        with app.app_context():
            db.create_all()
            with db.engine.begin() as connection:
                stamp_migration_head(connection)
            assert client.get("/readyz").status_code == 200
            admin.execute(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
            response = client.get("/readyz")
            assert response.status_code == 503
            assert response.json["checks"]["database"] == "unreachable"
            assert client.get("/healthz").status_code == 200
            db.engine.dispose()


@pytest.mark.parametrize("app_config", [{"DIRECTORY_CACHE_REDIS_URL": DOWN_REDIS}])
def test_readyz_503_when_configured_redis_is_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "unreachable"
    assert response.json["checks"]["database"] == "ok"


@pytest.mark.parametrize("app_config", [{"RATELIMIT_STORAGE_URI": REDIS_URL}])
def test_readyz_ok_with_redis_up(client):
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis at " + REDIS_URL)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"]["redis"] == "ok"


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "2/minute"}]
)
def test_probes_are_exempt_from_rate_limits(client):
    for _ in range(6):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    statuses = [client.get("/privacy").status_code for _ in range(3)]
    assert statuses[-1] == 429  # the default limit is on: only the probes are exempt


def test_successful_probes_are_left_out_of_the_access_log():
    assert is_probe_noise("/healthz", "200 OK")
    assert is_probe_noise("/readyz", 200)
    assert not is_probe_noise("/readyz", "503 SERVICE UNAVAILABLE")
    assert not is_probe_noise("/ledenzoeker", "200 OK")


def test_readyz_gives_up_quickly_on_a_database_host_that_never_answers():
    """A host that takes the TCP connection but never answers (as one that drops packets after
    the handshake) makes /readyz answer 503 within the probe's timeout, not the TCP timeout."""
    import socket
    import threading
    import time

    from portal.ops.health import DATABASE_TIMEOUT

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes handshakes; nobody ever reads or answers
    port = silent.getsockname()[1]
    url = f"postgresql+psycopg://postgres:geheim@127.0.0.1:{port}/weg"
    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={}))
    answers: list = []

    def probe():
        started = time.monotonic()
        response = app.test_client().get("/readyz")
        answers.append((response.status_code, response.json, time.monotonic() - started))

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout=DATABASE_TIMEOUT * 4)
    silent.close()
    assert not worker.is_alive(), "/readyz still waiting for the silent database host"
    status, body, seconds = answers[0]
    assert status == 503 and body["checks"]["database"] == "unreachable"
    assert seconds < DATABASE_TIMEOUT * 3


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="a PostgreSQL statement held up by a lock",
)
def test_readyz_statement_timeout_when_the_migration_table_is_locked(app, client):
    import time

    from sqlalchemy import create_engine

    from portal.ops.health import DATABASE_TIMEOUT

    with app.app_context():
        with db.engine.begin() as connection:
            stamp_migration_head(connection)
        assert client.get("/readyz").status_code == 200
        blocker = create_engine(db.engine.url).connect()  # this worker's database
        try:
            blocker.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = client.get("/readyz")
            seconds = time.monotonic() - started
        finally:
            blocker.rollback()
            blocker.close()
            blocker.engine.dispose()
    assert response.status_code == 503 and seconds < DATABASE_TIMEOUT * 3
