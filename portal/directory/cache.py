"""Rendered search fragments and detail pages in a shared cache (no per-process state).

The cache lives in the database (table `directory_result_cache`), or in Redis when
DIRECTORY_CACHE_REDIS_URL is set (by default REDIS_URL; see `portal.directory.redis_cache`).

A key covers what the body depends on besides the directory: the query or slug, the locale, the
score configuration and the current hour (so the score freshness rule is re-applied at least
hourly). Each row also records the directory generation it was rendered from (the version, bumped
by every refresh of public rows and by a change of the publication minimum, with the time of its
bump, see `generation`); a read only returns rows of the current one, so a hit costs one query.
Entries also expire after a TTL.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from flask import current_app
from sqlalchemy import Engine, Row, Table, bindparam, create_engine, delete, text, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from portal.core import metrics
from portal.core.db import (
    READER_CONNECT_ARGS,
    AnySession,
    UTCDateTime,
    epoch_micros,
    rowcount,
    utcnow,
)
from portal.directory import change_signal, redis_cache
from portal.directory.models import DirectoryState, ResultCache

STATE_ID = 1
READERS = "directory_cache_readers"  # engine -> reader pool; (engine, ...) -> request_state's
CHANGED = "directory_changed"  # session.info: this transaction bumped the version
log = logging.getLogger(__name__)
_C = ResultCache.__table__.c
T = TypeVar("T")


# Read on every ledenzoeker request: one text statement, compiled once.
_VERSION = text("SELECT version FROM directory_state WHERE id = :state").bindparams(state=STATE_ID)


def version(session: AnySession) -> int:
    return session.connection().execute(_VERSION).scalar() or 0  # 0 before the first refresh


_GENERATION = text("SELECT version, updated_at FROM directory_state WHERE id = :state").bindparams(
    state=STATE_ID
)


def generation(session: AnySession) -> tuple[int, str]:
    """The current directory version and a tag naming it within this database's history.

    The tag is the version with the time of its bump. After a database restore the counter runs
    again through numbers that copies kept outside the database (Redis, a worker's memory) were
    built from; the bump times tell those apart, so such a copy is never taken for current.
    """
    return tagged(session.connection().execute(_GENERATION).first())


def tagged(row: Sequence[Any] | None) -> tuple[int, str]:
    """The version and generation tag of a read (version, updated_at) row of the state (None:
    no bump yet; updated_at as the database returns it). Every copy kept outside the database
    is keyed or stamped with the tag."""
    return (0, "0") if row is None else (row[0], tag(row[0], row[1]))


def tag(version: int, bumped_at: datetime | str | None) -> str:  # see `tagged`, `epoch_micros`
    return str(version) if bumped_at is None else f"{version}@{epoch_micros(bumped_at)}"


def bump(session: AnySession, *, now: datetime) -> None:
    """Mark every cached body stale: called whenever public rows change. The new version reaches
    Redis and the processes' kept state once committed (`redis_cache`, `change_signal`)."""
    table = cast(Table, DirectoryState.__table__)
    changed = rowcount(
        session.execute(
            update(table)
            .where(table.c.id == STATE_ID)
            .values(version=table.c.version + 1, updated_at=now)
        )
    )
    if not changed:
        session.execute(
            _insert(session, table)
            .values(id=STATE_ID, version=1, updated_at=now)
            .on_conflict_do_nothing()
        )
    redis_cache.publish_after_commit(
        session, lambda: generation(session)[1], committed=lambda: committed_generation(session)
    )
    change_signal.announce(session)
    session.info[CHANGED] = True  # id_index: the matching sets are built after the commit


def committed_generation(session: AnySession) -> str:
    """The generation tag committed now, read on a connection of its own (after a commit)."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return generation(session)[1]
    with bind.connect() as conn:
        return tagged(conn.execute(_GENERATION).first())[1]


def make_key(*parts: object) -> str:
    """A stable key from JSON-serialisable parts."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(raw.encode()).hexdigest()


# The hit path of every cached page: one query, built once (no per-request expression building).
# A body's first line is its generation tag; the version column skips other versions' rows.
_GET = text(
    "SELECT body, version, (SELECT updated_at FROM directory_state WHERE id = :state)"
    ' FROM directory_result_cache WHERE "key" = :key AND expires_at > :now'
    " AND version = COALESCE((SELECT version FROM directory_state WHERE id = :state), 0)"
).bindparams(bindparam("now", type_=UTCDateTime()), state=STATE_ID)


def get(session: AnySession, key: str, *, now: datetime) -> str | None:
    """The cached body, or None when missing, expired or rendered from another generation
    (an older version, or after a database restore the same number of a lost history).

    The read runs on a connection of its own, outside the session's transaction. It sees
    committed rows only, which is all a shared cache holds. On PostgreSQL that connection comes
    from a small pool of autocommit connections without a pre-ping (`reader`), so a hit is one
    round trip; a connection that turns out broken makes the read a miss and is replaced. A
    database with one shared connection (in-memory SQLite) reads through the session.
    """
    found = _lookup(session, key, now=now)
    return None if found is None else found[0]


def _lookup(session: AnySession, key: str, *, now: datetime) -> tuple[str, str] | None:
    """`get`'s body with the generation tag it was stored under (the current one)."""
    params = {"key": key, "now": now}
    bind = session.get_bind()
    if not isinstance(bind, Engine) or isinstance(bind.pool, StaticPool):
        return _row(session.connection().execute(_GET, params).first())
    if bind.dialect.name != "postgresql":
        with bind.connect() as conn:
            return _row(conn.execute(_GET, params).first())
    try:
        with reader(bind).connect() as conn:
            return _row(conn.execute(_GET, params).first())
    except DBAPIError as error:
        log.warning("directory cache: read failed (%s), rendering", type(error.orig).__name__)
        return None


def _row(row: Row | None) -> tuple[str, str] | None:
    if row is None:
        return None
    current = tag(row[1], row[2])
    stamp, newline, body = row[0].partition("\n")
    return (body, current) if newline and stamp == current else None


def reader(bind: Engine) -> Engine:
    """This process's pool of autocommit connections for cache reads on `bind`'s database."""
    engines = current_app.extensions.setdefault(READERS, {})
    engine = engines.get(bind)  # per engine: no URL (credentials) as a key
    if engine is None:
        engine = engines[bind] = create_engine(
            bind.url,
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_reset_on_return=None,  # autocommit: nothing to roll back
            pool_size=2,
            max_overflow=4,
            # no connect or read waits forever (the kept generation connection is one of these)
            connect_args=READER_CONNECT_ARGS if bind.dialect.name == "postgresql" else {},
        )
    return engine


def dispose_readers() -> None:
    """Close the reader pools and kept connections of the app (the test suite, after each)."""
    for engine in current_app.extensions.pop(READERS, {}).values():
        engine.dispose()


def put(
    session: AnySession, key: str, body: str, *, now: datetime, ttl: int, generation: str
) -> None:
    """Store a body rendered from the generation tagged `generation` (read before rendering)
    and prune expired ones. An upsert: concurrent workers may render the same key. A body stored
    under a generation that has moved on meanwhile is simply never served."""
    session.execute(delete(ResultCache).where(ResultCache.expires_at <= now))
    values = {
        "body": generation + "\n" + body,
        "expires_at": now + timedelta(seconds=ttl),
        "version": redis_cache.tag_version(generation),
    }
    stmt = _insert(session, cast(Table, ResultCache.__table__)).values(key=key, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))


def fetch(
    session: AnySession, parts: tuple, render: Callable[[], str], *, now: datetime, ttl: int,
    counted: bool = True, basis: Callable[[], str | None] | None = None,
) -> str:  # fmt: skip
    """The cached body for `parts`, or `render()` stored on a miss (committed).

    `counted=False` keeps the lookup out of the page cache's hit/miss metric (the vocabulary).
    `basis`, called after `render()`: the generation tag the render's per-process copies
    (matching sets, vocabulary) were kept for, if it read one; the body is never stamped with a
    newer generation than that.
    """
    return fetch_stamped(session, parts, render, now=now, ttl=ttl, counted=counted, basis=basis)[0]


def fetch_stamped(
    session: AnySession, parts: tuple, render: Callable[[], str], *, now: datetime, ttl: int,
    counted: bool = True, basis: Callable[[], str | None] | None = None,
) -> tuple[str, str]:  # fmt: skip
    """`fetch`, with the generation tag the body is stamped with (served or stored under).

    With Redis that is Redis's generation, which may lag behind the database's (before the
    publish after a commit, or after a lost one) or run ahead of one read earlier.
    """
    key = make_key(*parts)
    client = redis_cache.client()
    if client is not None:
        rendered = False

        def render_counted() -> str:
            nonlocal rendered
            rendered = True
            return render()

        found = redis_cache.fetch(
            client, key, render_counted, ttl=ttl, db_generation=lambda: generation(session)[1],
            basis=basis,
        )  # fmt: skip
        if counted:
            metrics.count_cache_lookup(hit=not rendered)
        return found
    cached = _lookup(session, key, now=now)
    if counted:
        metrics.count_cache_lookup(hit=cached is not None)
    if cached is None:
        current = generation(session)[1]  # before rendering: a bump meanwhile makes it stale
        body = render()
        current = redis_cache.no_newer(current, basis)
        put(session, key, body, now=now, ttl=ttl, generation=current)
        session.commit()
        cached = (body, current)
    return cached


def shared_copy(
    session: AnySession, parts: tuple, build: Callable[[], T], *, generation: str, ttl: int,
    dump: Callable[[T], str], load: Callable[[str], T],
) -> T:  # fmt: skip
    """What `build()` makes from the database, shared as `dump`'s text through the cache, fit
    to keep for the generation tagged `generation`. A shared copy stamped with another (Redis
    not yet told of a change; a lost history's after a restore) is not used: built, not shared.
    """
    built: list[T] = []

    def build_text() -> str:
        built.append(build())
        return dump(built[0])

    body, stamp = fetch_stamped(session, parts, build_text, now=utcnow(), ttl=ttl, counted=False)
    if built:
        return built[0]
    if stamp != generation:
        return build()
    try:
        return load(body)
    except Exception:  # a broken or foreign entry: build (and share) a good one
        log.warning("directory cache: unreadable shared copy of %s rebuilt", parts[0])
        drop_copy(session, parts)
        return build()


def process_copy(
    name: str, key: object, session: AnySession, parts: tuple, build: Callable[[], T], *,
    generation: str, ttl: int, dump: Callable[[T], str], load: Callable[[str], T],
) -> T:  # fmt: skip
    """The process's copy of a structure made per directory generation, kept in the app's
    extensions under `name` with `key` (the generation tag, plus whatever else it depends on).

    The first request after a change fetches it through `shared_copy` (of exactly
    `generation`, so fit to keep) or, with the shared cache switched off, builds its own.
    """
    held = current_app.extensions.get(name)
    if held is None or held[0] != key:
        if current_app.config.get("DIRECTORY_RESULT_CACHE_SECONDS", 0) > 0:
            found = shared_copy(
                session, parts, build, generation=generation, ttl=ttl, dump=dump, load=load
            )
        else:
            found = build()
        held = (key, found)
        current_app.extensions[name] = held
    return held[1]


# A copy built per directory version (the matching sets), read only when stamped with the
# version asked for: a stale one costs no transfer of its body. Not a newer one either: after a
# database restore a copy from the lost history carries a number the database has not reached.
_STORED = text(
    'SELECT body FROM directory_result_cache WHERE "key" = :key AND expires_at > :now'
    " AND version = :version"
).bindparams(bindparam("now", type_=UTCDateTime()))
_STAMP = text('SELECT version FROM directory_result_cache WHERE "key" = :key AND expires_at > :now')
_HEAD = text(
    'SELECT substr(body, 1, :size) FROM directory_result_cache WHERE "key" = :key'
    " AND expires_at > :now"
).bindparams(bindparam("now", type_=UTCDateTime()))
HEAD_SIZE = 100


def stored_copy(session: AnySession, parts: tuple, *, version: int) -> str | None:
    """The shared copy stored for `parts` (`store_copy`) if it was built from directory
    version `version` (exactly), else None. Only reads: never builds."""
    key = make_key(*parts)
    client = redis_cache.client()
    if client is not None:
        return redis_cache.stored(client, key, version=version)
    params = {"key": key, "now": utcnow(), "version": version}
    bind = session.get_bind()
    if not isinstance(bind, Engine) or isinstance(bind.pool, StaticPool):
        return session.connection().execute(_STORED, params).scalar()
    with bind.connect() as conn:
        return conn.execute(_STORED, params).scalar()


def copy_stamp(session: AnySession, parts: tuple) -> int | None:
    """The directory version the shared copy for `parts` was built from (None: none)."""
    key = make_key(*parts)
    client = redis_cache.client()
    if client is not None:
        return redis_cache.stamp(client, key)
    return session.connection().execute(_STAMP, {"key": key, "now": utcnow()}).scalar()


def copy_head(session: AnySession, parts: tuple) -> str | None:
    """The first line of the shared copy for `parts` (at most HEAD_SIZE characters; None: no
    copy), read without transferring the rest of its body."""
    key = make_key(*parts)
    client = redis_cache.client()
    if client is not None:
        head = redis_cache.head(client, key, size=HEAD_SIZE)
    else:
        params = {"key": key, "now": utcnow(), "size": HEAD_SIZE}
        head = session.connection().execute(_HEAD, params).scalar()
    return None if head is None else head.partition("\n")[0]


def drop_copy(session: AnySession, parts: tuple) -> None:
    """Remove the shared copy for `parts` (one that could not be read), committed, so the next
    build shares a good one whatever its stamp said."""
    key = make_key(*parts)
    client = redis_cache.client()
    if client is not None:
        redis_cache.drop(client, key)
        return
    session.execute(delete(ResultCache).where(ResultCache.key == key))
    session.commit()


def store_copy(session: AnySession, parts: tuple, body: str, *, version: int, ttl: int) -> None:
    """Share `body`, built from directory `version`, for `stored_copy` (committed), in place
    of any copy stored before (the caller holds the build lock and read `version` under it;
    after a database restore the copy before may carry a higher number from a lost history)."""
    key = make_key(*parts)
    client = redis_cache.client()
    if client is not None:
        redis_cache.store(client, key, body, version=version, ttl=ttl)
        return
    now = utcnow()
    table = cast(Table, ResultCache.__table__)
    session.execute(delete(ResultCache).where(ResultCache.expires_at <= now))
    values = {"body": body, "expires_at": now + timedelta(seconds=ttl), "version": version}
    stmt = _insert(session, table).values(key=key, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))
    session.commit()


def _insert(session: AnySession, table: Table) -> PgInsert | SqliteInsert:
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
