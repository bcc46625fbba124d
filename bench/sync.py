"""Benchmark: full `flask reviews sync` of the 6,300 demo companies against the local emulator.

    python bench/sync.py [--database-url URL] [--companies 6300] [--runs 2] [--latency 0]

Creates the schema and seeds the demo (`flask demo seed`) into a scratch SQLite file unless a
database URL is given, starts the provider emulator in its own process on a free loopback port,
runs the sync as a subprocess (exactly as cron would) and prints wall time, provider requests
per second and the outcome counts. Exits 1 on any failure or when a run takes 60 s or more.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
KEYS = "bench1:" + "C" * 43


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(database_url: str, emulator_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
        SECRETS_KEYS=KEYS,
        SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789",  # noqa: S106 - bench only
        PROVIDER_BASE_URLS=",".join(
            f"{p}={emulator_url}" for p in ("klantenvertellen", "kiyoh", "feedback_company")
        ),
        PROVIDER_ALLOWED_HOSTS="127.0.0.1",
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def prepare_database(env: dict[str, str], companies: int) -> None:
    """Schema from the models (create_all is idempotent), then the demo seed if empty."""
    code = "from portal import create_app\nfrom portal.extensions import db\n"
    code += "app = create_app()\nwith app.app_context():\n    db.create_all()\n"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    print(flask(env, "demo", "seed", "--companies", str(companies)).splitlines()[0])


def start_emulator(port: int, latency: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), EMULATOR_LATENCY=str(latency))
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal.dev.provider_emulator", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            emulator_requests(port)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("emulator did not start")


def emulator_requests(port: int) -> int:
    url = f"http://127.0.0.1:{port}/_emulator/stats"
    with urllib.request.urlopen(url, timeout=2) as reply:
        return json.load(reply)["requests"]


def run_once(env: dict[str, str], port: int) -> dict:
    before = emulator_requests(port)
    start = time.monotonic()
    output = flask(env, "reviews", "sync")
    wall = time.monotonic() - start
    requests_made = emulator_requests(port) - before
    numbers = dict(re.findall(r"^(ok|skipped|seconds): ([\d.]+)", output, re.MULTILINE))
    failed = re.search(r"^failed: (\d+) \((.*)\)$", output, re.MULTILINE)
    links = re.search(r"(\d+) companies, (\d+) links", output)
    return {
        "links": int(links.group(2)),
        "ok": int(numbers["ok"]),
        "failed": int(failed.group(1)),
        "failed_by_outcome": failed.group(2),
        "skipped": int(numbers["skipped"]),
        "engine_seconds": float(numbers["seconds"]),
        "wall_seconds": wall,
        "requests": requests_made,
        "requests_per_second": requests_made / float(numbers["seconds"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--companies", type=int, default=6300)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.0, help="emulator delay per call (s)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-sync-")
    database_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    port = free_port()
    env = base_env(database_url, f"http://127.0.0.1:{port}")
    prepare_database(env, args.companies)
    emulator = start_emulator(port, args.latency)
    worst = 0.0
    bad = 0
    try:
        for n in range(1, args.runs + 1):
            result = run_once(env, port)
            worst = max(worst, result["wall_seconds"])
            bad += result["failed"] + result["skipped"]
            print(
                f"run {n}: {result['links']} links, ok {result['ok']}, "
                f"failed {result['failed']} ({result['failed_by_outcome']}), "
                f"skipped {result['skipped']}; wall {result['wall_seconds']:.1f} s "
                f"(engine {result['engine_seconds']:.1f} s), {result['requests']} requests, "
                f"{result['requests_per_second']:.0f} req/s"
            )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    verdict = "PASS" if worst < TARGET_SECONDS and bad == 0 else "FAIL"
    print(f"{verdict}: slowest run {worst:.1f} s (target < {TARGET_SECONDS:.0f} s), {bad} failures")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
