"""Retention: invitation personal data goes 90 days (or less) after the upload; mail bodies after
`MAIL_RETENTION_DAYS` (see `portal.core.outbox.purge`); create-form idempotency keys after two
days (see `portal.core.concurrency.purge_keys`); every other stated period in
`portal.privacy.purges` (sessions, accounts, requests, ended memberships, logs, audit)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from portal.core import audit, concurrency, outbox
from portal.core.db import utcnow
from portal.extensions import db
from portal.invitations import settings
from portal.invitations.models import Invitation, InviteUpload, UploadStatus
from portal.privacy import purges

log = logging.getLogger(__name__)
PREVIEW_HOURS = 24  # an unconfirmed preview is kept for a day at most


@dataclass(frozen=True)
class PurgeResult:
    """Counts only: what the purge removed."""

    uploads: int
    invitations: int
    cutoff: datetime
    mail: dict[str, int]
    keys: int = 0
    periods: dict[str, int] = field(default_factory=dict)  # portal/privacy/purges.py


def purge_expired(now: datetime | None = None) -> PurgeResult:
    """Delete uploads (and their invitations) past the retention period; idempotent.

    Uploads older than the configured retention (never above 90 days) go, as do
    unconfirmed previews older than a day. Commits; logs and audits counts only.
    """
    now = now or utcnow()
    days = settings.retention_days(current_app.config)
    cutoff = now - timedelta(days=days)
    expired = select(InviteUpload.id).where(
        or_(
            InviteUpload.uploaded_at <= cutoff,
            InviteUpload.purge_after <= now,
            (InviteUpload.status == UploadStatus.PREVIEW)
            & (InviteUpload.uploaded_at <= now - timedelta(hours=PREVIEW_HOURS)),
        )
    )
    ids = list(db.session.scalars(expired))
    invitations = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        invitations += (
            db.session.scalar(select(func.count()).where(Invitation.upload_id.in_(chunk))) or 0
        )
        # Explicit child delete: no reliance on ON DELETE CASCADE being enabled.
        db.session.execute(delete(Invitation).where(Invitation.upload_id.in_(chunk)))
        db.session.execute(delete(InviteUpload).where(InviteUpload.id.in_(chunk)))
    if ids:
        audit.record(
            "privacy.purged",
            subject_type="invite_upload",
            subject_id="*",
            changes={
                "uploads": {"old": None, "new": len(ids)},
                "invitations": {"old": None, "new": invitations},
            },
        )
    mail = outbox.purge(now)
    keys = concurrency.purge_keys(now=now)
    periods = purges.run_all(now)
    if any(periods.values()):
        audit.record(
            "privacy.retention_purged",
            subject_type="retention",
            subject_id="*",
            changes={key: {"old": None, "new": value} for key, value in periods.items() if value},
        )
    db.session.commit()
    log.info(
        "privacy purge: uploads=%d invitations=%d retention_days=%d mail=%s idempotency_keys=%d "
        "periods=%s",
        len(ids),
        invitations,
        days,
        mail,
        keys,
        periods,
    )
    return PurgeResult(len(ids), invitations, cutoff, mail, keys, periods)
