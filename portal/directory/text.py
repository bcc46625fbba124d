"""Accent- and case-insensitive text folding shared by indexing and querying."""

from __future__ import annotations

import re
import unicodedata

NON_WORD_RE = re.compile(r"[^0-9a-z]+")
# Letters that Unicode decomposition does not reduce to ASCII.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})
MAX_TOKENS = 6
MAX_TOKEN_LENGTH = 40


def fold(value: str | None) -> str:
    """'Hénk  Bäkker-Installaties' → 'henk bakker installaties' (ASCII words, one space)."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(NON_WORD_RE.split(stripped.casefold().translate(LIGATURES))).strip()


def tokens(value: str | None) -> list[str]:
    """Search words of a free-text query: folded, de-duplicated, at most MAX_TOKENS."""
    seen: list[str] = []
    for word in fold(value).split():
        word = word[:MAX_TOKEN_LENGTH]
        if word and word not in seen:
            seen.append(word)
        if len(seen) == MAX_TOKENS:
            break
    return seen
