"""Switch an SQLite connection to WAL without failing when other processes open the file at once.

`PRAGMA journal_mode=WAL` needs an exclusive lock for a moment and SQLite answers "database is
locked" at once, without calling the busy handler, when another connection holds a lock then.
Several gunicorn workers or CLI processes opening a new file together hit that. The mode is kept
in the file, so a connection first asks, and only a file not in WAL yet is switched, retried
until the busy timeout has passed.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

RETRY_PAUSE_SECONDS = 0.02


def enable_wal(connection: Any, timeout: float) -> None:
    """Put the database of a DB-API SQLite `connection` in WAL mode; retry while it is locked."""
    deadline = time.monotonic() + timeout
    while True:
        cursor = connection.cursor()
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()
            if mode and str(mode[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(RETRY_PAUSE_SECONDS)
        finally:
            cursor.close()
