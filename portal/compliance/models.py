"""Tables of the criterium-2 console: deadlines, reminders and their templates, self-reported
scores (the app-wide settings table is portal/core/models.Setting)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model


class DeadlineExtension(Model):
    """A deadline set or extended by staff, with its reason; the newest row per company counts."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (Index("ix_deadline_extensions_company", "company_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DeadlineExtension company={self.company_id} {self.deadline}>"


class ReminderTemplate(Model):
    """An editable Dutch reminder text with `$placeholders`; its key is the reminder kind."""

    __tablename__ = "reminder_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_key(self) -> str:
        """The audit log names a template by its key (the reminder kind)."""
        return self.key

    def __repr__(self) -> str:
        return f"<ReminderTemplate {self.key}>"


class ReminderBatch(Model):
    """One send action (staff bulk action or the scheduled command); also the write lock."""

    __tablename__ = "reminder_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(10))  # "staff" or "cron"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    selected: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ReminderBatch {self.kind} sent={self.sent}>"


class Reminder(Model):
    """What was sent to one member, when, and as which kind (for the interval rule)."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_company_kind_sent", "company_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder_batches.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Reminder {self.kind} company={self.company_id}>"


class SubmissionStatus(enum.StrEnum):
    """Staff handling of a self-reported score."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class SelfReportedScore(Model):
    """A score and count a member typed in for an approved system without an API, with evidence."""

    __tablename__ = "self_reported_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    review_system_id: Mapped[int] = mapped_column(
        ForeignKey("review_systems.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    scale_max: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    review_count: Mapped[int] = mapped_column()
    evidence_name: Mapped[str] = mapped_column(String(120))
    evidence_mime: Mapped[str] = mapped_column(String(60))
    evidence_data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    status: Mapped[SubmissionStatus] = mapped_column(
        Enum(SubmissionStatus, native_enum=False, length=12),
        default=SubmissionStatus.PENDING,
        index=True,
    )
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<SelfReportedScore company={self.company_id} {self.status}>"
