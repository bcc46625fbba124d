"""The directory's state as a ledenzoeker request reads it: once per request, and cheaply."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Engine, Executable, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import scoped_session
from sqlalchemy.pool import StaticPool

from portal.core.db import AnySession
from portal.directory import cache, change_signal, signal_listener

log = logging.getLogger(__name__)

KEPT = "generation"  # cache.READERS: (engine, KEPT) -> Kept
# STATE_ID, no parameters: the same text for every driver's paramstyle.
_GENERATION_SQL = "SELECT version, updated_at FROM directory_state WHERE id = 1"
RECHECK = "DIRECTORY_VERSION_RECHECK_SECONDS"  # see `Kept.fresh`


def request_generation(session: AnySession) -> tuple[int, str]:
    """`cache.generation`, read as cheaply as a ledenzoeker request can (once per request).

    A session that has not begun a transaction has nothing of its own to see, so the state
    is taken from outside it: from the state this process keeps for it (`Kept`), read on the
    autocommit connection it keeps (no pool checkout and return, a statement the driver keeps
    prepared) only when the state may have changed since (`Kept.fresh`): a change signal came
    (`change_signal`: NOTIFY on PostgreSQL, heard by the process's listener thread
    (`signal_listener`), the hint file on SQLite), this process committed a
    bump, or the last read is DIRECTORY_VERSION_RECHECK_SECONDS old (0: read on every request).
    A read sees the latest committed state, as the session's first statement would: every
    statement of an autocommit connection does. While another thread of the process reads on
    it, a connection of the reader pool (`cache.reader`) is used. A session already in a
    transaction (it may hold its own bump) or an in-memory database reads through the session;
    so does a failed read (the broken connection is dropped, the next request opens another
    and reads).
    """
    bind = _reader_bind(session)
    if bind is None:
        return cache.generation(session)
    kept = _kept(bind)
    if not kept.lock.acquire(blocking=False):
        return _pooled_generation(session, bind)
    try:
        connection = kept.connection(bind)
        try:
            recheck = current_app.config.get(RECHECK, 1.0)
            if kept.fresh(recheck):
                return kept.held
            kept.arm(recheck)  # the listener's count or the hint, before the read
            return kept.tagged(_read_state(connection))
        except bind.dialect.loaded_dbapi.Error as error:
            _failed(error)
            kept.drop()
    finally:
        kept.lock.release()
    return cache.generation(session)


def _pooled_generation(session: AnySession, bind: Engine) -> tuple[int, str]:
    connection = cache.reader(bind).raw_connection()
    try:
        return cache.tagged(_read_state(connection))
    except bind.dialect.loaded_dbapi.Error as error:
        _failed(error)
        connection.invalidate()
    finally:
        connection.close()
    return cache.generation(session)


def _read_state(connection: Any) -> Any:
    """The state row (None before the first bump), read to its end: on SQLite that also ends
    the statement's read of the database."""
    cursor = connection.cursor()
    cursor.execute(_GENERATION_SQL)
    found = cursor.fetchall()
    cursor.close()
    return found[0] if found else None


def _failed(error: Exception) -> None:
    log.warning("directory version: read failed (%s), reading in the session", type(error).__name__)


class Kept:
    """The autocommit connection a process keeps for the generation read of one database (one
    of its reader pool, `cache.reader`, so set up as every connection of the app, detached
    from the pool), and the state last read on it with what tells that it may have changed.
    One thread at a time uses it (`lock`); `cache.dispose_readers` closes it (`dispose`)."""

    def __init__(self, hint: str | None = None, *, postgresql: bool = False) -> None:
        self.lock = threading.Lock()
        self.current: Any = None  # the DBAPI connection, opened on the first read
        self._pid = 0
        self._row: Any = None
        self.held = (0, "0")  # the version and tag of the row read last
        self._read_at: float | None = None  # monotonic time before that read; None: read
        self._mark = 0  # change_signal.local_mark() before that read
        # PostgreSQL: the thread that LISTENs (`signal_listener`), and its count before the read
        self.listener = signal_listener.Listener() if postgresql else None
        self._count: int | None = None
        self.hint = None if hint is None else change_signal.Hint(hint)  # SQLite
        self._hint_seen: bytes | None = None  # the hint read before that read

    def connection(self, bind: Engine) -> Any:
        if self.current is None or self._pid != os.getpid():  # a forked process: its own
            pooled = cache.reader(bind).raw_connection()
            pooled.detach()
            self.current, self._pid = pooled.dbapi_connection, os.getpid()
            self._read_at = None
        if self.listener is not None:
            self.listener.ensure(cache.reader(bind))
        return self.current

    def fresh(self, recheck: float) -> bool:
        """True while the row read last is still the current state as far as the process
        can tell without reading it: read less than `recheck` seconds ago, no bump committed
        by this process since, and a signal in place that has not fired since."""
        read_at = self._read_at
        if read_at is None or recheck <= 0 or self._mark != change_signal.local_mark():
            return False
        if time.monotonic() - read_at >= recheck:
            if self.hint is not None:
                self.hint.moved()  # a deleted or replaced file is opened again
            return False
        if self.listener is not None:
            return self.listener.listening and self.listener.count == self._count
        return (
            bool(self._hint_seen)  # none, or a short read (a truncated file): read again
            and self.hint is not None
            and (self.hint.read() == self._hint_seen)
        )

    def arm(self, recheck: float) -> None:
        """Before reading the row: take what the next `fresh` compares with (a change
        committed after this moves the listener's count or the hint on)."""
        self._read_at, self._mark = time.monotonic(), change_signal.local_mark()
        if recheck <= 0:
            return
        if self.hint is not None:
            self._hint_seen = self.hint.read()
            if self._hint_seen is None:  # none open: try again on the next read
                self.hint.moved()
        elif self.listener is not None:
            self._count = self.listener.count if self.listener.listening else None

    def tagged(self, row: Any) -> tuple[int, str]:
        """`cache.tagged(row)`, worked out again only when the row changed."""
        if row is None or row != self._row:
            self.held, self._row = cache.tagged(row), row
        return self.held

    def drop(self) -> None:
        """Forget the connection, closing it (unless it is a parent process's)."""
        connection, self.current = self.current, None
        self._read_at = None
        if connection is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):
                connection.close()

    def dispose(self) -> None:
        with self.lock:
            self.drop()
            if self.listener is not None:
                self.listener.stop()
            if self.hint is not None:
                self.hint.close()


def _kept(bind: Engine) -> Kept:
    """The Kept of `bind`, next to its reader pool (`cache.dispose_readers` disposes both)."""
    held = current_app.extensions.setdefault(cache.READERS, {})
    kept = held.get((bind, KEPT))
    if kept is None:
        # per engine: no URL (credentials) as a key
        postgresql = bind.dialect.name == "postgresql"
        kept = held.setdefault(
            (bind, KEPT), Kept(change_signal.hint_path(bind), postgresql=postgresql)
        )
    return kept


def rows(session: AnySession, statement: Executable, params: Mapping[str, Any]) -> list[Row]:
    """The rows of a ledenzoeker read (a page's rows, the cards' rows), as cheaply as the
    version: while the session has begun nothing, on the process's pooled autocommit reader
    (one round trip on PostgreSQL; through the session it was a pre-ping, BEGIN, the
    statement and COMMIT), seeing the latest committed rows as the session's first statement
    would. A session already in a transaction (it may hold its own changes) or an in-memory
    database reads through the session; so does a failed read on the reader (a connection
    found broken is dropped by the pool).
    """
    bind = _reader_bind(session)
    if bind is not None:
        try:
            with cache.reader(bind).connect() as conn:
                return list(conn.execute(statement, params).all())
        except DBAPIError as error:
            log.warning(
                "directory rows: read failed (%s), reading in the session",
                type(error.orig).__name__,
            )
    return list(session.connection().execute(statement, params).all())


def _reader_bind(session: AnySession) -> Engine | None:
    """The session's engine when a read may go to its reader pool (see `rows`), else None.

    A scoped session with no session made yet in its scope has begun nothing: its engine is
    the one a new Flask-SQLAlchemy session would be bound to (`get_bind` without a mapper or
    clause: the app's default engine), found without making that session."""
    if isinstance(session, scoped_session):
        if not session.registry.has():
            owner = session.session_factory.kw.get("db")  # Flask-SQLAlchemy's extension
            engine = None if owner is None else owner.engines.get(None)
            if engine is not None:
                return _pooled(engine)
        own = session()
    else:
        own = session
    return None if own.in_transaction() else _pooled(own.get_bind())


def _pooled(bind: Engine | Connection) -> Engine | None:
    """`bind` if it is an engine with a pool of connections (not in-memory SQLite's one)."""
    if not isinstance(bind, Engine) or isinstance(bind.pool, StaticPool):
        return None
    return bind
