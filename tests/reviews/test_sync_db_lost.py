"""`flask reviews sync` losing its PostgreSQL connections mid-run (issue 14).

The run must stop with one clear error line and exit code 1, without a traceback, and leave no
run lock behind: a rerun gets the lock and finishes cleanly.
"""

from __future__ import annotations

import os
import threading

import psycopg
import pytest
from sqlalchemy.engine import make_url

from portal.dev.provider_emulator import make_emulator_server
from portal.reviews.runlock import lock_key
from tests.reviews.test_kill_rerun import (
    attempt_count,
    check_consistency,
    seed_database,
    start_sync,
    sync_env,
    wait_for_progress,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url():
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if not test_url.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    return f"{test_url}_db_lost"  # per run: dropped with the scratch database


@pytest.fixture
def slow_emulator():
    server = make_emulator_server("127.0.0.1", 0, EMULATOR_LATENCY=0.1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _connect(url: str, dbname: str | None = None) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username,
        dbname=dbname or parsed.database, autocommit=True,
    )  # fmt: skip


def test_sync_stops_cleanly_when_its_connections_are_terminated(pg_url, slow_emulator):
    seed_database(pg_url)
    env = sync_env(pg_url, slow_emulator)
    proc = start_sync(env)
    wait_for_progress(pg_url, attempt_count(pg_url), proc)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    with _connect(pg_url) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert killed >= 1
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 1, (out, err)
    assert "Traceback" not in out + err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "database connection lost" in errors[0], err
    with _connect(pg_url) as admin:
        held = admin.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND ((classid::bigint << 32) | objid::bigint) = %s",
            (lock_key() & 0xFFFFFFFFFFFFFFFF,),
        ).fetchone()[0]
    assert held == 0
    check_consistency(pg_url)

    rerun = start_sync(env)
    out, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0 and "ok: " in out, (out, err)
    assert "Traceback" not in err
