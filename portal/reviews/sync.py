"""The review sync engine (PROVIDERS.md §5): bounded, retrying, kill-safe, one commit per link.

The main thread reads and decrypts the links, worker threads do only network work (no database
session), and the main thread writes each result in its own transaction as it arrives (one link's
job: `portal.reviews.sync_jobs`). A killed run loses only in-flight links; a rerun upserts the
same daily snapshot, so it is always safe.
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

import requests
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from portal.core import signals
from portal.core.db import is_postgres
from portal.extensions import db
from portal.providers import errors as out
from portal.providers.http import HostGate, host_key
from portal.reviews.models import ReviewSystem, SyncAttempt
from portal.reviews.recording import apply_stats, needs_attention, record_failure
from portal.reviews.runlock import check_lock, run_lock
from portal.reviews.settings import (
    HttpSettings,
    RetryPolicy,
    http_settings,
    retry_policy,
    sync_limits,
)
from portal.reviews.sync_jobs import (
    SYNCABLE_PROVIDERS,
    Job,
    Result,
    build_job,
    fetch_job,
    select_systems,
    store_result,
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
