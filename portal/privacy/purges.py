"""Every retention period the privacy statement and the processing register state, enforced.

Each purge takes `now`, deletes only what is past its period, flushes (the caller commits) and
returns a count, so a rerun the same day changes nothing. `RETENTION` is the single list of
periods; the statement and the register print from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Result, delete, or_, select, update

from portal.agreements.models import AgreementAcceptance
from portal.auth.models import User, UserSession, UserToken
from portal.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintLetter,
    ComplaintSignal,
    SyncedReview,
)
from portal.config import PrivacySettings
from portal.core import audit
from portal.core.db import rowcount, utcnow
from portal.extensions import db
from portal.invitations.models import Invitation, InviteUpload
from portal.members.models import Company
from portal.privacy.models import RequestStatus, SubjectRequest
from portal.reviews.models import SyncAttempt


@dataclass(frozen=True)
class Period:
    """One stated retention period."""

    key: str
    what: str
    days: int


SESSION_DAYS = 7  # after a session expired or was revoked
TOKEN_DAYS = 7  # after a reset or activation link expired or was used
DEACTIVATED_DAYS = 365
REQUEST_DAYS = 3 * 365 + 1  # three years after a request was handled
MEMBERSHIP_END_COMPANY_DAYS = 2 * 365 + 1  # company and its accounts: two years
SYNC_LOG_DAYS = 90
# Log files outside the database (journal namespace "ledenportaal", nginx's logs of the site):
# deleted by journald and logrotate, configured in deploy/ to this period
# (tests/ops/test_log_retention.py compares them).
LOG_DAYS = 14
AUDIT_YEARS = 7  # the database trigger refuses younger deletes (portal/core/audit_guard.py)


def retention_periods(config: Mapping[str, Any] | None = None) -> list[Period]:
    """The periods as configured, for the statement, the register and the README."""
    config = current_app.config if config is None else config
    end_days = PrivacySettings.read(config).membership_end_data_days
    return [
        Period("sessions", "Sessies, na afloop of afmelden", SESSION_DAYS),
        Period("tokens", "Herstel- en activeringslinks, na afloop of gebruik", TOKEN_DAYS),
        Period("deactivated", "Gedeactiveerde accounts, na deactivering", DEACTIVATED_DAYS),
        Period("requests", "Afgehandelde privacyverzoeken", REQUEST_DAYS),
        Period("membership_data", "Klantgegevens van een lidbedrijf na einde lidmaatschap", end_days),
        Period("membership_company", "Bedrijf en accounts na einde lidmaatschap",
               MEMBERSHIP_END_COMPANY_DAYS),
        Period("sync_log", "Logboek van koppelingen met beoordelingsplatforms", SYNC_LOG_DAYS),
        Period("audit", "Auditlog (7 jaar)", AUDIT_YEARS * 365 + 2),
    ]  # fmt: skip


def purge_sessions(now: datetime) -> int:
    """Sessions whose expiry or revocation is more than SESSION_DAYS ago."""
    cutoff = now - timedelta(days=SESSION_DAYS)
    return _count(
        db.session.execute(
            delete(UserSession).where(
                or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff)
            )
        )
    )


def purge_tokens(now: datetime) -> int:
    """Reset and activation tokens expired or used more than TOKEN_DAYS ago."""
    cutoff = now - timedelta(days=TOKEN_DAYS)
    return _count(
        db.session.execute(
            delete(UserToken).where(or_(UserToken.expires_at < cutoff, UserToken.used_at < cutoff))
        )
    )


def purge_deactivated_accounts(now: datetime) -> int:
    """Erase accounts deactivated more than DEACTIVATED_DAYS ago (audit keeps a pseudonym)."""
    from portal.privacy.erasure import erase_user

    cutoff = now - timedelta(days=DEACTIVATED_DAYS)
    users = list(
        db.session.scalars(select(User).where(User.active.is_(False), User.deactivated_at < cutoff))
    )
    for user in users:
        erase_user(user, by=None)
    return len(users)


def purge_requests(now: datetime) -> int:
    """Handled privacy requests older than REQUEST_DAYS after handling."""
    cutoff = now - timedelta(days=REQUEST_DAYS)
    return _count(
        db.session.execute(
            delete(SubjectRequest).where(
                SubjectRequest.status != RequestStatus.OPEN, SubjectRequest.handled_at < cutoff
            )
        )
    )


def ended_before(now: datetime, days: int) -> date:
    """Memberships that ended before this date are past a period of `days`."""
    return now.date() - timedelta(days=days)


def purge_ended_memberships(now: datetime) -> dict[str, int]:
    """Customer data goes `MEMBERSHIP_END_DATA_DAYS` after the end; the company two years after."""
    from portal.privacy.erasure import erase_company

    days = PrivacySettings.of().membership_end_data_days
    ended = select(Company.id).where(Company.membership_ended_on < ended_before(now, days))
    ids = list(db.session.scalars(ended))
    counts = delete_customer_data(ids)
    old = db.session.scalars(
        select(Company).where(
            Company.membership_ended_on < ended_before(now, MEMBERSHIP_END_COMPANY_DAYS)
        )
    ).all()
    for company in old:
        erase_company(company, by=None)
    counts["companies"] = len(old)
    return counts


def delete_customer_data(company_ids: list[int]) -> dict[str, int]:
    """Delete the invitations and the complaint register (with history, letters, reviews)."""
    counts = {"invitations": 0, "complaints": 0, "reviews": 0}
    if not company_ids:
        return counts
    counts["invitations"] = _count(
        db.session.execute(delete(Invitation).where(Invitation.company_id.in_(company_ids)))
    )
    db.session.execute(delete(InviteUpload).where(InviteUpload.company_id.in_(company_ids)))
    complaints = select(Complaint.id).where(Complaint.company_id.in_(company_ids))
    ids = list(db.session.scalars(complaints))
    for model in (ComplaintLetter, ComplaintEvent, ComplaintSignal):
        db.session.execute(delete(model).where(model.complaint_id.in_(ids)))
    db.session.execute(
        update(Complaint)
        .where(Complaint.company_id.in_(company_ids))
        .values(related_to_id=None, source_review_id=None, version=Complaint.version + 1)
        .execution_options(synchronize_session=False)
    )
    counts["complaints"] = _count(
        db.session.execute(
            delete(Complaint)
            .where(Complaint.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    )
    counts["reviews"] = _count(
        db.session.execute(delete(SyncedReview).where(SyncedReview.company_id.in_(company_ids)))
    )
    return counts


def purge_sync_log(now: datetime) -> int:
    """Provider sync attempts older than SYNC_LOG_DAYS."""
    cutoff = now - timedelta(days=SYNC_LOG_DAYS)
    return _count(db.session.execute(delete(SyncAttempt).where(SyncAttempt.started_at < cutoff)))


def audit_cutoff(now: datetime) -> datetime:
    """Start of the day 7 years ago: older audit rows go (the trigger allows exactly those)."""
    day = now.date()
    try:
        start = day.replace(year=day.year - AUDIT_YEARS)
    except ValueError:  # 29 February
        start = day.replace(year=day.year - AUDIT_YEARS, day=28)
    return datetime(start.year, start.month, start.day, tzinfo=now.tzinfo)


def purge_audit(now: datetime) -> int:
    """Audit rows older than 7 years (the append-only trigger refuses anything younger).

    The real clock bounds the cutoff too: a `now` in the future (a test, a skewed clock) never
    asks for a delete the trigger would refuse.
    """
    cutoff = min(audit_cutoff(now), audit_cutoff(utcnow()))
    return audit.purge_before(cutoff)


def purge_acceptances(now: datetime) -> int:
    """Acceptances of erased companies whose 7 years of proof are over."""
    return _count(
        db.session.execute(
            delete(AgreementAcceptance).where(
                AgreementAcceptance.company_id.is_(None),
                AgreementAcceptance.retain_until < now.date(),
            )
        )
    )


def run_all(now: datetime) -> dict[str, int]:
    """Every purge above, in an order where erasures come before the log deletes."""
    counts = {
        "sessions": purge_sessions(now),
        "tokens": purge_tokens(now),
        "deactivated_accounts": purge_deactivated_accounts(now),
        "privacy_requests": purge_requests(now),
    }
    ended = purge_ended_memberships(now)
    counts.update({f"ended_{key}": value for key, value in ended.items()})
    counts["sync_log"] = purge_sync_log(now)
    counts["acceptances"] = purge_acceptances(now)
    counts["audit"] = purge_audit(now)
    db.session.flush()
    return counts


def _count(result: Result[Any]) -> int:
    return max(rowcount(result) or 0, 0)
