"""SQL for one search page: filters, a count that stops at 1,001, and index-friendly paging.

Plans, all of them bounded:
- Filters on company ids (full text, specialism, recognition) are id subqueries.
- The page query is two-step: an inner query picks the page's ids using only indexed columns
  (sort index (sort_key, company_id), geo index (latitude, longitude, sort_key)), and only
  those 20 rows are read in full.
- A-Z order with id filters: up to WALK_THRESHOLD hits are sorted through the covering index
  (company_id, sort_key); a broader filter walks the sort index and probes the id set,
  stopping after one page (on SQLite the id condition is written `+company_id IN (...)` so the
  planner keeps to the sort index).
- Distance order grows the circle from small to the requested radius until it holds enough
  rows for the page; rows outside a circle are always farther than rows inside it, so
  ordering only the rows of that smaller circle gives the same page. Each step pre-filters on
  the indexed bounding box and stops counting at the page's end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from portal.directory import geo
from portal.directory.models import DirectoryEntry

E = DirectoryEntry.__table__.c  # Core columns: these queries need no ORM machinery
_PLUS_ID = literal_column("+directory_entries.company_id")
WALK_THRESHOLD = 5000  # hits beyond which walking the sort index beats sorting the hits
RING_STEPS = (1 / 16, 1 / 8, 1 / 4, 1 / 2)  # fractions of the radius tried before the full one


@dataclass
class Filters:
    """What restricts a search: id sets, and a circle around a point."""

    id_sets: list[Select] = field(default_factory=list)
    center: geo.Point | None = None
    radius_km: float = 0.0

    @property
    def squared_distance(self) -> ColumnElement | None:
        if self.center is None:
            return None
        return geo.squared_distance_sql(E.latitude, E.longitude, self.center)

    def where(self, *, walk_sort_index: bool = False) -> list:
        """WHERE conditions; `walk_sort_index` keeps SQLite on the sort index (see module doc)."""
        id_col = _PLUS_ID if walk_sort_index else E.company_id
        conditions: list = [id_col.in_(ids) for ids in self.id_sets]
        if self.center is not None:
            box = geo.bounding_box(self.center, self.radius_km)
            conditions += [
                E.latitude.between(box.min_lat, box.max_lat),
                E.longitude.between(box.min_lon, box.max_lon),
                self.squared_distance <= self.radius_km * self.radius_km,
            ]
        return conditions


def bounded_count(session: Session, filters: Filters, *, limit: int) -> int:
    """Number of matches, counting no further than `limit` + 1."""
    inner = select(E.company_id).where(*filters.where()).limit(limit + 1)
    stmt = select(func.count()).select_from(inner.subquery())
    return session.connection().execute(stmt).scalar() or 0


def page_rows(
    session: Session, filters: Filters, columns, *, offset: int, size: int, hits: int
) -> list[tuple]:
    """One page of (row, distance_km or None); `hits` is the bounded count of all matches."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if filters.center is not None:
        filters = _smallest_circle(session, filters, needed=offset + size)
        inner = _inner(filters, walk=False)
    else:
        walk = sqlite and hits > WALK_THRESHOLD
        inner = _inner(filters, walk=walk)
        if sqlite and filters.id_sets and not walk:
            inner = inner.with_hint(
                DirectoryEntry.__table__, "INDEXED BY ix_directory_entries_id_sort", "sqlite"
            )
    page = inner.limit(size).offset(offset).subquery("page")
    d2 = [page.c.d2] if filters.center is not None else []
    stmt = (
        select(*columns, *d2)
        .join(page, E.company_id == page.c.company_id)
        .order_by(*d2, page.c.sort_key, page.c.company_id)
    )
    rows = session.connection().execute(stmt)
    return [(row, math.sqrt(row.d2) if d2 else None) for row in rows]


def _inner(filters: Filters, *, walk: bool) -> Select:
    """The page's ids in order, from indexed columns only."""
    d2 = filters.squared_distance
    columns = [E.company_id, E.sort_key]
    order = [E.sort_key, E.company_id]
    if d2 is not None:
        columns.append(d2.label("d2"))
        order.insert(0, literal_column("d2"))
    return select(*columns).where(*filters.where(walk_sort_index=walk)).order_by(*order)


def _smallest_circle(session: Session, filters: Filters, *, needed: int) -> Filters:
    """The smallest ring step around the centre that already holds `needed` matches."""
    for fraction in RING_STEPS:
        smaller = Filters(filters.id_sets, filters.center, filters.radius_km * fraction)
        if bounded_count(session, smaller, limit=needed - 1) >= needed:
            return smaller
    return filters
