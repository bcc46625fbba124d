"""Search, filter and sort for the staff work queues (provisioning, assessment, privacy,
reminders).

Each queue names its filters; the sort keeps oldest-first as the default of deadline queues.
Query-string values are checked against fixed choices, so nothing typed reaches SQL but the
search text, which is bound as a LIKE parameter with its wildcards escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, inspect, or_
from sqlalchemy.orm import InstrumentedAttribute

_T = TypeVar("_T", bound=tuple[Any, ...])

OLDEST, NEWEST, NAME = "oudste", "nieuwste", "naam"
SORTS = {
    OLDEST: _l("Oudste eerst"),
    NEWEST: _l("Nieuwste eerst"),
    NAME: _l("Naam (A-Z)"),
}
MAX_QUERY = 100


@dataclass(frozen=True)
class QueueArgs:
    """The queue's search text, chosen filter and sort, from the query string."""

    q: str = ""
    filter: str = ""
    sort: str = OLDEST
    default_sort: str = OLDEST

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], *, filters: dict, default_sort: str = OLDEST
    ) -> QueueArgs:
        """Unknown filters and sorts fall back to the defaults (never an error)."""
        q = " ".join((args.get("q") or "").split())[:MAX_QUERY]
        chosen = args.get("filter", "")
        sort = args.get("sort", "")
        return cls(
            q=q,
            filter=chosen if chosen in filters else "",
            sort=sort if sort in SORTS else default_sort,
            default_sort=default_sort,
        )

    def url_args(self) -> dict:
        """The values to keep in paging links (the default sort is left out)."""
        sort = "" if self.sort == self.default_sort else self.sort
        return {k: v for k, v in (("q", self.q), ("filter", self.filter), ("sort", sort)) if v}


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern for `text` with %, _ and \\ escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply(
    stmt: Select[_T],
    args: QueueArgs,
    *,
    search_columns: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    date_column: ColumnElement[Any] | InstrumentedAttribute[Any],
    name_column: ColumnElement[Any] | InstrumentedAttribute[Any],
    filters: dict,
) -> Select[_T]:
    """Add the search, the chosen filter's condition and the sort to a select."""
    if args.q:
        pattern = like_pattern(args.q)
        stmt = stmt.where(
            or_(*(func.lower(column).like(pattern, escape="\\") for column in search_columns))
        )
    condition = filters.get(args.filter)
    if condition is not None:
        stmt = stmt.where(condition)
    order = {
        OLDEST: (date_column.asc(),),
        NEWEST: (date_column.desc(),),
        NAME: (func.lower(name_column).asc(), date_column.asc()),
    }[args.sort]
    return stmt.order_by(None).order_by(*order, *_primary_key(stmt))


def _primary_key(stmt: Select[Any]) -> tuple[Any, ...]:
    """The primary key of the select's first model, as the last tie-break of every sort: rows
    with equal sort values otherwise come in any order, and paging skips or repeats them."""
    entity = stmt.column_descriptions[0].get("entity") if stmt.column_descriptions else None
    if entity is None:
        return ()
    return tuple(column.asc() for column in inspect(entity).primary_key)


def company_name(company_model):
    """The name a company is shown under (trade name, else legal name), for sorting."""
    return func.coalesce(func.nullif(company_model.trade_name, ""), company_model.legal_name)
