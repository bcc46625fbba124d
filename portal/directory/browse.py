"""Keyset paging of the whole A-Z list: where each page starts, once per directory version.

Browsing everyone is the one search whose pages go deep (every member must be reachable by
paging, issue 19), and with OFFSET a page deep in the list walks the sort index past every
earlier row, and its exact count counts every row again. Instead each process keeps, per
directory version, the sort key and id of the first row of every page and the total: page N
is then a keyset query from its start (`(sort_key, company_id) >= start`, through the sort
index, 20 rows read) and the count is known. The list is built with one index-only scan when
the version moves on (every change of the public rows bumps it), so a page never comes from
an older version of the list. Pages and their numbers are the same as with OFFSET.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text

from portal.core.db import AnySession, database_key
from portal.directory import links
from portal.directory.forms import PER_PAGE, SearchQuery

EXTENSION = "directory_page_starts"
_STARTS = text(
    "SELECT sort_key, company_id, total FROM (SELECT sort_key, company_id, "
    "row_number() OVER (ORDER BY sort_key, company_id) AS n, count(*) OVER () AS total "
    "FROM directory_entries) AS ranked WHERE n % :size = 1 ORDER BY n"
)


@dataclass(frozen=True)
class PageStarts:
    """The total of the whole list and the (sort_key, company_id) of each page's first row."""

    total: int
    starts: list[tuple[str, int]]

    def start(self, page: int) -> tuple[str, int] | None:
        """Where page `page` (1-based) starts; None past the last page."""
        return self.starts[page - 1] if 1 <= page <= len(self.starts) else None


def build(session: AnySession, *, size: int = PER_PAGE) -> PageStarts:
    """The page starts of the whole A-Z list, in one index-only scan."""
    rows = session.connection().execute(_STARTS, {"size": size}).all()
    return PageStarts(rows[0].total if rows else 0, [(r.sort_key, r.company_id) for r in rows])


def current(session: AnySession, *, generation: str) -> PageStarts:
    """This process's page starts for the directory generation `generation` (`cache.generation`'s
    tag; built when it moved on, or after a database restore)."""
    key = (generation, database_key(session))
    held = current_app.extensions.get(EXTENSION)
    if held is None or held[0] != key:
        held = (key, build(session))
        current_app.extensions[EXTENSION] = held
    return held[1]


_MARK = 987_654_321  # never a page number (forms.MAX_PAGE is far below it)


def page_urls(query: SearchQuery) -> Callable[[int], str]:
    """The URLs of the pages of one search, for its page links: two URLs are built per page
    instead of one per link, and each link puts its number in place of a marker."""
    first = links.query_url("directory.index", query.url_args(page=1))
    marked = links.query_url("directory.index", query.url_args(page=_MARK))

    def page(number: int) -> str:
        return first if number == 1 else marked.replace(f"page={_MARK}", f"page={number}", 1)

    return page
