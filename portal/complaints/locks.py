"""Row locks that serialise a complaint step's check-then-write against parallel requests.

SELECT ... FOR UPDATE on PostgreSQL holds the row until the transaction ends; SQLite has one
writer at a time and ignores it. Take the lock before reading what the check depends on.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.members.models import Company


def lock_complaint(complaint: Complaint) -> None:
    """Hold the complaint's row (was it just escalated to this person, say)."""
    db.session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())


def lock_company(company_id: int) -> None:
    """Hold the company's row: serialises steps that check a total over all of the company's
    complaints (attachments: the count per complaint and the company's total bytes)."""
    db.session.execute(select(Company.id).where(Company.id == company_id).with_for_update())
