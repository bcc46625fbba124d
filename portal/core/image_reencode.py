"""The child-process half of photo uploads: decode, orient, shrink and re-encode an image.

Runs inside the resource-limited child of portal.core.uploads, like the CSV and XLSX readers:
problems are reported as ParseFailure codes, never as Dutch text. Re-encoding drops every byte
that is not pixels (EXIF with GPS position, comments, trailing data, polyglot payloads).
Nothing here imports Flask.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.images import quiet_pillow
from portal.core.upload_parsers import ParseFailure

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is a pixel bomb or a scan of a wall
MAX_EDGE = 2560  # long side after shrinking: enough to see a leak, small to keep


def reencode_image(data: bytes, **_limits: Any) -> dict[str, Any]:
    """A JPEG (photos) or PNG (screenshots, drawings) of at most MAX_EDGE pixels a side.

    :raises ParseFailure: `image_type` for other formats, `image_pixels` for too many pixels,
        `not_image` when Pillow cannot decode it.
    """
    try:
        with quiet_pillow(), Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise ParseFailure("image_type")
            if probe.width * probe.height > MAX_PIXELS:
                raise ParseFailure("image_pixels")
            probe.load()
            image = ImageOps.exif_transpose(probe) or probe
            image.thumbnail((MAX_EDGE, MAX_EDGE))
            keep_png = probe.format == "PNG"
            out = io.BytesIO()
            if keep_png:
                image.convert("RGBA" if "A" in image.getbands() else "RGB").save(
                    out, format="PNG", optimize=True
                )
            else:
                image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    except ParseFailure:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ParseFailure("not_image") from None
    return {"mime": "image/png" if keep_png else "image/jpeg", "data": out.getvalue()}
