"""Page numbers from the query string, bounded so no URL can ask the database for page 10**30."""

from __future__ import annotations

from flask import request

MAX_PAGE = 10_000


def page_arg(name: str = "page") -> int:
    """The 1-based page number in `name`: junk gives 1, anything past MAX_PAGE gives MAX_PAGE."""
    return min(max(request.args.get(name, 1, type=int), 1), MAX_PAGE)
