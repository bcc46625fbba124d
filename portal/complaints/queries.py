"""Read-only selections for the register pages: the filtered list, negative reviews, related
complaints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select

from portal.auth.models import Role, User
from portal.complaints.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Severity,
    SyncedReview,
)
from portal.complaints.policy import policy_for
from portal.extensions import db
from portal.members.models import Company


def negative_reviews(company: Company, *, limit: int = 10) -> list[tuple[SyncedReview, str]]:
    """Recent reviews under the company's threshold, each with its linked complaint's public id."""
    threshold = policy_for(company).negative_review_below
    rows = db.session.execute(
        select(SyncedReview, Complaint.public_id)
        .outerjoin(Complaint, Complaint.source_review_id == SyncedReview.id)
        .where(
            SyncedReview.company_id == company.id,
            SyncedReview.rating * 10 < threshold * SyncedReview.scale_max,
        )
        .order_by(SyncedReview.reviewed_at.desc())
        .limit(limit)
    ).all()
    return [(review, public_id or "") for review, public_id in rows]


def is_negative(review: SyncedReview, company: Company) -> bool:
    """True when the review scores under the company's threshold (the rule of the list above)."""
    threshold = Decimal(str(policy_for(company).negative_review_below))
    return review.rating * 10 < threshold * review.scale_max


def complaint_list(
    company: Company,
    *,
    status: str = "",
    q: str = "",
    open_only: bool = False,
    handler_id: int | None = None,
    category: str = "",
    overdue_on: date | None = None,
    severity: str = "",
    customer_group: str = "",
) -> Select[tuple[Complaint]]:
    """The register's select, newest first, optionally filtered.

    `handler_id` (0: no handler yet), `category` (a name), `overdue_on` (open complaints whose
    handling deadline lies before that day), `severity` (a level).
    """
    stmt = select(Complaint).where(
        Complaint.company_id == company.id, Complaint.anonymised_at.is_(None)
    )
    if status in {s.value for s in ComplaintStatus}:
        stmt = stmt.where(Complaint.status == ComplaintStatus(status))
    elif open_only:
        stmt = stmt.where(Complaint.status != ComplaintStatus.CLOSED)
    if handler_id is not None:
        stmt = stmt.where(
            Complaint.handler_id.is_(None)
            if handler_id == 0
            else Complaint.handler_id == handler_id
        )
    if category:
        stmt = stmt.where(
            Complaint.category_id.in_(
                select(ComplaintCategory.id).where(
                    ComplaintCategory.company_id == company.id, ComplaintCategory.name == category
                )
            )
        )
    if overdue_on is not None:
        stmt = stmt.where(Complaint.status != ComplaintStatus.CLOSED, Complaint.due_on < overdue_on)
    if severity in {s.value for s in Severity}:
        stmt = stmt.where(Complaint.severity == Severity(severity))
    if customer_group:
        stmt = stmt.where(Complaint.customer_group == customer_group)
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            func.lower(Complaint.reference).like(like, escape="\\")
            | func.lower(Complaint.complainant_name).like(like, escape="\\")
            | func.lower(Complaint.subject).like(like, escape="\\")
            | func.lower(Complaint.work_order).like(like, escape="\\")
        )
    return stmt.order_by(Complaint.received_on.desc(), Complaint.id.desc())


def days_late(complaint: Complaint, today: date) -> int:
    """Calendar days past the handling deadline (0 when in time or closed)."""
    if not complaint.is_open or today <= complaint.due_on:
        return 0
    return (today - complaint.due_on).days


def colleagues(company_id: int) -> list[User]:
    """Active member users of the company (possible handlers)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.company_id == company_id, User.role == Role.MEMBER, User.active.is_(True))
            .order_by(User.name)
        )
    )


def related_complaints(complaint: Complaint) -> list[Complaint]:
    """Complaints linked to this one, in either direction (for the overview screen)."""
    rows = list(
        db.session.scalars(
            select(Complaint)
            .where(Complaint.related_to_id == complaint.id, Complaint.anonymised_at.is_(None))
            .order_by(Complaint.received_on)
        )
    )
    if complaint.related_to is not None and complaint.related_to.anonymised_at is None:
        rows.insert(0, complaint.related_to)
    return rows
