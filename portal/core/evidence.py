"""Evidence files (a screenshot or PDF of a public review page), judged by their content.

Members attach one when they report another review system (reviews) and when they self-report
its score (compliance); both forms validate the upload with `read_evidence`.
"""

from __future__ import annotations

import io
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from wtforms import Field
from wtforms.validators import ValidationError

from portal.core.images import quiet_pillow

MAX_EVIDENCE_BYTES = 2 * 1024 * 1024


def read_evidence(field: Field, *, required: bool) -> tuple[str, str, bytes] | None:
    """PDF, PNG or JPEG up to 2 MiB, judged by content: (display name, type, bytes), or None.

    :raises ValidationError: missing while `required`, empty, too large or not an accepted type.
    """
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        if required:
            raise ValidationError(_l("Voeg een bewijsstuk toe."))
        return None
    data = upload.read(MAX_EVIDENCE_BYTES + 1)
    if not data:
        raise ValidationError(_l("Het bestand is leeg."))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValidationError(_l("Het bestand is groter dan 2 MB."))
    mime = sniff_evidence(data)
    if mime is None:
        raise ValidationError(_l("Alleen een PDF-, PNG- of JPEG-bestand is toegestaan."))
    return safe_filename(upload.filename, mime), mime, data


def sniff_evidence(data: bytes) -> str | None:
    """The real type of an evidence file by its content, or None when not acceptable."""
    if data.startswith(b"%PDF-"):
        return "application/pdf" if b"%%EOF" in data[-2048:] else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png" if _image_ok(data, "PNG") else None
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg" if _image_ok(data, "JPEG") else None
    return None


def _image_ok(data: bytes, expected: str) -> bool:
    """Pillow must recognise and verify the image (size-capped against pixel bombs)."""
    try:
        # Corrupt metadata (EXIF) only makes Pillow warn; verify() still checks the image data.
        with quiet_pillow(), Image.open(io.BytesIO(data)) as image:
            if image.format != expected or image.width * image.height > 40_000_000:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def safe_filename(name: str, mime: str) -> str:
    """A display name: base name only, printable, at most 120 characters, right extension."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ()]", "_", base).strip(" .")[:100] or "bewijs"
    ext = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[mime]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}{ext}"
