"""Staff view of one member's review sync: the attempt log, "controle nodig" and "sync now".

Services flush but never commit; the route commits once. "Nu synchroniseren" takes the same
run lock as `flask reviews sync`, so a staff sync never overlaps a scheduled run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeGuard

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.compliance.services import ComplianceError
from portal.core import audit
from portal.extensions import db
from portal.members.models import Company
from portal.providers import errors as out
from portal.reviews.models import ReviewSystem, SyncAttempt
from portal.reviews.recording import needs_attention
from portal.reviews.runlock import MEMBER_SYNC_LOCK, run_lock
from portal.reviews.services import company_attempts, current_system
from portal.reviews.sync import SyncBusy, sync_one
from portal.reviews.sync_jobs import SYNCABLE_PROVIDERS, SYNCABLE_STATUSES

ATTEMPT_LIMIT = 20  # the staff page shows the newest attempts only

OUTCOME_LABELS: dict[str, Any] = {
    out.OK: _l("gelukt"),
    out.AUTH_ERROR: _l("gegevens geweigerd"),
    out.NOT_FOUND: _l("locatie onbekend"),
    out.RATE_LIMITED: _l("te veel verzoeken"),
    out.SERVER_ERROR: _l("storing bij de aanbieder"),
    out.TIMEOUT: _l("geen antwoord op tijd"),
    out.NETWORK_ERROR: _l("aanbieder niet bereikbaar"),
    out.MALFORMED: _l("onleesbaar antwoord"),
    out.INVALID_DATA: _l("ongeldige cijfers"),
    out.TOO_LARGE: _l("antwoord te groot"),
    out.BAD_CONTENT_TYPE: _l("verkeerd soort antwoord"),
    out.REDIRECT_BLOCKED: _l("doorverwijzing geweigerd"),
    out.HOST_NOT_ALLOWED: _l("adres niet toegestaan"),
}


def outcome_label(outcome: str) -> str:
    """Dutch, staff-facing name of a sync outcome."""
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else outcome


@dataclass(frozen=True)
class SyncPanel:
    """What the member page shows about the sync of the company's links."""

    system: ReviewSystem | None
    syncable: bool
    needs_attention: bool
    attempts: list[SyncAttempt] = field(default_factory=list)


def syncable(system: ReviewSystem | None) -> TypeGuard[ReviewSystem]:
    """True for a current, linked provider account with stored credentials."""
    return (
        system is not None
        and system.is_current
        and system.provider in SYNCABLE_PROVIDERS
        and system.status in SYNCABLE_STATUSES
        and bool(system.credentials_enc)
    )


def sync_panel(company: Company) -> SyncPanel:
    """The current link, whether staff may sync it now, "controle nodig" and the attempt log."""
    system = current_system(company)
    return SyncPanel(
        system=system,
        syncable=syncable(system),
        needs_attention=system is not None and system.is_current and needs_attention(system),
        attempts=company_attempts(company, limit=ATTEMPT_LIMIT),
    )


def sync_now(company: Company, *, by: User) -> SyncAttempt:
    """Sync the company's current link once, under the member-sync lock (audited; flushes only).

    The scheduled run has its own lock: a staff sync may run beside it, never beside another
    staff sync.

    :raises ComplianceError: no syncable link, or its credentials cannot be read.
    :raises SyncBusy: another staff member's sync holds the member-sync lock.
    """
    system = current_system(company)
    if not syncable(system):
        raise ComplianceError(_l("Dit lid heeft geen gekoppeld account dat kan synchroniseren."))
    system_id, system_public_id = system.id, system.public_id
    with run_lock(db.engine, MEMBER_SYNC_LOCK) as got:
        if not got:
            raise SyncBusy("another member sync is running")
        attempt = sync_one(system_id)
        if attempt is None:
            raise ComplianceError(_l("De gegevens van deze koppeling kunnen niet worden gelezen."))
        audit.record(
            "review_system.sync_requested",
            actor=by,
            company=company,
            subject_type="review_system",
            subject_id=system_public_id,
            changes={
                "outcome": {"old": None, "new": attempt.outcome},
                "http_status": {"old": None, "new": attempt.http_status},
            },
        )
        db.session.flush()
    return attempt
