"""The directory's state as a ledenzoeker request reads it: once per request, and cheaply."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import Engine, Executable, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import scoped_session
from sqlalchemy.pool import StaticPool

from portal.core.db import AnySession
from portal.directory import cache

log = logging.getLogger(__name__)

KEPT = "generation"  # cache.READERS: (engine, KEPT) -> Kept
# STATE_ID, no parameters: the same text for every driver's paramstyle.
_GENERATION_SQL = "SELECT version, updated_at FROM directory_state WHERE id = 1"


def request_generation(session: AnySession) -> tuple[int, str]:
    """`cache.generation`, read as cheaply as a ledenzoeker request can (once per request).

    A session that has not begun a transaction has nothing of its own to see, so the state
    is read outside it: one plain statement on the autocommit connection this process keeps
    for it (`Kept`: no pool checkout and return, a statement the driver keeps prepared), a
    fraction of checking out the session's connection, beginning and later committing its
    transaction. The read sees the latest committed state, as the session's first statement
    would: every statement of an autocommit connection does (a change committed by another
    process or host shows on the next request). While another thread of the process reads on
    it, a connection of the reader pool (`cache.reader`) is used. A session already in a
    transaction (it may hold its own bump) or an in-memory database reads through the session;
    so does a failed read (the broken connection is dropped, the next read opens another).
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
    """The autocommit connection a process keeps for the generation read of one database: one
    of its reader pool (`cache.reader`, so set up as every connection of the app), detached
    from the pool. One thread at a time reads on it (`lock`); `cache.dispose_readers` closes
    it (`dispose`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current: Any = None  # the DBAPI connection, opened on the first read
        self._pid = 0
        self._row: Any = None
        self._tagged = (0, "0")

    def connection(self, bind: Engine) -> Any:
        if self.current is None or self._pid != os.getpid():  # a forked process: its own
            pooled = cache.reader(bind).raw_connection()
            pooled.detach()
            self.current, self._pid = pooled.dbapi_connection, os.getpid()
        return self.current

    def tagged(self, row: Any) -> tuple[int, str]:
        """`cache.tagged(row)`, worked out again only when the row changed."""
        if row is None or row != self._row:
            self._tagged, self._row = cache.tagged(row), row
        return self._tagged

    def drop(self) -> None:
        """Forget the connection, closing it (unless it is a parent process's)."""
        connection, self.current = self.current, None
        if connection is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):
                connection.close()

    def dispose(self) -> None:
        with self.lock:
            self.drop()


def _kept(bind: Engine) -> Kept:
    """The Kept of `bind`, next to its reader pool (`cache.dispose_readers` disposes both)."""
    held = current_app.extensions.setdefault(cache.READERS, {})
    kept = held.get((bind, KEPT))
    if kept is None:
        kept = held.setdefault((bind, KEPT), Kept())  # per engine: no URL (credentials) as a key
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
    """The session's engine when a read may go to its reader pool (see `rows`), else None."""
    bind = session.get_bind()
    own = session() if isinstance(session, scoped_session) else session
    if own.in_transaction() or not isinstance(bind, Engine) or isinstance(bind.pool, StaticPool):
        return None
    return bind
