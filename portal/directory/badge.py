"""The embeddable score badge: an SVG a member puts on its own website, linking to its page.

Built only from the public directory row and the public score rule, so it can never show more
than the detail page does: association name, "Erkend lid", and the score with its scale, count
and source only when the publication minimum is met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from flask_babel import gettext as _

from portal.directory.scores import PublicScore

THEMES = ("licht", "donker")
SIZES = ("compact", "breed")
# Presentation attributes only (no style element): the badge passes a strict CSP on its own.
PALETTES = {
    "licht": {"bg": "#ffffff", "border": "#b9c6d2", "text": "#1b2a38", "muted": "#4a5a6a",
              "accent": "#0b6e4f", "mark": "#ffffff"},
    "donker": {"bg": "#1b2a38", "border": "#1b2a38", "text": "#ffffff", "muted": "#c9d4de",
               "accent": "#5fd3a5", "mark": "#1b2a38"},
}  # fmt: skip
FONT = "Arial, Helvetica, sans-serif"
CHAR_WIDTH = 0.53  # average glyph width per font-size unit of the font stack above


@dataclass(frozen=True)
class BadgeOptions:
    """Theme and size from the query string; anything unknown falls back to the default."""

    theme: str = "licht"
    size: str = "compact"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> BadgeOptions:
        theme = args.get("thema", "")
        size = args.get("formaat", "")
        return cls(theme if theme in THEMES else "licht", size if size in SIZES else "compact")

    def url_args(self) -> dict:
        """The non-default options, for url_for (the default badge has the shortest URL)."""
        args = {}
        if self.theme != "licht":
            args["thema"] = self.theme
        if self.size != "compact":
            args["formaat"] = self.size
        return args


@dataclass(frozen=True)
class BadgeText:
    """The lines a badge shows; score lines are empty below the publication minimum."""

    association: str
    member: str
    score: str = ""
    detail: str = ""

    @property
    def title(self) -> str:
        """One sentence for screen readers and the SVG title."""
        parts = [f"{self.member}, {self.association}"]
        if self.score:
            parts.append(f"{self.score} ({self.detail})")
        return ": ".join(parts)


def badge_text(score: PublicScore, *, association: str) -> BadgeText:
    """What the badge says for this public score."""
    member = _("Erkend lid")
    if not score.visible:
        return BadgeText(association, member)
    detail = _("%(count)s via %(provider)s", count=score.count_text, provider=score.provider_label)
    return BadgeText(association, member, score.value_text, detail)


def dimensions(text: BadgeText, options: BadgeOptions) -> tuple[int, int]:
    """(width, height) in CSS pixels, also used for the img tag of the snippet."""
    if options.size == "breed":
        return (440, 56) if text.score else (240, 56)
    return (200, 100) if text.score else (200, 60)


def render_svg(text: BadgeText, options: BadgeOptions) -> str:
    """The badge as a standalone SVG document (every text escaped)."""
    colors = PALETTES[options.theme]
    width, height = dimensions(text, options)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(text.title)}>',
        f"<title>{escape(text.title)}</title>",
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="8" '
        f'fill="{colors["bg"]}" stroke="{colors["border"]}"/>',
    ]
    if options.size == "breed":
        parts += _wide(text, colors, width, height)
    else:
        parts += _compact(text, colors, width)
    parts.append("</svg>")
    return "".join(parts)


def _wide(text: BadgeText, colors: dict, width: int, height: int) -> list[str]:
    """Mark, association and "Erkend lid" on the left; the score in a column on the right."""
    parts = [
        _check_mark(12, 16, colors),
        _text(44, 24, text.association, 10, colors["muted"], 186),
        _text(44, 43, text.member, 15, colors["text"], 186, bold=True),
    ]
    if text.score:
        parts.append(
            f'<line x1="238" y1="10" x2="238" y2="{height - 10}" stroke="{colors["border"]}"/>'
        )
        parts.append(_text(250, 29, text.score, 20, colors["accent"], width - 260, bold=True))
        parts.append(_text(250, 45, text.detail, 10, colors["muted"], width - 260))
    return parts


def _compact(text: BadgeText, colors: dict, width: int) -> list[str]:
    """Mark and "Erkend lid" on top, the association below, then the score lines."""
    avail = width - 24
    parts = [
        _check_mark(12, 9, colors),
        _text(44, 27, text.member, 15, colors["text"], width - 52, bold=True),
        _text(12, 49, text.association, 10, colors["muted"], avail),
    ]
    if text.score:
        parts.append(_text(12, 75, text.score, 20, colors["accent"], avail, bold=True))
        parts.append(_text(12, 91, text.detail, 10, colors["muted"], avail))
    return parts


def _check_mark(x: int, y: int, colors: dict) -> str:
    return (
        f'<circle cx="{x + 12}" cy="{y + 12}" r="12" fill="{colors["accent"]}"/>'
        f'<path d="M{x + 6} {y + 12.5}l4 4 8-8.5" fill="none" stroke="{colors["mark"]}" '
        'stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>'
    )


def _text(
    x: float, y: float, value: str, size: int, fill: str, avail: int, *, bold: bool = False
) -> str:
    """One line of text, squeezed to `avail` pixels when the estimate says it would not fit."""
    squeeze = ""
    if len(value) * size * CHAR_WIDTH > avail:
        squeeze = f' textLength="{avail}" lengthAdjust="spacingAndGlyphs"'
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x}" y="{y}" font-family="{FONT}" font-size="{size}" fill="{fill}"'
        f"{weight}{squeeze}>{escape(value)}</text>"
    )


def snippet(*, detail_url: str, badge_url: str, association: str) -> str:
    """The copy-paste HTML for a member's website: a plain link around an image, no script."""
    alt = _("Erkend lid van %(association)s: bekijk onze beoordelingen", association=association)
    return (
        f"<a href={quoteattr(detail_url)}><img src={quoteattr(badge_url)} alt={quoteattr(alt)}></a>"
    )
