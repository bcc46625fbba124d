"""Plain initials logos for demo members, drawn with Pillow (deterministic, no fonts needed)."""

from __future__ import annotations

import colorsys
import io

from PIL import Image, ImageDraw, ImageFont

SIZE = (240, 120)


def initials(name: str) -> str:
    """'De Vries Installatietechniek' → 'DI'; skips small words and punctuation."""
    skip = {"de", "van", "der", "den", "het", "en", "&", "b.v.", "v.o.f.", "zn."}
    words = [w for w in name.replace("&", " ").split() if w.lower() not in skip and w[0].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def initials_logo(name: str, *, hue: int) -> bytes:
    """A PNG with the company's initials on a coloured tile and a line under it."""
    red, green, blue = (round(c * 255) for c in colorsys.hls_to_rgb(hue / 360, 0.35, 0.55))
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 112, 112), radius=18, fill=(red, green, blue))
    font = ImageFont.load_default(size=52)
    draw.text((60, 60), initials(name), font=font, fill="white", anchor="mm")
    draw.rectangle((126, 52, 228, 62), fill=(red, green, blue))
    draw.rectangle((126, 72, 196, 78), fill=(200, 200, 200))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
