"""Later parts of the complaint register (issue 18): attachments, solutions offered, actions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model, db


class ComplaintAttachment(Model):
    """A photo of the installation or a customer's document, kept with the complaint.

    Checked by content and, for photos, re-encoded (portal/core/attachments.py); stored in the
    database, only ever served as a download to the company's own users.
    """

    __tablename__ = "complaint_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(120), info={"personal": True})
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(
        mapped_column(LargeBinary, nullable=False, info={"personal": True})
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_by_label: Mapped[str] = mapped_column(String(120), default="")

    complaint: Mapped[Complaint] = relationship(
        backref=db.backref(
            "attachments",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="ComplaintAttachment.id",
        )
    )

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    def __repr__(self) -> str:
        return f"<ComplaintAttachment {self.mime} complaint={self.complaint_id}>"


class ComplaintSolution(Model):
    """One solution offered to the customer, possibly a standard compensation; one is chosen.

    Seed 001: "laat de klant kiezen uit de mogelijke oplossingen"; standard compensations come
    from the company's list (ComplaintPolicy.compensations), so equal cases get equal offers.
    """

    __tablename__ = "complaint_solutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(300), default="", info={"personal": True})
    compensation: Mapped[str] = mapped_column(String(80), default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(120), default="")

    complaint: Mapped[Complaint] = relationship(
        backref=db.backref(
            "solutions",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="ComplaintSolution.id",
        )
    )

    def __repr__(self) -> str:
        return f"<ComplaintSolution complaint={self.complaint_id} chosen={bool(self.chosen_at)}>"


class ActionKind(enum.StrEnum):
    """Corrective (put this case right for good) or improvement (prevent it for everyone)."""

    CORRECTIVE = "corrective"
    IMPROVEMENT = "improvement"


class ComplaintAction(Model):
    """A corrective or improvement action that a complaint led to, with an owner and due date.

    Seed 003: "systematisch wordt geprobeerd om problemen in de toekomst te vermijden". The
    reminder job (`flask complaints remind`) reminds the owner once before the due date and
    tells the coordinator once when it is overdue.
    """

    __tablename__ = "complaint_actions"
    __table_args__ = (Index("ix_complaint_actions_company_due", "company_id", "done_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ActionKind] = mapped_column(Enum(ActionKind, native_enum=False, length=12))
    # May name the customer: personal data like the investigation log (complaints/retention.py).
    description: Mapped[str] = mapped_column(String(300), info={"personal": True})
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    overdue_signalled_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(120), default="")

    complaint: Mapped[Complaint] = relationship(
        backref=db.backref(
            "actions",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="ComplaintAction.id",
        )
    )
    owner: Mapped[User | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today

    def __repr__(self) -> str:
        return f"<ComplaintAction {self.kind} complaint={self.complaint_id} due={self.due_on}>"
