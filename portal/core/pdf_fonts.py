"""TrueType fonts for fpdf2, parsed once per process instead of once per PDF.

`FPDF.add_font` reads the whole font (cmap, widths, glyph ids): about 80 % of the time of a
one-page letter with DejaVu regular and bold. The parsed metrics never change, so they are kept
per process and shared read-only. What fpdf2 changes while it writes a PDF is per document: each
PDF gets its own `TTFFont` with a fresh subset map, missing-glyph list, largest size and index, a
copy of the width table and of the font descriptor (the writer numbers it and links the embedded
font to it), and its own fontTools font read from the file's bytes in memory (the writer subsets
that font in place, then closes it). fpdf2's own `copy.deepcopy(TTFFont)` shares the fontTools
font and the descriptor, which is why it is not used here.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

# fpdf2 2.8's TTFFont attributes: parsed from the font and only read afterwards (shared) ...
SHARED = frozenset(
    {
        "type", "name", "glyph_ids", "sp", "ss", "up", "ut", "ttffile", "fontkey", "emphasis",
        "scale", "cmap", "color_font", "palette_index", "is_compressed", "is_cff",
        "is_cid_keyed", "is_symbol", "cff_ros", "collection_font_number",
    }
)  # fmt: skip
# ... set or changed per document (made afresh or copied below), and never set at all.
PER_DOCUMENT = frozenset(
    {"i", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont", "ttfont", "cw", "desc"}
)
UNUSED = frozenset({"unicode_range"})


@dataclass(frozen=True)
class _Parsed:
    """A font parsed once: its metrics (a closed TTFFont) and the font file's bytes."""

    font: TTFFont
    data: bytes


_parsed: dict[tuple[str, str], _Parsed | None] = {}
_lock = threading.Lock()


def cacheable() -> bool:
    """Whether the installed fpdf2's TTFFont has exactly the attributes this module knows."""
    return frozenset(TTFFont.__slots__) == SHARED | PER_DOCUMENT | UNUSED


def _parse(path: Path, fontkey: str, style: str) -> _Parsed | None:
    """Parse the font as `add_font` does; None for a font whose parsing changes the fontTools
    font or depends on the document (compressed, CFF or colour fonts, no .notdef glyph)."""
    data = path.read_bytes()
    font = TTFFont(FPDF(), path, fontkey, style)
    plain = (
        not font.is_compressed
        and not font.is_cff
        and font.color_font is None
        and "glyf" in font.ttfont
        and ".notdef" in font.ttfont["glyf"]
    )
    font.close()
    del font.ttfont  # the metrics stay; the parsed glyph tables are let go
    return _Parsed(font, data) if plain else None


def _parsed_font(path: Path, fontkey: str, style: str) -> _Parsed | None:
    with _lock:
        key = (str(path), style)
        if key not in _parsed:
            _parsed[key] = _parse(path, fontkey, style)
        return _parsed[key]


def add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """`pdf.add_font(family, style, path)`, with the font's metrics parsed once per process."""
    style = "".join(sorted(style.upper()))
    fontkey = f"{family.lower()}{style}"
    parsed = _parsed_font(path.resolve(), fontkey, style) if cacheable() else None
    if parsed is None or fontkey in pdf.fonts:
        pdf.add_font(family, style, str(path))
        return
    font = TTFFont.__new__(TTFFont)
    for name in SHARED:
        setattr(font, name, getattr(parsed.font, name))
    font.fontkey = fontkey  # the family may differ from the one the font was parsed under
    font.cw = copy.copy(parsed.font.cw)  # a defaultdict: looking up an unknown character adds it
    font.desc = copy.copy(parsed.font.desc)
    font.i = len(pdf.fonts) + 1
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.ttfont = ttLib.TTFont(
        BytesIO(parsed.data),
        recalcTimestamp=False,
        fontNumber=font.collection_font_number,
        lazy=True,
    )
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font
