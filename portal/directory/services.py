"""Ledenzoeker queries: search with neutral order and bounded counts, detail rows, choices."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.core.db import AnySession
from portal.core.templating import format_count
from portal.directory import queries, search_filters
from portal.directory.browse import PageStarts
from portal.directory.forms import PER_PAGE, SearchQuery
from portal.directory.geocoder import Geocoder, Location, locate, parse_query
from portal.directory.id_index import IdIndex
from portal.directory.models import DirectoryEntry
from portal.directory.scores import PublicScore, ScoreFacts, public_score
from portal.directory.vocabulary import Reading, Vocabulary, plain, read, suggestion
from portal.members.models import Recognition, Specialism

E = DirectoryEntry
MAP_LIMIT = 10_000  # map points per search; a broader search asks the visitor to narrow it
_T = DirectoryEntry.__table__.c  # plain Core columns: no ORM machinery per result row
CARD_COLUMNS = (
    _T.company_id, _T.slug, _T.name, _T.city, _T.specialisms, _T.recognitions, _T.provider,
    _T.status, _T.score, _T.scale_max, _T.review_count, _T.fetched_at, _T.self_reported,
    _T.logo_version,
)  # fmt: skip


@dataclass(frozen=True)
class ScoreRule:
    """The association's settings for the public score rule, plus the moment of judging."""

    min_count: int
    max_age_days: int
    now: datetime

    def apply(self, facts: ScoreFacts | None) -> PublicScore:
        return public_score(
            facts, min_count=self.min_count, max_age_days=self.max_age_days, now=self.now
        )


@dataclass(frozen=True)
class StoredScore:
    """Score facts read from a directory row (always the current system)."""

    provider: str | None
    status: str | None
    score: Decimal | None
    scale_max: Decimal | None
    review_count: int
    fetched_at: datetime | None
    self_reported: bool = False
    is_current: bool = True

    @classmethod
    def of(cls, row: Any) -> StoredScore:
        """Read the score columns of a DirectoryEntry or a selected row."""
        return cls(
            row.provider,
            row.status,
            row.score,
            row.scale_max,
            row.review_count,
            row.fetched_at,
            bool(row.self_reported),
        )


@dataclass(frozen=True)
class Card:
    """One search result as the card shows it (portal/directory/cards.py keeps them)."""

    slug: str
    name: str
    city: str
    specialisms: list[str]
    recognitions: list[str]
    facts: StoredScore
    rule: ScoreRule
    logo_version: str = ""  # empty: no logo

    @cached_property
    def score(self) -> PublicScore:
        """The public score rule applied to the row (only when the card is rendered)."""
        return self.rule.apply(self.facts)


@dataclass
class SearchResult:
    """A page of cards, the exact total, and how the list is ordered."""

    query: SearchQuery
    # The page: (company id, distance in km or None) in the list's order; the rows the search
    # read on the way (SQL paths) by company id, so their cards need no second read.
    entries: list[tuple[int, float | None]] = field(default_factory=list)
    rows: dict[int, Any] = field(default_factory=dict)
    items: list = field(default_factory=list)  # the page's rendered cards (cards.list_items)
    total: int = 0
    location: Location | None = None
    location_error: str = ""
    order: str = "name"  # "distance" or "name"
    reading: Reading = field(default_factory=Reading)  # how the text box was understood
    suggestion: str = ""  # "Bedoelde u …?" on zero results

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, math.ceil(self.total / PER_PAGE))

    @property
    def beyond_last(self) -> bool:
        """A page number past the last page of a non-empty result (an old or edited link)."""
        return self.total > 0 and self.query.page > self.pages

    @property
    def first_number(self) -> int:
        """List number of the first card on this page."""
        return (self.query.page - 1) * PER_PAGE + 1

    @cached_property
    def summary(self) -> str:
        """'23 installateurs gevonden': heading text and status announcement."""
        if self.location_error:
            return _("Postcode of plaats niet gevonden")
        if self.total == 0:
            return _("Geen installateurs gevonden")
        return ngettext(
            "%(count)s installateur gevonden",
            "%(count)s installateurs gevonden",
            self.total,
            count=format_count(self.total),
        )

    @cached_property
    def reading_notes(self) -> list[str]:
        """How the text box was understood, when that differs from the words as typed."""
        notes = []
        for group in self.reading.groups:
            if group.kind == "corrected":
                notes.append(
                    _("‘%(typed)s’ gezocht als ‘%(words)s’", typed=group.typed,
                      words="’ of ‘".join(group.words))
                )  # fmt: skip
            elif group.kind == "trade" and group.labels:
                notes.append(
                    _("‘%(typed)s’: ook bedrijven met vakgebied %(names)s", typed=group.typed,
                      names=", ".join(group.labels))
                )  # fmt: skip
        if self.reading.place and not self.query.postcode and self.location is not None:
            notes.append(_("‘%(typed)s’ gezocht als plaats", typed=self.reading.place_typed))
        return notes

    def page_numbers(self, window: int = 2) -> list[int | None]:
        """Page links around the current page; None marks a gap."""
        current, last = self.query.page, self.pages
        wanted = {1, last, *range(current - window, current + window + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= last):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


def search(
    session: AnySession,
    query: SearchQuery,
    *,
    geocoder: Geocoder,
    rule: ScoreRule,
    vocabulary: Vocabulary | None,
    page_starts: Callable[[], PageStarts] | None = None,
    id_index: Callable[[], IdIndex | None] | None = None,
    lists_key: object = None,
) -> SearchResult:
    """Run a search: filters in SQL, distance or A-Z order, one page and the exact count.

    `id_index`: the precomputed matching sets (id_index.current); without them (or while it
    gives None) a search is counted and sorted in SQL. A search without any filter pages the
    sets' A-Z ranks (no SQL but the cards' rows not kept); while there are no sets, through
    `page_starts`: the whole list's page starts (browse.current) for keyset paging, else that
    list is counted and paged with OFFSET. `lists_key`: see search_filters.build.
    """
    result, filters = _plan(
        session, query, geocoder=geocoder, rule=rule, vocabulary=vocabulary, lists_key=lists_key
    )
    if filters is None:  # an unknown place, specialism or recognition: nothing can match
        return result
    if result.location is not None:
        result.order = "distance"
    offset = (query.page - 1) * PER_PAGE
    rows: list[tuple] = []
    rings = None
    index = id_index() if id_index is not None and filters.terms is not None else None
    if index is not None and filters.center is not None:  # a circle over precomputed sets
        hits, nearest = index.circle(
            filters.center, filters.radius_km, filters.terms or (), needed=offset + PER_PAGE
        )
        result.entries = [(i, math.sqrt(d2)) for d2, i in nearest[offset : offset + PER_PAGE]]
    elif filters.center is not None:
        hits, rings = queries.counted_rings(session, filters)
    elif index is not None and not filters.terms:  # everyone, A-Z: the ranks are the list
        hits = len(index.ids)
        result.entries = [(i, None) for i in index.ids[offset : offset + PER_PAGE]]
    elif index is not None and filters.id_sets:  # set operations: exact count, page by rank
        bits = index.match(filters.terms or [])
        hits = bits.bit_count()
        if offset < hits:
            result.entries = [(i, None) for i in index.page(bits, offset=offset, size=PER_PAGE)]
    elif filters.id_sets:  # up to WALK_THRESHOLD hits: counted and sorted in one statement
        hits, rows = queries.sorted_hits(
            session, filters, CARD_COLUMNS, offset=offset, size=PER_PAGE
        )
        if hits > queries.WALK_THRESHOLD:  # too many to sort: count them all, walk the index
            hits = queries.count(session, filters)
    elif page_starts is not None:  # everyone, A-Z: count and page starts known per version
        starts = page_starts()
        hits = starts.total
        start = starts.start(query.page)
        if start is not None:
            rows = queries.page_from(session, CARD_COLUMNS, start, size=PER_PAGE)
    else:  # everyone: nothing to count but the listed rows
        hits = queries.count(session, filters)
    result.total = hits
    if not hits and query.q and vocabulary is not None:
        result.suggestion = suggestion(query.q, vocabulary)
    if offset < hits and not result.entries:  # cards from the sets' ids, or from rows:
        if not rows:  # distance order, everyone, or too many hits to sort: walk an index
            rows = queries.page_rows(
                session, filters, CARD_COLUMNS, offset=offset, size=PER_PAGE, rings=rings
            )
        result.entries = [(row.company_id, distance) for row, distance in rows]
        result.rows = {row.company_id: row for row, _distance in rows}
    return result


def _plan(
    session: AnySession,
    query: SearchQuery,
    *,
    geocoder: Geocoder,
    rule: ScoreRule,
    vocabulary: Vocabulary | None,
    lists_key: object = None,
) -> tuple[SearchResult, queries.Filters | None]:
    """How the text was read, where the search is centred, and its filters (None: no match)."""
    result = SearchResult(query)
    if vocabulary is None:  # DIRECTORY_FORGIVING_SEARCH off: the words as typed
        result.reading = plain(query.q)
    else:
        result.reading = read(query.q, vocabulary, place_allowed=not query.postcode)
    where = query.postcode or result.reading.place
    if where:
        parsed = parse_query(where)
        result.location = locate(session, geocoder, parsed, now=rule.now) if parsed else None
        if result.location is None:
            result.location_error = _(
                "We kennen de postcode of plaats ‘%(value)s’ niet. Controleer de spelling, "
                "of probeer een postcode als 3511 AB of een plaatsnaam als Utrecht.",
                value=where,
            )
            return result, None
    score_since = rule.now - timedelta(days=rule.max_age_days)
    return result, search_filters.build(
        session, query, result.reading, result.location,
        score_min_count=rule.min_count, score_since=score_since, lists_key=lists_key,
    )  # fmt: skip


@dataclass(frozen=True)
class MapPoints:
    """The whole result set of a search as map points (public fields only), at most MAP_LIMIT."""

    points: list = field(default_factory=list)  # rows: slug, name, city, latitude, ...
    truncated: bool = False
    location_error: str = ""


def map_points(
    session: AnySession,
    query: SearchQuery,
    *,
    geocoder: Geocoder,
    rule: ScoreRule,
    vocabulary: Vocabulary | None,
) -> MapPoints:
    """Every match of the search that has a position, with the same filters as the list."""
    result, filters = _plan(session, query, geocoder=geocoder, rule=rule, vocabulary=vocabulary)
    if filters is None:
        return MapPoints(location_error=result.location_error)
    rows = queries.map_rows(session, filters, limit=MAP_LIMIT + 1)
    return MapPoints(rows[:MAP_LIMIT], truncated=len(rows) > MAP_LIMIT)


def card_of(row: Any, rule: ScoreRule) -> Card:
    """The card of a directory row (CARD_COLUMNS) under `rule`."""
    return Card(
        slug=row.slug,
        name=row.name,
        city=row.city,
        specialisms=list(row.specialisms or ()),
        recognitions=list(row.recognitions or ()),
        facts=StoredScore.of(row),
        rule=rule,
        logo_version=row.logo_version,
    )


def entry_by_slug(session: AnySession, slug: str) -> DirectoryEntry | None:
    """The public row of a listed member, or None (ended, opted out, unknown)."""
    if not slug or len(slug) > 120:
        return None
    return session.scalar(select(E).where(E.slug == slug))


def entry_score(entry: DirectoryEntry, rule: ScoreRule) -> PublicScore:
    """The public score of a detail row."""
    return rule.apply(StoredScore.of(entry))


def filter_choices(session: AnySession) -> dict[str, list[tuple[str, str]]]:
    """(slug, name) options for the specialism and recognition selects."""
    specialisms = session.execute(
        select(Specialism.slug, Specialism.name)
        .where(Specialism.active.is_(True))
        .order_by(Specialism.name)
    ).all()
    recognitions = session.execute(
        select(Recognition.slug, Recognition.name).order_by(Recognition.name)
    ).all()
    return {
        "vakgebied": [tuple(r) for r in specialisms],
        "erkenning": [tuple(r) for r in recognitions],
    }


def listed_count(session: AnySession) -> int:
    """How many members the directory lists (for the page intro and the export)."""
    return session.scalar(select(func.count()).select_from(E)) or 0


def member_years(since: date | None, today: date) -> int | None:
    """Whole years of membership, for 'lid sinds 2012 (13 jaar)'."""
    if since is None:
        return None
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(years, 0)
