"""The ledenzoeker's GET search form: tolerant parsing of a shareable query string.

A plain parser rather than a Flask-WTF form: the search is a GET without CSRF, every value has
a safe default, and bad input never raises (hostile query strings just fall back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.core.concurrency import VersionedForm
from portal.core.validation import CONTROL_RE, clean_text

RADII = (5, 10, 25, 50)
DEFAULT_RADIUS = 10
PER_PAGE = 20
# Counts are exact; a page past the last one gets a message, so this only bounds the number.
MAX_PAGE = 100_000
MAX_TEXT = 100
MAX_SLUG = 60
MAX_CHOSEN = 5  # specialisms or recognitions chosen at once


@dataclass(frozen=True)
class SearchQuery:
    """What the visitor asked for; the field names are the URL's parameter names."""

    q: str = ""
    postcode: str = ""  # a postcode or a place name
    straal: int = DEFAULT_RADIUS
    vakgebied: tuple[str, ...] = ()  # specialism slugs: members with all of them
    erkenning: tuple[str, ...] = ()  # recognition slugs: members with all of them
    score: bool = False  # only members whose score is public ("Alleen met score")
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SearchQuery:
        """Parse request.args; unknown, malformed or oversized values fall back to defaults.

        Only the parameters present are looked up: werkzeug's MultiDict.get of a missing key
        raises and catches a BadRequestKeyError inside (about 2 µs each, four per search).
        """
        given = [name for name in _PARAMETERS if name in args]
        if not given:
            return _DEFAULT_QUERY
        value = {name: args.get(name) for name in given}.get
        return cls(
            q=_text(value("q")),
            postcode=_text(value("postcode")),
            straal=_choice(value("straal"), RADII, DEFAULT_RADIUS),
            vakgebied=_slugs(args, "vakgebied") if "vakgebied" in given else (),
            erkenning=_slugs(args, "erkenning") if "erkenning" in given else (),
            score=(value("score") or "") in ("1", "ja", "on"),
            page=min(max(_int(value("page"), 1), 1), MAX_PAGE),
        )

    def url_args(self, **changes: Any) -> dict[str, Any]:
        """Non-default parameters for url_for, so shared links stay short."""
        values = {**vars(self), **changes}  # flat fields: no need for asdict's deep copies
        defaults = _DEFAULTS
        if not values["postcode"]:
            values["straal"] = DEFAULT_RADIUS
        return {
            k: (list(v) if isinstance(v, tuple) else int(v) if isinstance(v, bool) else v)
            for k, v in values.items()
            if v != defaults[k]
        }

    def query_string(self) -> str:
        """The non-default parameters as a query string (the detail page's way back)."""
        return urlencode(self.url_args(), doseq=True)

    @classmethod
    def from_query_string(cls, value: str | None) -> SearchQuery:
        """Parse a query string made by `query_string` (anything else falls back safely)."""
        return cls.from_args(MultiDict(parse_qsl((value or "")[:1000])))

    @property
    def is_empty(self) -> bool:
        """True when no filter at all is set (the full alphabetical list)."""
        return not (self.q or self.postcode or self.vakgebied or self.erkenning)


def _text(value: str | None) -> str:
    if not value:
        return ""
    value = CONTROL_RE.sub("", clean_text(value)[:MAX_TEXT].replace("\x00", ""))
    return " ".join(value.split())


def _slugs(args: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Repeated slug parameters (?vakgebied=a&vakgebied=b), valid ones, sorted, at most 5."""
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    return tuple(sorted({s for s in map(_slug, values[:20]) if s}))[:MAX_CHOSEN]


def _slug(value: str | None) -> str:
    value = (value or "").strip()[:MAX_SLUG]
    return value if value.replace("-", "").isalnum() and value.isascii() else ""


def _int(value: str | None, default: int) -> int:
    if value is None:  # absent: no exception raised and caught (the common case)
        return default
    try:
        return int(str(value).strip()[:6])
    except (TypeError, ValueError):
        return default


def _choice(value: str | None, choices: tuple[int, ...], default: int) -> int:
    number = _int(value, default)
    return number if number in choices else default


_DEFAULT_QUERY = SearchQuery()
_DEFAULTS = vars(_DEFAULT_QUERY)
_PARAMETERS = ("q", "postcode", "straal", "vakgebied", "erkenning", "score", "page")


class SearchWordsForm(VersionedForm, FlaskForm):
    """Admins edit the consumer words for trades (portal/directory/synonyms.py); 409 when stale."""

    body = TextAreaField(
        _l("Zoekwoorden"),
        validators=[Length(max=20_000, message=_l("Gebruik hoogstens 20.000 tekens."))],
        render_kw={"rows": 18, "spellcheck": "false"},
    )
