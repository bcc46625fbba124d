"""Full-text matching with the database's own machinery, behind one function.

SQLite: the FTS5 table `directory_fts` (prefix indexes). PostgreSQL: the GIN-indexed stored
column `search_vector` (`to_tsvector('simple', search_text)`) with prefix queries. Both search
the folded text made by text.fold, and the query words are folded the same way, so "Hénk" finds "Henk". Words are
reduced to [0-9a-z]+ before they reach the query syntax, and travel as a bound value, so no
user input can form operators or SQL.
"""

from __future__ import annotations

from portal.directory.queries import IdFilter

_SQL = {
    # The stored, GIN-indexed vector (models.py).
    "postgresql": "search_vector @@ to_tsquery('simple', :text_match)",
    "sqlite": "{id} IN (SELECT rowid FROM directory_fts WHERE directory_fts MATCH :text_match)",
}


def text_ids(dialect: str, words: list[str]) -> IdFilter:
    """Rows whose name, trade name or place has a word starting with each given word."""
    if not words or not all(w.isascii() and w.isalnum() for w in words):
        raise ValueError("words must be folded search tokens")
    if dialect == "postgresql":
        match = " & ".join(f"{word}:*" for word in words)
    else:
        match = " ".join(f'"{word}"*' for word in words)
    return IdFilter(
        _SQL["postgresql" if dialect == "postgresql" else "sqlite"], {"text_match": match}
    )
