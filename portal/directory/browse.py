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
_TOKEN = f"page={_MARK}"  # a whole parameter: a value's '=' and '&' are always quoted


@dataclass(frozen=True, slots=True)
class ResultLinks:
    """The URLs of a search's results frame, from one query string: the map's points and the
    pages (page 1 without a number; any other is `before`, its number, `after`)."""

    map: str
    first: str
    before: str
    after: str

    def page(self, number: int) -> str:
        return self.first if number == 1 else f"{self.before}{number}{self.after}"

    def pages(self, numbers: list[int | None]) -> list[tuple[int | None, str]]:
        """(number, URL) of each page link (`SearchResult.page_numbers`; None: a gap)."""
        first, before, after = self.first, self.before, self.after
        return [(n, first if n == 1 else f"{before}{n}{after}" if n else "") for n in numbers]


def result_links(query: SearchQuery) -> ResultLinks:
    """The links of `query`'s results frame as `links.query_url` builds each (url_for's URLs):
    the query string of a marked page is encoded once and the others are cut from it. The
    marker is a whole `page=` parameter, which no value can contain (a value's '=' and '&'
    are quoted), so a search for the marker's text never becomes a page number."""
    marked = query.url_args(page=_MARK)
    path, kept = links.base("directory.index")
    map_path, map_kept = links.base("directory.map_json")
    if path is None or map_path is None or map_kept != kept:  # url_for builds them
        path, _q, encoded = links.query_url("directory.index", marked).partition("?")
        items = encoded.split("&")
        first = links.query_url("directory.index", query.url_args(page=1))
        map_url = links.query_url("directory.map_json", query.url_args(page=1))
    else:
        items = links.encode(marked, kept).split("&")
        unmarked = "&".join(item for item in items if item != _TOKEN)
        first = f"{path}?{unmarked}" if unmarked else path
        map_url = f"{map_path}?{unmarked}" if unmarked else map_path
    at = items.index(_TOKEN)
    before = path + "?" + "&".join([*items[:at], "page="])
    return ResultLinks(map_url, first, before, "".join(f"&{item}" for item in items[at + 1 :]))
