"""Members' logos in the ledenzoeker: resized once per logo version, shared by all workers.

The upload itself (`members.services.store_logo`) is already re-encoded as PNG without
metadata, at most 600 x 300. Here it is scaled down for a card thumbnail or the detail page on
first request and kept in `directory_logos` until the member uploads another one (the public
row's `logo_version` moves on). Only listed members have a public row, so an unlisted or
opted-out member's logo answers 404 like its page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.core.db import AnySession
from portal.core.images import quiet_pillow
from portal.directory.models import DirectoryEntry, DirectoryLogo
from portal.members.models import Company

# Boxes in pixels, twice the CSS size for sharp images on high-density screens.
SIZES = {"kaart": (192, 96), "pagina": (480, 240)}
DEFAULT_SIZE = "pagina"
_E = DirectoryEntry.__table__.c
_L = DirectoryLogo.__table__.c


@dataclass(frozen=True)
class Logo:
    """A resized logo as served: PNG bytes and the version they belong to."""

    body: bytes
    version: str


def public_logo(session: AnySession, slug: str, size: str, *, now: datetime) -> Logo | None:
    """The listed member's logo in `size`, resized and stored on first request.

    None when the slug is unknown, the member is not listed, has no logo, or the stored
    upload cannot be decoded.
    """
    if size not in SIZES or not slug or len(slug) > 120:
        return None
    found = session.execute(
        select(_E.company_id, _E.logo_version, _L.version, _L.body)
        .outerjoin(DirectoryLogo, (_L.company_id == _E.company_id) & (_L.size == size))
        .where(_E.slug == slug)
    ).first()
    if found is None or not found.logo_version:
        return None
    if found.version == found.logo_version:
        return Logo(found.body, found.logo_version)
    upload = session.scalar(select(Company.logo_data).where(Company.id == found.company_id))
    body = resize(upload, SIZES[size]) if upload else None
    if body is None:
        return None
    values = {"version": found.logo_version, "body": body, "created_at": now}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(DirectoryLogo).values(company_id=found.company_id, size=size, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["company_id", "size"], set_=values))
    return Logo(body, found.logo_version)


def resize(upload: bytes, box: tuple[int, int]) -> bytes | None:
    """The upload scaled to fit `box` (never enlarged), as PNG; None when it cannot be read."""
    try:
        with quiet_pillow(), Image.open(io.BytesIO(upload)) as image:
            if image.format != "PNG":  # stored uploads are always re-encoded PNG
                return None
            image.load()
            copy = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None
    copy.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="PNG", optimize=True)
    return out.getvalue()
