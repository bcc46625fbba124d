"""Append-only audit log: who did what, on whose behalf, with before/after values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from sqlalchemy import delete, text, update

from portal.core.audit_guard import PG_SETTING, PSEUDONYM_PATTERN
from portal.core.db import HasId, rowcount
from portal.core.models import AuditEvent
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

MASKED_FIELDS = {
    "password",
    "password_hash",
    "credentials_enc",
    "totp_secret_enc",
    "token",
    "secret",
}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Changed fields only, as {field: {"old": ..., "new": ...}}, secrets masked."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            if key in MASKED_FIELDS:
                old, new = ("••••" if old else None), ("••••" if new else None)
            changes[key] = {"old": _plain(old), "new": _plain(new)}
    return changes


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def record(
    action: str,
    *,
    actor: User | None = None,
    company: HasId | None = None,
    subject: object | None = None,
    subject_type: str = "",
    subject_id: object = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it).

    `subject` is the record the event is about: its type is the class name in snake case
    (`ReviewSystem` -> "review_system") and its id the public id, else its `audit_key` (a
    natural key such as a slug), else its primary key. For anything else (a setting, an export,
    a deleted row, a set of rows) spell out `subject_type` and `subject_id`.
    """
    if subject is not None:
        subject_type = subject_type or subject_type_of(subject)
        subject_id = _subject_id(subject)
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=_actor_label(actor),
        on_behalf_of_company_id=getattr(company, "id", None),
        subject_type=subject_type,
        subject_id=str(subject_id),
        changes=changes or {},
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(event)
    return event


def _subject_id(subject: object) -> object:
    """The id the audit log names a record by: public id, natural key, primary key."""
    for name in ("public_id", "audit_key", "id"):
        value = getattr(subject, name, None)
        if value is not None:
            return value
    return ""


def subject_type_of(subject: object) -> str:
    """The audit log's name for a record's type: its class name in snake case."""
    name = subject.__class__.__name__  # __class__, not type(): a LocalProxy names its object
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return "systeem"
    role = getattr(actor, "role", "")
    return f"{getattr(actor, 'name', '') or 'gebruiker'} ({role})"


@contextmanager
def pseudonymising() -> Iterator[None]:
    """Let this transaction replace actor labels of audit rows, for the privacy erasure only.

    The database refuses every other change to the audit log (core/audit_guard.py). The window
    closes at the end of the block; on an error it closes with the rollback that must follow.
    """
    _pseudonymise_window(True)
    yield
    _pseudonymise_window(False)


def _pseudonymise_window(open_: bool) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(
            text("SELECT set_config(:name, :value, true)"),
            {"name": PG_SETTING, "value": "on" if open_ else "off"},
        )
    elif dialect == "sqlite":
        db.session.execute(
            text("UPDATE audit_guard SET pseudonymise = :value WHERE id = 1"),
            {"value": int(open_)},
        )


def pseudonymise_actor(actor_id: int, label: str) -> None:
    """Put an erasure pseudonym on every audit row of this actor (the privacy erasure only).

    PostgreSQL: through the SECURITY DEFINER function, as the app role holds no UPDATE on the
    table; SQLite: inside the pseudonymisation window.

    :raises ValueError: the label is not a pseudonym.
    """
    if not re.match(PSEUDONYM_PATTERN, label):
        raise ValueError("not an erasure pseudonym")
    if _dialect() == "postgresql":
        db.session.execute(
            text("SELECT audit_pseudonymise(:actor_id, :label)"),
            {"actor_id": actor_id, "label": label},
        )
        return
    with pseudonymising():  # the database refuses any other change to the audit log
        db.session.execute(
            update(AuditEvent).where(AuditEvent.actor_id == actor_id).values(actor_label=label)
        )


def purge_before(cutoff: datetime) -> int:
    """Delete audit rows older than `cutoff` (the database adds: and older than 7 years)."""
    if _dialect() == "postgresql":
        return int(
            db.session.execute(
                text("SELECT audit_purge_expired(:cutoff)"), {"cutoff": cutoff}
            ).scalar_one()
            or 0
        )
    return rowcount(db.session.execute(delete(AuditEvent).where(AuditEvent.created_at < cutoff)))


def _dialect() -> str:
    return db.session.get_bind().dialect.name
