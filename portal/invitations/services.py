"""Customer-list uploads: gate, parse, preview, confirm, retry, delete. Flush, never commit.

What the pages read (progress, uploads, problem rows) is in `queries.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, and_, delete, or_, select

from portal.agreements import services as agreements
from portal.auth.models import User
from portal.core import audit
from portal.core.db import rowcount, utcnow
from portal.core.uploads import UploadError, parse_upload
from portal.extensions import db
from portal.invitations import settings
from portal.invitations.columns import Candidate, ColumnError, check_rows, map_columns
from portal.invitations.models import (
    Invitation,
    InviteStatus,
    InviteUpload,
    Suppression,
    UploadStatus,
)
from portal.invitations.queries import progress
from portal.members.models import Company
from portal.reviews import credentials as review_credentials
from portal.reviews import services as reviews
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

log = logging.getLogger(__name__)
INVITE_PROVIDERS = (Provider.KLANTENVERTELLEN, Provider.KIYOH, Provider.FEEDBACK_COMPANY)
LINK_DOMAINS = {
    Provider.KLANTENVERTELLEN: "www.klantenvertellen.nl",
    Provider.KIYOH: "www.kiyoh.com",
}
SENT_LIKE = (InviteStatus.SENT, InviteStatus.SENDING, InviteStatus.UNKNOWN)
MAX_DELAY_DAYS = 30


class InvitationError(Exception):
    """A refused invitation action with a Dutch message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def invite_channel(company: Company) -> ReviewSystem | None:
    """The current review system when it can receive invitations through its API."""
    system = reviews.current_system(company)
    if (
        system is None
        or system.provider not in INVITE_PROVIDERS
        or system.status not in (SystemStatus.ACTIVE, SystemStatus.UNCHECKED)
        or not system.credentials_enc
        or feed_only(system)
    ):
        return None
    return system


def feed_only(system: ReviewSystem | None) -> bool:
    """A KV/Kiyoh link made with the older feed hash: figures only, no invite API (no token)."""
    if system is None or system.provider not in (Provider.KLANTENVERTELLEN, Provider.KIYOH):
        return False
    return review_credentials.credential_kind(system) == review_credentials.FEED_HASH


def easy_invite_url(company: Company) -> str | None:
    """The provider's easy invite link: stored `createReviewUrl`, else built from the location id."""
    system = reviews.current_system(company)
    if system is None or system.status not in (SystemStatus.ACTIVE, SystemStatus.UNCHECKED):
        return None
    if system.write_review_url:
        return system.write_review_url
    domain = LINK_DOMAINS.get(system.provider)
    if domain and system.location_id:
        return f"https://{domain}/invite-link/{system.location_id}/{company.slug}?lang=nl"
    return system.profile_url or None


def upload_blockers(company: Company) -> list[str]:
    """Why this company cannot upload a customer list now (empty when it can)."""
    reasons = []
    if not agreements.has_accepted_current(company):
        reasons.append(
            _("Uw bedrijf heeft de geldende verwerkersovereenkomst nog niet geaccepteerd.")
        )
    if invite_channel(company) is None and feed_only(reviews.current_system(company)):
        reasons.append(
            _(
                "Uw koppeling gebruikt een feed-hash (oudere koppeling). Daarmee tonen wij uw "
                "score, maar kan het portaal geen uitnodigingen versturen: daarvoor is een "
                "API-token nodig. Gebruik de vaste uitnodigingslink bovenaan deze pagina, of koppel "
                "opnieuw met een API-token via Mijn profiel › Beoordelingen."
            )
        )
    elif invite_channel(company) is None:
        reasons.append(
            _(
                "Uw bedrijf heeft geen actief gekoppeld Klantenvertellen-, Kiyoh- of Feedback Company-account."
            )
        )
    return reasons


def create_upload(
    company: Company, *, by: User, data: bytes, filename: str, delay_days: int
) -> InviteUpload:
    """Parse a customer list and store its valid rows for preview (the file is not kept).

    :raises InvitationError: uploads are blocked, or the file or its columns are refused.
    """
    blockers = upload_blockers(company)
    if blockers:
        raise InvitationError(blockers[0])
    config = current_app.config
    try:
        table = parse_upload(data, filename)
        columns = map_columns(table.header)
    except UploadError as exc:
        log.warning("invitation upload refused: %s", exc.code)
        audit.record(
            "invitations.upload_refused",
            actor=by,
            company=company,
            changes={"code": {"old": None, "new": exc.code}},
        )
        raise InvitationError(exc.message) from None
    except ColumnError as exc:
        raise InvitationError(str(exc)) from None
    checked = check_rows(table, columns, cap=settings.max_rows(config))
    channel = invite_channel(company)
    version = agreements.current_version()
    if channel is None or version is None:  # upload_blockers() above already refused both
        raise RuntimeError("invitation upload without a channel or a current agreement")
    now = utcnow()
    upload = InviteUpload(
        company_id=company.id,
        uploaded_by_id=by.id,
        uploaded_at=now,
        purge_after=now + timedelta(days=settings.retention_days(config)),
        provider=channel.provider,
        file_kind=table.kind,
        delay_days=max(0, min(delay_days, MAX_DELAY_DAYS)),
        rows_total=len(table.rows),
        agreement_version_id=version.id,
        customers_informed=True,
    )
    db.session.add(upload)
    db.session.flush()
    problems = list(checked.problems)
    for candidate, problem in _screen(company, checked.candidates, config):
        if problem:
            problems.append({"line": candidate.line, "message": problem})
        else:
            db.session.add(_invitation(upload, candidate, config))
    upload.row_problems = sorted(problems, key=lambda p: p["line"])
    db.session.flush()
    audit.record(
        "invitations.uploaded",
        actor=by,
        company=company,
        subject=upload,
        changes={
            "rows": {"old": None, "new": upload.rows_total},
            "problems": {"old": None, "new": len(problems)},
        },
    )
    return upload


def _invitation(upload: InviteUpload, c: Candidate, config: Mapping[str, Any]) -> Invitation:
    return Invitation(
        upload_id=upload.id,
        company_id=upload.company_id,
        line_number=c.line,
        email=c.email,
        email_hash=settings.email_hash(c.email, config),
        first_name=c.first_name,
        last_name=c.last_name,
        reference=c.reference,
        status=InviteStatus.PREVIEW,
    )


def _screen(
    company: Company, candidates: list[Candidate], config: Mapping[str, Any]
) -> Iterator[tuple[Candidate, str | None]]:
    """Pair each candidate with a problem: objection on file, or invited within the period."""
    hashes = {c.email: settings.email_hash(c.email, config) for c in candidates}
    suppressed = blocked_hashes(set(hashes.values()))
    recent = recently_invited(company.id, set(hashes.values()), config)
    days = settings.dedupe_days(config)
    for c in candidates:
        h = hashes[c.email]
        if h in suppressed:
            yield (
                c,
                _(
                    "Rij %(line)s: deze klant heeft bezwaar gemaakt tegen uitnodigingen.",
                    line=c.line,
                ),
            )
        elif h in recent:
            yield (
                c,
                _(
                    "Rij %(line)s: dit adres is in de afgelopen %(days)s dagen al uitgenodigd.",
                    line=c.line,
                    days=days,
                ),
            )
        else:
            yield c, None


def blocked_hashes(hashes: set[str]) -> set[str]:
    """The hashes on the suppression list (objections)."""
    if not hashes:
        return set()
    found: set[str] = set()
    chunk = list(hashes)
    for start in range(0, len(chunk), 500):
        found |= set(
            db.session.scalars(
                select(Suppression.email_hash).where(
                    Suppression.email_hash.in_(chunk[start : start + 500])
                )
            )
        )
    return found


def recently_invited(
    company_id: int, hashes: set[str], config: Mapping[str, Any], *, before_id: int | None = None
) -> set[str]:
    """Hashes this company invited or queued within the repeat period.

    With `before_id` (the sending worker) only rows already sent, of unknown outcome, or being
    sent under a lower id count, so two queued rows for one address send exactly once.
    """
    days = settings.dedupe_days(config)
    if not hashes or days == 0:
        return set()
    since = utcnow() - timedelta(days=days)
    found: set[str] = set()
    chunk = list(hashes)
    for start in range(0, len(chunk), 500):
        query = select(Invitation.email_hash).where(
            Invitation.company_id == company_id,
            Invitation.email_hash.in_(chunk[start : start + 500]),
            Invitation.created_at >= since,
        )
        if before_id is None:
            query = query.where(Invitation.status.in_((*SENT_LIKE, InviteStatus.PENDING)))
        else:
            query = query.where(
                or_(
                    Invitation.status.in_((InviteStatus.SENT, InviteStatus.UNKNOWN)),
                    and_(Invitation.status == InviteStatus.SENDING, Invitation.id < before_id),
                )
            )
        found |= set(db.session.scalars(query))
    return found


def confirm(upload: InviteUpload, *, by: User, delay_days: int) -> int:
    """Queue the previewed rows for sending; returns how many.

    :raises InvitationError: not a preview, nothing to send, or uploads are blocked meanwhile.
    """
    if upload.status is not UploadStatus.PREVIEW:
        raise InvitationError(_("Deze lijst is al bevestigd."))
    return _queue_rows(
        upload,
        source=InviteStatus.PREVIEW,
        none_left=_("Deze lijst bevat geen geldige adressen om uit te nodigen."),
        action="invitations.confirmed",
        by=by,
        delay_days=max(0, min(delay_days, MAX_DELAY_DAYS)),
        confirmed_at=utcnow(),
    )


def retry_failed(upload: InviteUpload, *, by: User) -> int:
    """Put failed rows back in the queue (never `unknown` ones); returns how many.

    :raises InvitationError: sending is blocked (agreement, provider link), or no failed rows.
    """
    return _queue_rows(
        upload,
        source=InviteStatus.FAILED,
        none_left=_("Er zijn geen mislukte uitnodigingen om opnieuw te versturen."),
        action="invitations.retried",
        by=by,
    )


def _queue_rows(
    upload: InviteUpload,
    *,
    source: InviteStatus,
    none_left: str,
    action: str,
    by: User,
    **upload_fields: object,
) -> int:
    """Move `source` rows to pending, set `upload_fields` and sending status, audit `action`.

    :raises InvitationError: sending is blocked, or no row had the `source` status.
    """
    company = db.session.get_one(Company, upload.company_id)
    blockers = upload_blockers(company)
    if blockers:
        raise InvitationError(blockers[0])
    result = db.session.execute(
        cast(Table, Invitation.__table__)
        .update()
        .where(Invitation.upload_id == upload.id, Invitation.status == source)
        .values(status=InviteStatus.PENDING, error_message="", outcome="")
    )
    db.session.expire(upload, ["invitations"])
    if not (count := rowcount(result) or 0):
        raise InvitationError(none_left)
    for name, value in upload_fields.items():
        setattr(upload, name, value)
    upload.status = UploadStatus.SENDING
    db.session.flush()
    audit.record(
        action,
        actor=by,
        company=company,
        subject=upload,
        changes={"queued": {"old": None, "new": count}},
    )
    return count


def delete_upload(upload: InviteUpload, *, by: User) -> None:
    """Remove an upload and all its customer data now (cancel a preview or clean up early).

    :raises InvitationError: invitations are still being sent.
    """
    if progress(upload).get(InviteStatus.SENDING, 0):
        raise InvitationError(
            _("Er worden nu uitnodigingen verstuurd. Probeer het over een minuut opnieuw.")
        )
    db.session.execute(delete(Invitation).where(Invitation.upload_id == upload.id))
    audit.record(
        "invitations.deleted",
        actor=by,
        company=by.company,
        subject=upload,
    )
    db.session.delete(upload)
    db.session.flush()
