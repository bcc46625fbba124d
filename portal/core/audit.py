"""Append-only audit log: who did what, on whose behalf, with before/after values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from sqlalchemy import text

from portal.core.audit_guard import PG_SETTING
from portal.core.db import HasId
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
    subject_type: str = "",
    subject_id: object = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it)."""
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
