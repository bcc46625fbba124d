"""The invitation outbox worker behind `flask invitations send`.

Claims rows `pending → sending` (FOR UPDATE SKIP LOCKED on PostgreSQL, a compare-and-set
update everywhere), calls the provider's invite API outside any transaction and commits each
result on its own, so a killed run loses at most its in-flight rows. Those stay `sending`
and become `unknown` after a while: they may have been mailed and are never re-sent
automatically. Rows of a company that has not accepted the current processor agreement are
neither claimed nor sent: they stay `pending` until it does. Logs carry counts, never addresses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import false, func, not_, select, update

from portal.agreements import services as agreements
from portal.agreements.models import AgreementAcceptance
from portal.core.crypto import SecretError
from portal.core.db import is_postgres, rowcount, utcnow
from portal.extensions import db
from portal.invitations import settings
from portal.invitations.models import (
    Invitation,
    InviteStatus,
    InviteUpload,
    Suppression,
    UploadStatus,
)
from portal.invitations.services import invite_channel, recently_invited
from portal.members.models import Company
from portal.providers.errors import SERVER_ERROR, TIMEOUT, ProviderError
from portal.providers.invites import Invite
from portal.reviews import credentials
from portal.reviews.clients import send_invite
from portal.reviews.models import Provider

log = logging.getLogger(__name__)
# The request may have reached the provider: do not send again without a human decision.
MAYBE_SENT = frozenset({TIMEOUT, SERVER_ERROR})


@dataclass
class SendCounts:
    """What one run did (no personal data)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: InviteStatus) -> None:
        if status is InviteStatus.PENDING:  # held back: counted once per run by `held_back`
            return
        self.counts[status.value] = self.counts.get(status.value, 0) + 1

    def __str__(self) -> str:
        keys = ("sent", "failed", "unknown", "skipped")
        text = " ".join(f"{k}={self.counts.get(k, 0)}" for k in keys)
        return f"{text} held={self.counts['held']}" if self.counts.get("held") else text


def _agreement_accepted():
    """SQL condition: the row's company accepted the current published agreement version."""
    version = agreements.current_version()
    if version is None:
        return false()
    accepted = select(AgreementAcceptance.company_id).where(
        AgreementAcceptance.version_id == version.id
    )
    return Invitation.company_id.in_(accepted)


def held_back() -> tuple[int, int]:
    """(rows, companies) waiting because the current processor agreement is not accepted."""
    rows, companies = db.session.execute(
        select(func.count(), func.count(func.distinct(Invitation.company_id))).where(
            Invitation.status == InviteStatus.PENDING, not_(_agreement_accepted())
        )
    ).one()
    return rows, companies


def recover_stale(now: datetime | None = None) -> int:
    """Rows stuck in `sending` (a killed worker) become `unknown`; returns how many."""
    cutoff = (now or utcnow()) - timedelta(minutes=settings.STALE_SENDING_MINUTES)
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.status == InviteStatus.SENDING, Invitation.claimed_at < cutoff)
        .values(
            status=InviteStatus.UNKNOWN,
            outcome="interrupted",
            error_message=_("Onderbroken tijdens verzenden; mogelijk al verstuurd."),
        )
    )
    db.session.commit()
    return rowcount(result) or 0


def claim_batch(limit: int) -> list[int]:
    """Claim up to `limit` pending rows of companies with an accepted agreement; commit the claim."""
    query = (
        select(Invitation.id)
        .where(Invitation.status == InviteStatus.PENDING, _agreement_accepted())
        .order_by(Invitation.id)
        .limit(limit)
    )
    if is_postgres(db.session):
        query = query.with_for_update(skip_locked=True)
    candidates = list(db.session.scalars(query))
    claimed = []
    now = utcnow()
    for invitation_id in candidates:
        result = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.status == InviteStatus.PENDING)
            .values(status=InviteStatus.SENDING, claimed_at=now, attempts=Invitation.attempts + 1)
        )
        if rowcount(result) == 1:
            claimed.append(invitation_id)
    db.session.commit()
    return claimed


def _blocked(invitation: Invitation) -> bool:
    """Suppressed since the upload, or invited by another row in the repeat period."""
    config = current_app.config
    if db.session.scalars(
        select(Suppression.id).where(Suppression.email_hash == invitation.email_hash)
    ).first():
        return True
    recent = recently_invited(
        invitation.company_id, {invitation.email_hash}, config, before_id=invitation.id
    )
    return bool(recent)


def _call(invitation: Invitation, upload: InviteUpload) -> None:
    """Send one invitation through the company's current provider.

    :raises ProviderError: the provider refused or could not be reached.
    """
    company = db.session.get_one(Company, invitation.company_id)
    system = invite_channel(company)
    if system is None:
        raise ProviderError(
            "auth_error", _("Er is geen actief gekoppeld beoordelingssysteem meer.")
        )
    try:
        creds = credentials.read_credentials(system) or {}
    except SecretError:
        creds = {}
    invite = Invite(
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        reference=invitation.reference or f"rij-{invitation.line_number}",
        language="nl",
        delay_days=upload.delay_days,
    )
    if system.provider is Provider.FEEDBACK_COMPANY:
        send_invite(
            system.provider,
            invite,
            location_id=system.location_id,
            client_id=creds.get("client_id") or system.location_id,
            client_secret=creds.get("client_secret"),
        )
    else:
        send_invite(
            system.provider, invite, location_id=system.location_id, token=creds.get("token")
        )


def _release(invitation: Invitation) -> None:
    """Undo a claim: the row goes back to `pending` as if it had never been picked up."""
    invitation.status = InviteStatus.PENDING
    invitation.claimed_at = None
    invitation.attempts = max(0, invitation.attempts - 1)


def send_one(invitation_id: int) -> InviteStatus:
    """Send one claimed invitation and commit its outcome.

    Returns `pending` when the company no longer has the current agreement accepted (a new
    version was published after the claim): the row is released, not failed.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.status is not InviteStatus.SENDING:
        return InviteStatus.SKIPPED
    upload = invitation.upload
    company = db.session.get(Company, invitation.company_id)
    if company is None or not agreements.has_accepted_current(company):
        _release(invitation)
    elif _blocked(invitation):
        invitation.status = InviteStatus.SKIPPED
        invitation.error_message = _(
            "Niet verstuurd: dit adres is onlangs al uitgenodigd of heeft bezwaar gemaakt."
        )
    else:
        db.session.commit()  # end the read transaction before the slow call
        try:
            _call(invitation, upload)
        except ProviderError as exc:
            maybe = may_have_arrived(exc)
            invitation.status = InviteStatus.UNKNOWN if maybe else InviteStatus.FAILED
            invitation.outcome = exc.outcome
            invitation.error_message = _failure_text(exc, maybe)
        else:
            invitation.status = InviteStatus.SENT
            invitation.outcome = "ok"
            invitation.error_message = ""
            invitation.sent_at = utcnow()
    status = invitation.status
    db.session.commit()
    return status


def may_have_arrived(exc: ProviderError) -> bool:
    """True when the provider may have taken the invitation: a timeout or 5xx, or a 2xx whose
    body we could not read (malformed, too large, not JSON). Only a 2xx that names an error code
    is a definite refusal; such rows are never retried automatically, so nobody is mailed twice.
    """
    if exc.outcome in MAYBE_SENT:
        return True
    status = exc.http_status or 0
    return 200 <= status < 300 and not exc.error_code


def _failure_text(exc: ProviderError, maybe: bool) -> str:
    if maybe:
        text = _(
            "Geen bevestiging van het platform; mogelijk toch verstuurd. Controleer dit in uw dashboard."
        )
    else:
        text = exc.message_nl
    return text[:300]


def finish_uploads() -> int:
    """Mark uploads without pending or sending rows as done; returns how many."""
    busy = select(Invitation.upload_id).where(
        Invitation.status.in_((InviteStatus.PENDING, InviteStatus.SENDING))
    )
    result = db.session.execute(
        update(InviteUpload)
        .where(InviteUpload.status == UploadStatus.SENDING, InviteUpload.id.not_in(busy))
        .values(status=UploadStatus.DONE)
    )
    db.session.commit()
    return rowcount(result) or 0


def run(*, batch: int = 50, max_batches: int | None = None) -> SendCounts:
    """Send pending invitations until none are left (or `max_batches` is reached)."""
    summary = SendCounts()
    stale = recover_stale()
    if stale:
        summary.counts["unknown"] = stale
    done = 0
    while max_batches is None or done < max_batches:
        claimed = claim_batch(batch)
        if not claimed:
            break
        for invitation_id in claimed:
            summary.add(send_one(invitation_id))
        finish_uploads()
        done += 1
    finish_uploads()
    rows, companies = held_back()
    if rows:
        summary.counts["held"] = rows
        log.warning(
            "invitations send: %d pending invitations of %d companies held back until the current processor agreement is accepted",
            rows,
            companies,
        )
    log.info("invitations send: %s", summary)
    return summary
