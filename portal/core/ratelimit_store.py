"""A `limits` storage in one SQLite file: exact rate limits across workers without Redis.

Flask-Limiter's `memory://` counts per process, so two gunicorn workers allowed twice the limit.
Without `REDIS_URL` the portal now keeps its counters in `instance/ratelimit.db`
(`RATELIMIT_STORAGE_URI=portal-sqlite:///<path>`), which every worker and process on the host
shares. Each hit is one short `BEGIN IMMEDIATE` transaction, so concurrent hits serialise and no
count is lost. Production with Redis is unchanged.

`limits` registers every `Storage` subclass under its `STORAGE_SCHEME`, so importing this module
(portal.extensions does) is all Flask-Limiter needs. Only the fixed-window strategy (the portal's)
is supported.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from limits.storage import Storage

from portal.core.sqlite_wal import enable_wal

SCHEME = "portal-sqlite"
BUSY_TIMEOUT_SECONDS = 5.0
PURGE_EVERY = 500  # hits between deletions of expired counters


class SQLiteFileStorage(Storage):
    """Fixed-window counters in an SQLite file: `portal-sqlite:///abs/path/ratelimit.db`."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = unquote(urlsplit(uri).path)
        if not path or path == "/":
            raise ValueError(f"{SCHEME}:// needs a file path, e.g. {SCHEME}:///srv/ratelimit.db")
        self.path = path
        self._local = threading.local()
        self._hits = 0
        with self._transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS counters ("
                "key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)"
            )

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
            enable_wal(conn, timeout=BUSY_TIMEOUT_SECONDS)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount`; a missing or expired counter starts a new window of `expiry` s."""
        now = time.time()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT value, expires_at FROM counters WHERE key = ?", (key,)
            ).fetchone()
            if row is None or row[1] <= now:
                value, expires_at = amount, now + expiry
            else:
                value, expires_at = row[0] + amount, row[1]
            conn.execute(
                "INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "expires_at = excluded.expires_at",
                (key, value, expires_at),
            )
            self._hits += 1
            if self._hits % PURGE_EVERY == 0:
                conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return value

    def _live(self, column: str, key: str) -> Any:
        sql = f"SELECT {column} FROM counters WHERE key = ? AND expires_at > ?"  # noqa: S608
        row = self._connection().execute(sql, (key, time.time())).fetchone()
        return row[0] if row else None

    def get(self, key: str) -> int:
        return self._live("value", key) or 0

    def get_expiry(self, key: str) -> float:
        return self._live("expires_at", key) or time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._transaction() as conn:
            return conn.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
