"""Company data changes with audit, logo handling and directory refresh."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from portal.core import audit, signals
from portal.core.db import utcnow
from portal.core.images import quiet_pillow
from portal.extensions import db
from portal.members.models import Company, Recognition, Specialism

if TYPE_CHECKING:
    from portal.auth.models import User

EDITABLE_FIELDS = (
    "trade_name", "street", "house_number", "house_number_addition", "postcode", "city",
    "phone", "email", "website", "description", "opening_hours",
    "show_address", "show_phone", "show_email", "show_website", "show_description", "show_opening_hours",
)  # fmt: skip
STAFF_FIELDS = ("establishment_number",)  # register data members cannot change themselves
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000 * 4000
LOGO_BOX = (600, 300)


class CompanyError(Exception):
    """A Dutch, user-facing reason a company change was refused."""


def snapshot(company: Company) -> dict[str, Any]:
    """The audited fields of a company as plain values."""
    data = {name: getattr(company, name) for name in EDITABLE_FIELDS + STAFF_FIELDS}
    data["specialisms"] = sorted(s.slug for s in company.specialisms)
    data["recognitions"] = sorted(r.slug for r in company.recognitions)
    data["directory_opt_out"] = company.directory_opt_out
    return data


def active_specialisms() -> list[Specialism]:
    """The managed list of vakgebieden members can choose from."""
    return list(
        db.session.scalars(select(Specialism).where(Specialism.active).order_by(Specialism.name))
    )


def all_recognitions() -> list[Recognition]:
    """The managed list of erkenningen staff can record for a member."""
    return list(db.session.scalars(select(Recognition).order_by(Recognition.name)))


def update_company(
    company: Company, data: dict[str, Any], *, by: User, on_behalf: bool = False
) -> dict:
    """Apply edited directory data; records an audit entry with before/after; flushes.

    `establishment_number` and `recognitions` are only applied when given (the staff form);
    returns the changes (empty when nothing changed).
    """
    before = snapshot(company)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(company, name, data[name])
    if "establishment_number" in data:
        company.establishment_number = data["establishment_number"] or None
    if "specialisms" in data:
        wanted = set(data["specialisms"] or [])
        company.specialisms = [s for s in active_specialisms() if s.id in wanted]
    if "recognitions" in data:
        wanted = set(data["recognitions"] or [])
        company.recognitions = [r for r in all_recognitions() if r.id in wanted]
    changes = audit.diff(before, snapshot(company))
    if changes:
        audit.record(
            "company.updated_by_staff" if on_behalf else "company.updated",
            actor=by,
            company=company,
            subject=company,
            changes=changes,
        )
        db.session.flush()
        refresh_directory(company)
    return changes


def set_opt_out(company: Company, opt_out: bool, *, by: User) -> None:
    """Leave or rejoin the ledenzoeker (audited)."""
    if company.directory_opt_out == opt_out:
        return
    audit.record(
        "company.directory_opt_out",
        actor=by,
        company=company,
        subject=company,
        changes={"directory_opt_out": {"old": company.directory_opt_out, "new": opt_out}},
    )
    company.directory_opt_out = opt_out
    db.session.flush()
    refresh_directory(company)


def store_logo(company: Company, raw: bytes, *, by: User) -> None:
    """Decode and re-encode an uploaded logo as PNG, dropping metadata and trailing data.

    :raises CompanyError: too large, not an image, or an image bomb.
    """
    if len(raw) > LOGO_MAX_BYTES:
        raise CompanyError(
            _("Het logo is groter dan 1 MB. Verklein het bestand en probeer het opnieuw.")
        )
    try:
        # Pillow only warns on corrupt metadata (EXIF); the re-encode below drops it anyway.
        with quiet_pillow(), Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in {"PNG", "JPEG", "WEBP"}:
                raise CompanyError(_("Kies een PNG-, JPEG- of WebP-bestand."))
            if probe.width * probe.height > LOGO_MAX_PIXELS:
                raise CompanyError(_("Het logo heeft te veel pixels; hoogstens 4000 × 4000."))
            probe.load()
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise CompanyError(_("Dit bestand is geen geldige afbeelding.")) from exc
    image.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    company.logo_data = out.getvalue()
    company.logo_mime = "image/png"
    company.logo_updated_at = utcnow()
    audit.record(
        "company.logo_changed",
        actor=by,
        company=company,
        subject=company,
    )
    refresh_directory(company)  # the ledenzoeker shows the logo


def remove_logo(company: Company, *, by: User) -> None:
    """Delete the logo."""
    company.logo_data = None
    company.logo_mime = ""
    company.logo_updated_at = None
    audit.record(
        "company.logo_removed",
        actor=by,
        company=company,
        subject=company,
    )
    refresh_directory(company)


def slugify(text: str) -> str:
    """'Hénk Müller Installaties B.V.' → 'henk-muller-installaties-b-v'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "bedrijf"


def refresh_directory(company: Company) -> None:
    """Update the precomputed public directory row of this company (flushes, never commits)."""
    db.session.flush()
    signals.company_changed(company.id)


def reloader(company: Company, form: FlaskForm) -> Callable[[], tuple[int, dict]]:
    """After a race lost at the UPDATE: a callable giving the company's fresh version and values."""

    def reload() -> tuple[int, dict]:
        db.session.refresh(company)
        return company.version, form_values(company, form)

    return reload


def form_values(company: Company, form: FlaskForm) -> dict:
    """The stored values behind a company form's fields, in form order (for the version check)."""
    values = {}
    for name in form._fields:
        if name in ("specialisms", "recognitions"):
            values[name] = [item.name for item in getattr(company, name)]
        elif name not in ("csrf_token", "version", "confirm") and hasattr(company, name):
            values[name] = getattr(company, name)
    return values
