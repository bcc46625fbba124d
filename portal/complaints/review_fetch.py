"""Recent provider reviews for the register (`flask complaints fetch-reviews`).

Uses the review sync's guarded HTTP layer (allowlist, timeouts, body cap, retries) through its
clients: `PublicationClient.reviews()` for Klantenvertellen/Kiyoh and the Feedback Company
client's bearer `data_call` on `GET /api/v2/review/`. Only the review id, rating, date, the
reviewer's city and a headline are kept; never the reviewer's name or e-mail address.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from sqlalchemy import select

from portal.complaints.models import SyncedReview
from portal.core.db import utcnow
from portal.extensions import db
from portal.providers.catalog import PUBLICATION
from portal.providers.errors import ProviderError
from portal.providers.feedback_company import FeedbackCompanyClient
from portal.providers.publication import PublicationClient
from portal.providers.transport import Transport
from portal.reviews.models import Provider
from portal.reviews.settings import http_settings, retry_policy
from portal.reviews.sync import Job, build_job, select_systems

log = logging.getLogger("portal.complaints")
FBC_REVIEWS_PATH = "/api/v2/review/"
LIMIT = 25


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text[:19])
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any, low: int, high: int) -> Decimal | None:
    try:
        number = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if low <= number <= high else None


def _clip(value: Any, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str) else ""


def parse_publication_reviews(data: dict[str, Any]) -> list[dict[str, Any]]:
    """KV/Kiyoh `reviews[]` → plain dicts; invalid items are skipped (PROVIDERS.md §2.4)."""
    items = data.get("reviews")
    result = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rating = _number(item.get("rating"), 1, 10)
        when = _when(item.get("dateSince"))
        review_id = _clip(item.get("reviewId"), 80)
        if rating is None or when is None or not review_id:
            continue
        raw_content = item.get("reviewContent")
        content = raw_content if isinstance(raw_content, list) else []
        texts = {
            c.get("questionGroup"): c.get("rating")
            for c in content
            if isinstance(c, dict) and isinstance(c.get("rating"), str)
        }
        headline = texts.get("DEFAULT_ONELINER") or texts.get("DEFAULT_OPINION") or ""
        result.append(
            {
                "provider_review_id": review_id,
                "rating": rating,
                "scale_max": Decimal(10),
                "reviewed_at": when,
                "author_city": _clip(item.get("city"), 100),
                "headline": _clip(headline, 300),
            }
        )
    return result


def parse_fbc_reviews(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Feedback Company `reviews[]` → plain dicts (§3.2); `client.email` is never read."""
    items = data.get("reviews")
    result = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rating = _number(item.get("total_score"), 1, 5)
        when = _when(item.get("date_created"))
        review_id = _clip(str(item.get("id") or ""), 80)
        if rating is None or when is None or not review_id:
            continue
        raw_client, raw_questions = item.get("client"), item.get("questions")
        client = raw_client if isinstance(raw_client, dict) else {}
        questions = raw_questions if isinstance(raw_questions, list) else []
        text = next(
            (
                q.get("value")
                for q in questions
                if isinstance(q, dict) and q.get("type") == "main_open"
            ),
            "",
        )
        result.append(
            {
                "provider_review_id": review_id,
                "rating": rating,
                "scale_max": Decimal(5),
                "reviewed_at": when,
                "author_city": _clip(client.get("city"), 100),
                "headline": _clip(text, 300),
            }
        )
    return result


def fetch_job_reviews(job: Job) -> list[dict[str, Any]]:
    """One link's recent reviews (network only, no database).

    :raises ProviderError: any provider failure.
    """
    config = current_app.config
    transport = Transport(
        http_settings(config),
        job.provider,
        location_id=job.creds.location_id,
        policy=retry_policy(config),
    )
    if job.provider in PUBLICATION:
        client = PublicationClient(
            transport, location_id=job.creds.location_id, token=job.creds.token or ""
        )
        return parse_publication_reviews(client.reviews(limit=LIMIT).data)
    fbc = FeedbackCompanyClient(
        transport,
        client_id=job.creds.client_id or job.creds.location_id,
        client_secret=job.creds.client_secret or "",
        access_token=job.creds.access_token,
        token_expires_at=job.creds.access_token_expires_at,
    )
    reply = fbc.data_call("GET", FBC_REVIEWS_PATH, params={"limit": LIMIT, "start": 0})
    return parse_fbc_reviews(reply.data)


def store_reviews(company_id: int, provider: Provider, items: list[dict[str, Any]]) -> int:
    """Insert reviews not seen before; returns how many are new (flushes)."""
    new = 0
    for item in items:
        exists = db.session.scalar(
            select(SyncedReview.id).where(
                SyncedReview.company_id == company_id,
                SyncedReview.provider == provider,
                SyncedReview.provider_review_id == item["provider_review_id"],
            )
        )
        if exists:
            continue
        db.session.add(
            SyncedReview(company_id=company_id, provider=provider, fetched_at=utcnow(), **item)
        )
        new += 1
    db.session.flush()
    return new


def fetch_all(*, company: str | None = None) -> dict[str, int]:
    """Fetch every syncable link's recent reviews; one commit per link. Counts only."""
    counts = {"links": 0, "new": 0, "failed": 0}
    for system in select_systems(company=company):
        job = build_job(system)
        if job is None or job.provider not in (*PUBLICATION, Provider.FEEDBACK_COMPANY):
            continue
        counts["links"] += 1
        try:
            items = fetch_job_reviews(job)
        except ProviderError as exc:
            counts["failed"] += 1
            log.warning("review fetch for system %s failed: %s", job.system_id, exc.outcome)
            continue
        counts["new"] += store_reviews(job.company_id, job.provider, items)
        db.session.commit()
    return counts
