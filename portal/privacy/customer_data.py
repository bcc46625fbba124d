"""Delete-or-return (AVG art. 28(3)(g)): every customer record the association holds for a member
company as processor, as one download for the company's beheerder.

Holds the invitations (with the customers' addresses and names while they are kept) and the whole
complaint register: every column, history, letters, investigation log, corrective/improvement
actions, the solutions offered with the customer's choice, and the attachments as a list (name,
type, size; the files stay downloadable one by one from the complaint). The complainant's own
access export (portal/complaints/retention.py) holds the same parts. A user's own export
(portal/privacy/export.py) holds none of this: it is the company's data about its customers,
not the user's personal data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.core import audit
from portal.core.db import utcnow
from portal.extensions import db
from portal.invitations.models import Invitation, InviteUpload
from portal.members.models import Company
from portal.privacy.export import _complaints, _pick, plain

CUSTOMER_DATA_VERSION = 1
UPLOAD_FIELDS = ("public_id", "uploaded_at", "purge_after", "provider", "status", "rows_total")
INVITATION_FIELDS = (
    "line_number", "email", "first_name", "last_name", "reference", "status", "sent_at",
    "outcome", "created_at",
)  # fmt: skip


def _invitations(company: Company) -> list[dict[str, Any]]:
    uploads = db.session.scalars(
        select(InviteUpload)
        .where(InviteUpload.company_id == company.id)
        .order_by(InviteUpload.uploaded_at, InviteUpload.id)
    )
    out = []
    for upload in uploads:
        data = _pick(upload, UPLOAD_FIELDS)
        rows = db.session.scalars(
            select(Invitation)
            .where(Invitation.upload_id == upload.id)
            .order_by(Invitation.line_number)
        )
        data["invitations"] = [_pick(row, INVITATION_FIELDS) for row in rows]
        out.append(data)
    return out


def customer_data(company: Company) -> dict[str, Any]:
    """Everything held as processor for `company`: uploads with invitations, complaint register."""
    return {
        "customer_data_version": CUSTOMER_DATA_VERSION,
        "generated_at": plain(utcnow()),
        "company": {"legal_name": company.legal_name, "member_number": company.member_number},
        "invitation_uploads": _invitations(company),
        "complaints": _complaints(company),
    }


def record_download(company: Company, *, by: User, fmt: str) -> None:
    """Audit the return of the customer data (who, which company, which format)."""
    audit.record(
        "privacy.customer_data_downloaded",
        actor=by,
        company=company,
        subject=company,
        changes={"format": {"old": None, "new": fmt}},
    )
