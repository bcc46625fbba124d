"""No lost update, no double create (SECURITY.md §5): edit-form versions and create-form keys.

Edit forms of shared records carry the row's version (SQLAlchemy `version_id_col`) plus a short
digest of every value the user saw, in one hidden `version` field. A save whose version is older
than the row's is refused with 409: the same form, the user's input kept, a Dutch notice listing
the fields whose stored value differs from what the user saw, and the version moved on so a
deliberate second save goes through. The race between that check and the write ends in
`StaleDataError` at flush, which the routes answer the same way (`conflict_after_race`).

Row locks (`lock_row`) serialise a check-then-write against parallel requests or job runs.

Create forms carry a random hidden `idempotency_key`. The route claims the key (a row keyed by
scope and key, inserted before anything else in the transaction) and records where the created
object lives; a repeated or simultaneous submit with the same key runs into the primary key and is
sent to that first result instead of creating a second object. A missing or malformed key is an
ordinary submit without deduplication: every rendered form has one, and a hand-made request gains
nothing by leaving it out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

from flask import request
from flask_babel import gettext as _
from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from wtforms import Form, HiddenField
from wtforms.form import BaseForm

from portal.core.db import UTCDateTime, rowcount, utcnow
from portal.extensions import Model, db

__all__ = [
    "IdempotencyKey",
    "IdempotentForm",
    "StaleDataError",
    "VersionedForm",
    "claim",
    "combined_version",
    "conflict_after_race",
    "create_once",
    "finish",
    "is_stale",
    "lock_row",
    "stamp",
]

_HASH_HEX = 6  # per field: collisions only hide a field from the notice, never allow a save
_VERSION = re.compile(r"(\d{1,9})(?:\.([0-9a-f]*))?")
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEY_LIFETIME = timedelta(days=2)


# --- edit forms: versions -------------------------------------------------------------------


# The form mixins below are mixed into FlaskForm; the type checker sees them as forms.
if TYPE_CHECKING:
    _FormMixin = Form
else:
    _FormMixin = object


class VersionedForm(_FormMixin):
    """Form mixin: the hidden `version` field; `conflict` lists (label, stored value) after a 409.

    An empty `conflict` list is a 409 whose change lies outside the form's fields; None is no 409.
    """

    version = HiddenField()
    conflict: list[tuple[str, str]] | None = None

    def secrets_to_reenter(self) -> list[str]:
        """Labels of the password fields the user filled in: never echoed, so after a 409 they
        must be typed again (the notice says so)."""
        return [
            str(field.label.text)
            for field in self
            if field.type == "PasswordField" and (field.data or "").strip()
        ]


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return str(value)


def _hash(name: str, shown: str) -> str:
    return hashlib.sha256(f"{name}\0{shown}".encode()).hexdigest()[:_HASH_HEX]


def combined_version(*parts: Any) -> int:
    """One version number for a form over several rows, or over a row that may not exist yet.

    `parts` are the rows' identities and versions (0 for a row not stored yet) and any unversioned
    data the form shows; the number changes when any of them does. Nine digits, as the field takes.
    """
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) % 1_000_000_000


def _digest(current: Mapping[str, Any]) -> str:
    return "".join(_hash(name, _display(value)) for name, value in current.items())


def stamp(form: VersionedForm, version: int, current: Mapping[str, Any]) -> None:
    """Put the row's version and a digest of the values the user is about to see into the form."""
    form.version.data = f"{int(version)}.{_digest(current)}"


def is_stale(form: VersionedForm, version: int, current: Mapping[str, Any]) -> bool:
    """Whether the posted version is older than the row's; on True the form carries the conflict.

    `current` maps form field names to the stored values, in a fixed order (the same function
    feeds `stamp`). A request without the field (not from a rendered form) makes no claim and is
    not refused here; the write itself still runs under the row's version check. A malformed
    value counts as stale.

    The same number with a posted digest of other values is stale too: the number alone does not
    tell rows apart (a row deleted and made again restarts at 1; another record has the same
    number). The 409 form is stamped with the current digest, so a deliberate second save passes.
    """
    raw = request.form.get("version", "") if request else ""
    if raw == "":
        return False
    found = _VERSION.fullmatch(raw.strip())
    seen = (found.group(2) or "") if found else ""
    if found and int(found.group(1)) == int(version) and seen in ("", _digest(current)):
        return False
    changed = []
    for index, (name, value) in enumerate(current.items()):
        shown = _display(value)
        if seen[index * _HASH_HEX : (index + 1) * _HASH_HEX] != _hash(name, shown):
            label = form[name].label.text if name in form._fields else name
            changed.append((str(label), shown or _("(leeg)")))
    form.conflict = changed  # empty: changed outside the form's fields (no version number shown)
    stamp(form, version, current)
    return True


_NOT_DATA = frozenset({"csrf_token", "version", "idempotency_key", "confirm", "submit"})


def obj_values(form: BaseForm, obj: object, **overrides: Any) -> dict[str, Any]:
    """The stored values behind a form's fields read from `obj`, in form order; `overrides`
    supply fields that are not plain attributes (a relationship shown by name, say)."""
    values = {}
    for name in form._fields:
        if name in overrides:
            values[name] = overrides[name]
        elif name not in _NOT_DATA and hasattr(obj, name):
            values[name] = getattr(obj, name)
    return values


def reloader(obj: Any, values: Callable[[Any], dict]) -> Callable[[], tuple[int, dict]]:
    """A `reload` for `conflict_after_race`: refresh `obj`, then its version and `values(obj)`."""

    def reload() -> tuple[int, dict]:
        db.session.refresh(obj)
        return obj.version, values(obj)

    return reload


def conflict_after_race(form: VersionedForm, reload: Callable[[], tuple[int, dict]]) -> None:
    """After a `StaleDataError`: roll back, reload the row and mark the form as conflicting.

    `reload()` returns (version, current values) of the freshly read row.
    """
    db.session.rollback()
    version, current = reload()
    if not is_stale(form, version, current):  # the form made no claim: still a conflict
        form.conflict = []
        stamp(form, version, current)


# --- row locks ------------------------------------------------------------------------------


def lock_row(model: type[Model], row_id: int) -> None:
    """Hold one row until the transaction ends (SELECT ... FOR UPDATE on its primary key).

    Take it before reading what a check depends on: a parallel request or job run that takes the
    same lock waits, then reads what the first one wrote. PostgreSQL locks the row; SQLite has one
    writer at a time and ignores the clause. Flushes nothing, commits nothing.
    """
    key = model.__mapper__.primary_key[0]
    db.session.execute(select(key).where(key == row_id).with_for_update())


# --- create forms: idempotency keys ---------------------------------------------------------


def new_key() -> str:
    """A fresh random idempotency key for a rendered create form."""
    return secrets.token_urlsafe(24)


class IdempotentForm:
    """Form mixin: the hidden `idempotency_key`, new on every render of an empty form."""

    idempotency_key = HiddenField(default=new_key)


class IdempotencyKey(Model):
    """A create form's key, claimed by the first submit, pointing at what that submit created."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.scope} {self.key[:6]}…>"


def _scope() -> str:
    """Endpoint, user and (hashed) URL arguments: one page's key never answers for another's."""
    from flask_login import current_user

    user = getattr(current_user, "id", None) if current_user else None
    scope = f"{request.endpoint}:{user or '-'}"
    if request.view_args:
        args = hashlib.sha256(repr(sorted(request.view_args.items())).encode()).hexdigest()[:10]
        scope = f"{scope[:49]}:{args}"
    return scope[:60]


def posted_key() -> str | None:
    """The posted key when it has the shape of one, else None (no deduplication)."""
    raw = request.form.get("idempotency_key", "")
    return raw if _KEY.fullmatch(raw) else None


def earlier_result() -> str | None:
    """Where the first submit with this request's key went, or None (no key, or not seen yet)."""
    key = posted_key()
    if key is None:
        return None
    row = db.session.get(IdempotencyKey, (_scope(), key))
    return row.result if row is not None and row.result else None


def claim() -> IdempotencyKey | None:
    """Claim this request's key inside the transaction, before anything is created.

    On PostgreSQL a simultaneous submit waits here for the first one's commit; on SQLite the
    write lock serialises them. Either way the loser gets `Duplicate`.

    :raises Duplicate: another submit with the same key got there first.
    """
    key = posted_key()
    if key is None:
        return None
    row = IdempotencyKey(scope=_scope(), key=key, result="")
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Duplicate from exc
    return row


def finish(row: IdempotencyKey | None, result: str) -> None:
    """Record where the created object lives (a relative URL); flushes, never commits."""
    if row is not None:
        row.result = result[:200]
        db.session.flush()


class Duplicate(Exception):
    """The same create form was already submitted with this key."""


def replay_after_duplicate() -> str | None:
    """After `Duplicate` or an IntegrityError at commit: roll back, return the first result."""
    db.session.rollback()
    return earlier_result()


@overload
def create_once(create: Callable[[], str]) -> str: ...
@overload
def create_once(create: Callable[[], str | None]) -> str | None: ...
def create_once(create: Callable[[], str | None]) -> str | None:
    """Run `create()` at most once per posted key and commit; the URL to send the user to.

    `create()` makes the object (flushing, not committing) and returns its relative URL, or None
    when the service refused (then nothing is kept and None comes back, for a 422). A submit
    whose key was used before gets the first submit's URL and creates nothing.

    :raises IntegrityError: a constraint failed for another reason than a repeated key.
    """
    earlier = earlier_result()
    if earlier is not None:
        return earlier
    try:
        row = claim()
        url = create()
        if url is None:
            db.session.rollback()
            return None
        finish(row, url)
        db.session.commit()
    except (Duplicate, IntegrityError):
        earlier = replay_after_duplicate()
        if earlier is None:
            raise
        return earlier
    return url


def purge_keys(*, now: datetime | None = None) -> int:
    """Forget keys older than their lifetime (a form is not resubmitted days later)."""
    cutoff = (now or utcnow()) - KEY_LIFETIME
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return rowcount(result) or 0


def key_count() -> int:
    """Number of stored keys (for tests and the purge report)."""
    return len(db.session.scalars(select(IdempotencyKey.key)).all())
