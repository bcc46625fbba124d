"""Beheer > Beoordelingen: staff complete the included Klantenvertellen requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.providers.errors import ProviderError
from portal.providers.parsing import Stats
from portal.reviews import clients
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

STAFF_BASE = "/beheer/beoordelingen"
TOKEN = "0f9e8d7c-6b5a-4321-9876-staffTOKEN5555"


@pytest.fixture
def checks(monkeypatch):
    """The live check, faked: a list of results consumed in order (Stats or ProviderError)."""
    results: list = []
    calls: list = []

    def fetch(provider, **kwargs):
        calls.append(kwargs)
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(clients, "fetch_stats", fetch)
    return results, calls


def good_stats() -> Stats:
    return Stats(
        provider=Provider.KLANTENVERTELLEN,
        score=Decimal("7.5"),
        scale_max=Decimal("10"),
        score_10=Decimal("7.5"),
        review_count=3,
        recommend_pct=None,
        profile_url=None,
        write_review_url=None,
        location_name="Nieuw lid",
        fetched_at=datetime.now(UTC),
    )


@pytest.fixture
def request_for(make_user):
    """A member company with a REQUESTED included Klantenvertellen; returns (system, beheerder)."""

    def make(days_ago: int = 0) -> tuple[ReviewSystem, object]:
        boss = make_user()
        system = ReviewSystem(
            company_id=boss.company_id,
            provider=Provider.KLANTENVERTELLEN,
            status=SystemStatus.REQUESTED,
            included=True,
            requested_at=datetime.now(UTC) - timedelta(days=days_ago),
        )
        db.session.add(system)
        db.session.commit()
        return system, boss

    return make


@pytest.fixture
def staff(client, make_user, login):
    user = make_user(role=Role.STAFF)
    login(client, user)
    return user


def test_queue_lists_only_requested_systems_oldest_first(client, staff, request_for, make_user):
    newer, _ = request_for(days_ago=1)
    older, _ = request_for(days_ago=20)
    active = make_user()
    db.session.add(
        ReviewSystem(
            company_id=active.company_id, provider=Provider.KIYOH, status=SystemStatus.ACTIVE
        )
    )
    db.session.commit()
    page = client.get(f"{STAFF_BASE}/")
    assert page.status_code == 200 and "2 aanvragen" in page.text
    assert page.text.index(older.public_id) < page.text.index(newer.public_id)
    assert active.company.display_name not in page.text


def test_members_do_not_see_the_staff_queue(client, make_user, login, request_for):
    system, _ = request_for()
    login(client, make_user())
    assert client.get(f"{STAFF_BASE}/").status_code == 404
    assert client.post(f"{STAFF_BASE}/{system.public_id}/activeren").status_code == 404


def test_provisioning_activates_and_mails_the_beheerder(client, staff, request_for, checks):
    system, boss = request_for()
    results, calls = checks
    results.append(good_stats())
    form = client.get(f"{STAFF_BASE}/{system.public_id}/activeren")
    assert form.status_code == 200 and boss.company.display_name in form.text
    response = client.post(
        f"{STAFF_BASE}/{system.public_id}/activeren",
        data={"location_id": "1000002", "token": TOKEN},
    )
    assert response.status_code == 303 and response.headers["Location"] == f"{STAFF_BASE}/"
    assert calls[0]["retries"] is False and calls[0]["location_id"] == "1000002"
    db.session.expire_all()
    assert (system.status, system.location_id, system.review_count) == (
        SystemStatus.ACTIVE,
        "1000002",
        3,
    )
    assert system.activated_at is not None and TOKEN not in (system.credentials_enc or "")
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.kind == "reviews.provisioned" and mail.to_address == boss.email
    assert "http://localhost/mijn-profiel/beoordelingen/" in mail.body and TOKEN not in mail.body
    assert client.get(f"{STAFF_BASE}/{system.public_id}/activeren").status_code == 404


def test_staff_may_save_unchecked_without_a_call(client, staff, request_for, checks):
    system, _ = request_for()
    _, calls = checks
    response = client.post(
        f"{STAFF_BASE}/{system.public_id}/activeren",
        data={"location_id": "1000002", "token": TOKEN, "skip_check": "y"},
    )
    assert response.status_code == 303 and calls == []
    db.session.expire_all()
    assert system.status is SystemStatus.UNCHECKED and system.credentials_enc
    assert db.session.scalars(select(OutboxMessage)).one().kind == "reviews.provisioned"


def test_refused_token_keeps_the_request_open(client, staff, request_for, checks):
    system, _ = request_for()
    results, _ = checks
    results.append(ProviderError.for_provider("auth_error", Provider.KLANTENVERTELLEN))
    response = client.post(
        f"{STAFF_BASE}/{system.public_id}/activeren",
        data={"location_id": "1000002", "token": TOKEN},
    )
    assert response.status_code == 422
    assert "Klantenvertellen accepteert deze API-token niet." in response.text
    db.session.expire_all()
    assert system.status is SystemStatus.REQUESTED and system.credentials_enc is None
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_unknown_or_non_pending_id_is_404(client, staff, make_user):
    boss = make_user()
    linked = ReviewSystem(
        company_id=boss.company_id, provider=Provider.KIYOH, status=SystemStatus.ACTIVE
    )
    db.session.add(linked)
    db.session.commit()
    assert client.get(f"{STAFF_BASE}/{linked.public_id}/activeren").status_code == 404
    assert client.get(f"{STAFF_BASE}/bestaat-niet/activeren").status_code == 404
