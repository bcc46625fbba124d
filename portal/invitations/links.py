"""QR codes of the easy invite link, made in the portal with segno (PNG and SVG)."""

from __future__ import annotations

import io

import segno


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG QR code (error correction M, quiet zone 4) for print and mail."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 8) -> bytes:
    """An SVG QR code without scripts or external references (vector, for print)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        xmldecl=True,
        svgns=True,
        title="QR-code uitnodigingslink",
    )
    return out.getvalue()
