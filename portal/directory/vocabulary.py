"""Forgiving search: what a typed query means, over a vocabulary of the directory's own words.

The vocabulary holds every word of the listed names, trade names and places, the specialism
names, the consumer words of the maintained list (`synonyms.py`) and the shipped place names.
It is rebuilt from the database whenever the directory version moves on (every refresh of the
public rows and every save of the word list) by the process that changed it, with the matching
sets (id_index.share; else by the first worker that needs it), shared through the page cache
(database or Redis), and kept per process next to that version: one read of the version per
search; after a change one build (40-240 ms) and a JSON read in every worker.

Each typed word is read in this order, and the first that applies wins:
1. a consumer phrase or specialism name (also as the start of one while typing): the members
   with those specialisms, or whose name holds the word;
2. the start of a word of the vocabulary (exact and prefix matches): searched as typed;
3. a misspelling: the vocabulary words at edit distance 1 (words of 4 to 7 letters) or 2
   (longer words), found with rapidfuzz; searched instead, and said so on the page.
A place name after a trade word ("loodgieter utrecht") becomes the location of the search when
no postcode or place was given. The order of the results never depends on which rule matched:
it stays A-Z or distance within the matching set.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select

from portal.core.db import AnySession
from portal.data.places import load_places
from portal.directory import cache, synonyms
from portal.directory.models import DirectoryEntry
from portal.directory.text import fold, tokens
from portal.members.models import Specialism

EXTENSION = "directory_vocabulary"
CACHE_KEY = "vocabulary-v1"  # bump when the JSON shape changes
CACHE_SECONDS = 7 * 24 * 3600  # the directory version makes an old one stale anyway
MIN_FUZZY = 4  # shorter words are never corrected
MIN_PREFIX_TERM = 4  # typed starts of trade words this long already count ("warmtep")
MAX_CORRECTIONS = 3
_BATCH = 5000


def max_distance(word: str) -> int:
    """Edit distance allowed for a typed word: 0 below 4 letters, 1 up to 7, 2 beyond."""
    if len(word) < MIN_FUZZY:
        return 0
    return 1 if len(word) <= 7 else 2


@dataclass
class Vocabulary:
    """The words the directory knows, and the trade phrases with their specialism ids."""

    words: list[str]  # sorted, unique single words
    terms: dict[str, tuple[int, ...]]  # folded phrase -> specialism ids
    places: dict[str, str]  # folded place name -> name as shown
    names: dict[int, str] = field(default_factory=dict)  # specialism id -> name
    by_length: dict[int, list[str]] = field(default_factory=dict)
    sorted_terms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        groups = defaultdict(list)
        for word in self.words:
            groups[len(word)].append(word)
        self.by_length = dict(groups)
        self.sorted_terms = sorted(self.terms)

    def labels(self, ids: Iterable[int]) -> tuple[str, ...]:
        """Specialism names of `ids`, A-Z."""
        return tuple(sorted(self.names[i] for i in ids if i in self.names))

    def has_prefix(self, word: str) -> bool:
        """True when some vocabulary word starts with `word` (or is it)."""
        i = bisect.bisect_left(self.words, word)
        return i < len(self.words) and self.words[i].startswith(word)

    def term(self, phrase: str) -> tuple[int, ...]:
        """Specialism ids of a trade phrase, or of the trade words it starts (4+ letters)."""
        if phrase in self.terms:
            return self.terms[phrase]
        if len(phrase) < MIN_PREFIX_TERM:
            return ()
        ids: dict[int, None] = {}
        i = bisect.bisect_left(self.sorted_terms, phrase)
        while i < len(self.sorted_terms) and self.sorted_terms[i].startswith(phrase):
            ids.update(dict.fromkeys(self.terms[self.sorted_terms[i]]))
            i += 1
        return tuple(ids)

    def corrections(self, word: str, distance: int) -> list[str]:
        """Vocabulary words within `distance` edits of `word`, nearest first."""
        if distance <= 0:
            return []
        pool = [
            w for n in range(len(word) - distance, len(word) + distance + 1)
            for w in self.by_length.get(n, ())
        ]  # fmt: skip
        found = process.extract(
            word, pool, scorer=Levenshtein.distance, score_cutoff=distance, limit=None
        )
        # Nearest first; among equals the same first letter, then the closest length.
        found.sort(key=lambda f: (f[1], f[0][0] != word[0], abs(len(f[0]) - len(word)), f[0]))
        return [w for w, _score, _i in found[:MAX_CORRECTIONS]]


@dataclass(frozen=True)
class Group:
    """One typed word (or phrase) as searched: text prefixes OR specialisms."""

    typed: str
    words: tuple[str, ...] = ()  # folded words matched as prefixes of name/place words
    specialism_ids: tuple[int, ...] = ()
    kind: str = "text"  # text, trade or corrected
    labels: tuple[str, ...] = ()  # names of the specialisms, for the page


@dataclass
class Reading:
    """What a query means: word groups (all must match) and a place named in the text."""

    groups: list[Group] = field(default_factory=list)
    place: str = ""  # a place name found in the text box (shown name)
    place_typed: str = ""

    @property
    def corrected(self) -> list[Group]:
        return [g for g in self.groups if g.kind == "corrected"]

    @property
    def trades(self) -> list[Group]:
        return [g for g in self.groups if g.kind == "trade"]


def read(text: str, vocabulary: Vocabulary, *, place_allowed: bool) -> Reading:
    """Interpret the text box (see the module doc for the order of the rules)."""
    words = tokens(text)
    reading = Reading()
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2]) if i + 1 < len(words) else ""
        for phrase, size in ((pair, 2), ("".join(words[i : i + 2]) if pair else "", 2)):
            ids = vocabulary.terms.get(phrase, ()) if phrase else ()
            if ids:
                reading.groups.append(Group(pair, (), ids, "trade", vocabulary.labels(ids)))
                i += size
                break
        else:
            reading.groups.append(_word(words[i], vocabulary))
            i += 1
    if place_allowed and reading.trades:
        _take_place(reading, vocabulary)
    return reading


def _word(word: str, vocabulary: Vocabulary) -> Group:
    ids = vocabulary.term(word)
    if ids:
        return Group(word, (word,), ids, "trade", vocabulary.labels(ids))
    if vocabulary.has_prefix(word):
        return Group(word, (word,))
    found = vocabulary.corrections(word, max_distance(word))
    if not found:
        return Group(word, (word,))
    trade_ids: dict[int, None] = {}
    for candidate in found:
        trade_ids.update(dict.fromkeys(vocabulary.terms.get(candidate, ())))
    return Group(word, tuple(found), tuple(trade_ids), "corrected", vocabulary.labels(trade_ids))


def _take_place(reading: Reading, vocabulary: Vocabulary) -> None:
    """Move a trailing place name (one or two words) out of the text into the location."""
    text_groups = [g for g in reading.groups if g.kind != "trade"]
    for size in (2, 1):
        tail = text_groups[-size:] if len(text_groups) >= size else []
        if not tail or any(g.kind == "corrected" for g in tail):
            continue
        name = vocabulary.places.get(" ".join(g.typed for g in tail))
        if name:
            reading.groups = [g for g in reading.groups if g not in tail]
            reading.place, reading.place_typed = name, " ".join(g.typed for g in tail)
            return


def suggestion(text: str, vocabulary: Vocabulary) -> str:
    """'Bedoelde u …?': the typed words with each unknown one replaced by its nearest word.

    Looser than the automatic correction (one edit more), for a search that found nothing; an
    empty string when nothing better is known.
    """
    words = tokens(text)
    better = []
    for word in words:
        known = vocabulary.has_prefix(word) or vocabulary.term(word)
        if known or vocabulary.corrections(word, max_distance(word)):  # already searched
            better.append(word)
            continue
        found = vocabulary.corrections(word, max_distance(word) + 1 if len(word) >= 3 else 0)
        better.append(found[0] if found else word)
    return " ".join(better) if better != words else ""


def build(session: AnySession) -> Vocabulary:
    """Collect the vocabulary from the public rows, specialisms, word list and place list."""
    words: set[str] = set()
    last = -1
    table = DirectoryEntry.__table__.c
    while True:  # in batches, never the whole text column at once
        rows = session.execute(
            select(table.company_id, table.search_text)
            .where(table.company_id > last)
            .order_by(table.company_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            words.update(row.search_text.split())
        last = rows[-1].company_id
    active = select(Specialism.name, Specialism.id).where(Specialism.active.is_(True))
    specialisms = {name: sid for name, sid in session.execute(active)}
    terms: dict[str, tuple[int, ...]] = {fold(name): (sid,) for name, sid in specialisms.items()}
    rules, _errors = synonyms.parse(synonyms.current_body(session), set(specialisms))
    for rule in rules:
        ids = tuple(specialisms[name] for name in rule.specialisms)
        for phrase in rule.phrases:
            terms[phrase] = tuple(dict.fromkeys(terms.get(phrase, ()) + ids))
    places = {fold(p.name): p.name for p in load_places()}
    for phrase in (*terms, *places):
        words.update(phrase.split())
    names = {sid: name for name, sid in specialisms.items()}
    return Vocabulary(sorted(w for w in words if w), terms, places, names)


def plain(text: str) -> Reading:
    """The text box read word by word as typed: no trade words, corrections or places.

    What the search does with DIRECTORY_FORGIVING_SEARCH off (the benchmark's baseline for
    the cost of the forgiving search).
    """
    return Reading([Group(word, (word,)) for word in tokens(text)])


def to_json(vocabulary: Vocabulary) -> str:
    """The vocabulary as JSON for the shared cache (never pickle: the cache is shared)."""
    return json.dumps(
        {
            "words": vocabulary.words,
            "terms": vocabulary.terms,
            "places": vocabulary.places,
            "names": {str(k): v for k, v in vocabulary.names.items()},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def from_json(body: str) -> Vocabulary:
    """The vocabulary `to_json` wrote."""
    data = json.loads(body)
    return Vocabulary(
        data["words"],
        {phrase: tuple(ids) for phrase, ids in data["terms"].items()},
        data["places"],
        {int(k): v for k, v in data["names"].items()},
    )


def current(session: AnySession, *, generation: str | None = None) -> Vocabulary:
    """The vocabulary of the current directory generation.

    Each process keeps the one it last used next to its generation (`cache.generation`'s tag,
    so not one of a history lost in a database restore). After a change the first worker to
    need it builds it and puts it in the shared cache (database or Redis, stamped with the
    generation like the cached pages); the other workers read it from there instead of
    building it again (with the cache switched off, DIRECTORY_RESULT_CACHE_SECONDS=0, each
    process builds its own). `generation`: the tag if the caller read it.
    """
    if generation is None:
        generation = cache.generation(session)[1]
    return cache.process_copy(
        EXTENSION, generation, session, (CACHE_KEY,), lambda: build(session),
        generation=generation, ttl=CACHE_SECONDS, dump=to_json, load=from_json,
    )  # fmt: skip
