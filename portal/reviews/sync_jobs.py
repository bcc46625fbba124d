"""One link's sync job (PROVIDERS.md §5): which links sync, their decrypted job, the network
fetch (worker threads, no database) and writing its result (main thread, flush only).

`portal.reviews.sync` runs these for every link with bounded threads, one commit per link.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from sqlalchemy import or_, select

from portal.core.crypto import SecretError
from portal.core.db import utcnow
from portal.extensions import db
from portal.members.models import Company
from portal.providers import errors as out
from portal.providers.clients import Credentials, FetchResult, fetch_link
from portal.providers.errors import ProviderError
from portal.providers.http import HostBlocked, HostGate
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from portal.reviews.recording import apply_stats, record_failure
from portal.reviews.settings import HttpSettings, RetryPolicy

log = logging.getLogger("portal.reviews.sync")  # the engine's logger, as before the split
SYNCABLE_PROVIDERS = (Provider.KLANTENVERTELLEN, Provider.KIYOH, Provider.FEEDBACK_COMPANY)
SYNCABLE_STATUSES = (SystemStatus.ACTIVE, SystemStatus.UNCHECKED)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one link: plain values, no ORM objects."""

    system_id: int
    company_id: int
    provider: Provider
    creds: Credentials
    credentials_enc: str = field(repr=False)  # to notice credentials changed meanwhile


@dataclass
class Result:
    """A worker's answer for one job."""

    job: Job
    started_at: datetime
    duration_ms: int
    fetched: FetchResult | None = None
    error: ProviderError | None = None
    skipped: bool = False


def select_systems(company: str | None = None, provider: str | None = None) -> list[ReviewSystem]:
    """Current ACTIVE/UNCHECKED links with credentials, not in backoff; optionally filtered.

    `company` is a member number or a numeric company id.
    """
    stmt = select(ReviewSystem).where(
        ReviewSystem.is_current.is_(True),
        ReviewSystem.status.in_(SYNCABLE_STATUSES),
        ReviewSystem.provider.in_(SYNCABLE_PROVIDERS),
        ReviewSystem.credentials_enc.is_not(None),
        or_(ReviewSystem.backoff_until.is_(None), ReviewSystem.backoff_until <= utcnow()),
    )
    if company:
        match = Company.member_number == company
        if company.isdigit():
            match = or_(match, Company.id == int(company))
        stmt = stmt.where(ReviewSystem.company_id.in_(select(Company.id).where(match)))
    if provider:
        stmt = stmt.where(ReviewSystem.provider == Provider(provider))
    return list(db.session.scalars(stmt.order_by(ReviewSystem.id)))


def build_job(system: ReviewSystem) -> Job | None:
    """Decrypt one link's credentials into a Job; None (and a log line) when unreadable."""
    try:
        payload = credentials.read_credentials(system) or {}
    except SecretError:
        log.warning("review system %s: credentials cannot be decrypted", system.id)
        return None
    token, expires = credentials.read_access_token(system)
    creds = Credentials(
        location_id=system.location_id or payload.get("client_id", ""),
        token=payload.get("token"),
        feed_hash=payload.get("feed_hash"),
        client_id=payload.get("client_id"),
        client_secret=payload.get("client_secret"),
        access_token=token,
        access_token_expires_at=expires,
    )
    return Job(system.id, system.company_id, system.provider, creds, system.credentials_enc or "")


def fetch_job(
    job: Job,
    *,
    settings: HttpSettings,
    policy: RetryPolicy,
    gate: HostGate | None = None,
    session: requests.Session | None = None,
) -> Result:
    """Network work for one job; runs in a worker thread and never touches the database."""
    started, t0 = utcnow(), time.monotonic()
    result = Result(job, started, 0)
    try:
        result.fetched = fetch_link(
            job.provider, job.creds, settings=settings, policy=policy, gate=gate, session=session
        )
    except HostBlocked:
        result.skipped = True
    except ProviderError as exc:
        result.error = exc
    except Exception as exc:  # a bug must not kill the run; logged without any secret
        log.exception("review system %s: unexpected error", job.system_id)
        result.error = ProviderError.for_provider(
            out.MALFORMED,
            job.provider,
            location_id=job.creds.location_id,
            detail=type(exc).__name__,
        )
    result.duration_ms = int((time.monotonic() - t0) * 1000)
    return result


def store_result(result: Result, run_id: str) -> str | None:
    """Write one result (flush only): figures or failure, attempt row, cached token.

    Returns the outcome written, or None when the link changed meanwhile and was left alone.
    """
    job = result.job
    system = db.session.get(ReviewSystem, job.system_id)
    if system is None or system.credentials_enc != job.credentials_enc or not system.is_current:
        return None
    timing: dict[str, Any] = {
        "run_id": run_id,
        "started_at": result.started_at,
        "duration_ms": result.duration_ms,
    }
    if result.fetched is not None:
        fetched = result.fetched
        apply_stats(system, fetched.stats, attempts=fetched.attempts, **timing)
        if fetched.token_refreshed:
            credentials.store_access_token(
                system, fetched.access_token, fetched.access_token_expires_at
            )
        return out.OK
    error = result.error or ProviderError.for_provider(
        out.MALFORMED, job.provider, detail="no result"
    )
    record_failure(system, error, **timing)
    if error.outcome == out.AUTH_ERROR and system.access_token_enc:
        credentials.store_access_token(system, None, None)
    log.info(
        "review system %s sync failed: outcome=%s status=%s code=%s attempts=%s",
        system.id, error.outcome, error.http_status, error.error_code, error.attempts,
    )  # fmt: skip
    return error.outcome
