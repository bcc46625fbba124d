"""gunicorn as `make run` and the benchmarks start it sends no Server header (SECURITY.md §1, issue 14)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Bounds on a hang, not expectations: on the loaded CI machine a gunicorn worker took more
# than 30 s to import the portal, and one request more than 5 s.
READY_SECONDS = 180
REQUEST_SECONDS = 60


def _get(port: int, path: str) -> http.client.HTTPResponse:
    """One GET, never repeated: a retried request would be counted and logged twice."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


def wait_ready(port: int, server: subprocess.Popen) -> None:
    """Block until a worker answers /readyz (any status: the worker is up) or the server exits.

    The probe stays out of the access log and the checked request counts."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/readyz")
            conn.getresponse().read()
            return
        except OSError:
            if server.poll() is not None:
                raise AssertionError(f"gunicorn exited: {server.stderr.read()!r}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            conn.close()


def start_gunicorn(tmp_path: Path, *, workers: int, access_log: Path, **extra: str):
    """gunicorn as deployed (gunicorn.conf.py) on a migrated SQLite file: (port, process).

    `extra` adds environment variables for the server only (not for `flask db upgrade`).
    """
    port = _free_port()
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
    }
    flask = Path(sys.executable).with_name("flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--access-logfile", str(access_log), "wsgi:app"],
        cwd=ROOT, env={**env, **extra}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_ready(port, server)
    except BaseException:
        stop(server)
        raise
    return port, server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=REQUEST_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.mark.own_database  # a file SQLite under tmp_path (tests/halves.py)
def test_gunicorn_sends_no_server_header(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": f"portal-sqlite://{tmp_path / 'ratelimit.db'}",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
    }
    server = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_ready(port, server)
        for path in ("/static/portal.css", "/bestaat-niet"):
            response = _get(port, path)
            assert response.status in (200, 404)
            assert response.getheader("Server") is None, response.getheaders()
            assert not any("gunicorn" in value.lower() for _, value in response.getheaders())
    finally:
        stop(server)


def test_run_script_and_benchmarks_use_the_config_file():
    for script in ("scripts/run.sh", "bench/directory.py", "bench/load.py"):
        text = (ROOT / script).read_text()
        assert "gunicorn.conf.py" in text, script
