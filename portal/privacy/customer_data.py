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
from portal.complaints.models import Complaint
from portal.core import audit
from portal.core.db import utcnow
from portal.extensions import db
from portal.invitations.models import Invitation, InviteUpload
from portal.members.models import Company
from portal.privacy.export import pick, plain

CUSTOMER_DATA_VERSION = 1
UPLOAD_FIELDS = ("public_id", "uploaded_at", "purge_after", "provider", "status", "rows_total")
INVITATION_FIELDS = (
    "line_number", "email", "first_name", "last_name", "reference", "status", "sent_at",
    "outcome", "created_at",
)  # fmt: skip
COMPLAINT_FIELDS = (
    "public_id", "reference", "received_on", "channel", "subject", "description",
    "complainant_name", "complainant_street", "complainant_postcode", "complainant_city",
    "complainant_phone", "complainant_email", "received_by", "status", "ack_due_on", "due_on",
    "acknowledged_at", "interim_sent_at", "first_closed_on", "closed_on", "reopen_count",
    "agreements", "reply_method", "resolution", "verdict", "verdict_reason", "root_cause",
    "supplier_fault", "satisfaction", "followup_on", "remarks", "dispute_route",
    "dispute_reference", "created_at", "updated_at", "severity", "work_order",
    "installation_type", "technician", "customer_group", "costs", "closed_at", "repeat_count",
    "reopen_kind", "missed_due_on", "extended_on", "followup_done_on", "followup_outcome",
    "anonymised_at",
)  # fmt: skip
LETTER_FIELDS = ("kind", "method", "sent_at", "sent_by_label", "subject", "body")
EVENT_FIELDS = ("created_at", "actor_label", "kind", "from_status", "to_status", "note")
NOTE_FIELDS = ("created_at", "actor_label", "kind", "body")
ACTION_FIELDS = ("kind", "description", "due_on", "done_on", "created_by_label", "created_at")
SOLUTION_FIELDS = (
    "public_id", "description", "compensation", "amount", "chosen_at", "created_at",
    "created_by_label",
)  # fmt: skip
# The list of files (the files themselves stay in the register, downloadable one by one).
ATTACHMENT_FIELDS = ("public_id", "filename", "mime", "size", "uploaded_at", "uploaded_by_label")
REVIEW_FIELDS = ("provider", "reviewed_at", "rating", "scale_max", "author_city", "headline")


def _invitations(company: Company) -> list[dict[str, Any]]:
    uploads = db.session.scalars(
        select(InviteUpload)
        .where(InviteUpload.company_id == company.id)
        .order_by(InviteUpload.uploaded_at, InviteUpload.id)
    )
    out = []
    for upload in uploads:
        data = pick(upload, UPLOAD_FIELDS)
        rows = db.session.scalars(
            select(Invitation)
            .where(Invitation.upload_id == upload.id)
            .order_by(Invitation.line_number)
        )
        data["invitations"] = [pick(row, INVITATION_FIELDS) for row in rows]
        out.append(data)
    return out


def _complaints(company: Company) -> list[dict[str, Any]]:
    """The company's own complaint register (the company is controller of that data)."""
    rows = db.session.scalars(
        select(Complaint)
        .where(Complaint.company_id == company.id)
        .order_by(Complaint.received_on, Complaint.id)
    )
    out = []
    for complaint in rows:
        data = pick(complaint, COMPLAINT_FIELDS)
        data["category"] = complaint.category.name if complaint.category else None
        data["handler"] = complaint.handler.name if complaint.handler else None
        data["letters"] = [pick(letter, LETTER_FIELDS) for letter in complaint.letters]
        data["history"] = [pick(event, EVENT_FIELDS) for event in complaint.events]
        data["log"] = [pick(note, NOTE_FIELDS) for note in complaint.notes]
        data["actions"] = [
            {**pick(a, ACTION_FIELDS), "owner": a.owner.name if a.owner else None}
            for a in complaint.actions  # type: ignore[attr-defined]
        ]
        data["solutions"] = [
            {**pick(option, SOLUTION_FIELDS), "chosen": option.chosen_at is not None}
            for option in complaint.solutions  # type: ignore[attr-defined]
        ]
        data["attachments"] = [pick(a, ATTACHMENT_FIELDS) for a in complaint.attachments]  # type: ignore[attr-defined]
        data["related_to"] = complaint.related_to.reference if complaint.related_to else None
        review = complaint.source_review
        data["source_review"] = pick(review, REVIEW_FIELDS) if review else None
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
