"""Database helpers shared by all models: time, ids, dialect quirks."""

from __future__ import annotations

import hashlib
import uuid
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeAlias, cast

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.types import TypeDecorator

from portal.core.sqlite_wal import enable_wal

# What a query helper may be handed: a plain Session (jobs, tests) or Flask-SQLAlchemy's
# request-scoped ``db.session`` proxy, which forwards every call to the current Session.
AnySession: TypeAlias = Session | scoped_session[Any]


class HasId(Protocol):
    """Anything with an integer `id`: a model, or a light reference to one's row."""

    @property
    def id(self) -> int: ...


def utcnow() -> datetime:
    """Timezone-aware now in UTC; used as a callable column default."""
    return datetime.now(UTC)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched.

    ``Session.execute`` is typed to return a ``Result``; for DML it is a ``CursorResult``, which
    has ``rowcount``. Only the type changes (no run-time check).
    """
    return cast("CursorResult[Any]", result).rowcount


def new_uuid() -> str:
    """A random public identifier for URLs (36 characters)."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """DateTime that always comes back timezone-aware in UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch_micros(value: datetime | str) -> int:
    """A stored UTC time as microseconds since the epoch: the same instant gives the same number
    on every host and driver, whatever the connection's TimeZone (psycopg renders a timestamptz
    in it) or the form of the value (SQLite's raw read is the stored text, naive UTC)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: object) -> None:
    """Foreign keys on, WAL and a busy timeout for SQLite; a no-op elsewhere."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    enable_wal(dbapi_connection, timeout=10.0)


# libpq parameters of the connections the ledenzoeker keeps or pools for its reads outside the
# session (cache.reader, request_state.Kept): a connect that gets no answer gives up, and a
# server gone silent (a failover, a dropped NAT entry or firewall state) is noticed by TCP
# keepalives and the unacknowledged-data limit instead of a request waiting on it forever.
# Client-side parameters, not server settings: they work behind a pooler (PgBouncer) too.
READER_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 5,  # seconds (libpq's minimum is 2)
    "keepalives": 1,
    "keepalives_idle": 30,  # seconds idle before the first probe
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # milliseconds sent data may stay unacknowledged (Linux)
}


_DATABASE_KEY = "portal.database_key"  # Session.info: the key, worked out once per session


def database_key(session: AnySession) -> str:
    """The bound database as a key for what a process keeps per database (`engine_key`).

    Kept in the session's `info` for the session's life (a session's default bind never
    changes): a ledenzoeker search asks for it several times, and `get_bind` of Flask-SQLAlchemy's
    session is the costly part of the answer."""
    info = session.info
    key = info.get(_DATABASE_KEY)
    if key is None:
        key = info[_DATABASE_KEY] = engine_key(session.get_bind().engine)
    return key


_ENGINE_KEYS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def engine_key(engine: Engine) -> str:
    """An opaque, stable key for `engine`'s database: a digest of its URL without the password
    (the same user, host, port and name are the same database, whatever the password), so no
    credentials or host details end up in keys of caches or locks. Worked out once per engine."""
    key = _ENGINE_KEYS.get(engine)
    if key is None:
        rendered = engine.url.set(password=None).render_as_string(hide_password=True)
        key = _ENGINE_KEYS[engine] = hashlib.sha256(rendered.encode()).hexdigest()[:32]
    return key


def is_postgres(session_or_engine: AnySession | Engine | Connection) -> bool:
    """True when the bound database is PostgreSQL."""
    bind = (
        session_or_engine.get_bind()
        if hasattr(session_or_engine, "get_bind")
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"


# Database objects that the models do not describe but the migrations create on purpose (the
# SQLite FTS5 table with its shadow tables, the PostgreSQL full-text column and its index, the
# SQLite control row of the append-only audit log). Autogenerate and the migration test skip
# them so they are never proposed for removal.
_MIGRATION_UNMANAGED_PREFIXES = ("directory_fts", "audit_guard")
_MIGRATION_UNMANAGED_INDEXES = frozenset({"ix_directory_entries_search_vector"})
_MIGRATION_UNMANAGED_COLUMNS = frozenset({"search_vector"})


def migration_include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic include_name hook: leave the hand-made full-text objects alone."""
    if type_ == "table" and name and name.startswith(_MIGRATION_UNMANAGED_PREFIXES):
        return False
    if type_ == "column" and name in _MIGRATION_UNMANAGED_COLUMNS:
        return False
    return not (type_ == "index" and name in _MIGRATION_UNMANAGED_INDEXES)


def migration_render_item(type_, obj, autogen_context):
    """Alembic render_item hook: write UTCDateTime as a plain timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
