"""SQL for one search page: filters, an exact count, and index-friendly paging.

The statements are plain SQL text with named parameters, put together from a few fixed pieces
per search shape (which filters, distance or A-Z order, which plan). A search runs hundreds of
times a second with ever other values, and building SQLAlchemy expression trees and their cache
keys for every request cost several times more than the database work; a text statement is
compiled once per shape and reused. Only fixed fragments are ever joined into the SQL: every
value the visitor gives travels as a bound parameter.

Plans, all of them bounded:
- Filters on company ids (full text, specialism, recognition) are id subqueries (PostgreSQL's
  full text is a condition on the row itself, served by its GIN index).
- The page query is two-step: an inner query picks the page's ids using only indexed columns
  (sort index (sort_key, company_id), geo index (latitude, longitude, sort_key)), and only
  those 20 rows are read in full.
- A-Z order with id filters: up to WALK_THRESHOLD hits are collected and sorted (SQLite:
  through the covering index (company_id, sort_key); PostgreSQL: a materialised set of hits,
  or it would walk the sort index testing every row for a rare word); a broader filter walks
  the sort index and probes the id set, stopping after one page (on SQLite the id condition is
  written `+company_id IN (...)` so the planner keeps to the sort index).
- Distance order uses the smallest circle (a fraction of the requested radius) that holds
  enough rows for the page; rows outside a circle are always farther than rows inside it, so
  ordering only the rows of that smaller circle gives the same page. One count answers both
  the total and how many rows each smaller circle holds. Every step pre-filters on the indexed
  bounding box.
- Counts are exact (the directory is small, and every member must be reachable by paging);
  only the probe of a smaller circle without known ring counts stops at the page's end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Float, Integer, column, text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

from portal.core.db import AnySession
from portal.directory import geo, request_state
from portal.directory.models import DirectoryEntry

WALK_THRESHOLD = 5000  # hits beyond which walking the sort index beats sorting the hits
RING_STEPS = (1 / 16, 1 / 8, 1 / 4, 1 / 2)  # fractions of the radius tried before the full one
_TABLE = DirectoryEntry.__tablename__
_D2 = geo.squared_distance_sql("latitude", "longitude")
_D2_COLUMN = column("d2", Float)
_TOTAL_COLUMN = column("total", Integer)
# The statements' skeletons: only the fixed fragments of this module are put into them.
_COUNT = "SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT :n) AS hits"
_EXACT_COUNT = "SELECT count(*) FROM {table} WHERE {where}"
_RINGS = (  # one SUM per RING_STEPS entry
    "SELECT count(*), "
    "COALESCE(SUM(CASE WHEN d2 <= :ring0 THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN d2 <= :ring1 THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN d2 <= :ring2 THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN d2 <= :ring3 THEN 1 ELSE 0 END), 0) "
    "FROM (SELECT {d2} AS d2 FROM {table} WHERE {where}) AS hits"
)
_NAME_PAGE = (
    "SELECT {columns} FROM {table} AS e JOIN (SELECT company_id, sort_key FROM {source} "
    "WHERE {where} ORDER BY sort_key, company_id LIMIT :size OFFSET :offset) AS page "
    "ON e.company_id = page.company_id ORDER BY page.sort_key, page.company_id"
)
# Keyset paging of the whole A-Z list (portal/directory/browse.py): the page from its first
# row on, through the sort index, whatever the page number.
_NAME_PAGE_FROM = (
    "SELECT {columns} FROM {table} AS e WHERE (e.sort_key, e.company_id) >= (:start_key, "
    ":start_id) ORDER BY e.sort_key, e.company_id LIMIT :size"
)
# A-Z order for at most WALK_THRESHOLD hits: collect the hits once (through the full-text or
# list index; PostgreSQL would rather walk the A-Z index testing every row for a rare word),
# then count them and sort them for the page, all in one statement. The count row always
# comes back, with empty columns when the page holds nobody.
_SORTED_HITS_PAGE = (
    "WITH hits AS MATERIALIZED (SELECT company_id, sort_key FROM {source} WHERE {where} "
    "LIMIT :n), page AS (SELECT company_id, sort_key FROM hits "
    "ORDER BY sort_key, company_id LIMIT :size OFFSET :offset) "
    "SELECT counted.total, {columns} FROM (SELECT count(*) AS total FROM hits) AS counted "
    "LEFT JOIN (page JOIN {table} AS e ON e.company_id = page.company_id) ON 1 = 1 "
    "ORDER BY page.sort_key, page.company_id"
)
_DISTANCE_PAGE = (
    "SELECT {columns}, page.d2 FROM {table} AS e JOIN (SELECT company_id, sort_key, {d2} AS d2 "
    "FROM {source} WHERE {where} ORDER BY d2, sort_key, company_id LIMIT :size OFFSET :offset) "
    "AS page ON e.company_id = page.company_id ORDER BY page.d2, page.sort_key, page.company_id"
)

# The rows of one page whose ids are known (id_index): one bound value per id.
_BY_ID = "SELECT {columns} FROM {table} WHERE company_id IN ({ids})"

# Every match with a position, for the map: no order (the map never changes the list's order).
_MAP_ROWS = (
    "SELECT slug, name, city, latitude, longitude, exact_location FROM {table} "
    "WHERE {where} AND latitude IS NOT NULL AND longitude IS NOT NULL LIMIT :n"
)


@dataclass(frozen=True)
class IdFilter:
    """One restriction on the rows: a fixed SQL condition and its bound values.

    `sql` holds `{id}` where the company id column goes, so the sort-index walk can write it
    as `+company_id` on SQLite; it never contains anything the visitor typed.
    """

    sql: str
    params: dict = field(default_factory=dict)


@dataclass
class Filters:
    """What restricts a search: id filters, and a circle around a point."""

    id_sets: list[IdFilter] = field(default_factory=list)
    center: geo.Point | None = None
    radius_km: float = 0.0
    # The id filters as conditions of the precomputed sets (id_index.Term), or None when one
    # of them has no such form (the score filter depends on the moment of judging).
    terms: list | None = field(default_factory=list)

    def where(self, *, walk_sort_index: bool = False) -> str:
        """The WHERE clause; `walk_sort_index` keeps SQLite on the sort index (see module doc)."""
        id_col = "+company_id" if walk_sort_index else "company_id"
        conditions = [f"({item.sql.format(id=id_col)})" for item in self.id_sets]
        if self.center is not None:
            conditions += [
                "latitude BETWEEN :min_lat AND :max_lat",
                "longitude BETWEEN :min_lon AND :max_lon",
                f"{_D2} <= :r2",
            ]
        return " AND ".join(conditions) or "1 = 1"

    def params(self) -> dict:
        """The bound values of `where()`."""
        values: dict = {}
        for item in self.id_sets:
            values.update(item.params)
        if self.center is not None:
            box = geo.bounding_box(self.center, self.radius_km)
            values.update(geo.distance_params(self.center))
            values.update(
                min_lat=box.min_lat, max_lat=box.max_lat, min_lon=box.min_lon,
                max_lon=box.max_lon, r2=self.radius_km * self.radius_km,
            )  # fmt: skip
        return values

    def within(self, radius_km: float) -> Filters:
        """The same filters on a smaller circle around the same centre."""
        return Filters(self.id_sets, self.center, radius_km)


def bounded_count(session: AnySession, filters: Filters, *, limit: int) -> int:
    """Number of matches, counting no further than `limit` + 1."""
    stmt = _statement(_COUNT.format(table=_TABLE, where=filters.where()))
    return session.connection().execute(stmt, {**filters.params(), "n": limit + 1}).scalar() or 0


def count(session: AnySession, filters: Filters) -> int:
    """The exact number of matches."""
    stmt = _statement(_EXACT_COUNT.format(table=_TABLE, where=filters.where()))
    return session.connection().execute(stmt, filters.params()).scalar() or 0


def counted_rings(session: AnySession, filters: Filters) -> tuple[int, list[int]]:
    """The exact count of a circle search, with the count inside each of RING_STEPS."""
    stmt = _statement(_RINGS.format(d2=_D2, table=_TABLE, where=filters.where()))
    params = filters.params()
    for i, fraction in enumerate(RING_STEPS):
        params[f"ring{i}"] = (filters.radius_km * fraction) ** 2
    total, *inside = session.connection().execute(stmt, params).one()
    return total, [int(n) for n in inside]


def sorted_hits(
    session: AnySession, filters: Filters, columns: tuple, *, offset: int, size: int
) -> tuple[int, list[tuple]]:
    """The bounded count (up to WALK_THRESHOLD + 1) of an A-Z search with id filters, and its
    page as (row, None) pairs; the page is empty, to be walked instead, past the threshold."""
    source = _TABLE
    if session.get_bind().dialect.name == "sqlite":  # id and sort key from one index
        source = f"{_TABLE} INDEXED BY ix_directory_entries_id_sort"
    sql = _SORTED_HITS_PAGE.format(
        columns=", ".join(f"e.{column.name}" for column in columns),
        table=_TABLE,
        source=source,
        where=filters.where(),
    )
    stmt = _statement(sql, (_TOTAL_COLUMN, *columns))
    params = {**filters.params(), "n": WALK_THRESHOLD + 1, "size": size, "offset": offset}
    rows = session.connection().execute(stmt, params).all()
    hits = rows[0].total
    if hits > WALK_THRESHOLD or rows[0].company_id is None:
        return hits, []
    return hits, [(row, None) for row in rows]


def page_from(
    session: AnySession, columns: tuple, start: tuple[str, int], *, size: int
) -> list[tuple]:
    """One page of the whole A-Z list from its first row `start` (sort_key, company_id), as
    (row, None) pairs."""
    sql = _NAME_PAGE_FROM.format(
        columns=", ".join(f"e.{column.name}" for column in columns), table=_TABLE
    )
    params = {"start_key": start[0], "start_id": start[1], "size": size}
    rows = request_state.rows(session, _statement(sql, tuple(columns)), params)
    return [(row, None) for row in rows]


def rows_by_id(
    session: AnySession, columns: tuple, ids: list[int], distances: list[float] | None = None
) -> list[tuple]:
    """The rows of `ids` in that order, as (row, distance or None) pairs; a row gone meanwhile
    is left out."""
    if not ids:
        return []
    sql = _BY_ID.format(
        columns=", ".join(column.name for column in columns),
        table=_TABLE,
        ids=", ".join(f":id{n}" for n in range(len(ids))),
    )
    params = {f"id{n}": company_id for n, company_id in enumerate(ids)}
    found = {
        row.company_id: row
        for row in request_state.rows(session, _statement(sql, tuple(columns)), params)
    }
    km: list[float | None] = list(distances) if distances else [None] * len(ids)
    return [(found[i], d) for i, d in zip(ids, km, strict=True) if i in found]


def map_rows(session: AnySession, filters: Filters, *, limit: int) -> list:
    """Up to `limit` matches with a position: slug, name, city, latitude, longitude, exact."""
    stmt = _statement(_MAP_ROWS.format(table=_TABLE, where=filters.where()))
    return list(session.connection().execute(stmt, {**filters.params(), "n": limit}).all())


def page_rows(
    session: AnySession,
    filters: Filters,
    columns: tuple,
    *,
    offset: int,
    size: int,
    rings: list[int] | None = None,
) -> list[tuple]:
    """One page of (row, distance_km or None): distance order, or A-Z by walking the sort index.

    `rings`: the counts inside RING_STEPS from `counted_rings` (distance order), if known.
    """
    distance = filters.center is not None
    walk = not distance and session.get_bind().dialect.name == "sqlite"
    if distance:
        filters = _smallest_circle(session, filters, needed=offset + size, rings=rings)
    sql = (_DISTANCE_PAGE if distance else _NAME_PAGE).format(
        columns=", ".join(f"e.{column.name}" for column in columns),
        d2=_D2,
        table=_TABLE,
        source=_TABLE,
        where=filters.where(walk_sort_index=walk),
    )
    stmt = _statement(sql, tuple(columns) + ((_D2_COLUMN,) if distance else ()))
    params = {**filters.params(), "size": size, "offset": offset}
    rows = session.connection().execute(stmt, params)
    return [(row, math.sqrt(row.d2) if distance else None) for row in rows]


def _smallest_circle(
    session: AnySession, filters: Filters, *, needed: int, rings: list[int] | None
) -> Filters:
    """The smallest ring step around the centre that already holds `needed` matches.

    `rings`: the exact counts inside RING_STEPS; without them each circle is probed.
    """
    for i, fraction in enumerate(RING_STEPS):
        smaller = filters.within(filters.radius_km * fraction)
        if rings is not None:
            inside = rings[i]
        else:
            inside = bounded_count(session, smaller, limit=needed - 1)
        if inside >= needed:
            return smaller
    return filters


@lru_cache(maxsize=512)
def _statement(sql: str, columns: tuple = ()) -> TextClause | TextualSelect:
    """A text statement per distinct SQL (a handful of shapes), typed by `columns` if given."""
    clause = text(sql)
    if columns:
        return clause.columns(*columns)
    return clause
