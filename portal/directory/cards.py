"""Result cards rendered once per card state and language, not once per search.

A search page shows 20 cards, and rendering them (score texts, numbers in the page's language,
URL quoting) was the largest share of a cache miss. A card's HTML depends only on its public
row, what the score rule makes of it and the language, so each process keeps the rendered parts keyed
on exactly those; only the way back to the search and the distance are put in per request.
The key holds the card's whole content, so a changed row or a score that went stale simply
renders anew, and nothing has to be invalidated. The store is bounded (MAX_HELD) and starts
over when full.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from portal.core import i18n
from portal.directory.services import Card

EXTENSION = "directory_card_parts"
TEMPLATE = "directory/_card.html"
MAX_HELD = 20_000


@dataclass(frozen=True)
class CardParts:
    """A card's HTML around the two per-request pieces: link query and distance."""

    head: Markup  # up to the detail URL's path
    middle: Markup  # from the end of the URL up to the place
    tail: Markup  # after the distance to the end of the list item


def parts(card: Card, detail_base: str) -> CardParts:
    """The card's rendered parts (rendered once per content, language and base URL)."""
    key = (i18n.select_locale(), detail_base, card.content_key)
    held: dict = current_app.extensions.setdefault(EXTENSION, {})
    found = held.get(key)
    if found is None:
        if len(held) >= MAX_HELD:
            held.clear()
        macros = current_app.jinja_env.get_template(TEMPLATE).module
        found = held[key] = CardParts(
            macros.head(card, detail_base),  # type: ignore[attr-defined]  # template macros
            macros.middle(card),  # type: ignore[attr-defined]
            macros.tail(card),  # type: ignore[attr-defined]
        )
    return found
