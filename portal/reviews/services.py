"""Member flows for review systems: request, link, report another system, switch, unlink.

Services flush but never commit; the calling route owns the transaction. Secrets go only
through `portal.reviews.credentials` and never into audit changes, logs or return values.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TypeGuard

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from portal.auth.models import CompanyRole, Role, User
from portal.config import ReviewSettings
from portal.core import outbox
from portal.core.db import utcnow
from portal.core.settings import publication_min
from portal.core.templating import AMSTERDAM
from portal.extensions import db
from portal.members.models import Company
from portal.providers.errors import (
    RATE_LIMITED,
    TRANSIENT,
)
from portal.reviews import linking, switching
from portal.reviews.card import Card, build_card
from portal.reviews.charts import Chart, score_chart
from portal.reviews.linking import LinkResult, ReviewSystemError
from portal.reviews.models import Provider, ReviewSystem, SyncAttempt, SystemStatus
from portal.reviews.switching import audit_change as _audit
from portal.reviews.switching import (
    current_system,
    end_current_system,
    pending_system,
)

__all__ = ["current_system", "end_current_system", "pending_system"]

log = logging.getLogger(__name__)

LOCATION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CREDENTIAL_RE = re.compile(r"^[\x20-\x7e]{1,128}$")
LINKABLE = (Provider.KLANTENVERTELLEN, Provider.KIYOH, Provider.FEEDBACK_COMPANY)
# Unreachable providers: credentials may be kept as "nog niet gecontroleerd" for the sync.
UNREACHABLE = TRANSIENT | {RATE_LIMITED}
# States in which a company already has what it asked for (no second request).
LIVE_STATUSES = (SystemStatus.REQUESTED, SystemStatus.UNCHECKED, SystemStatus.ACTIVE)


# --- queries -------------------------------------------------------------------------------


def history(company: Company) -> list[ReviewSystem]:
    """Earlier (ended) review systems of the company, newest first."""
    return list(
        db.session.scalars(
            select(ReviewSystem)
            .where(ReviewSystem.company_id == company.id, ReviewSystem.is_current.is_(False))
            .order_by(ReviewSystem.ended_at.desc(), ReviewSystem.id.desc())
        )
    )


def recent_attempts(system: ReviewSystem, *, limit: int = 10) -> list[SyncAttempt]:
    """The last sync attempts of one system, newest first."""
    return _newest_attempts(SyncAttempt.review_system_id == system.id, limit)


def company_attempts(company: Company, *, limit: int = 20) -> list[SyncAttempt]:
    """The last sync attempts over all of a company's links (staff view), newest first."""
    return _newest_attempts(SyncAttempt.company_id == company.id, limit)


def _newest_attempts(where: ColumnElement[bool], limit: int) -> list[SyncAttempt]:
    return list(
        db.session.scalars(
            select(SyncAttempt)
            .where(where)
            .order_by(SyncAttempt.started_at.desc(), SyncAttempt.id.desc())
            .limit(limit)
        )
    )


def criterion_card(company: Company) -> Card:
    """The criterium-2 card for mijn profiel (traffic light, figures, last problem, chart)."""
    system = current_system(company)
    now = utcnow()
    chart = member_chart(system, now=now)
    return build_card(
        system,
        min_count=publication_min(),
        max_age_days=ReviewSettings.of().max_age_days,
        now=now,
        chart=chart,
        listed=company.is_listed,
    )


def member_chart(system: ReviewSystem | None, *, now: datetime | None = None) -> Chart | None:
    """The score trend of a working current system (members and staff see the same), or None."""
    if system is None or system.status not in (SystemStatus.ACTIVE, SystemStatus.APPROVED):
        return None
    return score_chart(system, today=(now or utcnow()).astimezone(AMSTERDAM).date())


def excluded_from_kv_delivery(company: Company) -> bool:
    """True when the company chose another system than Klantenvertellen (DOMAIN.md §b rule 5)."""
    system = current_system(company)
    return system is not None and system.provider is not Provider.KLANTENVERTELLEN


def requested_systems_query():
    """Staff queue: included Klantenvertellen requests waiting for provisioning, oldest first."""
    return (
        select(ReviewSystem)
        .where(
            ReviewSystem.status == SystemStatus.REQUESTED,
            ReviewSystem.is_current.is_(True) | ReviewSystem.pending.is_(True),
        )
        .order_by(ReviewSystem.requested_at.asc(), ReviewSystem.id.asc())
    )


# --- member flows --------------------------------------------------------------------------


def activate_included(company: Company, *, by: User) -> ReviewSystem:
    """Request the Klantenvertellen account included in the membership (status REQUESTED).

    A working current system stays current (and public) until staff provision the new one;
    any other current system ends now. History is kept.

    :raises ReviewSystemError: the included Klantenvertellen is already requested or active.
    """
    if is_included_live(current_system(company)) or is_included_live(pending_system(company)):
        raise ReviewSystemError(
            _l("Klantenvertellen via de vereniging is al aangevraagd of actief.")
        )
    system = ReviewSystem(
        company_id=company.id,
        provider=Provider.KLANTENVERTELLEN,
        status=SystemStatus.REQUESTED,
        included=True,
        requested_at=utcnow(),
    )
    switching.start_replacement(company, system, by=by)
    _audit("review_system.requested", system, by=by, company=company)
    return system


def is_included_live(system: ReviewSystem | None) -> bool:
    """True when the system is the included Klantenvertellen, requested or running."""
    return system is not None and system.included and system.status in LIVE_STATUSES


def link_provider(
    company: Company,
    *,
    provider: Provider,
    location_id: str = "",
    token: str = "",
    feed_hash: str = "",
    client_id: str = "",
    client_secret: str = "",
    by: User,
) -> LinkResult:
    """Link an existing provider account after one live check (PROVIDERS.md §4).

    Verified: saved ACTIVE with a first snapshot. Provider unreachable: saved UNCHECKED for the
    sync to retry. Any other failure saves nothing.

    :raises ReviewSystemError: invalid input, or the provider refused the credentials.
    """
    provider = Provider(provider)
    if provider not in LINKABLE:
        raise ReviewSystemError(
            _l("Kies Klantenvertellen, Kiyoh of Feedback Company."), field="provider"
        )
    payload, location_id = linking.credential_payload(
        provider, location_id, token, client_id, client_secret, feed_hash=feed_hash
    )
    stats, failure = linking.live_check(provider, location_id, payload)
    current = current_system(company)
    if _same_link(current, provider, location_id):
        system = current
    else:
        if pending_system(company) is not None:  # a linked account replaces any request
            switching.cancel_pending(company, by=by)
        end_current_system(company, by=by)
        system = ReviewSystem(
            company_id=company.id, provider=provider, status=SystemStatus.UNCHECKED
        )
        db.session.add(system)
    system.location_id = location_id
    system.included = False
    system.decision_reason = ""
    db.session.flush()
    linking.store_secrets(system, payload)
    result = linking.apply_check(system, stats, failure)
    _audit("review_system.linked", system, by=by, company=company)
    return result


def complete_provisioning(
    system: ReviewSystem, *, location_id: str, token: str, by: User | None, check: bool = True
) -> LinkResult:
    """Staff (or the demo) finish an included Klantenvertellen request: ACTIVE when verified.

    With `check=False`, or when the provider is unreachable, it is saved UNCHECKED and the sync
    verifies it later. The company's beheerders get an e-mail.

    :raises ReviewSystemError: not a pending request, invalid input, or credentials refused.
    """
    if not (system.is_current or system.pending) or system.status not in (
        SystemStatus.REQUESTED,
        SystemStatus.UNCHECKED,
    ):
        raise ReviewSystemError(_l("Deze aanvraag is al afgehandeld."))
    payload, location_id = linking.credential_payload(system.provider, location_id, token, "", "")
    stats, failure = (
        linking.live_check(system.provider, location_id, payload) if check else (None, None)
    )
    system.location_id = location_id
    linking.store_secrets(system, payload)
    if check:
        result = linking.apply_check(system, stats, failure)
    else:
        system.status = SystemStatus.UNCHECKED
        result = LinkResult(
            system,
            False,
            _("Opgeslagen zonder controle; de synchronisatie controleert de gegevens."),
        )
    system.activated_at = system.activated_at or utcnow()
    switching.promote(system, by=by)
    _audit("review_system.provisioned", system, by=by, company=system.company)
    _mail_provisioned(system)
    return result


def submit_other_system(
    company: Company,
    *,
    name: str,
    url: str,
    description: str,
    evidence: tuple[str, str, bytes] | None = None,
    by: User,
) -> ReviewSystem:
    """Report another review system for assessment by staff (status IN_REVIEW).

    Like a Klantenvertellen request, it waits next to a working current system until approved.

    `evidence` is (file name, sniffed MIME type, bytes), already validated by the form.
    """
    system = ReviewSystem(
        company_id=company.id,
        provider=Provider.OTHER,
        status=SystemStatus.IN_REVIEW,
        other_name=name[:120],
        other_url=url[:300],
        other_description=description,
        requested_at=utcnow(),
    )
    if evidence is not None:
        system.evidence_name, system.evidence_mime, system.evidence_data = evidence
    switching.start_replacement(company, system, by=by)
    _audit("review_system.other_submitted", system, by=by, company=company)
    return system


# --- helpers -------------------------------------------------------------------------------


def _same_link(
    current: ReviewSystem | None, provider: Provider, location_id: str
) -> TypeGuard[ReviewSystem]:
    """Re-entering credentials for the current link updates it instead of starting a new one."""
    return (
        current is not None
        and current.provider is provider
        and current.location_id == location_id
        and not current.included
        and current.status in (SystemStatus.ACTIVE, SystemStatus.UNCHECKED)
    )


def _mail_provisioned(system: ReviewSystem) -> None:
    """Tell the company's beheerders (or the company address) that Klantenvertellen is ready."""
    company = system.company
    users = db.session.scalars(
        select(User).where(
            User.company_id == company.id,
            User.role == Role.MEMBER,
            User.company_role == CompanyRole.BEHEERDER,
            User.active.is_(True),
        )
    ).all()
    recipients = [(u.email, u.name) for u in users] or (
        [(company.email, "")] if company.email else []
    )
    for address, name in recipients:
        outbox.enqueue(
            "reviews.provisioned",
            to=address,
            subject=_("Uw Klantenvertellen-account is klaar"),
            template="mail/reviews_provisioned.txt",
            company=company,
            name=name,
            system=system,
            link=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/mijn-profiel/beoordelingen/",
            min_count=publication_min(),
        )
