"""A result card's HTML filled into patterns of the card template: a first render is joins.

At 100,000 members nearly every card a search shows is rendered for the first time in its
process, and calling the three card macros per card cost more than finding the members. The
macros (templates/directory/_card.html) stay the one source of the card's HTML: each macro is
rendered once per language and per shape of card (logo or not, specialisms or not,
recognitions or not, how the score is shown) with a probe standing in for the card, whose
fields are tokens that escaping and URL quoting leave as they are. The output, split at the
tokens, is the pattern; a card is its pattern with its own values put in, each escaped (and
the slug URL-quoted) exactly as the template's autoescaping and filters do. The template's
translations are in the pattern, so a pattern belongs to the language it was rendered in.

A probe answers only the fields listed here: a template reading any other field of the card
fails loudly (UnknownField) instead of rendering a pattern that ignores it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jinja2.filters import do_urlencode
from markupsafe import escape

from portal.directory.services import Card

# The macros' fields, in the order of a card's values (see `_values`).
FIELDS = (
    "detail_base", "slug", "logo_version", "name", "city", "specialisms", "recognitions",
    "value_text", "count_text", "provider_label", "progress_text",
)  # fmt: skip
_INDEX = {name: n for n, name in enumerate(FIELDS)}
# Letters and digits only: escaping and URL quoting leave a token as it is.
_MARK = "zqcardfield{}zq"
_MARKS = re.compile(r"zqcardfield(\d+)zq")


class UnknownField(Exception):
    """The card template read a field the patterns do not know (update FIELDS and the probe)."""


class _Probe:
    """Stands in for a card or its score while a pattern is rendered."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocols asked of any object (hasattr, copy, ...)
            raise AttributeError(name)
        raise UnknownField(name)


def _token(name: str) -> str:
    return _MARK.format(_INDEX[name])


def score_texts(card: Card, texts: dict) -> tuple[int, str, str, str, str]:
    """How the card shows its score (0: nothing, 1: the progress text, 2: the score, 3: the
    score, self-reported) and its texts, escaped: value, count, provider, progress.

    `texts`: the score texts already escaped in this language under this publication minimum
    (kept by the caller): the cards' scores repeat a few hundred counts and figures, and
    translating and formatting them was most of a card's cost. Each is kept under what alone
    decides it (see PublicScore).
    """
    score = card.score
    if score.visible:
        return (
            3 if score.self_reported else 2,
            _text(texts, ("value", score.score, score.scale_max), lambda: score.value_text),
            _text(texts, ("count", score.review_count), lambda: score.count_text),
            _text(texts, ("label", score.provider_label), lambda: score.provider_label),
            "",
        )
    key = ("progress", score.state, score.review_count, score.min_count)
    progress = _text(texts, key, lambda: score.progress_text)
    return 1 if progress else 0, "", "", "", progress


def shape(card: Card, shown: int) -> tuple[bool, bool, bool, int]:
    """What decides a card's pattern: logo, specialisms, recognitions, and the score shown."""
    return bool(card.logo_version), bool(card.specialisms), bool(card.recognitions), shown


def _probe(shape_: tuple[bool, bool, bool, int]) -> _Probe:
    logo, specialisms, recognitions, shown = shape_
    score = _Probe({
        "visible": shown >= 2,
        "self_reported": shown == 3,
        "value_text": _token("value_text") if shown >= 2 else "",
        "count_text": _token("count_text"),
        "provider_label": _token("provider_label") if shown >= 2 else "",
        "progress_text": _token("progress_text") if shown == 1 else "",
    })  # fmt: skip
    return _Probe({
        "slug": _token("slug"),
        "name": _token("name"),
        "city": _token("city"),
        "logo_version": _token("logo_version") if logo else "",
        "specialisms": [_token("specialisms")] if specialisms else [],
        "recognitions": [_token("recognitions")] if recognitions else [],
        "score": score,
    })  # fmt: skip


class Pattern:
    """One macro's output for one shape: literal HTML with numbered fields (str.format)."""

    __slots__ = ("text",)

    def __init__(self, html: str) -> None:
        pieces = _MARKS.split(html)  # literal, field number, literal, ...
        out = []
        for n, piece in enumerate(pieces):
            if n % 2:
                out.append("{" + piece + "}")
            else:
                out.append(piece.replace("{", "{{").replace("}", "}}"))
        self.text = "".join(out)

    def fill(self, values: list[str]) -> str:
        return self.text.format(*values)


def patterns(macros: Any, shape_: tuple[bool, bool, bool, int]) -> tuple[Pattern, ...]:
    """The head, middle and tail patterns of one shape (render in the card's language)."""
    probe = _probe(shape_)
    return (
        Pattern(str(macros.head(probe, _token("detail_base")))),
        Pattern(str(macros.middle(probe))),
        Pattern(str(macros.tail(probe))),
    )


def values(card: Card, detail_base: str, scored: tuple[int, str, str, str, str]) -> list[str]:
    """The card's values in FIELDS order, escaped as the template's autoescaping does (the
    slug URL-quoted first, as its `urlencode` filter does; lists joined as `join(", ")`);
    `scored`: its `score_texts`."""
    return [
        escape(detail_base),
        escape(do_urlencode(card.slug)),
        escape(card.logo_version),
        escape(card.name),
        escape(card.city),
        escape(", ".join(card.specialisms)),
        escape(", ".join(card.recognitions)),
        *scored[1:],
    ]


MAX_TEXTS = 20_000  # kept score texts per language; all are dropped when there are more


def _text(texts: dict, key: tuple, make: Callable[[], str]) -> str:
    """The escaped text of `key` (a score text and what alone decides it), made once."""
    found = texts.get(key)
    if found is None:
        if len(texts) >= MAX_TEXTS:
            texts.clear()
        found = texts[key] = escape(make())
    return found


def render(
    card: Card,
    detail_base: str,
    patterns_of: Callable[[tuple], tuple[Pattern, ...]],
    texts: dict,
) -> tuple[str, str, str]:
    """The card's head, middle and tail HTML (`patterns_of`: shape -> patterns, and `texts`,
    see `score_texts`, both kept by the caller per language)."""
    scored = score_texts(card, texts)
    head, middle, tail = patterns_of(shape(card, scored[0]))
    filled = values(card, detail_base, scored)
    return head.fill(filled), middle.fill(filled), tail.fill(filled)
