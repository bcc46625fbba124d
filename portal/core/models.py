"""Cross-cutting tables: the append-only audit log, the mail outbox and app-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.core import audit_guard
from portal.core.db import UTCDateTime, utcnow
from portal.extensions import Model


class AuditEvent(Model):
    """One recorded action: who, on whose behalf, what, when, before/after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    on_behalf_of_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.subject_type}:{self.subject_id}>"


# Append-only in the database itself; `db.create_all()` (tests, demo) installs the same triggers
# as the migration does.
for _dialect, _statements in audit_guard.CREATE.items():
    for _statement in _statements:
        event.listen(
            AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
for _dialect, _statements in audit_guard.DROP_AFTER_TABLE.items():
    for _statement in _statements:
        event.listen(
            AuditEvent.__table__, "after_drop", DDL(_statement).execute_if(dialect=_dialect)
        )


class OutboxStatus:
    """States of an outgoing e-mail."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; left behind by a crash it is never re-sent
    SENT = "sent"
    FAILED = "failed"  # refused for good (5xx) or after the last retry
    UNKNOWN = "unknown"  # the server may have it (dropped after DATA): never re-sent automatically
    CANCELLED = "cancelled"  # an admin stopped it
    KEPT = "kept"  # no SMTP configured: kept visible for staff and development

    FINAL = (SENT, FAILED, UNKNOWN, CANCELLED, KEPT)


class OutboxMessage(Model):
    """An e-mail the portal sends; delivered by `flask outbox send`.

    `body` never holds a live secret: a reset or activation link is stored encrypted in `secret`
    and only put into the text when the message goes out; the body keeps a redaction marker.
    `secret` is cleared once the message reaches a final state, and the retention job empties
    bodies (personal data) after `MAIL_RETENTION_DAYS`.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    secret: Mapped[str | None] = mapped_column(Text)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.kind} {self.status}>"


class Setting(Model):
    """One admin-managed setting (publication minimum, deadline period, reminder interval)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Setting {self.key}={self.value!r}>"
