"""The review sync engine (PROVIDERS.md §5): bounded, retrying, kill-safe, one commit per link.

The main thread reads and decrypts the links, worker threads do only network work (no database
session), and the main thread writes each result in its own transaction as it arrives. A killed
run loses only in-flight links; a rerun upserts the same daily snapshot, so it is always safe.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from flask import current_app
from sqlalchemy import or_, select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from portal.core import signals
from portal.core.crypto import SecretError
from portal.core.db import is_postgres, utcnow
from portal.extensions import db
from portal.members.models import Company
from portal.providers import errors as out
from portal.providers.clients import Credentials, FetchResult, fetch_link
from portal.providers.errors import ProviderError
from portal.providers.http import HostBlocked, HostGate, host_key
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SyncAttempt, SystemStatus
from portal.reviews.recording import apply_stats, needs_attention, record_failure
from portal.reviews.runlock import check_lock, run_lock
from portal.reviews.settings import (
    HttpSettings,
    RetryPolicy,
    http_settings,
    retry_policy,
    sync_limits,
)

__all__ = [
    "DatabaseLost",
    "SyncBusy",
    "apply_stats",
    "needs_attention",
    "record_failure",
    "run_sync",
    "sync_one",
]

log = logging.getLogger(__name__)
DIRECTORY_BATCH = 200  # companies per ledenzoeker refresh transaction during a sync
LOCK_CHECK_SECONDS = 2.0  # how often a run makes sure its PostgreSQL lock connection lives
SYNCABLE_PROVIDERS = (Provider.KLANTENVERTELLEN, Provider.KIYOH, Provider.FEEDBACK_COMPANY)
SYNCABLE_STATUSES = (SystemStatus.ACTIVE, SystemStatus.UNCHECKED)


class SyncBusy(RuntimeError):
    """Another sync run holds the run lock."""


class DatabaseLost(RuntimeError):
    """The database connection went away mid-run; the run stopped (a rerun is safe)."""


def connection_lost(exc: BaseException) -> bool:
    """True for a lost or unobtainable database connection, not for an error of one statement."""
    if not isinstance(exc, DBAPIError):
        return False
    return (
        exc.connection_invalidated
        or isinstance(exc, InterfaceError)
        or (isinstance(exc, OperationalError) and exc.statement is None)  # while connecting
    )


def _lost(exc: BaseException, summary: RunSummary) -> DatabaseLost:
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    done = summary.ok + sum(summary.failed.values()) + summary.skipped
    return DatabaseLost(
        f"database connection lost after {done} of {summary.links} links ({first}); "
        "run stopped, a rerun is safe"
    )


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


@dataclass
class RunSummary:
    """Counts of one run, printed by `flask reviews sync`."""

    run_id: str
    links: int = 0
    companies: int = 0
    ok: int = 0
    failed: Counter = field(default_factory=Counter)
    skipped: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        failed = ", ".join(f"{k}={v}" for k, v in sorted(self.failed.items())) or "none"
        return [
            f"run {self.run_id}: {self.companies} companies, {self.links} links",
            f"ok: {self.ok}",
            f"failed: {sum(self.failed.values())} ({failed})",
            f"skipped: {self.skipped}",
            f"seconds: {self.seconds:.1f}",
        ]


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


class _ThreadSessions:
    """One requests.Session per worker thread (connection reuse), all closed at the end."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._made: list[requests.Session] = []

    def get(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._made.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for session in self._made:
                session.close()
            self._made.clear()


@contextmanager
def _thread_sessions() -> Iterator[_ThreadSessions]:
    sessions = _ThreadSessions()
    try:
        yield sessions
    finally:
        sessions.close()


def relax_durability() -> None:
    """Skip the fsync wait for this transaction (PG) / connection (SQLite WAL).

    Safe for the sync: a crash never corrupts or half-writes anything; a power loss may drop
    the last few results, which are idempotent and fetched again by the next run.
    """
    if is_postgres(db.session):
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    else:
        db.session.execute(text("PRAGMA synchronous = NORMAL"))


def _commit_one(result: Result, summary: RunSummary, changed: list[int]) -> None:
    """One transaction per link; a database error loses only this link."""
    if result.skipped:
        summary.skipped += 1
        return
    try:
        relax_durability()
        outcome = store_result(result, summary.run_id)
        db.session.commit()
    except SQLAlchemyError as exc:
        _rollback_quietly()
        if connection_lost(exc):
            raise _lost(exc, summary) from exc
        log.exception("review system %s: result not stored", result.job.system_id)
        summary.failed["db_error"] += 1
        return
    if outcome is None:
        summary.skipped += 1
        return
    changed.append(result.job.company_id)
    if outcome == out.OK:
        summary.ok += 1
    else:
        summary.failed[outcome] += 1
    if len(changed) >= DIRECTORY_BATCH:
        _refresh_directory(changed)


def _refresh_directory(changed: list[int]) -> None:
    """Copy new scores and statuses into the ledenzoeker rows, in one transaction per batch."""
    if not changed:
        return
    try:
        signals.companies_changed.send(None, company_ids=changed)  # the directory listens
        db.session.commit()
    except SQLAlchemyError as exc:
        _rollback_quietly()
        if connection_lost(exc):
            raise DatabaseLost(
                f"database connection lost while refreshing {len(changed)} directory rows; "
                "run stopped, a rerun is safe"
            ) from exc
        log.exception("directory rows of %d companies not refreshed", len(changed))
    changed.clear()


def _check_lock(summary: RunSummary) -> None:
    """Stop when the run lock's connection died: the lock went with it, another run may start."""
    try:
        check_lock()
    except SQLAlchemyError as exc:
        if not connection_lost(exc):
            raise
        raise _lost(exc, summary) from exc


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the session starts over on the next use
        db.session.close()


def run_sync(*, company: str | None = None, provider: str | None = None) -> RunSummary:
    """Sync every eligible link (optionally one company / provider). Commits per link.

    :raises SyncBusy: another run holds the lock.
    :raises DatabaseLost: the database connection went away; pending links are cancelled and
        the run lock is released (or went with its connection).
    """
    try:
        return _run_sync(company, provider)
    except SQLAlchemyError as exc:
        if connection_lost(exc):
            _rollback_quietly()
            raise _lost(exc, RunSummary(run_id="")) from exc
        raise


def _run_sync(company: str | None, provider: str | None) -> RunSummary:
    config = current_app.config
    settings, policy = http_settings(config), retry_policy(config)
    workers, per_host = sync_limits(config)
    summary = RunSummary(run_id=str(uuid.uuid4()))
    t0 = time.monotonic()
    with run_lock(db.engine) as got:
        if not got:
            raise SyncBusy("another review sync is running")
        jobs = [job for s in select_systems(company, provider) if (job := build_job(s))]
        db.session.rollback()  # no transaction stays open during the network work
        summary.links = len(jobs)
        summary.companies = len({job.company_id for job in jobs})
        gate = HostGate(per_host)
        with _thread_sessions() as local, ThreadPoolExecutor(workers) as pool:
            futures = [
                pool.submit(_work, job, settings, policy, gate, local)
                for job in _spread(jobs, settings)
            ]
            changed: list[int] = []
            checked = time.monotonic()
            try:
                for future in as_completed(futures):
                    _commit_one(future.result(), summary, changed)
                    if time.monotonic() - checked > LOCK_CHECK_SECONDS:
                        _check_lock(summary)
                        checked = time.monotonic()
            except DatabaseLost:
                for pending in futures:
                    pending.cancel()  # do not fetch what can no longer be stored
                raise
            _refresh_directory(changed)
    summary.seconds = time.monotonic() - t0
    return summary


def _work(
    job: Job,
    settings: HttpSettings,
    policy: RetryPolicy,
    gate: HostGate | None,
    local: _ThreadSessions,
) -> Result:
    return fetch_job(job, settings=settings, policy=policy, gate=gate, session=local.get())


def _spread(jobs: list[Job], settings: HttpSettings) -> list[Job]:
    """Interleave hosts so per-host limits do not starve the pool."""
    by_host: dict[str, list[Job]] = {}
    for job in jobs:
        by_host.setdefault(host_key(settings.base_url(job.provider)), []).append(job)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def sync_one(system_id: int) -> SyncAttempt | None:
    """Sync one link now (staff "sync now"): network first, then write and flush; caller commits.

    Returns the attempt row, or None when the link is not syncable. Any clean read transaction
    is ended before the network call so no database connection waits on a provider.
    """
    system = db.session.get(ReviewSystem, system_id)
    if system is None or system.provider not in SYNCABLE_PROVIDERS or not system.credentials_enc:
        return None
    job = build_job(system)
    if job is None:
        return None
    session = db.session()
    if not (session.new or session.dirty or session.deleted):
        session.rollback()
    config = current_app.config
    result = fetch_job(job, settings=http_settings(config), policy=retry_policy(config))
    if result.skipped:
        return None
    store_result(result, run_id=str(uuid.uuid4()))
    signals.company_changed(job.company_id)
    return db.session.scalars(
        select(SyncAttempt)
        .where(SyncAttempt.review_system_id == system_id)
        .order_by(SyncAttempt.id.desc())
        .limit(1)
    ).first()
