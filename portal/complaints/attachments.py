"""Attachments on a complaint: photos of the installation and the customer's documents.

Upload safety is portal/core/attachments.py (content sniffing, size limit, photos re-encoded in
the limited child process). Every upload, download and removal is audited without the file
name (it may name the customer). Functions flush but never commit.

Limits: MAX_PER_COMPLAINT files per complaint and COMPANY_QUOTA_BYTES over all of a company's
complaints. The company's row is locked before counting (SELECT ... FOR UPDATE on PostgreSQL),
so parallel uploads of one company wait for each other instead of both passing a check.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.complaints.models_extra import ComplaintAttachment
from portal.complaints.services import Actor, ComplaintError, add_event
from portal.core import audit, concurrency
from portal.core.attachments import CheckedFile
from portal.extensions import db
from portal.members.models import Company

MAX_PER_COMPLAINT = 20
COMPANY_QUOTA_BYTES = 500 * 1024 * 1024  # all attachments of one company together


def add(complaint: Complaint, checked: CheckedFile, *, by: User) -> ComplaintAttachment:
    """Keep an accepted file with the complaint (history line and audit event).

    :raises ComplaintError: the complaint already has the maximum number of attachments, the
        company's attachments would pass COMPANY_QUOTA_BYTES, or the complaint was anonymised
        after the retention period.
    """
    if complaint.anonymised_at is not None:
        raise ComplaintError(str(_l("Deze klacht is geanonimiseerd.")), field="file")
    # The company row: covers the complaint's count and the company's total bytes.
    concurrency.lock_row(Company, complaint.company_id)
    count = db.session.scalar(
        select(func.count())
        .select_from(ComplaintAttachment)
        .where(ComplaintAttachment.complaint_id == complaint.id)
    )
    if (count or 0) >= MAX_PER_COMPLAINT:
        raise ComplaintError(
            str(_l("Een klacht kan hoogstens %(num)s bijlagen hebben.", num=MAX_PER_COMPLAINT)),
            field="file",
        )
    used = db.session.scalar(
        select(func.coalesce(func.sum(ComplaintAttachment.size), 0)).where(
            ComplaintAttachment.company_id == complaint.company_id
        )
    )
    if (used or 0) + len(checked.data) > COMPANY_QUOTA_BYTES:
        raise ComplaintError(
            str(
                _l(
                    "De bijlagen van uw bedrijf nemen samen al bijna %(max_mb)s MB in beslag. "
                    "Verwijder eerst bijlagen die u niet meer nodig hebt.",
                    max_mb=COMPANY_QUOTA_BYTES >> 20,
                )
            ),
            field="file",
        )
    actor = Actor.of(by)
    attachment = ComplaintAttachment(
        company_id=complaint.company_id,
        complaint_id=complaint.id,
        filename=checked.name,
        mime=checked.mime,
        size=len(checked.data),
        data=checked.data,
        uploaded_by_id=actor.user_id,
        uploaded_by_label=actor.label,
    )
    db.session.add(attachment)
    add_event(complaint, "attachment", actor, note=checked.mime)
    db.session.flush()
    _audit("complaint.attachment_added", attachment, by=by, changes={"type": checked.mime})
    return attachment


def remove(attachment: ComplaintAttachment, *, by: User) -> None:
    """Delete an attachment (history line and audit event)."""
    add_event(attachment.complaint, "attachment_removed", Actor.of(by), note=attachment.mime)
    _audit("complaint.attachment_removed", attachment, by=by)
    db.session.delete(attachment)
    db.session.flush()


def record_download(attachment: ComplaintAttachment, *, by: User) -> None:
    """Audit who downloaded which attachment."""
    _audit("complaint.attachment_downloaded", attachment, by=by)
    db.session.flush()


def _audit(
    action: str, attachment: ComplaintAttachment, *, by: User, changes: dict | None = None
) -> None:
    audit.record(
        action,
        actor=by,
        company=by.company if by is not None else None,
        subject=attachment,
        changes=changes,
    )
