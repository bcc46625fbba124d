"""Complaint register (klachtenregistratie): complaints, their history, letters and signals.

The enums the columns use live in enums.py; they are re-exported here for existing imports.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.complaints.enums import (  # noqa: F401  (re-exported for existing imports)
    DEFAULT_CATEGORIES,
    OPEN_STATUSES,
    SERIOUS_LEVELS,
    Channel,
    ComplaintStatus,
    LetterKind,
    NoteKind,
    ReopenKind,
    Satisfaction,
    Severity,
    SignalKind,
    Verdict,
)
from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model
from portal.members.models import Company
from portal.reviews.models import Provider


class ComplaintPolicy(Model):
    """A company's klachtenregeling: deadlines, reminders and the negative-review threshold."""

    __tablename__ = "complaint_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    ack_working_days: Mapped[int] = mapped_column(default=2)
    handling_days: Mapped[int] = mapped_column(default=14)
    extension_days: Mapped[int] = mapped_column(default=14)
    reminder_working_days: Mapped[int] = mapped_column(default=1)
    negative_review_below: Mapped[Decimal] = mapped_column(Numeric(4, 1), default=Decimal("6.0"))
    # The complaints coordinator (klachtencoördinator): receives new complaints and escalations.
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Automatic escalation (seed 003): this many working days past the handling deadline the
    # reminder job puts the complaint before the coordinator; with `escalate_reassign` the
    # coordinator also becomes its handler (off unless the company chooses it).
    escalate_after_days: Mapped[int] = mapped_column(default=5, server_default="5")
    escalate_reassign: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Standard compensations, one per line "Omschrijving; bedrag" (complaints/solutions.py).
    compensations: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The company's own work instruction; empty: the association's default (instruction.py).
    work_instruction: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ComplaintPolicy company={self.company_id}>"


class ComplaintCategory(Model):
    """One entry of a company's managed category list (klachtcategorie)."""

    __tablename__ = "complaint_categories"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ComplaintCategory {self.name!r} company={self.company_id}>"


class SyncedReview(Model):
    """A provider review seen by `flask complaints fetch-reviews` (no reviewer e-mail, ever)."""

    __tablename__ = "synced_reviews"
    __table_args__ = (
        UniqueConstraint("company_id", "provider", "provider_review_id"),
        Index("ix_synced_reviews_company_reviewed", "company_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    provider: Mapped[Provider] = mapped_column(Enum(Provider, native_enum=False, length=20))
    provider_review_id: Mapped[str] = mapped_column(String(80))
    rating: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    scale_max: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_city: Mapped[str] = mapped_column(String(100), default="")
    headline: Mapped[str] = mapped_column(String(300), default="")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def rating_10(self) -> Decimal:
        """The rating on a 1 to 10 scale, for comparing with the company's threshold."""
        return (self.rating * 10 / self.scale_max).quantize(Decimal("0.1"))

    def __repr__(self) -> str:
        return f"<SyncedReview {self.provider} {self.provider_review_id} {self.rating}>"


class Complaint(Model):
    """One complaint with every field of seed 001, its deadlines and its outcome."""

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("company_id", "reference"),
        Index("ix_complaints_company_status", "company_id", "status"),
        Index("ix_complaints_company_received", "company_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(20))  # K-2026-0007, per company
    # Complainant (personal data: confidential, purged after the retention period).
    complainant_name: Mapped[str] = mapped_column(String(120), info={"personal": True})
    complainant_street: Mapped[str] = mapped_column(
        String(200), default="", info={"personal": True}
    )
    complainant_postcode: Mapped[str] = mapped_column(
        String(7), default="", info={"personal": True}
    )
    complainant_city: Mapped[str] = mapped_column(String(100), default="", info={"personal": True})
    complainant_phone: Mapped[str] = mapped_column(String(30), default="", info={"personal": True})
    complainant_email: Mapped[str] = mapped_column(
        String(254), default="", index=True, info={"personal": True}
    )
    # Intake.
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=12))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_categories.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="", info={"personal": True})
    severity: Mapped[Severity] = mapped_column(
        Enum(Severity, native_enum=False, length=10),
        default=Severity.NORMAL,
        server_default=Severity.NORMAL.name,  # enums are stored by name
    )
    # The job the complaint is about (installation trade): work order, invoice, what, who.
    work_order: Mapped[str] = mapped_column(String(60), default="", server_default="")
    installation_type: Mapped[str] = mapped_column(String(60), default="", server_default="")
    technician: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Customer group (labels.CUSTOMER_GROUPS key; empty: unknown), for the figures per group.
    customer_group: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # What the complaint cost the company (repair, compensation), for the figures.
    costs: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    received_by: Mapped[str] = mapped_column(String(120), default="")
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Workflow and deadlines.
    status: Mapped[ComplaintStatus] = mapped_column(
        Enum(ComplaintStatus, native_enum=False, length=20), default=ComplaintStatus.RECEIVED
    )
    ack_due_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interim_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_closed_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reopen_count: Mapped[int] = mapped_column(default=0)
    repeat_count: Mapped[int] = mapped_column(default=0, server_default="0")
    reopen_kind: Mapped[ReopenKind | None] = mapped_column(
        Enum(ReopenKind, native_enum=False, length=10)
    )
    # The first handling deadline that passed with the complaint still open (late for good).
    missed_due_on: Mapped[date | None] = mapped_column(Date)
    # The day the deadline was extended in the current handling round (one extension in time).
    extended_on: Mapped[date | None] = mapped_column(Date)
    # Set by the retention purge: personal data and free text gone, statistical facts kept.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Outcome (seed 001: agreements, reply method, assessment, root cause).
    agreements: Mapped[str] = mapped_column(Text, default="")
    reply_method: Mapped[str] = mapped_column(String(60), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[Verdict | None] = mapped_column(Enum(Verdict, native_enum=False, length=12))
    verdict_reason: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(String(60), default="")
    supplier_fault: Mapped[bool] = mapped_column(default=False)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(
        Enum(Satisfaction, native_enum=False, length=12)
    )
    followup_on: Mapped[date | None] = mapped_column(Date)
    # Aftercare (nazorg): when the follow-up contact took place and what came out of it.
    followup_done_on: Mapped[date | None] = mapped_column(Date)
    followup_outcome: Mapped[str] = mapped_column(
        Text, default="", server_default="", info={"personal": True}
    )
    # SHA-256 of the complainant's status-page token (the token itself is only ever mailed).
    status_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    remarks: Mapped[str] = mapped_column(Text, default="")
    dispute_route: Mapped[str] = mapped_column(String(120), default="")
    dispute_reference: Mapped[str] = mapped_column(String(60), default="")
    related_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaints.id", ondelete="SET NULL")
    )
    source_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("synced_reviews.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    category: Mapped[ComplaintCategory | None] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    source_review: Mapped[SyncedReview | None] = relationship()
    related_to: Mapped[Complaint | None] = relationship(remote_side=[id])
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ComplaintEvent.id",
    )
    notes: Mapped[list[ComplaintNote]] = relationship(
        back_populates="complaint",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ComplaintNote.id",
    )
    letters: Mapped[list[ComplaintLetter]] = relationship(
        back_populates="complaint",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ComplaintLetter.id",
    )

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Complaint {self.reference} company={self.company_id} {self.status}>"


class ComplaintEvent(Model):
    """One timestamped, attributed step in a complaint's history."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(30))  # transition, letter, assigned, edited, …
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    complaint: Mapped[Complaint] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<ComplaintEvent {self.kind} complaint={self.complaint_id}>"


class ComplaintNote(Model):
    """The investigation log while a complaint is open: findings and contact moments."""

    __tablename__ = "complaint_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NoteKind] = mapped_column(Enum(NoteKind, native_enum=False, length=10))
    body: Mapped[str] = mapped_column(Text, info={"personal": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(120), default="")

    complaint: Mapped[Complaint] = relationship(back_populates="notes")

    def __repr__(self) -> str:
        return f"<ComplaintNote {self.kind} complaint={self.complaint_id}>"


class ComplaintLetter(Model):
    """A letter as it was sent or downloaded: kept with the complaint."""

    __tablename__ = "complaint_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LetterKind] = mapped_column(Enum(LetterKind, native_enum=False, length=16))
    method: Mapped[str] = mapped_column(String(10))  # email | pdf
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_by_label: Mapped[str] = mapped_column(String(120), default="")

    complaint: Mapped[Complaint] = relationship(back_populates="letters")

    def __repr__(self) -> str:
        return f"<ComplaintLetter {self.kind} {self.method} complaint={self.complaint_id}>"


class LetterTemplate(Model):
    """A company's own wording of one standard letter (the default applies without a row)."""

    __tablename__ = "complaint_letter_templates"
    __table_args__ = (UniqueConstraint("company_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[LetterKind] = mapped_column(Enum(LetterKind, native_enum=False, length=16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<LetterTemplate {self.kind} company={self.company_id}>"


class ComplaintSignal(Model):
    """A reminder or escalation, once per complaint, kind and deadline (keeps `remind` idempotent)."""

    __tablename__ = "complaint_signals"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    kind: Mapped[SignalKind] = mapped_column(Enum(SignalKind, native_enum=False, length=16))
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)

    complaint: Mapped[Complaint] = relationship()

    def __repr__(self) -> str:
        return f"<ComplaintSignal {self.kind} complaint={self.complaint_id} {self.deadline}>"
