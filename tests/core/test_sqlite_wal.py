"""Opening a new SQLite file from several processes at once must not fail on the WAL switch.

`PRAGMA journal_mode=WAL` answers "database is locked" at once, without waiting for the busy
timeout, while another connection holds a write lock. Workers starting together on a fresh
install (the rate-limit store, the embedded database) hit that.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from portal.core.ratelimit_store import SQLiteFileStorage
from portal.core.sqlite_wal import enable_wal


def _holder(path):
    """A connection that holds a write lock on a not-yet-WAL file until released."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER, expires_at REAL)"
    )
    conn.execute("BEGIN IMMEDIATE")
    release = threading.Event()

    def hold():
        release.wait(0.3)
        conn.execute("COMMIT")

    thread = threading.Thread(target=hold)
    thread.start()
    return conn, thread


def test_the_switch_waits_for_a_write_lock_instead_of_failing(tmp_path):
    path = str(tmp_path / "fresh.db")
    holder, thread = _holder(path)
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    enable_wal(conn, timeout=5)
    thread.join()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    holder.close()
    conn.close()


def test_the_switch_gives_up_after_its_timeout(tmp_path):
    path = str(tmp_path / "held.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        enable_wal(conn, timeout=0.1)
    holder.execute("ROLLBACK")
    holder.close()
    conn.close()


def test_the_rate_limit_store_opens_while_another_worker_writes(tmp_path):
    path = tmp_path / "ratelimit.db"
    holder, thread = _holder(str(path))
    storage = SQLiteFileStorage(f"portal-sqlite://{path}")
    thread.join()
    assert storage.incr("k", 60) == 1
    holder.close()
