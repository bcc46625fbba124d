"""Switching review system keeps the working link and public score until the new one is active."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.compliance import assessment
from portal.core.models import AuditEvent
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.members import services as member_services
from portal.reviews import clients
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from tests.reviews.test_member_flows_staff import TOKEN, good_stats

BASE = "/mijn-profiel/beoordelingen"
STAFF_BASE = "/beheer/beoordelingen"


@pytest.fixture
def boss(client, make_user, login):
    """A beheerder whose company has a working Kiyoh link with a public score."""
    user = make_user()
    now = datetime.now(UTC)
    db.session.add(
        ReviewSystem(
            company_id=user.company_id, provider=Provider.KIYOH, status=SystemStatus.ACTIVE,
            location_id="55", score=Decimal("9.10"), scale_max=Decimal("10"), review_count=30,
            fetched_at=now - timedelta(hours=1), last_success_at=now - timedelta(hours=1),
            last_attempt_at=now - timedelta(hours=1), last_outcome="ok",
            profile_url="https://www.kiyoh.com/reviews/55/x", activated_at=now - timedelta(days=90),
        )
    )  # fmt: skip
    db.session.commit()
    member_services.refresh_directory(user.company)
    db.session.commit()
    login(client, user)
    return user


def rows(company_id: int) -> list[ReviewSystem]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ReviewSystem).where(ReviewSystem.company_id == company_id).order_by("id")
        )
    )


def public_row(company_id: int) -> DirectoryEntry:
    db.session.expire_all()
    return db.session.get(DirectoryEntry, company_id)


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == action))


def test_requesting_klantenvertellen_keeps_the_working_link_and_score(client, boss):
    page = client.get(f"{BASE}/activeren").text
    assert "blijven actief tot het nieuwe systeem werkt" in page
    assert client.post(f"{BASE}/activeren", data={"confirm_switch": "y"}).status_code == 303
    old, new = rows(boss.company_id)
    assert (old.provider, old.status, old.is_current, old.pending) == (
        Provider.KIYOH, SystemStatus.ACTIVE, True, False,
    )  # fmt: skip
    assert old.location_id == "55"  # untouched
    assert (new.status, new.is_current, new.pending) == (SystemStatus.REQUESTED, False, True)
    entry = public_row(boss.company_id)
    assert (entry.provider, entry.review_count, entry.score) == ("kiyoh", 30, Decimal("9.10"))
    show = client.get(f"{BASE}/").text
    assert "Overstap aangevraagd" in show and "blijft uw score zichtbaar" in show
    assert "9,1 / 10" in show
    # A second request is refused: the included account is already asked for.
    client.post(f"{BASE}/activeren", data={"confirm_switch": "y"})
    assert len(rows(boss.company_id)) == 2


def test_staff_queue_lists_the_pending_request_and_provisioning_switches(
    client, boss, make_user, login, monkeypatch
):
    client.post(f"{BASE}/activeren", data={"confirm_switch": "y"})
    _old, new = rows(boss.company_id)
    monkeypatch.setattr(clients, "fetch_stats", lambda provider, **kw: good_stats())
    login(client, make_user(role=Role.STAFF))
    assert new.public_id in client.get(f"{STAFF_BASE}/").text
    response = client.post(
        f"{STAFF_BASE}/{new.public_id}/activeren", data={"location_id": "1000002", "token": TOKEN}
    )
    assert response.status_code == 303
    old, new = rows(boss.company_id)
    assert (old.status, old.is_current, old.pending) == (SystemStatus.ENDED, False, False)
    assert (new.status, new.is_current, new.pending) == (SystemStatus.ACTIVE, True, False)
    assert old.ended_at is not None and old.credentials_enc is None
    assert public_row(boss.company_id).provider == "klantenvertellen"
    assert audits("review_system.switched") == 1


def test_member_cancels_and_keeps_the_old_system(client, boss):
    client.post(f"{BASE}/activeren", data={"confirm_switch": "y"})
    response = client.post(f"{BASE}/overstap-annuleren")
    assert response.status_code == 303
    old, new = rows(boss.company_id)
    assert (old.status, old.is_current) == (SystemStatus.ACTIVE, True)
    assert (new.status, new.is_current, new.pending) == (SystemStatus.ENDED, False, False)
    page = client.get(f"{BASE}/").text
    assert "is geannuleerd" in page and "Overstap aangevraagd" not in page
    again = client.post(f"{BASE}/overstap-annuleren", follow_redirects=True)
    assert "Er is geen overstap meer om te annuleren." in again.text
    assert audits("review_system.switch_cancelled") == 1


def test_other_system_waits_for_approval_and_rejection_keeps_the_old_one(client, boss, make_user):
    data = {"name": "EigenReviews", "url": "https://eigen.example", "description": "eigen",
            "confirm_switch": "y"}  # fmt: skip
    assert client.post(f"{BASE}/ander-systeem", data=data).status_code == 303
    old, new = rows(boss.company_id)
    assert (old.is_current, new.pending, new.status) == (True, True, SystemStatus.IN_REVIEW)
    assert new in db.session.scalars(assessment.queue_query()).all()
    staff = make_user(role=Role.STAFF)
    assessment.decide(new, decision=assessment.Decision.REJECT, reason="Geen controle", by=staff)
    db.session.commit()
    old, new = rows(boss.company_id)
    assert (old.status, old.is_current) == (SystemStatus.ACTIVE, True)
    assert (new.status, new.is_current, new.pending) == (SystemStatus.REJECTED, False, False)
    assert public_row(boss.company_id).provider == "kiyoh"


def test_approving_a_pending_other_system_switches(client, boss, make_user):
    data = {"name": "EigenReviews", "url": "https://eigen.example", "description": "eigen",
            "confirm_switch": "y"}  # fmt: skip
    client.post(f"{BASE}/ander-systeem", data=data)
    _old, new = rows(boss.company_id)
    staff = make_user(role=Role.STAFF)
    assessment.decide(new, decision=assessment.Decision.APPROVE, reason="Voldoet", by=staff)
    db.session.commit()
    old, new = rows(boss.company_id)
    assert (old.status, old.is_current) == (SystemStatus.ENDED, False)
    assert (new.status, new.is_current, new.pending) == (SystemStatus.APPROVED, True, False)


def test_without_a_working_system_the_request_is_current_at_once(client, make_user, login):
    user = make_user()
    login(client, user)
    client.post(f"{BASE}/activeren")
    [system] = rows(user.company_id)
    assert (system.is_current, system.pending) == (True, False)
