"""Later parts of the complaint register (issue 18): attachments and what a complaint leads to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

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
