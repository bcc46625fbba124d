"""What the criterium-2 rules know of each active member: one query into `MemberFacts`, and the
thresholds from the app-wide settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, and_, func, select

from portal.compliance import status as st
from portal.compliance.models import DeadlineExtension, Reminder
from portal.config import ReviewSettings
from portal.core.settings import get_setting
from portal.core.templating import AMSTERDAM
from portal.extensions import db
from portal.members.models import Company, MembershipStatus
from portal.reviews.models import ReviewSystem, ScoreSnapshot


def thresholds() -> st.Thresholds:
    """Current settings as the thresholds of the status rules."""
    return st.Thresholds(
        publication_min=get_setting("publication_min"),
        deadline_days=get_setting("deadline_days"),
        broken_link_days=get_setting("broken_link_days"),
        below_minimum_months=get_setting("below_minimum_months"),
        max_age_days=ReviewSettings.of().max_age_days,
    )


def _facts_query():
    """Active members, their current system, newest deadline, last reminder, count-since day."""
    ext_ids = (
        select(func.max(DeadlineExtension.id).label("id"))
        .group_by(DeadlineExtension.company_id)
        .subquery()
    )
    extension = (
        select(DeadlineExtension.company_id, DeadlineExtension.deadline, DeadlineExtension.reason)
        .where(DeadlineExtension.id.in_(select(ext_ids.c.id)))
        .subquery()
    )
    reminded = (
        select(Reminder.company_id, func.max(Reminder.sent_at).label("last_at"))
        .group_by(Reminder.company_id)
        .subquery()
    )
    since = (
        select(ScoreSnapshot.review_system_id, func.min(ScoreSnapshot.day).label("day"))
        .join(ReviewSystem, ReviewSystem.id == ScoreSnapshot.review_system_id)
        .where(
            ReviewSystem.is_current.is_(True),
            ScoreSnapshot.review_count >= ReviewSystem.review_count,
        )
        .group_by(ScoreSnapshot.review_system_id)
        .subquery()
    )
    rs = ReviewSystem
    return (
        select(
            Company.id,
            Company.public_id,
            Company.member_number,
            Company.trade_name,
            Company.legal_name,
            Company.kvk_number,
            Company.city,
            Company.postcode,
            Company.email,
            Company.member_since,
            Company.created_at,
            rs.provider,
            rs.status,
            rs.included,
            rs.public_id.label("system_public_id"),
            rs.score,
            rs.scale_max,
            rs.review_count,
            rs.fetched_at,
            rs.self_reported,
            rs.last_success_at,
            rs.last_attempt_at,
            rs.last_outcome,
            rs.last_error_message,
            rs.requested_at,
            rs.activated_at,
            rs.decided_at,
            rs.created_at.label("system_created_at"),
            since.c.day.label("count_since"),
            extension.c.deadline.label("extension"),
            extension.c.reason.label("extension_reason"),
            reminded.c.last_at.label("last_reminder_at"),
        )
        .outerjoin(rs, and_(rs.company_id == Company.id, rs.is_current.is_(True)))
        .outerjoin(since, since.c.review_system_id == rs.id)
        .outerjoin(extension, extension.c.company_id == Company.id)
        .outerjoin(reminded, reminded.c.company_id == Company.id)
        .where(Company.membership_status == MembershipStatus.ACTIVE)
    )


def _facts(row: Row[Any]) -> st.MemberFacts:
    active_since = row.activated_at or row.decided_at or row.system_created_at
    return st.MemberFacts(
        company_id=row.id,
        public_id=row.public_id,
        member_number=row.member_number,
        name=row.trade_name or row.legal_name,
        kvk_number=row.kvk_number or "",
        city=row.city or "",
        postcode=row.postcode or "",
        email=row.email or "",
        member_since=row.member_since,
        registered_on=row.created_at.astimezone(AMSTERDAM).date(),
        provider=row.provider,
        status=row.status,
        included=bool(row.included),
        system_public_id=row.system_public_id or "",
        score=row.score,
        scale_max=row.scale_max,
        review_count=row.review_count or 0,
        fetched_at=row.fetched_at,
        self_reported=bool(row.self_reported),
        last_success_at=row.last_success_at,
        last_attempt_at=row.last_attempt_at,
        last_outcome=row.last_outcome or "",
        last_error_message=row.last_error_message or "",
        requested_at=row.requested_at,
        active_since=active_since,
        count_since=row.count_since,
        extension=row.extension,
        extension_reason=row.extension_reason or "",
        last_reminder_at=row.last_reminder_at,
    )


def load_facts(*, company_ids: list[int] | None = None) -> list[st.MemberFacts]:
    """Facts of every active member (or of the given ones), one query."""
    query = _facts_query()
    if company_ids is not None:
        query = query.where(Company.id.in_(company_ids))
    return [_facts(row) for row in db.session.execute(query)]
