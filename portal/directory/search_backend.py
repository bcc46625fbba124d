"""Full-text matching with the database's own machinery, behind one function.

SQLite: the FTS5 table `directory_fts` (prefix indexes). PostgreSQL: the GIN-indexed stored
column `search_vector` (`to_tsvector('simple', search_text)`) with prefix queries. Both search
the folded text made by text.fold, and the query words are folded the same way, so "Hénk" finds
"Henk". Words are reduced to [0-9a-z]+ before they reach the query syntax, and travel as a bound
value, so no user input can form operators or SQL.

A query is a list of groups: every group must match, and a group matches when one of its
words does (a typed word and its spelling corrections). A group may also name specialisms
(trade words from the word list): then a member with one of them matches that group as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.directory.queries import IdFilter

_TEXT = {
    # The stored, GIN-indexed vector (models.py).
    "postgresql": "search_vector @@ to_tsquery('simple', :{param})",
    "sqlite": "{{id}} IN (SELECT rowid FROM directory_fts WHERE directory_fts MATCH :{param})",
}
_SPECIALISMS = (
    "{{id}} IN (SELECT company_id FROM company_specialisms WHERE specialism_id IN ({params}))"
)


def _match(dialect: str, groups: Sequence[Sequence[str]]) -> str:
    """The full-text query: within a group any word (as a prefix), across groups all."""
    for words in groups:
        if not words or not all(w.isascii() and w.isalnum() for w in words):
            raise ValueError("words must be folded search tokens")
    if dialect == "postgresql":
        return " & ".join("(" + " | ".join(f"{w}:*" for w in words) + ")" for words in groups)
    return " AND ".join("(" + " OR ".join(f'"{w}"*' for w in words) + ")" for words in groups)


def text_ids(dialect: str, words: list[str]) -> IdFilter:
    """Rows whose name, trade name or place has a word starting with each given word."""
    return text_groups(dialect, [[w] for w in words])[0]


def text_groups(
    dialect: str, groups: Sequence[Sequence[str]], specialisms: Sequence[Sequence[int]] = ()
) -> list[IdFilter]:
    """Filters for word groups; `specialisms[i]` (if any) widens group i to those specialisms.

    Groups without specialisms share one full-text condition; each widened group gets its own.
    """
    dialect = "postgresql" if dialect == "postgresql" else "sqlite"
    wide = [i for i in range(len(groups)) if i < len(specialisms) and specialisms[i]]
    plain = [list(groups[i]) for i in range(len(groups)) if i not in wide]
    filters = []
    if plain:
        sql = _TEXT[dialect].format(param="text_match")
        filters.append(IdFilter(sql, {"text_match": _match(dialect, plain)}))
    for n, i in enumerate(wide):
        ids = list(dict.fromkeys(specialisms[i]))
        names = [f"trade_{n}_{k}" for k in range(len(ids))]
        parts = [_SPECIALISMS.format(params=", ".join(f":{name}" for name in names))]
        params: dict[str, object] = dict(zip(names, ids, strict=True))
        if groups[i]:
            parts.insert(0, _TEXT[dialect].format(param=f"trade_text_{n}"))
            params[f"trade_text_{n}"] = _match(dialect, [groups[i]])
        filters.append(IdFilter("(" + " OR ".join(parts) + ")", params))
    return filters
