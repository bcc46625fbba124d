"""The managed list of specialisms (vakgebieden) members choose from; admin only, audited."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.core import audit
from portal.extensions import db
from portal.members.models import Specialism

if TYPE_CHECKING:
    from portal.auth.models import User


class SpecialismError(ValueError):
    """The specialism cannot be saved; the message is Dutch and belongs to the name field."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


def slugify(name: str) -> str:
    """'Warmtepompen & koeling' → 'warmtepompen-koeling'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "vakgebied"


def _name_taken(name: str, *, exclude_id: int | None = None) -> bool:
    query = select(Specialism.id).where(func.lower(Specialism.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Specialism.id != exclude_id)
    return db.session.scalars(query).first() is not None


def add_specialism(name: str, *, active: bool, by: User) -> Specialism:
    """Add a specialism to the managed list; audited.

    :raises SpecialismError: the name already exists.
    """
    if _name_taken(name):
        raise SpecialismError(_l("Dit vakgebied bestaat al."))
    slug, n = slugify(name), 2
    while db.session.scalars(select(Specialism.id).where(Specialism.slug == slug)).first():
        slug = f"{slugify(name)[:55]}-{n}"
        n += 1
    specialism = Specialism(name=name, slug=slug, active=active)
    db.session.add(specialism)
    db.session.flush()
    audit.record(
        "specialism.created",
        actor=by,
        subject=specialism,
        changes=audit.diff({}, {"name": name, "active": active}),
    )
    return specialism


def update_specialism(specialism: Specialism, *, name: str, active: bool, by: User) -> None:
    """Rename or (de)activate; the slug stays so links and filters keep working; audited.

    :raises SpecialismError: another specialism has this name.
    """
    if _name_taken(name, exclude_id=specialism.id):
        raise SpecialismError(_l("Dit vakgebied bestaat al."))
    before = {"name": specialism.name, "active": specialism.active}
    specialism.name, specialism.active = name, active
    db.session.flush()
    changes = audit.diff(before, {"name": name, "active": active})
    if changes:
        audit.record(
            "specialism.updated",
            actor=by,
            subject=specialism,
            changes=changes,
        )
