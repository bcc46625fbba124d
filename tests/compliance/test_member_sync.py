"""Staff member page: the sync attempt log, "controle nodig" and "Nu synchroniseren".

The provider is faked at the client boundary (`fetch_link`), so the real sync path writes the
figures and the attempt. The database is a file (or PostgreSQL) so the run lock is real.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.providers.clients import FetchResult
from portal.providers.errors import ProviderError
from portal.providers.parsing import Stats
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SyncAttempt, SystemStatus
from portal.reviews.runlock import LOCK_NAME, MEMBER_SYNC_LOCK, run_lock
from tests.conftest import database_url_for_tests

BASE = "/beheer/criterium-2/leden"


@pytest.fixture
def app_config(tmp_path):
    """A database file on SQLite: an in-memory database needs (and has) no run lock."""
    if database_url_for_tests().startswith("postgresql"):
        return {}
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}"}


@pytest.fixture
def provider(monkeypatch):
    """The provider's answers, consumed in order (Stats or ProviderError); records each call."""
    answers: list = []
    calls: list = []

    def fetch_link(provider, creds, **kwargs):
        calls.append((provider, creds.location_id))
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return FetchResult(answer, attempts=1)

    monkeypatch.setattr("portal.reviews.sync_jobs.fetch_link", fetch_link)
    return answers, calls


def stats(score: str, count: int) -> Stats:
    return Stats(
        provider=Provider.KIYOH,
        score=Decimal(score),
        scale_max=Decimal("10"),
        score_10=Decimal(score),
        review_count=count,
        recommend_pct=None,
        profile_url=None,
        write_review_url=None,
        location_name="",
        fetched_at=utcnow(),
    )


@pytest.fixture
def linked(make_company, make_system):
    """A member with a current Kiyoh link holding credentials and last good figures 8.50 / 12."""
    company = make_company(trade_name="Gekoppeld Bedrijf")
    system = make_system(company, Provider.KIYOH, location_id="1000042")
    credentials.store_credentials(system, {"token": "kiyoh-token-1234"})
    db.session.commit()
    return company, system


def attempts_of(system: ReviewSystem) -> list[SyncAttempt]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SyncAttempt)
            .where(SyncAttempt.review_system_id == system.id)
            .order_by(SyncAttempt.id)
        )
    )


def test_member_page_lists_the_last_20_attempts(staff_client, linked):
    company, system = linked
    start = utcnow() - timedelta(days=30)
    for n in range(22):
        failed = n % 2 == 1
        db.session.add(
            SyncAttempt(
                review_system_id=system.id,
                company_id=company.id,
                provider=system.provider,
                started_at=start + timedelta(hours=n),
                outcome="auth_error" if failed else "ok",
                http_status=401 if failed else 200,
                message=f"melding {n:02d}" if failed else "",
                attempts=3 if failed else 1,
            )
        )
    db.session.commit()

    page = staff_client.get(f"{BASE}/{company.public_id}").text
    assert "De laatste 20 pogingen" in page
    assert "melding 21" in page and "melding 03" in page and "melding 01" not in page
    assert page.count("<td>401</td>") == 10 and page.count("<td>200</td>") == 10
    assert "gegevens geweigerd" in page and "gelukt" in page
    assert "controle nodig" not in page
    assert "Nu synchroniseren" in page


def test_controle_nodig_after_repeated_auth_failures(staff_client, linked, make_company):
    company, system = linked
    system.last_outcome, system.consecutive_failures = "auth_error", 2
    db.session.commit()
    assert "controle nodig" in staff_client.get(f"{BASE}/{company.public_id}").text
    system.consecutive_failures = 1
    db.session.commit()
    assert "controle nodig" not in staff_client.get(f"{BASE}/{company.public_id}").text


def test_sync_now_stores_the_new_figures_and_is_audited(staff_client, staff, linked, provider):
    company, system = linked
    answers, calls = provider
    answers.append(stats("9.10", 30))

    response = staff_client.post(f"{BASE}/{company.public_id}/synchroniseren")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/{company.public_id}"
    assert calls == [(Provider.KIYOH, "1000042")]
    [attempt] = attempts_of(system)
    assert (attempt.outcome, attempt.http_status) == ("ok", 200)
    system = db.session.get(ReviewSystem, system.id)
    assert (system.score, system.review_count) == (Decimal("9.10"), 30)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review_system.sync_requested")
    ).one()
    assert (event.actor_id, event.on_behalf_of_company_id) == (staff.id, company.id)
    assert (event.subject_id, event.changes["outcome"]["new"]) == (system.public_id, "ok")
    page = staff_client.get(response.headers["Location"]).text
    assert "Gesynchroniseerd: de cijfers van Gekoppeld Bedrijf zijn bijgewerkt." in page


def test_failed_sync_now_keeps_the_last_good_figures(staff_client, linked, provider):
    company, system = linked
    answers, _ = provider
    answers.append(
        ProviderError.for_provider(
            "auth_error", Provider.KIYOH, http_status=401, detail="HTTP 401 from provider"
        )
    )

    response = staff_client.post(f"{BASE}/{company.public_id}/synchroniseren")

    assert response.status_code == 303
    [attempt] = attempts_of(system)
    assert (attempt.outcome, attempt.http_status) == ("auth_error", 401)
    system = db.session.get(ReviewSystem, system.id)
    assert (system.score, system.review_count) == (Decimal("8.50"), 12)
    page = staff_client.get(f"{BASE}/{company.public_id}").text
    assert "Synchroniseren is mislukt (gegevens geweigerd)" in page
    assert "HTTP 401 from provider" in page and "<td>401</td>" in page


def test_sync_now_runs_beside_the_scheduled_run(staff_client, linked, provider):
    """The scheduled run's lock does not stop a staff sync: each has its own lock."""
    company, system = linked
    answers, calls = provider
    answers.append(stats("9.10", 30))

    with run_lock(db.engine, LOCK_NAME) as got:
        assert got
        response = staff_client.post(f"{BASE}/{company.public_id}/synchroniseren")

    assert response.status_code == 303 and len(calls) == 1
    assert [a.outcome for a in attempts_of(system)] == ["ok"]


def test_sync_now_while_another_staff_sync_holds_the_lock(staff_client, linked, provider):
    company, system = linked
    answers, calls = provider
    answers.append(stats("9.10", 30))

    with run_lock(db.engine, MEMBER_SYNC_LOCK) as got:
        assert got
        response = staff_client.post(f"{BASE}/{company.public_id}/synchroniseren")

    assert response.status_code == 303
    assert calls == [] and attempts_of(system) == []
    page = staff_client.get(f"{BASE}/{company.public_id}").text
    assert "Er loopt al een synchronisatie." in page
    count = select(func.count()).where(AuditEvent.action == "review_system.sync_requested")
    assert db.session.scalar(count) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"provider": Provider.OTHER, "status": SystemStatus.APPROVED},
        {"provider": Provider.KLANTENVERTELLEN, "status": SystemStatus.REQUESTED},
    ],
    ids=["other system", "requested"],
)
def test_sync_now_needs_a_linked_account(staff_client, make_company, make_system, provider, fields):
    company = make_company()
    make_system(company, **fields)
    page = staff_client.get(f"{BASE}/{company.public_id}").text
    assert "Nu synchroniseren" not in page

    response = staff_client.post(f"{BASE}/{company.public_id}/synchroniseren")

    assert response.status_code == 303 and provider[1] == []
    page = staff_client.get(f"{BASE}/{company.public_id}").text
    assert "geen gekoppeld account dat kan synchroniseren" in page


def test_members_get_404_on_sync_now(app, make_user, login, linked, provider):
    company, _ = linked
    client = app.test_client()
    login(client, make_user())
    assert client.post(f"{BASE}/{company.public_id}/synchroniseren").status_code == 404
    assert provider[1] == []
