"""The directory's state as a ledenzoeker request reads it: once per request, and cheaply."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Executable, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import scoped_session
from sqlalchemy.pool import StaticPool

from portal.core.db import AnySession
from portal.directory import cache

log = logging.getLogger(__name__)

# STATE_ID, no parameters: the same text for every driver's paramstyle.
_GENERATION_SQL = "SELECT version, updated_at FROM directory_state WHERE id = 1"


def request_generation(session: AnySession) -> tuple[int, str]:
    """`cache.generation`, read as cheaply as a ledenzoeker request can (once per request).

    A session that has not begun a transaction has nothing of its own to see, so the state
    is read like a cache hit, outside it: one plain statement on a pooled autocommit
    connection of this process (`cache.reader`, no pre-ping), a fraction of checking out the
    session's connection, beginning and later committing its transaction. The read sees the
    latest committed state, as the session's first statement would. A session already in a
    transaction (it may hold its own bump) or an in-memory database reads through the
    session; so does a failed read (the broken connection is dropped).
    """
    bind = _reader_bind(session)
    if bind is None:
        return cache.generation(session)
    connection = cache.reader(bind).raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(_GENERATION_SQL)
        row = cursor.fetchone()
        cursor.close()
    except bind.dialect.loaded_dbapi.Error as error:
        log.warning(
            "directory version: read failed (%s), reading in the session", type(error).__name__
        )
        connection.invalidate()
        return cache.generation(session)
    finally:
        connection.close()
    return cache.tagged(row)


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
