"""Which members each word, specialism and recognition matches, per directory version (issue 19).

A typed query is a few word groups and list filters; in SQL each became a full-text or list
subquery, and a broad one (a trade word, a two-letter prefix, a specialism) was collected,
counted exactly over every row and then paged by walking the sort index: at 100,000 members
three statements of 50-150 ms each on every cache miss. Here the matching sets are computed
once per directory version and a search becomes set operations:

- every listed member gets its rank in the neutral A-Z order (sort_key, company_id, as the
  database orders them), and a set of members is a bitset over those ranks (a Python int);
- each word of the folded search text (the words the full-text index holds) keeps the ranks of
  its members; a typed word matches every word it starts (the full-text prefix match), so its
  set is the union over a range of the sorted words (frequent words are kept as bitsets,
  rare ones as ranks in one array, and recent prefixes are remembered);
- each specialism and recognition keeps the bitset of its listed members.

A group (a word and its corrections, or a trade word with its specialisms) is a union, the
groups and list filters are intersected, the count is the number of set bits (exact), and the
page is the ranks from `offset` on, turned into company ids: only those 20 rows are read.

The sets are built when the version moves on by the process that changed the directory, after
its commit, under a lock (prebuild.py), and shared through the page cache (database or Redis)
in a compact binary form (id_codec.py); each worker reads the one of the current version and
keeps it, and answers from SQL (the same pages) while there is none yet, never waiting for a
build. With the shared cache off, each process builds its own. Every change of public rows,
specialisms or recognitions bumps the version.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import logging
import math
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from flask import current_app, has_app_context, has_request_context
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session

from portal.core.db import AnySession, database_key
from portal.directory import cache, geo, id_codec, prebuild, vocabulary
from portal.directory.grid import Grid
from portal.extensions import db

log = logging.getLogger(__name__)

EXTENSION = "directory_id_index"
CACHE_KEY = "id-index-v3"  # bump when the encoding changes (id_codec.MAGIC)
CACHE_SECONDS = 7 * 24 * 3600  # the directory version makes an old one stale anyway
DENSE_FROM = 64  # a word with at least this many members (and 1/64 of them) is a bitset
LOCK_KEY = 0x4C5A_1901  # the build lock (an advisory lock id on PostgreSQL)
PREFIXES_HELD = 256  # remembered prefix sets per process
MASKS_HELD = 32  # remembered circle filters per process (one bool per member each)
_CHUNK = 4096  # bits looked at at once while paging
_AFTER_Z = "{"  # the character after "z": folded words are [0-9a-z]+

_ROWS = text(
    "SELECT company_id, search_text, latitude, longitude FROM directory_entries "
    "ORDER BY sort_key, company_id"
)
_LINKS = {
    "specialisms": text(
        "SELECT l.specialism_id, l.company_id FROM company_specialisms AS l "
        "JOIN directory_entries AS e ON e.company_id = l.company_id"
    ),
    "recognitions": text(
        "SELECT l.recognition_id, l.company_id FROM company_recognitions AS l "
        "JOIN directory_entries AS e ON e.company_id = l.company_id"
    ),
}


@dataclass(frozen=True)
class Term:
    """One condition of a search: members with a word starting with one of `words`, or with one
    of the specialisms, or with one of the recognitions (any of them)."""

    words: tuple[str, ...] = ()
    specialism_ids: tuple[int, ...] = ()
    recognition_ids: tuple[int, ...] = ()


class IdIndex:
    """The matching sets of one directory version (see the module doc).

    Held compactly: company ids, word offsets, ranks and positions in arrays of fixed-size
    numbers, frequent words, specialisms and recognitions as bitsets (their ranks are not kept
    as lists), so that the shared copy (id_codec) is read back by copying bytes.
    """

    def __init__(self, parts: id_codec.Parts) -> None:
        self.parts = parts
        self.ids = parts.ids  # company id per A-Z rank
        self.words = parts.words  # sorted distinct words of the search text
        # Word n's ranks (ascending) are flat[starts[n]:starts[n + 1]]; empty for a word held
        # as a bitset in `dense`.
        self._starts, self._flat, self._dense = parts.starts, parts.flat, parts.dense
        self._dense_numbers = sorted(parts.dense)
        self._lists = {"specialisms": parts.specialisms, "recognitions": parts.recognitions}
        self.grid = Grid(parts.latitudes, parts.longitudes)
        self._prefixes: OrderedDict[str, int] = OrderedDict()
        self._masks: OrderedDict[tuple[Term, ...], np.ndarray] = OrderedDict()

    def prefix(self, word: str) -> int:
        """Members with a word starting with `word` (the full-text prefix match)."""
        found = self._prefixes.get(word)
        if found is not None:
            with contextlib.suppress(KeyError):  # another thread's popitem may have taken it
                self._prefixes.move_to_end(word)
            return found
        first = bisect.bisect_left(self.words, word)
        last = bisect.bisect_left(self.words, word + _AFTER_Z, first)
        bits, buffer = 0, bytearray(len(self.ids) // 8 + 1)
        numbers = self._dense_numbers
        for n in numbers[bisect.bisect_left(numbers, first) : bisect.bisect_left(numbers, last)]:
            bits |= self._dense[n]
        for rank in self._flat[self._starts[first] : self._starts[last]]:  # the rare words
            buffer[rank >> 3] |= 1 << (rank & 7)
        bits |= int.from_bytes(buffer, "little")
        self._prefixes[word] = bits
        if len(self._prefixes) > PREFIXES_HELD:
            self._prefixes.popitem(last=False)
        return bits

    def term(self, term: Term) -> int:
        """The members of one condition (a union)."""
        bits = 0
        for word in term.words:
            bits |= self.prefix(word)
        for kind, wanted in (
            ("specialisms", term.specialism_ids),
            ("recognitions", term.recognition_ids),
        ):
            held = self._lists[kind]
            for item_id in wanted:
                bits |= held.get(item_id, 0)
        return bits

    def match(self, terms: Sequence[Term]) -> int:
        """The members meeting every condition (an intersection); everyone without any."""
        bits = (1 << len(self.ids)) - 1
        for term in terms:
            bits &= self.term(term)
            if not bits:
                break
        return bits

    def circle(
        self, center: geo.Point, radius_km: float, terms: Sequence[Term], *, needed: int
    ) -> tuple[int, list[tuple[float, int]]]:
        """The exact number of members within `radius_km` of `center` meeting every condition
        of `terms` (see `match`), and the `needed` nearest as (squared km, company id), in the
        list's order.

        The conditions' members are kept as the grid's mask (grid.Grid.mask) for the next
        circle with the same conditions: a search near places with one specialism or trade
        word repeats them, and unpacking the bitset cost as much as the circle itself at
        100,000 members."""
        mask = None
        if terms:
            key = tuple(terms)
            mask = self._masks.get(key)
            if mask is None:
                mask = self._masks[key] = self.grid.mask(self.match(terms))
                if len(self._masks) > MASKS_HELD:
                    self._masks.popitem(last=False)
            else:
                with contextlib.suppress(KeyError):  # as in `prefix`
                    self._masks.move_to_end(key)
        total, nearest = self.grid.circle(center, radius_km, mask, needed=needed)
        ids = self.ids
        return total, [(d2, ids[rank]) for d2, rank in nearest]

    def page(self, bits: int, *, offset: int, size: int) -> list[int]:
        """Company ids of the matches from the `offset`-th (0-based) on, at most `size`, A-Z."""
        ranks: list[int] = []
        skip, base, mask = offset, 0, (1 << _CHUNK) - 1
        while bits and len(ranks) < size:
            chunk = bits & mask
            count = chunk.bit_count()
            if count <= skip:
                skip -= count
            else:
                while chunk and len(ranks) < size:
                    low = chunk & -chunk
                    if skip:
                        skip -= 1
                    else:
                        ranks.append(base + low.bit_length() - 1)
                    chunk ^= low
            bits >>= _CHUNK
            base += _CHUNK
        return [self.ids[rank] for rank in ranks]


def build(session: AnySession) -> IdIndex:
    """The matching sets of the public rows as they are now.

    Rows and links are read in one snapshot: on PostgreSQL in a REPEATABLE READ transaction of
    its own (the session's may have read already, and reads at READ COMMITTED). Where no
    snapshot spans the statements (SQLite outside a write transaction), a link of a member the
    rows did not have (listed or re-published in between) is left out rather than failing; the
    change bumped the version, so its own build follows.
    """
    with _snapshot(session) as conn:
        return _build(conn)


@contextlib.contextmanager
def _snapshot(session: AnySession) -> Iterator[Connection]:
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        with bind.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                yield conn
        return
    yield session.connection()


def _build(conn: Connection) -> IdIndex:
    ids, latitudes, longitudes = array("q"), array("d"), array("d")
    by_word: dict[str, list[int]] = {}
    for rank, (company_id, search_text, lat, lon) in enumerate(conn.execute(_ROWS)):
        ids.append(company_id)
        latitudes.append(math.nan if lat is None else lat)
        longitudes.append(math.nan if lon is None else lon)
        for word in set(search_text.split()):
            by_word.setdefault(word, []).append(rank)
    rank_of = {company_id: rank for rank, company_id in enumerate(ids)}
    lists: dict[str, dict[int, int]] = {}
    for kind, statement in _LINKS.items():
        held: dict[int, list[int]] = {}
        for item_id, company_id in conn.execute(statement):
            linked = rank_of.get(company_id)
            if linked is not None:  # None: listed after the rows were read (no snapshot)
                held.setdefault(item_id, []).append(linked)
        lists[kind] = {k: _bits(v, len(ids)) for k, v in held.items()}
    words = sorted(by_word)
    threshold = max(DENSE_FROM, len(ids) // 64)  # a bitset is then smaller than the list
    starts, flat, dense = array("q", [0]), array("i"), {}
    for n, word in enumerate(words):
        ranks = by_word[word]
        if len(ranks) >= threshold:
            dense[n] = _bits(ranks, len(ids))
        else:
            flat.extend(ranks)  # ascending: rows come in rank order
        starts.append(len(flat))
    return IdIndex(
        id_codec.Parts(
            ids, words, starts, flat, dense, lists["specialisms"], lists["recognitions"],
            latitudes, longitudes,
        )
    )  # fmt: skip


def _bits(ranks: Iterable[int], size: int) -> int:
    """The bitset of `ranks` among `size` members."""
    buffer = bytearray(size // 8 + 1)
    for rank in ranks:
        buffer[rank >> 3] |= 1 << (rank & 7)
    return int.from_bytes(buffer, "little")


def to_text(index: IdIndex, tag: str) -> str:
    """The sets for the shared cache: the generation tag they were built for (cache.generation)
    on the first line, then id_codec's bytes in base64 (the cache holds text)."""
    return tag + "\n" + base64.b64encode(id_codec.encode(index.parts)).decode("ascii")


def from_text(body: str) -> IdIndex:
    """The sets `to_text` wrote (without checking their tag)."""
    _tag, newline, encoded = body.partition("\n")
    if not newline:
        raise ValueError("no generation tag")
    return IdIndex(id_codec.decode(base64.b64decode(encoded)))


def current(
    session: AnySession, *, version: int, generation: tuple[int, str] | None = None
) -> IdIndex | None:
    """The matching sets of directory version `version` (read by the caller this request), or
    None while they are not shared yet: the caller answers from SQL meanwhile.

    Each process keeps the one it last used next to its generation (cache.generation) and
    database, read from the shared cache, where the process that changed the directory put them
    (prebuild.py). Only sets built for the current generation are used: not an older version's,
    nor, after a database restore, those of the lost history (a higher number, or the same
    number bumped at another time). Never builds them while a visitor waits: a worker that finds
    none arranges their build after its response, unless another process is at it. With the
    shared cache switched off each process builds its own. `generation`: the caller's
    `cache.generation`, read with `version` (else read here).
    """
    now, tag = generation or cache.generation(session)
    if now != version:  # changed since the caller read it: its builder shares the new sets
        return None
    key = (version, tag, database_key(session))
    held = current_app.extensions.get(EXTENSION)
    if held is not None and held[0] == key:
        return held[1]
    if not _shared():
        found = build(session)
    else:
        body = cache.stored_copy(session, (CACHE_KEY,), version=version)
        if body is not None and "\n" in body and not body.startswith(tag + "\n"):
            body = None  # another history's sets (a database restore): built again
        if body is None:
            prebuild.later(EXTENSION, lambda: share(wait=False))
            return None
        try:
            found = from_text(body)
        except Exception:  # a broken or foreign entry: answer from SQL, share good sets
            log.warning("directory: unreadable shared matching sets dropped and rebuilt")
            cache.drop_copy(session, (CACHE_KEY,))
            prebuild.later(EXTENSION, lambda: share(wait=False))
            return None
    current_app.extensions[EXTENSION] = (key, found)
    return found


def share(*, wait: bool, force: bool = False) -> int | None:
    """Build the matching sets of the current directory version and share them, unless the
    copy shared is of that generation already (`force`: build them anyway, once); under the
    build lock, so one process builds a version. `wait=False`: leave it to a process that holds
    the lock.

    Returns the version built (None: nothing built). The version is read before the rows, so
    the sets are never older than their stamp. A change committed while the lock was held is
    built afterwards here, since its process may have left the build to this one.
    """
    session, built = db.session, None
    while True:
        with prebuild.lock(db.engine, LOCK_KEY, wait=wait) as got:
            if not got:
                return built
            now, tag = cache.generation(session)
            if force or cache.copy_head(session, (CACHE_KEY,)) != tag:
                index = build(session)
                session.rollback()  # the reads' transaction; the store commits its own
                cache.store_copy(
                    session, (CACHE_KEY,), to_text(index, tag), version=now, ttl=CACHE_SECONDS
                )
                if cache.copy_head(session, (CACHE_KEY,)) != tag:
                    # Not stored (Redis down or full): keep them here rather than build
                    # them again after every search.
                    key = (now, tag, database_key(session))
                    current_app.extensions[EXTENSION] = (key, index)
                built, force = now, False
                _share_vocabulary(tag)
            session.rollback()
        # A web worker builds once; newer versions are left to the process that changed
        # the directory (or the next search), so it never loops while a sync keeps bumping.
        if not wait or cache.version(session) == now:
            session.rollback()
            return built


def _share_vocabulary(tag: str) -> None:
    """Build and share the forgiving search's vocabulary of the same generation now as well, so
    that no worker builds it in a visitor's search (40-240 ms) after a change."""
    if current_app.config.get("DIRECTORY_FORGIVING_SEARCH", True):
        vocabulary.current(db.session, generation=tag)


def _shared() -> bool:
    return current_app.config.get("DIRECTORY_RESULT_CACHE_SECONDS", 0) > 0


@event.listens_for(Session, "after_commit")
def _after_change(session: Session) -> None:
    """The directory changed in this transaction: build its sets once the change is done (at
    the end of the CLI command or after the request's response), not in a visitor's search."""
    if session.info.pop(cache.CHANGED, False) and has_app_context() and _shared():
        wait = not has_request_context()
        prebuild.later(EXTENSION, lambda: share(wait=wait))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: object) -> None:
    session.info.pop(cache.CHANGED, None)
