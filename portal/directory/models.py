"""Precomputed public directory rows, their text index, and the geocoder's cache."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    event,
    false,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import UTCDateTime, utcnow
from portal.extensions import Model


class DirectoryEntry(Model):
    """One listed member as the public sees it: only fields the member made visible.

    Rebuilt by `entries.refresh_entry` / `refresh_all`; a company that is not listed (ended,
    suspended, opted out) has no row, so nothing hidden can leak from this table.
    """

    __tablename__ = "directory_entries"
    __table_args__ = (
        Index("ix_directory_entries_geo", "latitude", "longitude", "sort_key"),
        Index("ix_directory_entries_sort", "sort_key", "company_id"),
        # Covering index for "these ids, in A-Z order" (full-text and list filters).
        Index("ix_directory_entries_id_sort", "company_id", "sort_key"),
    )

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_key: Mapped[str] = mapped_column(String(200))  # folded name: neutral A-Z order
    search_text: Mapped[str] = mapped_column(Text)  # folded names and place, for full text
    city: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(7), default="")  # empty when address hidden
    street: Mapped[str] = mapped_column(String(230), default="")  # empty when address hidden
    # Exact when the address is public, else rounded to about a kilometre.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    exact_location: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    specialisms: Mapped[list] = mapped_column(JSON, default=list)
    recognitions: Mapped[list] = mapped_column(JSON, default=list)
    member_since: Mapped[date | None] = mapped_column(Date)
    # Last good figures of the current review system (the rule itself lives in scores.py).
    provider: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(12))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    scale_max: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    review_count: Mapped[int] = mapped_column(default=0)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hand-entered figures confirmed by staff ("zelf opgegeven"); the server default fills the
    # rows that existed before the column.
    self_reported: Mapped[bool] = mapped_column(default=False, server_default=false())
    profile_url: Mapped[str] = mapped_column(String(500), default="")
    write_review_url: Mapped[str] = mapped_column(String(500), default="")
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changes with every new logo; empty without one (cards and the logo route read it).
    logo_version: Mapped[str] = mapped_column(String(16), default="", server_default="")

    @property
    def is_current(self) -> bool:
        """Only the current review system is ever copied into a row."""
        return self.provider is not None

    def __repr__(self) -> str:
        return f"<DirectoryEntry {self.slug}>"


class DirectoryLogo(Model):
    """A listed member's logo resized for the ledenzoeker, shared by all workers.

    Made on first request from the member's upload; a row whose version is not the public
    row's `logo_version` is stale and made again.
    """

    __tablename__ = "directory_logos"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    size: Mapped[str] = mapped_column(String(8), primary_key=True)  # kaart, pagina
    version: Mapped[str] = mapped_column(String(16))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DirectoryLogo {self.company_id} {self.size}>"


class GeocodeCache(Model):
    """A resolved postcode or place (or a confirmed miss), shared by all workers."""

    __tablename__ = "geocode_cache"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # e.g. "pc6:3511AB"
    latitude: Mapped[float | None] = mapped_column(Float)  # None: known not to exist
    longitude: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="")  # pdok, places, members
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<GeocodeCache {self.key} {self.source}>"


# Full-text machinery the ORM cannot express. SQLite: an external-content FTS5 table kept in
# step by triggers. PostgreSQL: a stored generated column with the 'simple' tsvector of the
# folded text, GIN-indexed (the folding in text.py already removed accents, so no unaccent
# extension is needed). Stored, so neither an index recheck nor a filter while walking the sort
# index has to parse the text again; the ORM never reads or writes it.
_FTS_TOKENIZER = "unicode61 remove_diacritics 2"
_CREATE = {
    "sqlite": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS directory_fts USING fts5(search_text, "
        "content='directory_entries', content_rowid='company_id', "
        f"tokenize='{_FTS_TOKENIZER}', prefix='2 3')",
        "CREATE TRIGGER IF NOT EXISTS directory_entries_fts_ai AFTER INSERT ON directory_entries "
        "BEGIN INSERT INTO directory_fts(rowid, search_text) "
        "VALUES (new.company_id, new.search_text); END",
        "CREATE TRIGGER IF NOT EXISTS directory_entries_fts_ad AFTER DELETE ON directory_entries "
        "BEGIN INSERT INTO directory_fts(directory_fts, rowid, search_text) "
        "VALUES ('delete', old.company_id, old.search_text); END",
        "CREATE TRIGGER IF NOT EXISTS directory_entries_fts_au "
        "AFTER UPDATE OF search_text ON directory_entries "
        "BEGIN INSERT INTO directory_fts(directory_fts, rowid, search_text) "
        "VALUES ('delete', old.company_id, old.search_text); "
        "INSERT INTO directory_fts(rowid, search_text) "
        "VALUES (new.company_id, new.search_text); END",
    ),
    "postgresql": (
        "ALTER TABLE directory_entries ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
        "CREATE INDEX IF NOT EXISTS ix_directory_entries_search_vector ON directory_entries "
        "USING gin (search_vector)",
    ),
}
_DROP = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS directory_entries_fts_au",
        "DROP TRIGGER IF EXISTS directory_entries_fts_ad",
        "DROP TRIGGER IF EXISTS directory_entries_fts_ai",
        "DROP TABLE IF EXISTS directory_fts",
    ),
    "postgresql": (
        "DROP INDEX IF EXISTS ix_directory_entries_search_vector",
        "ALTER TABLE directory_entries DROP COLUMN IF EXISTS search_vector",
    ),
}


def create_extra_ddl(connection: Connection) -> None:
    """Create the full-text table/index and triggers (call from the Alembic migration)."""
    for statement in _CREATE.get(connection.dialect.name, ()):
        connection.execute(DDL(statement))
    if connection.dialect.name == "sqlite":
        # Index rows that existed before the FTS table (a migration on a filled database).
        connection.execute(DDL("INSERT INTO directory_fts(directory_fts) VALUES ('rebuild')"))


def drop_extra_ddl(connection: Connection) -> None:
    """Drop what create_extra_ddl made (call from the migration's downgrade)."""
    for statement in _DROP.get(connection.dialect.name, ()):
        connection.execute(DDL(statement))


for _dialect, _statements in _CREATE.items():
    for _statement in _statements:
        event.listen(
            DirectoryEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
for _dialect, _statements in _DROP.items():
    for _statement in _statements:
        event.listen(
            DirectoryEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect=_dialect)
        )


class DirectoryState(Model):
    """One row: a version number bumped on every change of the public rows (cache keys use it)."""

    __tablename__ = "directory_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DirectoryState v{self.version}>"


class ResultCache(Model):
    """A rendered fragment or page, shared by all workers; stale once the version moves on.

    `version` is the directory version the body was rendered from: a read only returns rows of
    the current version, so one query answers a hit.
    """

    __tablename__ = "directory_result_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<ResultCache {self.key[:8]}>"


class SearchWordList(Model):
    """The admins' list of consumer words for trades (synonyms and compounds), one row.

    No row: the shipped list in `portal.directory.synonyms.DEFAULT_LIST` applies.
    """

    __tablename__ = "directory_search_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<SearchWordList v{self.version}>"
