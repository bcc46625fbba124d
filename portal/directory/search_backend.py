"""Full-text matching with the database's own machinery, behind one function.

SQLite: the FTS5 table `directory_fts` (prefix indexes). PostgreSQL: the GIN-indexed
`to_tsvector('simple', search_text)` with prefix queries. Both search the folded text made by
text.fold, and the query words are folded the same way, so "Hénk" finds "Henk". Words are
reduced to [0-9a-z]+ before they reach the query syntax, so no user input can form operators.
"""

from __future__ import annotations

from sqlalchemy import func, literal_column, select, table, text
from sqlalchemy.sql import Select

from portal.directory.models import DirectoryEntry

_FTS = table("directory_fts")
_SIMPLE = literal_column("'simple'")


def text_ids(dialect: str, words: list[str]) -> Select:
    """Ids of rows whose name, trade name or place has a word starting with each given word."""
    if not words or not all(w.isascii() and w.isalnum() for w in words):
        raise ValueError("words must be folded search tokens")
    if dialect == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        vector = literal_column("to_tsvector('simple', directory_entries.search_text)")
        return select(DirectoryEntry.company_id).where(
            vector.op("@@")(func.to_tsquery(_SIMPLE, tsquery))
        )
    match = " ".join(f'"{word}"*' for word in words)
    return (
        select(literal_column("rowid"))
        .select_from(_FTS)
        .where(text("directory_fts MATCH :fts_match").bindparams(fts_match=match))
    )
