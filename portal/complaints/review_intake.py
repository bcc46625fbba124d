"""One click from a negative review to a complaint record, received on the review's own date.

Flushes, never commits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import User
from portal.complaints.models import Channel, Complaint, SyncedReview
from portal.complaints.queries import is_negative
from portal.complaints.services import create_complaint
from portal.complaints.workflow import ComplaintError
from portal.extensions import db
from portal.members.models import Company


def open_from_review(review: SyncedReview, *, by: User, today: date) -> tuple[Complaint, bool]:
    """One click: a complaint record linked to a negative review (or the one already linked).

    Returns (complaint, created).

    :raises ComplaintError: the review scores at or above the company's negative threshold.
    """
    company = db.session.get_one(Company, review.company_id)
    if not is_negative(review, company):
        raise ComplaintError(
            str(
                _l(
                    "Van deze beoordeling kunt u geen klacht maken: het cijfer ligt niet onder de grens voor negatieve beoordelingen."
                )
            )
        )
    existing = db.session.scalars(
        select(Complaint).where(Complaint.source_review_id == review.id)
    ).first()
    if existing is not None:
        return existing, False
    rating = f"{review.rating.normalize():f}/{review.scale_max.normalize():f}"
    values = {
        "complainant_name": str(_l("Onbekende klant (beoordeling)")),
        "complainant_city": review.author_city,
        "subject": str(_l("Negatieve beoordeling")),
        "description": str(
            _l(
                "Beoordeling van %(date)s met cijfer %(rating)s: %(headline)s",
                date=review.reviewed_at.date().isoformat(),
                rating=rating,
                headline=review.headline or "-",
            )
        ),
    }
    complaint = create_complaint(
        company,
        values,
        by=by,
        channel=Channel.REVIEW,
        received_on=review_local_date(review, today=today),
        source_review=review,
    )
    return complaint, True


def review_local_date(review: SyncedReview, *, today: date) -> date:
    """The review's Dutch calendar date: the day the customer complained (never after today)."""
    from portal.core.templating import AMSTERDAM

    when = review.reviewed_at
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return min(when.astimezone(AMSTERDAM).date(), today)
