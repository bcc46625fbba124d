"""Gauges read from the database at scrape time: outbox, invitations and review sync.

Every query is bounded by an index (status columns, the primary key, the current links), so a
scrape every 15 seconds costs a few milliseconds whatever the size of the history tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db
from portal.invitations.models import Invitation, InviteStatus
from portal.reviews.models import ReviewSystem, SyncAttempt
from portal.reviews.sync_jobs import SYNCABLE_PROVIDERS, SYNCABLE_STATUSES

RECENT_ATTEMPTS = 50_000  # the sync history a scrape looks at: more than one full daily run
RUN_WINDOW = timedelta(hours=36)


class DatabaseCollector:
    """Yields the queue and sync gauges; one instance per scrape (it reads `db.session`)."""

    def collect(self):
        now = utcnow()
        try:
            yield from _outbox(now)
            yield from _invitations(now)
            yield from _review_links()
            yield from _sync_attempts(now)
        finally:
            db.session.rollback()


def registry() -> CollectorRegistry:
    """A registry holding only the database gauges."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(DatabaseCollector())
    return reg


def _age(now: datetime, oldest: datetime | None) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def _queue(
    now: datetime, model: Any, statuses: tuple[str, ...], *, name: str, what: str
) -> Iterator[GaugeMetricFamily]:
    """Depth per open status and age of the oldest row of one queue table."""
    rows = db.session.execute(
        select(model.status, func.count(), func.min(model.created_at))
        .where(model.status.in_(statuses))
        .group_by(model.status)
    ).all()
    found = {str(status): (count, oldest) for status, count, oldest in rows}
    depth = GaugeMetricFamily(
        f"portal_{name}_queue_depth", f"{what} waiting to be sent or being sent.", labels=["status"]
    )
    for status in statuses:
        depth.add_metric([str(status)], found.get(str(status), (0, None))[0])
    yield depth
    oldest = min((o for _count, o in found.values() if o), default=None)
    yield GaugeMetricFamily(
        f"portal_{name}_oldest_age_seconds",
        f"Age of the oldest of the {what.lower()} not yet sent (0 when the queue is empty).",
        value=_age(now, oldest),
    )


def _outbox(now: datetime) -> Iterator[GaugeMetricFamily]:
    statuses = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    yield from _queue(now, OutboxMessage, statuses, name="outbox", what="E-mails")


def _invitations(now: datetime) -> Iterator[GaugeMetricFamily]:
    statuses = (InviteStatus.PENDING, InviteStatus.SENDING)
    yield from _queue(now, Invitation, statuses, name="invitation", what="Review invitations")


def _review_links():
    current = (
        ReviewSystem.is_current.is_(True),
        ReviewSystem.provider.in_(SYNCABLE_PROVIDERS),
        ReviewSystem.status.in_(SYNCABLE_STATUSES),
    )
    rows = db.session.execute(
        select(ReviewSystem.provider, ReviewSystem.last_outcome, func.count())
        .where(*current)
        .group_by(ReviewSystem.provider, ReviewSystem.last_outcome)
    ).all()
    links = GaugeMetricFamily(
        "portal_review_links",
        "Synced review links by provider and the outcome of their last sync (none: never synced).",
        labels=["provider", "outcome"],
    )
    for provider, outcome, count in rows:
        links.add_metric([str(provider), outcome or "none"], count)
    yield links
    success = GaugeMetricFamily(
        "portal_review_sync_last_success_timestamp_seconds",
        "When a link of this provider was last synced successfully (Unix time).",
        labels=["provider"],
    )
    for provider, last in db.session.execute(
        select(ReviewSystem.provider, func.max(ReviewSystem.last_success_at))
        .where(*current)
        .group_by(ReviewSystem.provider)
    ).all():
        if last is not None:
            success.add_metric([str(provider)], last.timestamp())
    yield success


def _sync_attempts(now: datetime) -> Iterator[GaugeMetricFamily]:
    newest = db.session.scalar(select(func.max(SyncAttempt.id))) or 0
    recent = (SyncAttempt.id > newest - RECENT_ATTEMPTS, SyncAttempt.started_at > now - RUN_WINDOW)
    runs = db.session.execute(
        select(
            SyncAttempt.sync_run_id,
            func.count(),
            func.min(SyncAttempt.started_at),
            func.max(SyncAttempt.finished_at),
        )
        .where(*recent)
        .group_by(SyncAttempt.sync_run_id)
    ).all()
    # A staff "sync now" is a run of one link; the last scheduled run is the latest larger one.
    scheduled = [run for run in runs if run[1] > 1 and run[3] is not None] or [
        run for run in runs if run[3] is not None
    ]
    last = max(scheduled, key=lambda run: run[3], default=None)
    yield GaugeMetricFamily(
        "portal_review_sync_last_run_seconds",
        "Wall time of the last review sync run (first attempt started to last one finished).",
        value=(last[3] - last[2]).total_seconds() if last else 0.0,
    )
    yield GaugeMetricFamily(
        "portal_review_sync_last_run_timestamp_seconds",
        "When the last review sync run finished (Unix time; 0: none in the last 36 hours).",
        value=last[3].timestamp() if last else 0.0,
    )
    outcomes = GaugeMetricFamily(
        "portal_review_sync_last_run_attempts",
        "Links in the last review sync run, by provider and outcome.",
        labels=["provider", "outcome"],
    )
    seconds = GaugeMetricFamily(
        "portal_review_sync_last_run_fetch_seconds_max",
        "Slowest provider fetch of the last review sync run, per provider.",
        labels=["provider"],
    )
    if last is not None:
        per_outcome = db.session.execute(
            select(
                SyncAttempt.provider,
                SyncAttempt.outcome,
                func.count(),
                func.max(SyncAttempt.duration_ms),
            )
            .where(*recent, SyncAttempt.sync_run_id == last[0])
            .group_by(SyncAttempt.provider, SyncAttempt.outcome)
        ).all()
        slowest: dict[str, int] = {}
        for provider, outcome, count, duration_ms in per_outcome:
            outcomes.add_metric([str(provider), outcome], count)
            slowest[str(provider)] = max(slowest.get(str(provider), 0), duration_ms or 0)
        for provider, duration_ms in sorted(slowest.items()):
            seconds.add_metric([provider], duration_ms / 1000)
    yield outcomes
    yield seconds
