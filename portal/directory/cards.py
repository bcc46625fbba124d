"""Result cards kept per member, directory version and language: a miss reads no rows.

Live typing makes most searches cache misses, and on a miss reading the page's 20 rows,
building their cards and rendering them (score texts, numbers in the page's language, URL
quoting) cost more than finding the members. Each process therefore keeps every card it
rendered, keyed on the member's company id, the language and the base URL of the detail
pages, in a store bound to what every card depends on besides its row: the directory version
(every change of public rows, specialisms, recognitions, logos and of the publication minimum
bumps it), the database, the publication minimum and the maximum age of a score. A store of
another binding is dropped whole, so a card never outlives the version it was read from.

The moment of judging changes a card only when its figures grow too old: each kept card
knows until when it holds (its fetch time plus the maximum age) and is rendered again from
its row after that. Only the way back to the search and the distance are put in per
request. The store is bounded (MAX_HELD cards, those not asked for longest dropped first,
see `_Store`; a kept card is its HTML, about 1 KB, so at most about 40 MB per process): at 100,000 members the
distinct queries of live typing touch tens of thousands of cards, and with 10,000 held most
misses read and rendered most of their cards again.

Even so most cards a worker shows are shown for the first time in that worker, so the first
render is kept cheap too: the card macros' output comes from patterns (card_html.py), and on
PostgreSQL the missing cards' rows are one prepared statement (`read_rows`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, request, url_for
from jinja2.filters import do_urlencode
from markupsafe import escape
from sqlalchemy import Engine
from sqlalchemy.orm import scoped_session

from portal.core import i18n
from portal.core.db import AnySession, database_key
from portal.directory import cache, card_html, links, queries
from portal.directory.models import DirectoryEntry
from portal.directory.services import CARD_COLUMNS, Card, ScoreRule, SearchResult, card_of

log = logging.getLogger(__name__)

EXTENSION = "directory_cards"
DETAIL_BASES = "directory_detail_bases"  # app.extensions: script root -> detail pages' base
UNPREPARED = "directory_cards_unprepared"  # app.extensions: set once server-side prepare failed
# SQLSTATEs of a prepared statement the server connection does not have (26000) or already
# has under that name (42P05): what a pooler in transaction mode gives.
_PREPARE_FAILED = frozenset({"26000", "42P05"})
TEMPLATE = "directory/_card.html"
MAX_HELD = 40_000  # cards per process, all languages together (about 1 KB each)
_GAP = "\x00"  # where the distance goes in the distance macro's output (never in a template)
# PostgreSQL: the rows of any number of cards in one statement, so each connection prepares
# it once; the ids travel as one array literal (digits and commas), so the parameter's type
# is the same for every page too (a list of small ids would be sent as smallint[]).
# The name lists come as their JSON text, decoded through `_LISTS`.
_LIST_COLUMNS = ("specialisms", "recognitions")
_ROWS_ANY = (  # only the model's own names go into the text
    "SELECT "  # noqa: S608
    + ", ".join(f"{c.name}::text" if c.name in _LIST_COLUMNS else c.name for c in CARD_COLUMNS)
    + f" FROM {DirectoryEntry.__tablename__} WHERE company_id = ANY(%(ids)s::integer[])"
)
_CardRow = namedtuple("_CardRow", [column.name for column in CARD_COLUMNS])  # type: ignore[misc]  # names known at import
_AT = [n for n, column in enumerate(CARD_COLUMNS) if column.name in _LIST_COLUMNS]
# JSON text of a name list -> the list: the members' lists repeat a few thousand combinations
# of a few dozen names, and decoding each row's two lists was a tenth of a miss's card work.
_LISTS: dict[str, list[str]] = {}
MAX_LISTS = 20_000  # all dropped when there are more


@dataclass(frozen=True, slots=True)
class CardParts:
    """A card's HTML around the two per-request pieces: link query and distance.

    Plain strings of HTML the template already escaped: a list item is joined from them
    with plain string operations and marked safe once (Markup's own `+` escapes each piece).
    """

    head: str  # up to the detail URL's path
    middle: str  # from the end of the URL up to the place
    tail: str  # after the distance to the end of the list item


@dataclass(frozen=True, slots=True)
class _Kept:
    """A kept card: only its HTML and until when it holds (about 1 KB). The row it came from
    is not kept (it took more than half of a kept card's memory); a card whose figures grew
    too old is rendered again from its row, read like a card not kept."""

    parts: CardParts
    until: datetime | None  # the last moment of judging the parts hold for; None: always


class _Store:
    """The cards of one binding (version, database, score settings), in two generations.

    A card is put in the young generation; when that holds half of MAX_HELD cards it becomes
    the old one (the previous old generation is dropped) and a new young one starts. A card
    asked for from the old generation is put in the young one again (a second chance), so the
    cards in use survive and at most MAX_HELD are kept. A card found in the young generation
    costs one dict look-up: no bookkeeping on every hit, as a least-recently-used order needs.
    """

    def __init__(self, binding: tuple) -> None:
        self.binding = binding
        self.young: dict[tuple, _Kept] = {}
        self.old: dict[tuple, _Kept] = {}
        self.lock = threading.Lock()
        self.distance: dict[str, tuple[str, str]] = {}  # per locale: HTML around the number
        self.patterns: dict[tuple, tuple[card_html.Pattern, ...]] = {}  # (locale, shape)
        self.texts: dict[str, dict] = {}  # per locale: escaped score texts (card_html.values)

    @property
    def cards(self) -> dict[tuple, _Kept]:
        """Every kept card (both generations)."""
        return {**self.old, **self.young}

    def get_many(self, keys: list[tuple]) -> list[_Kept | None]:
        """The kept cards for `keys` (None where none is kept); one found only in the old
        generation moves to the young one."""
        young, old, found = self.young, self.old, []
        for key in keys:
            kept = young.get(key)
            if kept is None:
                kept = old.get(key)
                if kept is not None:
                    self.put(key, kept)
            found.append(kept)
        return found

    def put(self, key: tuple, kept: _Kept) -> None:
        with self.lock:
            young = self.young
            if len(young) >= max(1, MAX_HELD // 2) and key not in young:
                self.old, self.young = young, {}
                young = self.young
            young[key] = kept


def _store(binding: tuple) -> _Store:
    """This process's store for `binding`; a store of another binding is dropped."""
    store = current_app.extensions.get(EXTENSION)
    if store is None or store.binding != binding:
        store = current_app.extensions[EXTENSION] = _Store(binding)
    return store


def page_items(
    session: AnySession, result: SearchResult, *, generation: str, rule: ScoreRule
) -> list[str]:
    """The list items of a search result's page (see `list_items`), with the links of the
    request: the detail pages' base URL, the way back to the search and the language."""
    back = result.query.query_string()
    back_suffix = f"?terug={do_urlencode(back)}" if back else ""
    kept = links.page_language()
    if kept:
        link_suffix = (
            f"{back_suffix}&{i18n.LANG_ARG}={kept}" if back_suffix else f"?{i18n.LANG_ARG}={kept}"
        )
    else:
        link_suffix = back_suffix
    return list_items(
        result,
        version=(generation, database_key(session)),
        rule=rule,
        read_rows=lambda ids: read_rows(session, ids),
        detail_base=_detail_base(),
        link_suffix=link_suffix,
    )


def read_rows(session: AnySession, ids: list[int]) -> dict[int, Any]:
    """Company id -> card row (CARD_COLUMNS) for `ids`; a row gone meanwhile is left out.

    On PostgreSQL one statement (`= ANY`, prepared: see `_read_on_reader`) for any number of
    ids, read while the session has begun nothing on the process's pooled autocommit reader
    (as request_state.rows does) straight through the driver: SQLAlchemy's statement and row
    handling cost several times the database's answer for 20 cards. Elsewhere, or in a
    session's transaction (it may hold its own changes), the rows are read in the session.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return {row.company_id: row for row, _d in queries.rows_by_id(session, CARD_COLUMNS, ids)}
    params = {"ids": "{" + ",".join(str(int(company_id)) for company_id in ids) + "}"}
    own = session() if isinstance(session, scoped_session) else session
    rows = None
    if isinstance(bind, Engine) and not own.in_transaction():
        rows = _read_on_reader(bind, params)
    if rows is None:
        found = session.connection().exec_driver_sql(_ROWS_ANY, params).all()
        rows = [_card_row(tuple(row)) for row in found]
    return {row.company_id: row for row in rows}


def _card_row(values: tuple) -> Any:
    """A card row from the statement's values, its name lists decoded."""
    row = list(values)
    for n in _AT:
        text = row[n]
        names = _LISTS.get(text)
        if names is None:
            if len(_LISTS) >= MAX_LISTS:
                _LISTS.clear()
            names = _LISTS[text] = json.loads(text) if text else []
        row[n] = names
    return _CardRow._make(row)


def _read_on_reader(bind: Engine, params: dict[str, str]) -> list | None:
    """The card rows read on the reader pool's connection, or None when that failed (the
    broken connection is dropped, the caller reads in the session).

    Prepared on the server unless that failed once in this process: behind a pooler in
    transaction mode (PgBouncer) the server connection that runs the statement need not be the
    one that prepared it. From then on the statement is sent unprepared (psycopg would
    otherwise prepare it by itself after a few runs).
    """
    prepare = UNPREPARED not in current_app.extensions
    connection = cache.reader(bind).raw_connection()
    try:
        cursor = connection.driver_connection.cursor()  # type: ignore[union-attr]  # psycopg
        cursor.execute(_ROWS_ANY, params, prepare=prepare)
        rows = [_card_row(row) for row in cursor.fetchall()]
        cursor.close()
    except bind.dialect.loaded_dbapi.Error as error:
        if prepare and getattr(error, "sqlstate", None) in _PREPARE_FAILED:
            current_app.extensions[UNPREPARED] = True
            log.warning(
                "directory cards: the prepared statement failed (%s; a pooler in transaction "
                "mode?), no longer preparing it in this process", type(error).__name__
            )  # fmt: skip
        log.warning(
            "directory cards: read failed (%s), reading in the session", type(error).__name__
        )
        connection.invalidate()
        return None
    finally:
        connection.close()
    return rows


def _detail_base() -> str:
    """The detail pages' base URL, `url_for("directory.index", lang=None)`, built once per
    script root (a path: the same for every request under one mount point)."""
    bases = current_app.extensions.setdefault(DETAIL_BASES, {})
    root = request.script_root
    found = bases.get(root)
    if found is None:
        found = bases[root] = url_for("directory.index", lang=None)
    return found


def list_items(
    result: SearchResult,
    *,
    version: tuple,
    rule: ScoreRule,
    read_rows: Callable[[list[int]], dict[int, Any]],
    detail_base: str,
    link_suffix: str,
) -> list[str]:
    """The page's list items (their HTML, see `joined`), in order, from the kept cards; rows
    are read only for members whose card is not kept (`read_rows`: company ids -> rows),
    unless the search read them.

    `version`: the directory version and database the result was found in. A member whose row
    is gone meanwhile is left out.
    """
    store = _store((*version, rule.min_count, rule.max_age_days))
    locale = i18n.select_locale()
    entries = result.entries
    held = store.get_many([(company_id, locale, detail_base) for company_id, _d in entries])
    now = rule.now
    missing = [
        company_id
        for (company_id, _d), kept in zip(entries, held, strict=True)
        if kept is None or (kept.until is not None and now > kept.until)
    ]  # not kept, or its figures aged: rendered again from the row
    fresh: dict[int, _Kept] = {}
    if missing:
        rows = {i: result.rows[i] for i in missing if i in result.rows}
        unread = [i for i in missing if i not in rows]
        if unread:
            rows.update(read_rows(unread))
        patterns_of = _patterns(store, locale)
        texts = store.texts.setdefault(locale, {})
        for company_id, row in rows.items():
            made = _render(card_of(row, rule), detail_base, patterns_of, texts)
            store.put((company_id, locale, detail_base), made)
            fresh[company_id] = made
    suffix = str(escape(link_suffix))
    before, after = _distance_parts(store, locale)
    comma = locale != "en"  # nl_decimal's choice (is_english), made once for the page
    items = []
    for (company_id, distance), kept in zip(entries, held, strict=True):
        if kept is None or (missing and kept.until is not None and now > kept.until):
            kept = fresh.get(company_id)
            if kept is None:  # the row is gone meanwhile
                continue
        parts = kept.parts
        if distance is None:
            items.append(parts.head + suffix + parts.middle + parts.tail)
        else:
            km = f"{float(distance):.1f}"  # nl_decimal, digits only: nothing to escape
            km = km.replace(".", ",") if comma else km
            items.append(parts.head + suffix + parts.middle + before + km + after + parts.tail)
    return items


ITEM_INDENT = "\n          "  # between the list items, as _results.html indents the first


def joined(items: list[str]) -> ListItem:
    """The page's list items (`list_items`) as one piece of HTML for the results template,
    one per line (one `__html__` call and one Markup instead of one of each per card)."""
    return ListItem(ITEM_INDENT.join(items))


class ListItem:
    """The result cards' HTML for the results template, put in as it is (markupsafe's
    `__html__` protocol, as Markup does).

    Safe by construction: it is only ever joined from the card macros' autoescaped output
    (`CardParts`, `_distance_parts`), the escaped way back to the search and a formatted
    number. Joining plain strings and letting the template take the page once costs a
    fraction of Markup's `+`, which escapes and copies every piece (20 cards per miss).
    """

    __slots__ = ("html",)

    def __init__(self, html: str) -> None:
        self.html = html

    def __html__(self) -> str:
        return self.html


def _distance_parts(store: _Store, locale: str) -> tuple[str, str]:
    """The distance macro's HTML before and after the number (the same for every card)."""
    held = store.distance.get(locale)
    if held is None:
        macros = current_app.jinja_env.get_template(TEMPLATE).module
        before, after = str(macros.distance(_GAP)).split(_GAP)  # type: ignore[attr-defined]  # template macro
        held = store.distance[locale] = (before, after)
    return held


def _patterns(store: _Store, locale: str) -> Callable[[tuple], tuple[card_html.Pattern, ...]]:
    """Shape -> the card macros' patterns in this locale, rendered once per store."""
    held = store.patterns

    def patterns_of(shape: tuple) -> tuple[card_html.Pattern, ...]:
        found = held.get((locale, shape))
        if found is None:
            macros = current_app.jinja_env.get_template(TEMPLATE).module
            found = held[(locale, shape)] = card_html.patterns(macros, shape)
        return found

    return patterns_of


def _render(
    card: Card,
    detail_base: str,
    patterns_of: Callable[[tuple], tuple[card_html.Pattern, ...]],
    texts: dict,
) -> _Kept:
    parts = CardParts(*card_html.render(card, detail_base, patterns_of, texts))
    return _Kept(parts, _holds_until(card))


def _holds_until(card: Card) -> datetime | None:
    """Until when the card's score text holds: its figures turn too old after the maximum
    age (the rule's only use of the moment of judging); once too old they stay so."""
    rule, fetched = card.rule, card.facts.fetched_at
    if fetched is None:
        return None
    until = fetched + timedelta(days=rule.max_age_days)
    return until if rule.now <= until else None
