"""Data-subject requests (AVG rights) and the staff-only breach register."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, event, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.auth.models import User
from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model


@event.listens_for(User.active, "set")
def _remember_deactivation(user: User, value: bool, old: object, _initiator: object) -> None:
    """Start (or stop) the retention clock of a deactivated account, whoever deactivates it."""
    if value is False and old is not False:
        user.deactivated_at = utcnow()
    elif value is True:
        user.deactivated_at = None


class RequestKind(enum.StrEnum):
    """The rights of AVG arts. 15-21."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    PORTABILITY = "portability"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    REJECTED = "rejected"


class SubjectRequest(Model):
    """A rights request by a portal user or by a member's customer, answered within a month."""

    __tablename__ = "subject_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[RequestKind] = mapped_column(Enum(RequestKind, native_enum=False, length=16))
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=10), default=RequestStatus.OPEN, index=True
    )
    # A portal user asking about themselves; None for customer requests or after erasure.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    scope: Mapped[str] = mapped_column(String(10), default="user")  # erasure: "user" or "company"
    subject_label: Mapped[str] = mapped_column(String(200), default="", info={"personal": True})
    # For customers: the salted e-mail hash only.
    subject_hash: Mapped[str] = mapped_column(String(64), default="", info={"personal": True})
    message: Mapped[str] = mapped_column(Text, default="", info={"personal": True})
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="")
    # Art. 12(3): one extension of up to two months, with the reason told to the requester.
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    def __repr__(self) -> str:
        return f"<SubjectRequest {self.kind} {self.status}>"


class Breach(Model):
    """A personal-data breach: facts, data, companies hit, measures, notices (AP within 72 h)."""

    __tablename__ = "data_breaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    title: Mapped[str] = mapped_column(String(200))
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    facts: Mapped[str] = mapped_column(Text, default="")
    data_affected: Mapped[str] = mapped_column(Text, default="")
    companies_affected: Mapped[str] = mapped_column(Text, default="")
    subjects_estimate: Mapped[int | None] = mapped_column()
    measures: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="", server_default="")
    # In data the association processes for members (invitations, complaints): the agreement
    # promises the member a notice within 24 hours of discovery (clause F).
    at_processor: Mapped[bool] = mapped_column(default=False, server_default=false())
    ap_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ap_reference: Mapped[str] = mapped_column(String(60), default="")
    no_notice_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    subjects_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    controllers_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Breach {self.public_id}>"
