"""One signal per complaint, kind and deadline: the unique row that makes the daily jobs
(`flask complaints remind`) safe to run on several hosts at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.complaints.models import Complaint, ComplaintSignal, SignalKind
from portal.extensions import db


def recorded(complaint_id: int, kind: SignalKind, deadline: date) -> bool:
    """Has this signal been given for this deadline?"""
    found = db.session.scalar(
        select(ComplaintSignal.id).where(
            ComplaintSignal.complaint_id == complaint_id,
            ComplaintSignal.kind == kind,
            ComplaintSignal.deadline == deadline,
        )
    )
    return found is not None


def record_once(
    complaint: Complaint,
    kind: SignalKind,
    deadline: date,
    recipients: int,
    then: Callable[[], None],
) -> bool:
    """Insert the signal row, then run `then` (history, mails), in one savepoint.

    The unique row goes first, so a concurrent run stops at it: False when that run recorded
    the signal first (nothing of `then` is kept), True when this run did.
    """
    try:
        with db.session.begin_nested():
            db.session.add(
                ComplaintSignal(
                    company_id=complaint.company_id,
                    complaint_id=complaint.id,
                    kind=kind,
                    deadline=deadline,
                    recipients=recipients,
                )
            )
            db.session.flush()
            then()
            db.session.flush()
    except IntegrityError:
        return False
    return True
