"""Ending and replacing a company's review system without a gap in its public score.

Requesting Klantenvertellen via the association or reporting another system takes weeks before
the new system works. Meanwhile a working (ACTIVE or APPROVED) current system stays current, so
its link and public score remain, and the new one waits as `pending`. It becomes current when
staff provision or approve it (`promote`); the member may cancel it (`cancel_pending`).

Services flush but never commit; the calling route owns the transaction.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import User
from portal.core import audit, signals
from portal.core.db import utcnow
from portal.extensions import db
from portal.members.models import Company
from portal.reviews import credentials
from portal.reviews.linking import ReviewSystemError
from portal.reviews.models import ReviewSystem, SystemStatus

# A current system in one of these states keeps working while a replacement is prepared.
KEEP_DURING_SWITCH = (SystemStatus.ACTIVE, SystemStatus.APPROVED)


def current_system(company: Company) -> ReviewSystem | None:
    """The company's current review system (at most one), or None."""
    return db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.company_id == company.id, ReviewSystem.is_current.is_(True)
        )
    ).first()


def pending_system(company: Company) -> ReviewSystem | None:
    """The requested replacement waiting next to the current system, or None."""
    return db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.company_id == company.id, ReviewSystem.pending.is_(True)
        )
    ).first()


def start_replacement(company: Company, system: ReviewSystem, *, by: User | None) -> None:
    """Add a newly requested system: pending next to a working current one, else current.

    An earlier pending request is replaced (it ends). The caller sets the action it audits.
    """
    earlier = pending_system(company)
    if earlier is not None:
        _end(earlier, by=by, company=company, action="review_system.switch_cancelled")
    current = current_system(company)
    if current is not None and current.status in KEEP_DURING_SWITCH:
        system.is_current = False
        system.pending = True
    else:
        end_current_system(company, by=by)
        system.is_current = True
        system.pending = False
    db.session.add(system)
    db.session.flush()


def promote(system: ReviewSystem, *, by: User | None) -> None:
    """Make a pending system current: the old one ends now, not when the request was made."""
    if not system.pending:
        return
    company = system.company
    end_current_system(company, by=by)
    db.session.flush()  # the old row leaves the one-current-per-company index first
    system.pending = False
    system.is_current = True
    db.session.flush()
    audit_change("review_system.switched", system, by=by, company=company)


def cancel_pending(company: Company, *, by: User) -> ReviewSystem:
    """The member withdraws the requested replacement; the current system simply stays.

    :raises ReviewSystemError: nothing is pending (already active or cancelled).
    """
    system = pending_system(company)
    if system is None:
        raise ReviewSystemError(_l("Er is geen overstap meer om te annuleren."))
    _end(system, by=by, company=company, action="review_system.switch_cancelled")
    return system


def settle_rejected(system: ReviewSystem) -> None:
    """A rejected pending system never became current: it leaves the pending slot as history."""
    if system.pending:
        system.pending = False
        system.ended_at = utcnow()


def end_current_system(company: Company, *, by: User | None) -> ReviewSystem | None:
    """End the current system (switch or unlink): ENDED, not current, credentials wiped."""
    system = current_system(company)
    if system is None:
        return None
    _end(system, by=by, company=company, action="review_system.ended")
    refresh_directory(company)
    return system


def _end(system: ReviewSystem, *, by: User | None, company: Company, action: str) -> None:
    before = snapshot(system)
    system.status = SystemStatus.ENDED
    system.is_current = False
    system.pending = False
    system.ended_at = utcnow()
    credentials.clear_credentials(system)
    audit.record(
        action,
        actor=by,
        company=company,
        subject=system,
        changes=audit.diff(before, snapshot(system)),
    )


def snapshot(system: ReviewSystem) -> dict:
    """Audit view of a system: no secrets, only whether credentials exist."""
    return {
        "provider": system.provider.value if system.provider else None,
        "status": system.status.value if system.status else None,
        "is_current": system.is_current,
        "pending": bool(system.pending),
        "location_id": system.location_id or "",
        "credentials_enc": bool(system.credentials_enc),
        "other_name": system.other_name or "",
        "other_url": system.other_url or "",
        "evidence_name": system.evidence_name or "",
    }


def audit_change(action: str, system: ReviewSystem, *, by: User | None, company: Company) -> None:
    """Audit a change of the company's review system and update its public directory row."""
    refresh_directory(company)
    audit.record(
        action,
        actor=by,
        company=company,
        subject=system,
        changes=audit.diff({}, snapshot(system)),
    )


def refresh_directory(company: Company) -> None:
    """The ledenzoeker shows the current system's score: rebuild the company's row."""
    db.session.flush()
    signals.company_changed(company.id)
