"""Erasure of users, companies and customer data; the audit log keeps pseudonyms, never rows."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from portal.agreements.models import AgreementAcceptance
from portal.auth.models import RecoveryCode, User, UserSession, UserToken
from portal.complaints.models import Complaint, ComplaintEvent, ComplaintLetter, ComplaintNote
from portal.complaints.models_extra import ComplaintAction
from portal.complaints.services import Actor
from portal.core import audit
from portal.core.db import rowcount, utcnow
from portal.core.models import OutboxMessage
from portal.extensions import Model, db
from portal.invitations.models import Invitation, InviteUpload
from portal.members.models import Company
from portal.privacy.models import SubjectRequest


def pseudonym(user_id: int) -> str:
    """A stable label for an erased user: the same person stays recognisable in the audit log."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:10]
    return f"verwijderde gebruiker {digest}"


def erase_user(user: User, *, by: User | None) -> str:
    """Remove a user and their personal data; audit rows stay with a pseudonymised actor.

    Returns the pseudonym. Agreement acceptances keep the typed signatory name: that record is
    kept under a legal obligation (art. 28(9) AVG).
    """
    label = pseudonym(user.id)
    audit.pseudonymise_actor(user.id, label)  # the only change the audit log accepts
    relabel_complaint_author(user, label)
    db.session.execute(
        update(SubjectRequest)
        .where(SubjectRequest.user_id == user.id)
        .values(subject_label=label, message="")
    )
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == user.email))
    for model in (UserSession, UserToken, RecoveryCode):
        db.session.execute(delete(model).where(model.user_id == user.id))
    company_id = user.company_id
    db.session.delete(user)
    db.session.flush()
    audit.record(
        "privacy.user_erased",
        actor=by,
        company=db.session.get(Company, company_id) if company_id else None,
        subject_type="user",
        subject_id=label,
    )
    return label


def relabel_complaint_author(user: User, label: str) -> None:
    """Replace the user's name in the complaint register: history, investigation log, letters,
    intake and handler. Erasure puts the pseudonym there, a name correction the new name.

    Rows linked by id are certain; `received_by` and the handler named in an assignment hold
    only the name, so those are matched on the name within the user's own company.
    """
    db.session.execute(
        update(ComplaintEvent).where(ComplaintEvent.actor_id == user.id).values(actor_label=label)
    )
    db.session.execute(
        update(ComplaintNote).where(ComplaintNote.actor_id == user.id).values(actor_label=label)
    )
    db.session.execute(
        update(ComplaintLetter)
        .where(ComplaintLetter.sent_by_id == user.id)
        .values(sent_by_label=label)
    )
    if user.company_id is None:
        return
    name = Actor.of(user).label
    own = select(Complaint.id).where(Complaint.company_id == user.company_id)
    db.session.execute(
        update(Complaint)
        .where(Complaint.company_id == user.company_id, Complaint.received_by == name)
        .values(received_by=label, version=Complaint.version + 1)  # open edit forms go stale
    )
    db.session.execute(  # who agreed an action: kept by name only, like `received_by`
        update(ComplaintAction)
        .where(
            ComplaintAction.company_id == user.company_id,
            ComplaintAction.created_by_label == name,
        )
        .values(created_by_label=label)
    )
    db.session.execute(
        update(ComplaintEvent)
        .where(
            ComplaintEvent.complaint_id.in_(own.scalar_subquery()),
            ComplaintEvent.kind == "assigned",
            ComplaintEvent.note == name,
        )
        .values(note=label)
    )


ACCEPTANCE_YEARS = 7


def company_erasure_preview(company: Company) -> dict:
    """Exactly what `erase_company` removes and what it keeps, for the confirmation pages."""
    from portal.reviews.models import ReviewSystem

    def count(model: type[Model], column: InstrumentedAttribute[Any]) -> int:
        return (
            db.session.scalar(select(func.count()).select_from(model).where(column == company.id))
            or 0
        )

    users = list(
        db.session.scalars(select(User).where(User.company_id == company.id).order_by(User.name))
    )
    return {
        "users": [(u.name, u.email) for u in users],
        "complaints": count(Complaint, Complaint.company_id),
        "uploads": count(InviteUpload, InviteUpload.company_id),
        "invitations": count(Invitation, Invitation.company_id),
        "review_systems": count(ReviewSystem, ReviewSystem.company_id),
        "acceptances_kept": count(AgreementAcceptance, AgreementAcceptance.company_id),
        "kept_until": acceptance_retention_end(),
    }


def acceptance_retention_end(today: date | None = None) -> date:
    """Until when an erased company's agreement acceptances are kept (7 years, as proof)."""
    today = today or utcnow().date()
    try:
        return today.replace(year=today.year + ACCEPTANCE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + ACCEPTANCE_YEARS, day=28)


def erase_company(company: Company, *, by: User | None) -> dict[str, int]:
    """Delete a company with its users, sessions, links, uploads, invitations and listing."""
    users = list(db.session.query(User).filter(User.company_id == company.id))
    for user in users:
        erase_user(user, by=by)
    upload_ids = db.session.query(InviteUpload.id).filter(InviteUpload.company_id == company.id)
    invitations = db.session.execute(
        delete(Invitation).where(Invitation.upload_id.in_(upload_ids.scalar_subquery()))
    )
    uploads = db.session.execute(delete(InviteUpload).where(InviteUpload.company_id == company.id))
    # Acceptances are proof (art. 28(9) AVG): kept without the company link for 7 years.
    db.session.execute(
        update(AgreementAcceptance)
        .where(AgreementAcceptance.company_id == company.id, AgreementAcceptance.company_name == "")
        .values(
            company_name=company.legal_name[:200],
            company_kvk=company.kvk_number or "",
            company_member_number=company.member_number,
        )
    )
    db.session.execute(
        update(AgreementAcceptance)
        .where(AgreementAcceptance.company_id == company.id)
        .values(company_id=None, retain_until=acceptance_retention_end())
    )
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.company_id == company.id))
    counts = {
        "users": len(users),
        "uploads": rowcount(uploads) or 0,
        "invitations": rowcount(invitations) or 0,
    }
    member_number = company.member_number
    db.session.delete(company)
    db.session.flush()
    audit.record(
        "privacy.company_erased",
        actor=by,
        subject_type="company",
        subject_id=member_number,
        changes={key: {"old": value, "new": 0} for key, value in counts.items()},
    )
    return counts
