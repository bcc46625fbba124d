"""A company's review systems, the sync attempt log and the daily score history."""

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
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model
from portal.members.models import Company

# Re-exported: the reviews feature stores Provider and shows its labels.
from portal.providers.catalog import PROVIDER_LABELS as PROVIDER_LABELS
from portal.providers.catalog import Provider


class SystemStatus(enum.StrEnum):
    """Life cycle of one review-system link."""

    REQUESTED = "requested"  # included Klantenvertellen asked for, being provisioned
    UNCHECKED = "unchecked"  # credentials saved while the provider was unreachable
    ACTIVE = "active"  # linked and verified (or provisioned)
    IN_REVIEW = "in_review"  # other system, waiting for staff
    MORE_INFO = "more_info"  # staff asked the member for more information
    APPROVED = "approved"  # other system accepted by staff
    REJECTED = "rejected"  # other system refused by staff
    ENDED = "ended"  # switched or unlinked; kept as history


class ReviewSystem(Model):
    """A company's link to one review provider, with the last good figures."""

    __tablename__ = "review_systems"
    __table_args__ = (
        # At most one current system per company; ended ones are history.
        Index(
            "uq_review_systems_current_company",
            "company_id",
            unique=True,
            sqlite_where=text("is_current = 1"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[Provider] = mapped_column(Enum(Provider, native_enum=False, length=20))
    status: Mapped[SystemStatus] = mapped_column(
        Enum(SystemStatus, native_enum=False, length=12), index=True
    )
    is_current: Mapped[bool] = mapped_column(default=True)
    # A requested replacement waiting next to a working current system (reviews.switching).
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    included: Mapped[bool] = mapped_column(default=False)  # the membership's own Klantenvertellen
    # Credentials: location id in the clear, secrets encrypted (see reviews.crypto).
    location_id: Mapped[str] = mapped_column(String(64), default="")
    credentials_enc: Mapped[str | None] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(4), default="")
    # Cached Feedback Company bearer token (encrypted), so workers share no mutable state.
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Other system ("ander systeem").
    other_name: Mapped[str] = mapped_column(String(120), default="")
    other_url: Mapped[str] = mapped_column(String(300), default="")
    other_description: Mapped[str] = mapped_column(Text, default="")
    evidence_name: Mapped[str] = mapped_column(String(120), default="")
    evidence_mime: Mapped[str] = mapped_column(String(60), default="")
    evidence_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    self_reported: Mapped[bool] = mapped_column(default=False)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last good figures; only a validated fetch replaces them.
    location_name: Mapped[str] = mapped_column(String(200), default="")
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    scale_max: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    score_10: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    review_count: Mapped[int] = mapped_column(default=0)
    recommend_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    profile_url: Mapped[str] = mapped_column(String(500), default="")
    write_review_url: Mapped[str] = mapped_column(String(500), default="")
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sync health.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str] = mapped_column(String(20), default="")
    last_error_message: Mapped[str] = mapped_column(String(500), default="")
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    backoff_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship()

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS[self.provider]

    def __repr__(self) -> str:
        return f"<ReviewSystem {self.provider} company={self.company_id} {self.status}>"


class SyncAttempt(Model):
    """One try to fetch a link's statistics, kept for members and staff."""

    __tablename__ = "sync_attempts"
    __table_args__ = (Index("ix_sync_attempts_system_started", "review_system_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_system_id: Mapped[int] = mapped_column(
        ForeignKey("review_systems.id", ondelete="CASCADE")
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[Provider] = mapped_column(Enum(Provider, native_enum=False, length=20))
    sync_run_id: Mapped[str] = mapped_column(String(36), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    http_status: Mapped[int | None] = mapped_column()
    error_code: Mapped[str] = mapped_column(String(80), default="")
    message: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=1)
    duration_ms: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<SyncAttempt {self.provider} {self.outcome}>"


class ScoreSnapshot(Model):
    """The figures of one link on one day; upserted, so one row per link per day."""

    __tablename__ = "score_snapshots"
    __table_args__ = (UniqueConstraint("review_system_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_system_id: Mapped[int] = mapped_column(
        ForeignKey("review_systems.id", ondelete="CASCADE")
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[Provider] = mapped_column(Enum(Provider, native_enum=False, length=20))
    day: Mapped[date] = mapped_column(Date)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    scale_max: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    review_count: Mapped[int] = mapped_column(default=0)
    recommend_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ScoreSnapshot system={self.review_system_id} {self.day}>"
