"""A run lock so two sync runs never overlap, released automatically when a process dies.

PostgreSQL: a session-level `pg_try_advisory_lock` on a dedicated connection, so it holds across
hosts and vanishes with the connection. SQLite (one host by nature): `flock` on a file next to
the database; an in-memory database is private to its process and needs no lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from portal.core import filelock

LOCK_NAME = "ledenportaal:reviews-sync"  # the scheduled `flask reviews sync` run
# Staff's "sync now" of one member (portal.compliance.member_sync): its own lock, so it neither
# waits for nor blocks the scheduled run, while two of them never overlap.
MEMBER_SYNC_LOCK = "ledenportaal:member-sync"
_held: dict[str, Connection] = {}  # PostgreSQL lock connections held by this process, by name


def lock_key(name: str = LOCK_NAME) -> int:
    """A stable signed 64-bit advisory-lock key for a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _sqlite_lock_path(engine: Engine, name: str) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(f"{database}.{name.rsplit(':', 1)[-1]}.lock")


def check_lock(name: str = LOCK_NAME) -> None:
    """Make sure a held PostgreSQL lock's connection still lives (the lock dies with it).

    :raises sqlalchemy.exc.DBAPIError: the connection is gone (`connection_invalidated`).
    """
    conn = _held.get(name)
    if conn is not None:
        conn.execute(text("SELECT 1"))
        conn.rollback()


@contextmanager
def run_lock(engine: Engine, name: str = LOCK_NAME) -> Iterator[bool]:
    """Yield True when this process holds the lock, False when another run has it."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, lock_key(name)) as (got, conn):
            if got:
                _held[name] = conn
            try:
                yield got
            finally:
                _held.pop(name, None)
        return
    path = _sqlite_lock_path(engine, name)
    if path is None:
        yield True
        return
    with filelock.file_lock(path) as got:
        yield got


@contextmanager
def _pg_lock(engine: Engine, key: int) -> Iterator[tuple[bool, Connection]]:
    with engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # the lock is session-level: no transaction stays open while we work
        try:
            yield got, conn
        finally:
            if got and not conn.invalidated:  # a dead connection took its lock with it
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
                except DBAPIError as exc:
                    if not exc.connection_invalidated:
                        raise
                    # The connection died, and the session-level lock with it: nothing to release.
