"""Rights requests (own data, customers' data) and the breach register. Flush, never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, delete, select

from portal.auth.models import User
from portal.complaints import retention as complaint_records
from portal.complaints.models import Complaint
from portal.core import audit, outbox
from portal.core.db import utcnow
from portal.core.validation import normalise_email
from portal.extensions import db
from portal.invitations import settings as invite_settings
from portal.invitations.models import Invitation, InviteUpload, Suppression
from portal.members.models import Company
from portal.privacy.export import plain
from portal.privacy.models import Breach, RequestKind, RequestStatus, SubjectRequest

ANSWER_DAYS = 30  # "within a month" (AVG art. 12(3)); extendable by two months
AP_HOURS = 72


class PrivacyError(Exception):
    """A refused privacy action with a Dutch message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- own data -------------------------------------------------------------------------------


def record_export(user: User, fmt: str) -> None:
    """Audit a self-service export (right of access / portability)."""
    audit.record(
        "privacy.export_downloaded",
        actor=user,
        company=user.company,
        subject=user,
        changes={"format": {"old": None, "new": fmt}},
    )


def pending_request(user: User, kind: RequestKind) -> SubjectRequest | None:
    """The user's open request of this kind, if any."""
    return db.session.scalars(
        select(SubjectRequest).where(
            SubjectRequest.user_id == user.id,
            SubjectRequest.kind == kind,
            SubjectRequest.status == RequestStatus.OPEN,
        )
    ).first()


def open_erasure_request(user: User) -> SubjectRequest | None:
    return pending_request(user, RequestKind.ERASURE)


def open_request(
    user: User, kind: RequestKind, *, message: str, already_open: str, scope: str = "user"
) -> SubjectRequest:
    """File a rights request of the user: the row with its one-month term, and the audit event.

    The one place a self-service request is created (erasure, objection, restriction); the
    caller sends the acknowledgement mail that fits the kind.

    :raises PrivacyError: with `already_open` when a request of this kind is still open.
    """
    if pending_request(user, kind) is not None:
        raise PrivacyError(already_open)
    now = utcnow()
    item = SubjectRequest(
        kind=kind,
        scope=scope,
        user_id=user.id,
        company_id=user.company_id,
        subject_label=f"{user.name} <{user.email}>"[:200],
        message=message[:4000],
        received_at=now,
        due_at=now + timedelta(days=ANSWER_DAYS),
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        "privacy.request_received",
        actor=user,
        company=user.company,
        subject=item,
        changes={"kind": {"old": None, "new": kind.value}},
    )
    return item


def request_erasure(user: User, *, message: str, whole_company: bool) -> SubjectRequest:
    """A user asks to be forgotten; staff carry it out within a month.

    :raises PrivacyError: an erasure request of this user is already open.
    """
    item = open_request(
        user,
        RequestKind.ERASURE,
        message=message,
        scope="company" if whole_company and user.is_company_admin else "user",
        already_open=_(
            "U heeft al een verwijderverzoek ingediend; wij behandelen het binnen een maand."
        ),
    )
    outbox.enqueue(
        "privacy/request_received",
        to=user.email,
        subject=_("Uw verzoek om verwijdering is ontvangen"),
        template="mail/privacy_request_received.txt",
        company=user.company,
        user=user,
        item=item,
    )
    return item


def requests_query(status: str = "open") -> Select[tuple[SubjectRequest]]:
    """Staff list: open requests first by due date, or all."""
    query = select(SubjectRequest).order_by(SubjectRequest.due_at.asc(), SubjectRequest.id.asc())
    if status == "open":
        query = query.where(SubjectRequest.status == RequestStatus.OPEN)
    return query


def close_request(item: SubjectRequest, *, by: User, status: RequestStatus, outcome: str) -> None:
    """Record how a request was handled."""
    item.status = status
    item.outcome = outcome[:4000]
    item.handled_by_id = by.id
    item.handled_at = utcnow()
    db.session.flush()
    audit.record(
        "privacy.request_closed",
        actor=by,
        subject=item,
        changes={"status": {"old": "open", "new": status.value}},
    )


# --- customers of members ---------------------------------------------------------------------


def customer_address(email: str) -> str:
    """The normalised (lower-case) customer address.

    :raises PrivacyError: not a valid address.
    """
    normalised = normalise_email(email or "")
    if normalised is None:
        raise PrivacyError(_("Vul een geldig e-mailadres in."))
    return normalised


def customer_hash(email: str) -> str:
    """Normalise and hash a customer address (invitation rows and the suppression list).

    :raises PrivacyError: not a valid address.
    """
    return invite_settings.email_hash(customer_address(email), current_app.config)


def find_customer(email_hash: str) -> list[tuple[Invitation, InviteUpload, Company]]:
    """Every invitation row holding this address, across all companies."""
    rows = db.session.execute(
        select(Invitation, InviteUpload, Company)
        .join(InviteUpload, Invitation.upload_id == InviteUpload.id)
        .join(Company, Invitation.company_id == Company.id)
        .where(Invitation.email_hash == email_hash)
        .order_by(InviteUpload.uploaded_at.desc())
    )
    return [tuple(r) for r in rows]


def find_complaints(email: str) -> list[tuple[Complaint, Company]]:
    """Every complaint filed with this address as the complainant's, across all companies.

    :raises PrivacyError: not a valid address.
    """
    return [(c, c.company) for c in complaint_records.complaints_for(customer_address(email))]


def is_suppressed(email_hash: str) -> bool:
    return (
        db.session.scalars(
            select(Suppression.id).where(Suppression.email_hash == email_hash)
        ).first()
        is not None
    )


def _customer_request(kind: RequestKind, email_hash: str, by: User, outcome: str) -> SubjectRequest:
    now = utcnow()
    item = SubjectRequest(
        kind=kind,
        status=RequestStatus.DONE,
        subject_hash=email_hash,
        subject_label=_("klant van een lid"),
        received_at=now,
        due_at=now + timedelta(days=ANSWER_DAYS),
        handled_by_id=by.id,
        handled_at=now,
        outcome=outcome,
    )
    db.session.add(item)
    db.session.flush()
    return item


def export_customer(email: str, *, by: User) -> dict[str, Any]:
    """The data held about one customer (invitations and complaints), logged as handled.

    :raises PrivacyError: not a valid address.
    """
    email_hash = customer_hash(email)
    rows = find_customer(email_hash)
    complaints = complaint_records.export_personal_data(customer_address(email))
    data = {
        "generated_at": plain(utcnow()),
        "suppressed": is_suppressed(email_hash),
        "invitations": [
            {
                "company": company.legal_name,
                "member_number": company.member_number,
                "uploaded_at": plain(upload.uploaded_at),
                "purge_after": plain(upload.purge_after),
                "email": inv.email,
                "first_name": inv.first_name,
                "last_name": inv.last_name,
                "reference": inv.reference,
                "status": plain(inv.status),
                "sent_at": plain(inv.sent_at),
                "provider": plain(upload.provider),
            }
            for inv, upload, company in rows
        ],
        "complaints": complaints,
    }
    item = _customer_request(
        RequestKind.ACCESS,
        email_hash,
        by,
        _("Export gemaakt (%(n)s rijen, %(c)s klachten).", n=len(rows), c=len(complaints)),
    )
    audit.record(
        "privacy.customer_exported",
        actor=by,
        subject=item,
        changes={
            "rows": {"old": None, "new": len(rows)},
            "complaints": {"old": None, "new": len(complaints)},
        },
    )
    return data


def erase_customer(email: str, *, by: User, suppress: bool) -> dict[str, int]:
    """Remove this address everywhere; with `suppress` it is never invited again (objection).

    Invitation rows are deleted; complaints keep their dates and category for the statistics
    but lose the complainant's identity, contact details, free text and letters. Returns the
    counts per kind.

    :raises PrivacyError: not a valid address.
    """
    email_hash, address = customer_hash(email), customer_address(email)
    ids = [inv.id for inv, _u, _c in find_customer(email_hash)]
    if ids:
        db.session.execute(delete(Invitation).where(Invitation.id.in_(ids)))
    complaints = complaint_records.complaints_for(address)
    for complaint in complaints:  # the member company (controller) sees what was erased
        audit.record(
            "privacy.complaint_erased",
            actor=by,
            company=complaint.company,
            subject=complaint,
        )
    erased = complaint_records.erase_personal_data(address)
    if suppress and not is_suppressed(email_hash):
        db.session.add(Suppression(email_hash=email_hash, reason="objection"))
    kind = RequestKind.OBJECTION if suppress else RequestKind.ERASURE
    outcome = _(
        "%(n)s rijen verwijderd, %(c)s klachten ontdaan van persoonsgegevens.",
        n=len(ids),
        c=erased,
    )
    item = _customer_request(kind, email_hash, by, outcome)
    audit.record(
        "privacy.customer_erased",
        actor=by,
        subject=item,
        changes={
            "rows": {"old": len(ids), "new": 0},
            "complaints": {"old": erased, "new": 0},
            "suppressed": {"old": None, "new": suppress},
        },
    )
    return {"invitations": len(ids), "complaints": erased}


# --- breach register ----------------------------------------------------------------------------


BREACH_FIELDS = (
    "title", "discovered_at", "facts", "data_affected", "companies_affected", "subjects_estimate",
    "consequences", "at_processor", "measures", "ap_notified_at", "ap_reference", "no_notice_reason",
    "subjects_notified_at", "controllers_notified_at", "closed_at",
)  # fmt: skip
BREACH_TEXT = (
    "title", "facts", "data_affected", "companies_affected", "consequences", "measures",
    "ap_reference", "no_notice_reason",
)  # fmt: skip
MEMBER_NOTICE_HOURS = 24  # processor breaches: the agreement's promise to members (clause F)


def save_breach(breach: Breach | None, values: dict[str, Any], *, by: User) -> Breach:
    """Create or update a breach entry with an audit diff."""
    before = {k: plain(getattr(breach, k)) for k in BREACH_FIELDS} if breach else {}
    # A text field left out of the post is empty, not NULL (the columns are NOT NULL).
    values = {k: ("" if v is None and k in BREACH_TEXT else v) for k, v in values.items()}
    if breach is None:
        breach = Breach(
            created_by_id=by.id, title=values["title"], discovered_at=values["discovered_at"]
        )
        db.session.add(breach)
    for key in BREACH_FIELDS:
        if key in values:
            setattr(breach, key, values[key])
    db.session.flush()
    after = {k: plain(getattr(breach, k)) for k in BREACH_FIELDS}
    audit.record(
        "privacy.breach_saved",
        actor=by,
        subject=breach,
        changes=audit.diff(before, after),
    )
    return breach


def ap_deadline(breach: Breach) -> datetime:
    """Notification to the Autoriteit Persoonsgegevens is due 72 hours after discovery."""
    return breach.discovered_at + timedelta(hours=AP_HOURS)


def member_deadline(breach: Breach) -> datetime | None:
    """Processor breaches: members are told within 24 hours of discovery."""
    if not breach.at_processor:
        return None
    return breach.discovered_at + timedelta(hours=MEMBER_NOTICE_HOURS)


def breaches() -> list[Breach]:
    return list(db.session.scalars(select(Breach).order_by(Breach.discovered_at.desc())))
