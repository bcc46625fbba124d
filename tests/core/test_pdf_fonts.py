"""Fonts parsed once per process (portal/core/pdf_fonts.py): each PDF still embeds its own subset."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from pypdf import PdfReader

from portal.complaints.letters import a4_pdf
from portal.core import pdf_fonts

FONTS = Path(__file__).resolve().parents[2] / "portal" / "agreements" / "fonts"
CREATED = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def write(pdf: FPDF, title: str, body: str) -> None:
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")


def embedded_glyphs(data: bytes) -> dict[str, set[str]]:
    """Glyph names of each embedded font subset, by base font name without the subset tag."""
    glyphs = {}
    for font in PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        subset = ttLib.TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
        glyphs[str(font["/BaseFont"]).split("+", 1)[1]] = set(subset.getGlyphOrder())
    return glyphs


def page_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_two_pdfs_built_side_by_side_each_embed_their_own_glyphs():
    first, second = a4_pdf("Eerste"), a4_pdf("Tweede")
    write(first, "Ëlla", "Coöperatie")
    write(second, "Zoë", "€ 150 vergoeding")
    first_data, second_data = bytes(first.output()), bytes(second.output())
    # A third PDF after both were written (and their fonts subset and closed) is whole too.
    third = a4_pdf("Derde")
    write(third, "Quux", "xyz")
    third_data = bytes(third.output())

    assert "Ëlla" in page_text(first_data) and "Coöperatie" in page_text(first_data)
    assert "Zoë" in page_text(second_data) and "€ 150 vergoeding" in page_text(second_data)
    assert "Quux" in page_text(third_data) and "xyz" in page_text(third_data)
    first_glyphs, second_glyphs = embedded_glyphs(first_data), embedded_glyphs(second_data)
    assert {"Edieresis", "l", "a"} <= first_glyphs["DejaVuSansBold"]
    assert "Z" not in first_glyphs["DejaVuSansBold"]
    assert {"C", "odieresis", "p"} <= first_glyphs["DejaVuSansBook"]
    assert not {"Euro", "one", "g"} & first_glyphs["DejaVuSansBook"]
    assert {"Z", "o", "edieresis"} <= second_glyphs["DejaVuSansBold"]
    assert "Edieresis" not in second_glyphs["DejaVuSansBold"]
    assert {"Euro", "one", "g"} <= second_glyphs["DejaVuSansBook"]
    assert not {"C", "odieresis", "p"} & second_glyphs["DejaVuSansBook"]
    assert {"Q", "u", "x"} <= embedded_glyphs(third_data)["DejaVuSansBold"]


def test_each_pdf_has_its_own_font_state_and_shares_the_parsed_metrics():
    first, second = a4_pdf("Eerste"), a4_pdf("Tweede")
    one, other = first.fonts["dejavu"], second.fonts["dejavu"]
    for name in ("ttfont", "subset", "missing_glyphs", "cw", "desc"):
        assert getattr(one, name) is not getattr(other, name), name
    assert one.cmap is other.cmap and one.glyph_ids is other.glyph_ids  # parsed once


def test_same_bytes_as_fpdf_add_font():
    def document(add) -> bytes:
        pdf = FPDF(format="A4")
        pdf.set_creation_date(CREATED)
        add(pdf, "DejaVu", "", FONTS / "DejaVuSans.ttf")
        add(pdf, "DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
        pdf.add_page()
        write(pdf, "Afhandeling van uw klacht — € 150", "Beste Ëlla,\n\nWij betalen terug.\n" * 40)
        return bytes(pdf.output())

    def plain(pdf, family, style, path):
        pdf.add_font(family, style, str(path))

    expected = document(plain)
    assert document(pdf_fonts.add_font) == expected
    assert document(pdf_fonts.add_font) == expected


def test_the_installed_fpdf2_font_attributes_are_the_known_ones():
    """A new fpdf2 with other TTFFont attributes would silently parse every font again."""
    assert pdf_fonts.cacheable()
