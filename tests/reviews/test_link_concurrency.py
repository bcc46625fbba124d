"""Linking a review system from two pages (issue 14 §3): the link form replaces the company's
current system, so it carries that system's version and an idempotency key."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.reviews import clients
from portal.reviews.models import ReviewSystem
from tests.core.test_concurrency import CONFLICT, form_data
from tests.reviews.test_member_flows import TOKEN, FakeProvider

LINK = "/mijn-profiel/beoordelingen/koppelen"
OTHER = "/mijn-profiel/beoordelingen/ander-systeem"
KIYOH = {"provider": "kiyoh", "location_id": "1000001", "token": TOKEN, "confirm_switch": "y"}


def _systems(company_id: int) -> list[ReviewSystem]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(ReviewSystem).where(ReviewSystem.company_id == company_id))
    )


def test_link_submitted_three_times_links_once_and_calls_the_provider_once(
    client, make_user, login, monkeypatch
):
    fake = FakeProvider()
    monkeypatch.setattr(clients, "fetch_stats", fake)
    boss = make_user()
    login(client, boss)
    data = form_data(client, LINK, LINK) | KIYOH
    responses = [client.post(LINK, data=data) for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 303]
    assert len(fake.calls) == 1
    assert len(_systems(boss.company_id)) == 1


def test_stale_link_form_gets_409_and_changes_nothing(app, make_user, login, monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(clients, "fetch_stats", fake)
    first = make_user()
    second = make_user(company=first.company)
    a, b = app.test_client(), app.test_client()
    login(a, first)
    login(b, second)
    stale = form_data(b, LINK, LINK)
    other = form_data(a, OTHER, OTHER) | {
        "name": "WerkSpot", "url": "https://werkspot.example/a", "description": "Ons systeem.",
    }  # fmt: skip
    assert a.post(OTHER, data=other).status_code == 303
    response = b.post(LINK, data=stale | KIYOH)
    assert response.status_code == 409
    assert CONFLICT in response.text and "WerkSpot" in response.text
    assert 'value="1000001"' in response.text  # the second user's input is kept
    assert fake.calls == []  # refused before the provider is asked
    [system] = _systems(first.company_id)
    assert system.other_name == "WerkSpot"


def test_background_version_bump_alone_is_no_conflict(client, make_user, login, monkeypatch):
    """The review sync and secret rotation move the row's version without changing anything the
    link and other forms show: a save from a page opened before them goes through."""
    monkeypatch.setattr(clients, "fetch_stats", FakeProvider())
    boss = make_user()
    login(client, boss)
    assert client.post(LINK, data=form_data(client, LINK, LINK) | KIYOH).status_code == 303
    [system] = _systems(boss.company_id)
    stale_other, stale_link = form_data(client, OTHER, OTHER), form_data(client, LINK, LINK)
    system.review_count = (system.review_count or 0) + 1  # what the sync's apply_stats does
    db.session.commit()
    assert system.version > 1

    assert client.post(LINK, data=stale_link | KIYOH).status_code == 303  # same link again
    response = client.post(OTHER, data=stale_other | {
        "name": "WerkSpot", "url": "https://w.example/a", "description": "x", "confirm_switch": "y",
    })  # fmt: skip
    assert response.status_code == 303
    assert any(s.other_name == "WerkSpot" for s in _systems(boss.company_id))


def test_409_on_link_asks_to_enter_the_token_again(app, make_user, login, monkeypatch):
    monkeypatch.setattr(clients, "fetch_stats", FakeProvider())
    first = make_user()
    second = make_user(company=first.company)
    a, b = app.test_client(), app.test_client()
    login(a, first)
    login(b, second)
    stale = form_data(b, LINK, LINK)
    other = form_data(a, OTHER, OTHER) | {
        "name": "WerkSpot", "url": "https://werkspot.example/a", "description": "Ons systeem.",
    }  # fmt: skip
    assert a.post(OTHER, data=other).status_code == 303
    response = b.post(LINK, data=stale | KIYOH)
    assert response.status_code == 409
    notice = response.text.split(CONFLICT)[1].split("</div>")[0]
    assert "Vul opnieuw in:" in notice and "token" in notice.lower()
    assert TOKEN not in response.text  # still never echoed
