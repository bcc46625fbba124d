"""Rendered search fragments cached in the database (no per-process state).

A key covers everything the fragment depends on: the directory version (bumped by every
refresh of public rows), the query, the score settings, the locale and the current hour (so
the score freshness rule is re-applied at least hourly). Entries also expire after a TTL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.directory.models import DirectoryState, ResultCache

STATE_ID = 1
_C = ResultCache.__table__.c


def version(session: Session) -> int:
    """The current directory version (0 before the first refresh)."""
    stmt = select(DirectoryState.__table__.c.version).where(
        DirectoryState.__table__.c.id == STATE_ID
    )
    return session.connection().execute(stmt).scalar() or 0


def bump(session: Session, *, now: datetime) -> None:
    """Mark every cached fragment stale: called whenever public rows change."""
    table = DirectoryState.__table__
    changed = session.execute(
        update(table)
        .where(table.c.id == STATE_ID)
        .values(version=table.c.version + 1, updated_at=now)
    ).rowcount
    if not changed:
        session.execute(
            _insert(session, table)
            .values(id=STATE_ID, version=1, updated_at=now)
            .on_conflict_do_nothing()
        )


def make_key(*parts) -> str:
    """A stable key from JSON-serialisable parts."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def get(session: Session, key: str, *, now: datetime) -> str | None:
    """The cached body, or None when missing or expired."""
    stmt = select(_C.body).where(_C.key == key, _C.expires_at > now)
    return session.connection().execute(stmt).scalar()


def put(session: Session, key: str, body: str, *, now: datetime, ttl: int) -> None:
    """Store a body (upsert: concurrent workers may render the same query) and prune expired ones."""
    session.execute(delete(ResultCache).where(ResultCache.expires_at <= now))
    values = {"key": key, "body": body, "expires_at": now + timedelta(seconds=ttl)}
    stmt = _insert(session, ResultCache.__table__).values(**values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["key"], set_={"body": body, "expires_at": values["expires_at"]}
        )
    )


def _insert(session: Session, table):
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
