"""Crash safety: `flask reviews sync` in a subprocess, SIGKILLed at seeded moments, then rerun.

Runs on a file-based SQLite database, and on PostgreSQL too when TEST_DATABASE_URL points there.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from portal import create_app
from portal.dev.provider_emulator import make_emulator_server
from portal.extensions import db
from portal.members.models import Company
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KEYS = "test1:" + "A" * 43
COMPANIES = 200
PROVIDER_CYCLE = (Provider.KLANTENVERTELLEN,) * 3 + (Provider.KIYOH, Provider.FEEDBACK_COMPANY)
# The SQLite case runs on its own file under tmp_path in either half, so only the SQLite half
# runs it (tests/halves.py); the PostgreSQL case runs in the PostgreSQL half.
DB_KINDS = [pytest.param("sqlite", marks=pytest.mark.own_database), "postgresql"]


def database_urls(tmp_path: Path) -> list[str]:
    urls = [f"sqlite:///{tmp_path / 'kill.db'}"]
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if test_url.startswith("postgresql"):
        urls.append(f"{test_url}_kill_rerun")  # dropped with the scratch database
    return urls


@pytest.fixture(scope="module")
def slow_emulator():
    """A dedicated emulator with some latency per call, so runs last long enough to be killed."""
    server = make_emulator_server("127.0.0.1", 0, EMULATOR_LATENCY=0.02)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _ensure_pg_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def seed_database(url: str) -> None:
    """Fresh schema with COMPANIES companies, each with one linked provider."""
    if url.startswith("postgresql"):
        _ensure_pg_database(url)
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRETS_KEYS": KEYS,
         "SECRET_KEY": "kill-rerun-secret-key-long-enough-0123456789"}
    )  # fmt: skip
    with app.app_context():
        db.drop_all()
        db.create_all()
        for n in range(COMPANIES):
            provider = PROVIDER_CYCLE[n % len(PROVIDER_CYCLE)]
            ident = f"fbc-{n}" if provider is Provider.FEEDBACK_COMPANY else f"{1100000 + n}"
            company = Company(
                member_number=f"K{n:05d}", kvk_number=f"{20000000 + n}", legal_name=f"Bedrijf {n}",
                slug=f"bedrijf-{n}",
            )  # fmt: skip
            system = ReviewSystem(
                company=company, provider=provider, status=SystemStatus.ACTIVE, location_id=ident
            )
            db.session.add(system)
            db.session.flush()
            secret = (
                {"client_id": ident, "client_secret": f"emu-{ident}"}
                if ident.startswith("fbc")
                else {"token": f"emu-{ident}"}
            )
            credentials.store_credentials(system, secret)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def sync_env(url: str, emulator) -> dict[str, str]:
    base = f"http://127.0.0.1:{emulator.server_port}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        FLASK_APP="wsgi",
        PROVIDER_BASE_URLS=f"klantenvertellen={base},kiyoh={base},feedback_company={base}",
        PROVIDER_ALLOWED_HOSTS="127.0.0.1",
        SECRETS_KEYS=KEYS,
        SECRET_KEY="kill-rerun-secret-key-long-enough-0123456789",
        # The emulator answers in 0.02-0.1 s, but from a thread of the loaded test process:
        # a 2 s read timeout turned an answer into a timeout (and a failed final run).
        PROVIDER_READ_TIMEOUT="30",
        SYNC_BACKOFF_BASE="0.05",
        PYTHONPATH=str(ROOT),
    )
    return env


def start_sync(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "reviews", "sync"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def attempt_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM sync_attempts")).scalar()
    engine.dispose()
    return count


def wait_for_progress(url: str, before: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Block until the run has stored its first result (or ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if attempt_count(url) > before:
            return
        time.sleep(0.05)


def check_consistency(url: str) -> dict[str, int]:
    """Invariants that must hold at any moment, also right after a SIGKILL."""
    engine = create_engine(url)
    with engine.connect() as conn:
        dupes = conn.execute(
            text("SELECT review_system_id, day, count(*) FROM score_snapshots "
                 "GROUP BY review_system_id, day HAVING count(*) > 1")
        ).all()  # fmt: skip
        mismatched = conn.execute(
            text(
                # A link's newest snapshot, not today's: a run may end before midnight and
                # this check start after it.
                "SELECT s.id FROM review_systems s LEFT JOIN score_snapshots n "
                "ON n.review_system_id = s.id AND n.day = (SELECT max(m.day) "
                "FROM score_snapshots m WHERE m.review_system_id = s.id) "
                "WHERE (s.last_success_at IS NOT NULL AND (n.id IS NULL "
                "OR n.review_count != s.review_count "
                "OR coalesce(n.score, -1) != coalesce(s.score, -1))) "
                "OR (s.last_success_at IS NULL AND (n.id IS NOT NULL OR s.score IS NOT NULL))"
            )
        ).all()
        no_ok_attempt = conn.execute(
            text("SELECT s.id FROM review_systems s WHERE s.last_outcome = 'ok' AND NOT EXISTS "
                 "(SELECT 1 FROM sync_attempts a WHERE a.review_system_id = s.id AND a.outcome = 'ok')")
        ).all()  # fmt: skip
        synced = conn.execute(
            text("SELECT count(*) FROM review_systems WHERE last_outcome = 'ok'")
        ).scalar()
        # Links with a snapshot: with no two of a link on one day (above) the row count, also
        # when a run before midnight and one after it each left one.
        snapshots = conn.execute(
            text("SELECT count(DISTINCT review_system_id) FROM score_snapshots")
        ).scalar()
        attempts = conn.execute(text("SELECT count(*) FROM sync_attempts")).scalar()
    engine.dispose()
    assert dupes == [] and mismatched == [] and no_ok_attempt == []
    return {"synced": synced, "snapshots": snapshots, "attempts": attempts}


@pytest.mark.parametrize("db_kind", DB_KINDS)
def test_sigkill_at_random_moments_then_rerun(db_kind, tmp_path, slow_emulator):
    urls = {u.split(":", 1)[0].split("+")[0]: u for u in database_urls(tmp_path)}
    if db_kind not in urls:
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    url = urls[db_kind]
    seed_database(url)
    env = sync_env(url, slow_emulator)
    rng = random.Random(20250601)
    progress = []
    for _ in range(5):
        before = attempt_count(url)
        proc = start_sync(env)
        wait_for_progress(url, before, proc)  # startup time varies with machine load
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        progress.append(check_consistency(url)["synced"])

    final = start_sync(env)
    out, err = final.communicate(timeout=120)

    assert final.returncode == 0, err[-2000:]
    assert f"{COMPANIES} companies, {COMPANIES} links" in out
    assert f"ok: {COMPANIES}" in out, out
    counts = check_consistency(url)
    assert (counts["synced"], counts["snapshots"]) == (COMPANIES, COMPANIES)
    assert counts["attempts"] >= COMPANIES + max(progress)
    assert any(p > 0 for p in progress), progress  # some kills really landed mid-run


@pytest.mark.parametrize("db_kind", DB_KINDS)
def test_two_concurrent_runs_sync_each_company_once(db_kind, tmp_path, slow_emulator):
    urls = {u.split(":", 1)[0].split("+")[0]: u for u in database_urls(tmp_path)}
    if db_kind not in urls:
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL")
    url = urls[db_kind]
    seed_database(url)
    env = sync_env(url, slow_emulator)
    slow_emulator.app.config["EMULATOR_LATENCY"] = 0.1  # a run outlasts a slow start
    try:
        procs = [start_sync(env), start_sync(env)]
        outputs = [p.communicate(timeout=120)[0] for p in procs]
    finally:
        slow_emulator.app.config["EMULATOR_LATENCY"] = 0.02

    assert sorted("skipped: another review sync is running" in o for o in outputs) == [False, True]
    counts = check_consistency(url)
    assert (counts["synced"], counts["attempts"], counts["snapshots"]) == (
        COMPANIES, COMPANIES, COMPANIES,
    )  # fmt: skip
