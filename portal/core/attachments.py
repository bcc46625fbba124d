"""Files attached to a record (photos, a customer's documents): checks and the download response.

The name and declared type are hints only. A PDF is kept as it came once its header and end
marker check out; a photo (JPEG, PNG, WebP) is decoded and re-encoded in the resource-limited
child process of portal.core.uploads, so metadata (GPS position) and anything hidden behind the
pixels are gone. Files live in the database, never under static/, and are only ever served as
a download (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response
from flask_babel import lazy_gettext as _l

from portal.core.uploads import UploadError, reencode_image

MAX_BYTES = 5 * 1024 * 1024
PDF = "application/pdf"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
EXTENSIONS = {PDF: ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
# A download runs nothing, loads nothing and gets a unique origin, should a browser render it
# after all (set here; the app's after_request only adds its own CSP when none is set).
DOWNLOAD_CSP = "sandbox; default-src 'none'; base-uri 'none'; frame-ancestors 'none'"


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """An accepted upload: display name, real type and the bytes to store."""

    name: str
    mime: str
    data: bytes


def _is_image(data: bytes) -> bool:
    return data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def check_file(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> CheckedFile:
    """Accept a PDF or a photo by its content; photos come back re-encoded.

    :raises UploadError: empty, too large, another type, a broken PDF or an undecodable image.
    """
    if not data:
        raise UploadError(str(_l("Het bestand is leeg.")), code="empty")
    if len(data) > max_bytes:
        raise UploadError(
            str(_l("Het bestand is te groot: hoogstens %(max_mb)s MB.", max_mb=max_bytes >> 20)),
            code="too_large",
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise UploadError(
                str(_l("Dit PDF-bestand is onvolledig of beschadigd.")), code="pdf_broken"
            )
        return CheckedFile(safe_filename(filename, PDF), PDF, data)
    if _is_image(data):
        mime, encoded = reencode_image(data)
        return CheckedFile(safe_filename(filename, mime), mime, encoded)
    raise UploadError(
        str(_l("Kies een foto als JPEG, PNG of WebP, of een PDF-bestand.")), code="file_type"
    )


def safe_filename(name: str, mime: str) -> str:
    """A display name: base name only, printable, at most 100 characters, the real extension."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\- ()]", "_", stem).strip(" ._")[:96] or "bijlage"
    return f"{stem}{EXTENSIONS[mime]}"


def download_response(name: str, mime: str, data: bytes) -> Response:
    """Serve a stored file as a download only: never rendered by the browser, never cached."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    response = Response(data, mimetype=mime if mime in EXTENSIONS else "application/octet-stream")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "no-store"
    return response
