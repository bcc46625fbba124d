"""Rate limits are exact across processes without Redis (issue 14): one shared SQLite store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import load_config

ROOT = Path(__file__).resolve().parents[2]

APP_CLIENT = """
import sys
from portal import create_app
app = create_app({
    "TESTING": True, "SECRET_KEY": "ratelimit-test-secret-key-0123456789abcdef",
    "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": sys.argv[1],
    "SECRETS_KEYS": "test1:" + "A" * 43,
})
client = app.test_client()
codes = [client.post("/inloggen", data={"email": "a@b.example"}).status_code
         for _ in range(int(sys.argv[2]))]
print(",".join(map(str, codes)))
"""

HITTER = """
import sys
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
import portal.core.ratelimit_store
print("ready", flush=True)
sys.stdin.readline()  # the go: every process has imported and opens the new file now
limiter = FixedWindowRateLimiter(storage_from_string(sys.argv[1]))
limit = parse("50/hour")
print(sum(limiter.hit(limit, "shared-key") for _ in range(40)))
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs,
    )  # fmt: skip


def _run(code: str, *args: str) -> str:
    proc = _python(code, *args)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out.strip()


def test_development_default_is_a_shared_file_not_per_process_memory(tmp_path):
    config = load_config(str(tmp_path), env={})
    assert config["RATELIMIT_STORAGE_URI"] == f"portal-sqlite://{tmp_path / 'ratelimit.db'}"
    with_redis = load_config(str(tmp_path), env={"REDIS_URL": "redis://cache:6379/0"})
    assert with_redis["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"


@pytest.mark.own_database  # in-memory SQLite and a rate-limit file under tmp_path (tests/halves.py)
def test_two_app_processes_together_allow_exactly_the_limit(tmp_path):
    """POST /inloggen allows 5 per minute per IP: 3 in one process, then only 2 in another."""
    uri = f"portal-sqlite://{tmp_path / 'ratelimit.db'}"
    assert _run(APP_CLIENT, uri, "3") == "422,422,422"
    assert _run(APP_CLIENT, uri, "3") == "422,422,429"


@pytest.mark.own_database  # in-memory SQLite and a rate-limit file under tmp_path (tests/halves.py)
def test_concurrent_processes_never_lose_a_hit(tmp_path):
    """Four processes open a new store file and hit one key at the same moment.

    They start together on a signal sent once all have imported, not at a wall-clock moment
    (on a loaded machine a process could still be importing then, and ran alone)."""
    uri = f"portal-sqlite://{tmp_path / 'ratelimit.db'}"
    procs = [_python(HITTER, uri, stdin=subprocess.PIPE) for _ in range(4)]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n", proc.communicate(timeout=120)[1]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    allowed = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        allowed.append(int(out))
    assert sum(allowed) == 50  # 160 attempts, exactly the limit let through
