"""Customer-list uploads and their invitation outbox rows (purged after 90 days at most)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model
from portal.reviews.models import Provider


class UploadStatus(enum.StrEnum):
    """An upload is previewed, then confirmed (sending) and finally done."""

    PREVIEW = "preview"
    SENDING = "sending"
    DONE = "done"


class InviteStatus(enum.StrEnum):
    """Outbox states (SECURITY.md §3): `unknown` is never re-sent automatically."""

    PREVIEW = "preview"  # parsed, waiting for the member's confirmation
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"  # timeout or 5xx: the mail may have gone out
    SKIPPED = "skipped"  # invited recently or suppressed by the time it was sent


class InviteUpload(Model):
    """One parsed customer list; the file itself is never stored."""

    __tablename__ = "invite_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    provider: Mapped[Provider] = mapped_column(Enum(Provider, native_enum=False, length=20))
    file_kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[UploadStatus] = mapped_column(
        Enum(UploadStatus, native_enum=False, length=10), default=UploadStatus.PREVIEW
    )
    delay_days: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)
    # [{"line": 4, "message": "..."}]; messages never quote the e-mail address.
    row_problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    agreement_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="SET NULL")
    )
    customers_informed: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="upload",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Invitation.line_number",
    )

    def __repr__(self) -> str:
        return f"<InviteUpload {self.public_id} {self.status}>"


class Invitation(Model):
    """One customer to invite: an outbox row, unique per (upload, e-mail hash)."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("upload_id", "email_hash"),
        Index("ix_invitations_status_claim", "status", "id"),
        Index("ix_invitations_company_hash", "company_id", "email_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("invite_uploads.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    line_number: Mapped[int] = mapped_column()
    email: Mapped[str] = mapped_column(String(254), info={"personal": True})
    email_hash: Mapped[str] = mapped_column(String(64), index=True, info={"personal": True})
    first_name: Mapped[str] = mapped_column(String(100), default="", info={"personal": True})
    last_name: Mapped[str] = mapped_column(String(100), default="", info={"personal": True})
    reference: Mapped[str] = mapped_column(String(100), default="", info={"personal": True})
    status: Mapped[InviteStatus] = mapped_column(
        Enum(InviteStatus, native_enum=False, length=10), default=InviteStatus.PREVIEW
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    error_message: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    upload: Mapped[InviteUpload] = relationship(back_populates="invitations")

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.status}>"


class Suppression(Model):
    """An objection (bezwaar): a salted e-mail hash that no member may invite again."""

    __tablename__ = "invite_suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"personal": True})
    reason: Mapped[str] = mapped_column(String(20), default="objection")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Suppression {self.reason}>"
