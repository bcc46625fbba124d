"""Writing sync results: last good figures, attempt log, daily snapshot (PROVIDERS.md §5.6-5.9).

Shared by the sync engine and the live link check. Functions flush but never commit; the
caller owns the transaction (the sync engine commits once per link).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.core.db import is_postgres, utcnow
from portal.extensions import db
from portal.providers import errors as out
from portal.providers.errors import ProviderError
from portal.providers.parsing import Stats
from portal.reviews.models import ReviewSystem, ScoreSnapshot, SyncAttempt, SystemStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BACKOFF_CAP = timedelta(seconds=60)  # SECURITY.md §3: Retry-After, capped, as backoff_until
ATTENTION_AFTER = 2  # repeated auth / not-found failures → "controle nodig"


def snapshot_day(moment: datetime) -> date:
    """The association's calendar day (Europe/Amsterdam) of a UTC moment."""
    return moment.astimezone(AMSTERDAM).date()


def upsert_snapshot(system: ReviewSystem, stats: Stats) -> None:
    """Insert or update the one snapshot of this link for the day of `stats.fetched_at`."""
    values = {
        "review_system_id": system.id,
        "company_id": system.company_id,
        "provider": system.provider,
        "day": snapshot_day(stats.fetched_at),
        "score": stats.score,
        "scale_max": stats.scale_max,
        "review_count": stats.review_count,
        "recommend_pct": stats.recommend_pct,
        "updated_at": utcnow(),
    }
    insert = pg_insert if is_postgres(db.session) else sqlite_insert
    # Core on the table, not the ORM entity: same SQL, far less overhead per link.
    stmt = insert(cast(Table, ScoreSnapshot.__table__)).values(**values)
    changed = {k: stmt.excluded[k] for k in ("score", "scale_max", "review_count", "recommend_pct")}
    changed["updated_at"] = stmt.excluded.updated_at
    stmt = stmt.on_conflict_do_update(index_elements=["review_system_id", "day"], set_=changed)
    db.session.connection().execute(stmt)


def _attempt(
    system: ReviewSystem,
    *,
    outcome: str,
    run_id: str,
    started_at: datetime | None,
    duration_ms: int,
    **fields: Any,
) -> SyncAttempt:
    attempt = SyncAttempt(
        review_system_id=system.id,
        company_id=system.company_id,
        provider=system.provider,
        sync_run_id=run_id,
        started_at=started_at or utcnow(),
        finished_at=utcnow(),
        outcome=outcome,
        duration_ms=max(0, duration_ms),
        **fields,
    )
    db.session.add(attempt)
    return attempt


def apply_stats(
    system: ReviewSystem,
    stats: Stats,
    *,
    run_id: str = "",
    started_at: datetime | None = None,
    attempts: int = 1,
    duration_ms: int = 0,
) -> SyncAttempt:
    """Store a validated fetch: last good figures, health fields, an `ok` attempt, the snapshot.

    An UNCHECKED link becomes ACTIVE; a link (profile, write-review URL) the fetch did not
    return keeps its stored value. Flushes, never commits.
    """
    now = utcnow()
    system.location_name = stats.location_name or system.location_name
    system.score = stats.score
    system.scale_max = stats.scale_max
    system.score_10 = stats.score_10
    system.review_count = stats.review_count
    system.recommend_pct = stats.recommend_pct
    # An optional call that failed (Feedback Company's shop summary) gives no URL: keep the old.
    if stats.profile_url is not None:
        system.profile_url = stats.profile_url
    if stats.write_review_url is not None:
        system.write_review_url = stats.write_review_url
    system.fetched_at = stats.fetched_at
    system.last_success_at = now
    system.last_attempt_at = now
    system.last_outcome = out.OK
    system.last_error_message = ""
    system.consecutive_failures = 0
    system.backoff_until = None
    if system.status is SystemStatus.UNCHECKED:
        system.status = SystemStatus.ACTIVE
        system.activated_at = system.activated_at or now
    attempt = _attempt(
        system,
        outcome=out.OK,
        run_id=run_id,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=200,
        attempts=attempts,
    )
    db.session.flush()
    upsert_snapshot(system, stats)
    return attempt


def record_failure(
    system: ReviewSystem,
    error: ProviderError,
    *,
    run_id: str = "",
    started_at: datetime | None = None,
    duration_ms: int = 0,
) -> SyncAttempt:
    """Log a failed fetch; the last good figures stay exactly as they were. Flushes only."""
    now = utcnow()
    system.last_attempt_at = now
    system.last_outcome = error.outcome
    system.last_error_message = error.message_nl[:500]
    system.consecutive_failures = (system.consecutive_failures or 0) + 1
    if error.outcome == out.RATE_LIMITED:
        wait = timedelta(seconds=error.retry_after) if error.retry_after else BACKOFF_CAP
        system.backoff_until = now + min(wait, BACKOFF_CAP)
    attempt = _attempt(
        system,
        outcome=error.outcome,
        run_id=run_id,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=error.http_status,
        error_code=error.error_code,
        message=error.log_message(),
        attempts=max(1, error.attempts),
    )
    db.session.flush()
    return attempt


def needs_attention(system: ReviewSystem) -> bool:
    """ "Controle nodig": repeated auth or not-found failures the member has to fix."""
    return (
        system.last_outcome in out.NEEDS_ATTENTION
        and (system.consecutive_failures or 0) >= ATTENTION_AFTER
    )
