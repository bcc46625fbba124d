"""Load battery (SECURITY.md §4.11, issue: battery): gunicorn with 2 workers on PostgreSQL, wrk on
loopback at 8, 32 and 64 connections on the ledenzoeker search fragment, detail pages and a
logged-in mijn profiel page, while `flask reviews sync` runs in a loop against the provider
emulator. Pass: zero socket errors and zero non-2xx/3xx answers; then the database is checked for
consistency. Prints a table (req/s, p50, p99) and exits non-zero on any failure.

    .venv/bin/python bench/load.py [--duration 30] [--connections 8,32,64] [--hosts-only]

Then the same targets with one host and with two (a second gunicorn master with its own port and
instance folder on the same database and Redis), at the same total number of connections
(`--hosts-connections`, default 32: all on host A, or half on each host), to show what a second
host adds. With Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/15) both hosts share
rate limits and the ledenzoeker cache there, as in production.

Bounded: every wrk run has a fixed duration, the sync loop stops with the last run, and all
traffic goes to 127.0.0.1. A scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import psycopg
import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from directory import SEARCH_MIX, _wait_until_up, _wrk

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
MEMBER = ("beheerder@example.nl", "demo-beheerder-Kraanwater-2026")
CHECKS = {
    "one current review system per company": """
        SELECT count(*) FROM (SELECT company_id FROM review_systems WHERE is_current
        GROUP BY company_id HAVING count(*) > 1) AS d""",
    "one score snapshot per link per day": """
        SELECT count(*) FROM (SELECT review_system_id, day FROM score_snapshots
        GROUP BY review_system_id, day HAVING count(*) > 1) AS d""",
    "scores within their scale": """
        SELECT count(*) FROM review_systems
        WHERE score IS NOT NULL AND (score < 0 OR score > scale_max)""",
    "no negative review counts": "SELECT count(*) FROM review_systems WHERE review_count < 0",
    "sync attempts all finished": "SELECT count(*) FROM sync_attempts WHERE outcome IS NULL",
    "directory entries match listed companies": """
        SELECT count(*) FROM directory_entries d LEFT JOIN companies c ON c.id = d.company_id
        WHERE c.id IS NULL""",
}


def main() -> int:
    args = _arguments()
    name = f"ledenportaal_load_{os.getpid()}"
    admin = psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    work = Path(tempfile.mkdtemp(prefix="ledenportaal-load-"))
    env = _environment(name, args, work)
    processes: list[subprocess.Popen] = []
    try:
        print("== migrate and seed the demo data on PostgreSQL", flush=True)
        for command in (["db", "upgrade"], ["demo", "seed"], ["agreements", "publish-default"]):
            subprocess.run([VENV / "flask", *command], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        processes.append(_start([VENV / "python", "-m", "portal.dev.provider_emulator",
                                 "--host", "127.0.0.1", "--port", str(args.emulator_port)], env))  # fmt: skip
        processes.append(_start([VENV / "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                 "-w", "2", "-b", f"127.0.0.1:{args.port}",
                                 "--pythonpath", str(ROOT / "bench"), "--log-level", "warning",
                                 "bench_app:app"], env))  # fmt: skip
        _wait_until_up(args.port)
        cookie = _login(args.port)
        targets = _targets(env["DATABASE_URL"], cookie, work)
        rows, syncs = ([], []) if args.hosts_only else _run_under_sync(args, env, targets)
        scale = _two_hosts(args, env, targets, work, processes)
        problems = [f"{r['target']} at {r['connections']}: {r['errors']} errors"
                    for r in rows + scale if r["errors"]]  # fmt: skip
        problems += _consistency(env["DATABASE_URL"], expect_syncs=not args.hosts_only)
        _print(rows, syncs, problems, scale)
        return 1 if problems or not (syncs or args.hosts_only) else 0
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--connections", default="8,32,64")
    parser.add_argument("--port", type=int, default=8398)
    parser.add_argument("--emulator-port", type=int, default=5056)
    parser.add_argument("--hosts-connections", type=int, default=32)
    parser.add_argument(
        "--hosts-only",
        action="store_true",
        help="only the one-host / two-host comparison (no sync, no 8/32/64 runs)",
    )
    return parser.parse_args()


def _redis_url() -> str:
    """BENCH_REDIS_URL when a Redis answers there, else "" (both hosts then share no Redis)."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        return ""
    return url


def _environment(name: str, args, work: Path) -> dict[str, str]:
    emulator = f"http://127.0.0.1:{args.emulator_port}"
    return {
        **os.environ,
        "PORTAL_INSTANCE_PATH": str(work / "host-a"),
        "REDIS_URL": _redis_url(),
        "RATELIMIT_KEY_PREFIX": name,
        "DIRECTORY_CACHE_REDIS_PREFIX": f"{name}:directory:",
        "FLASK_APP": "wsgi",
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        "SECRET_KEY": "load-test-only-secret-key-0123456789abcdef",
        # The per-IP search limit protects production; one loopback client would hit it at once.
        "DIRECTORY_SEARCH_RATE_LIMIT": "1000000/minute",
        "LOG_JSON": "false",
        "PROVIDER_BASE_URLS": ",".join(
            f"{p}={emulator}" for p in ("klantenvertellen", "kiyoh", "feedback_company")
        ),
        "PROVIDER_ALLOWED_HOSTS": "127.0.0.1",
        "EMULATOR_LATENCY": os.environ.get("EMULATOR_LATENCY", "0.02"),
    }


def _start(command: list, env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def _login(port: int) -> str:
    """Log the demo beheerder in like a browser; the session cookie for wrk."""
    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    page = session.get(f"{base}/inloggen", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    reply = session.post(
        f"{base}/inloggen",
        data={"csrf_token": token, "email": MEMBER[0], "password": MEMBER[1]},
        allow_redirects=False,
        timeout=10,
    )
    if (
        reply.status_code != 303
        or session.get(f"{base}/mijn-profiel/", timeout=10).status_code != 200
    ):
        raise RuntimeError(f"demo login failed: {reply.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def _targets(url: str, cookie: str, work: Path) -> list[tuple[str, Path, bool, str]]:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        slugs = [
            r[0] for r in conn.execute("SELECT slug FROM directory_entries ORDER BY company_id")
        ]
    listings = {
        "ledenzoeker": [f"/ledenzoeker/?{q}" if q else "/ledenzoeker/" for q in SEARCH_MIX],
        "detail": [f"/ledenzoeker/{s}" for s in slugs[:: max(1, len(slugs) // 200)]],
        "mijn-profiel": ["/mijn-profiel/", "/mijn-profiel/bedrijfsgegevens"],
    }
    targets = []
    for name, paths in listings.items():
        listing = work / f"{name}.txt"
        listing.write_text("\n".join(paths) + "\n")
        targets.append(
            (name, listing, name == "ledenzoeker", cookie if name == "mijn-profiel" else "")
        )
    return targets


def _run_under_sync(args, env, targets):
    """Every target at every connection count while the sync loops in the background."""
    stop = threading.Event()
    syncs: list[int] = []

    def sync_loop():
        while not stop.is_set():
            done = subprocess.run([VENV / "flask", "reviews", "sync"], env=env, cwd=ROOT,
                                  capture_output=True, check=False, timeout=600)  # fmt: skip
            syncs.append(done.returncode)

    thread = threading.Thread(target=sync_loop, daemon=True)
    thread.start()
    rows = []
    try:
        for name, listing, hx, cookie in targets:
            for connections in (int(c) for c in args.connections.split(",")):
                os.environ["WRK_COOKIE"] = cookie
                stats = _wrk(args.port, listing, hx, args.duration, connections)
                rows.append({"target": name, "connections": connections, **stats})
                print(f"  {name} c={connections}: {stats}", flush=True)
    finally:
        os.environ.pop("WRK_COOKIE", None)
        stop.set()
        thread.join(timeout=600)
    return rows, syncs


def _two_hosts(args, env, targets, work: Path, processes: list) -> list[dict]:
    """Each target with all connections on host A, then half on A and half on a second host B."""
    port_b = args.port + 1
    env_b = {**env, "PORTAL_INSTANCE_PATH": str(work / "host-b")}
    processes.append(_start([VENV / "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                             "-w", "2", "-b", f"127.0.0.1:{port_b}",
                             "--pythonpath", str(ROOT / "bench"), "--log-level", "warning",
                             "bench_app:app"], env_b))  # fmt: skip
    _wait_until_up(port_b)
    total = args.hosts_connections
    rows = []
    try:
        for name, listing, hx, cookie in targets:
            os.environ["WRK_COOKIE"] = cookie  # host A's login: valid on B too (shared sessions)
            one = _wrk(args.port, listing, hx, args.duration, total)
            rows.append({"target": name, "hosts": 1, "connections": total, **one})
            half = partial(_wrk, listing=listing, hx=hx, seconds=args.duration,
                           connections=total // 2)  # fmt: skip
            with ThreadPoolExecutor(2) as pool:
                results = list(pool.map(half, (args.port, port_b)))
            rows.append({
                "target": name, "hosts": 2, "connections": total,
                "rps": sum(r["rps"] for r in results), "p50": max(r["p50"] for r in results),
                "p99": max(r["p99"] for r in results), "errors": sum(r["errors"] for r in results),
            })  # fmt: skip
            print(f"  {name}: 1 host {rows[-2]['rps']:.0f} req/s, 2 hosts {rows[-1]['rps']:.0f}",
                  flush=True)  # fmt: skip
    finally:
        os.environ.pop("WRK_COOKIE", None)
    return rows


def _consistency(url: str, *, expect_syncs: bool = True) -> list[str]:
    problems = []
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        for label, query in CHECKS.items():
            bad = conn.execute(query).fetchone()[0]
            print(f"  consistency: {label}: {'ok' if not bad else f'{bad} violations'}")
            if bad:
                problems.append(f"consistency: {label}: {bad} violations")
        attempts = conn.execute("SELECT count(*) FROM sync_attempts").fetchone()[0]
        print(f"  sync attempts recorded during the run: {attempts}")
        if not attempts and expect_syncs:
            problems.append("the parallel sync recorded no attempts")
    return problems


def _print(rows, syncs, problems, scale) -> None:
    if not rows:
        syncs = []
    print("\nLoad battery: gunicorn 2 sync workers on PostgreSQL, wrk 2 threads, loopback;")
    print(
        f"`flask reviews sync` ran {len(syncs)} times in parallel (exit codes {sorted(set(syncs))})"
    )
    print(f"{'target':<14}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in rows:
        print(f"{r['target']:<14}{r['connections']:>6}{r['rps']:>9.0f}{r['p50']:>9.1f}"
              f"{r['p99']:>9.1f}{r['errors']:>8}")  # fmt: skip
    print(f"\nOne host vs two hosts (gunicorn 2 workers each, same database"
          f"{' and Redis' if os.environ.get('REDIS_URL') or _redis_url() else ''}), "
          f"same total connections:")  # fmt: skip
    print(
        f"{'target':<14}{'hosts':>6}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    for r in scale:
        print(f"{r['target']:<14}{r['hosts']:>6}{r['connections']:>6}{r['rps']:>9.0f}"
              f"{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}")  # fmt: skip
    print("result:", "FAIL\n  " + "\n  ".join(problems) if problems else "PASS (0 errors, no 5xx)")


if __name__ == "__main__":
    sys.exit(main())
