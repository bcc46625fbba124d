"""Every stated retention period, enforced by `flask purge-expired` (purge_expired): kept on the
last day, gone the day after, and a rerun changes nothing (issue 15 §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from portal.agreements.models import AgreementAcceptance
from portal.auth.models import TokenPurpose, User, UserSession, UserToken
from portal.complaints.models import Complaint
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.members.models import Company, MembershipStatus
from portal.privacy import purges
from portal.privacy.erasure import erase_company
from portal.privacy.models import RequestKind, RequestStatus, SubjectRequest
from portal.privacy.retention import purge_expired
from portal.reviews.models import SyncAttempt
from tests.conftest import accept_agreement

T0 = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _kept_then_gone(key: str, days: int, left, *, start: datetime = T0) -> None:
    """`left()` counts the row: 1 on the last day, 0 the day after, and the rerun purges 0."""
    last_day = start + timedelta(days=days) - timedelta(hours=1)
    assert purge_expired(last_day).periods[key] == 0
    db.session.expire_all()
    assert left() == 1, "gone before its period ended"
    day_after = start + timedelta(days=days + 1)
    assert purge_expired(day_after).periods[key] >= 1
    db.session.expire_all()
    assert left() == 0, "kept after its period"
    assert purge_expired(day_after).periods[key] == 0


def test_sessions_go_seven_days_after_they_ended(app, make_user):
    user = make_user()
    db.session.add(
        UserSession(token_hash="a" * 64, user_id=user.id, expires_at=T0, idle_seconds=60)
    )
    db.session.commit()
    _kept_then_gone("sessions", purges.SESSION_DAYS, lambda: _count(UserSession))


def test_used_tokens_go_seven_days_after_use(app, make_user):
    user = make_user()
    db.session.add(
        UserToken(
            token_hash="b" * 64,
            purpose=TokenPurpose.RESET,
            user_id=user.id,
            expires_at=T0,
            used_at=T0 - timedelta(minutes=5),
        )
    )
    db.session.commit()
    _kept_then_gone("tokens", purges.TOKEN_DAYS, lambda: _count(UserToken))


def test_deactivated_accounts_are_erased_a_year_later(app, make_user, monkeypatch):
    keep = make_user()
    user = make_user(company=keep.company, company_role="medewerker")
    monkeypatch.setattr("portal.privacy.models.utcnow", lambda: T0)
    user.active = False
    db.session.commit()
    assert user.deactivated_at == T0
    user_id = user.id
    _kept_then_gone(
        "deactivated_accounts", purges.DEACTIVATED_DAYS, lambda: _count(User, User.id == user_id)
    )
    assert _count(User, User.id == keep.id) == 1  # active colleague untouched


def test_reactivation_stops_the_clock(app, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    assert user.deactivated_at is not None
    user.active = True
    db.session.commit()
    assert user.deactivated_at is None


def test_handled_privacy_requests_go_after_three_years(app, make_user):
    user = make_user()
    db.session.add_all(
        [
            SubjectRequest(
                kind=RequestKind.ACCESS,
                user_id=user.id,
                status=RequestStatus.DONE,
                received_at=T0,
                due_at=T0,
                handled_at=T0,
            ),
            SubjectRequest(
                kind=RequestKind.ACCESS,
                user_id=user.id,
                status=RequestStatus.OPEN,
                received_at=T0 - timedelta(days=5000),
                due_at=T0,
            ),
        ]
    )
    db.session.commit()
    done = SubjectRequest.status == RequestStatus.DONE
    _kept_then_gone("privacy_requests", purges.REQUEST_DAYS, lambda: _count(SubjectRequest, done))
    assert _count(SubjectRequest) == 1  # an open request is never purged


def _ended_company(make_user, make_complaint):
    user = make_user()
    company = user.company
    accept_agreement(company, user)
    make_complaint(company)
    company.membership_status = MembershipStatus.ENDED
    company.membership_ended_on = T0.date()
    db.session.commit()
    return company


def test_customer_data_goes_thirty_days_after_membership_ends(app, make_user, make_complaint):
    company = _ended_company(make_user, make_complaint)
    company_id = company.id
    _kept_then_gone(
        "ended_complaints",
        30,
        lambda: _count(Complaint, Complaint.company_id == company_id),
        start=datetime(2027, 3, 10, 23, 30, tzinfo=UTC),
    )
    assert _count(Company, Company.id == company_id) == 1  # the company itself stays longer


def test_company_goes_two_years_after_membership_ends(app, make_user, make_complaint):
    company = _ended_company(make_user, make_complaint)
    company_id = company.id
    _kept_then_gone(
        "ended_companies",
        purges.MEMBERSHIP_END_COMPANY_DAYS,
        lambda: _count(Company, Company.id == company_id),
        start=datetime(2027, 3, 10, 23, 30, tzinfo=UTC),
    )
    # The acceptance is proof and stays, detached, for 7 more years.
    assert _count(AgreementAcceptance, AgreementAcceptance.company_id.is_(None)) == 1


def test_sync_log_goes_after_ninety_days(app, make_link):
    system = make_link()
    db.session.add(
        SyncAttempt(
            review_system_id=system.id,
            company_id=system.company_id,
            provider=system.provider,
            started_at=T0,
            outcome="ok",
        )
    )
    db.session.commit()
    _kept_then_gone("sync_log", purges.SYNC_LOG_DAYS, lambda: _count(SyncAttempt))


def test_acceptances_of_erased_companies_go_after_seven_years(app, make_user):
    user = make_user()
    accept_agreement(user.company, user)
    erase_company(user.company, by=None)
    db.session.commit()
    row = db.session.scalars(select(AgreementAcceptance)).one()
    end = row.retain_until
    start = datetime(end.year, end.month, end.day, 12, tzinfo=UTC)
    _kept_then_gone("acceptances", 0, lambda: _count(AgreementAcceptance), start=start)


def test_audit_rows_go_after_seven_years_and_the_trigger_refuses_younger_deletes(app):
    now = utcnow()
    cutoff = purges.audit_cutoff(now)
    db.session.add_all(
        [
            AuditEvent(action="oud", created_at=cutoff - timedelta(hours=1)),
            AuditEvent(action="laatste_dag", created_at=cutoff + timedelta(hours=1)),
            AuditEvent(action="jong", created_at=now - timedelta(days=1)),
        ]
    )
    db.session.commit()
    assert purge_expired(now).periods["audit"] == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "oud" not in actions and {"laatste_dag", "jong"} <= actions
    assert purge_expired(now).periods["audit"] == 0
    young = delete(AuditEvent).where(AuditEvent.action == "jong")
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(young)
    db.session.rollback()


def test_flask_purge_expired_prints_every_period(app):
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    for key in (
        "sessions",
        "deactivated_accounts",
        "privacy_requests",
        "ended_complaints",
        "ended_companies",
        "sync_log",
        "audit",
    ):
        assert f"{key}=" in result.output


def test_periods_are_listed_for_statement_and_register(app):
    keys = {p.key for p in purges.retention_periods()}
    assert {"sessions", "deactivated", "requests", "membership_data", "audit"} <= keys
