"""Linking from mijn profiel against the provider emulator over real loopback HTTP."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.reviews.models import ReviewSystem, SyncAttempt, SystemStatus

from .conftest import emulator_config

BASE = "/mijn-profiel/beoordelingen"


@pytest.fixture
def app_config(emulator):
    return emulator_config(emulator)


@pytest.fixture
def boss(client, make_user, login):
    user = make_user()
    login(client, user)
    return user


def current(company_id: int) -> ReviewSystem | None:
    db.session.expire_all()
    return db.session.scalars(
        select(ReviewSystem).where(ReviewSystem.company_id == company_id, ReviewSystem.is_current)
    ).first()


def test_klantenvertellen_link_shows_the_providers_figures(client, boss, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    data = {"provider": "klantenvertellen", "location_id": "1000001", "token": "emu-1000001"}
    assert client.post(f"{BASE}/koppelen", data=data).status_code == 303
    system = current(boss.company_id)
    assert (system.status, system.review_count, str(system.score)) == (
        SystemStatus.ACTIVE,
        42,
        "8.90",
    )
    page = client.get(f"{BASE}/")
    assert "uit 42 beoordelingen" in page.text and "8,9/10" in page.text and "8,9 / 10" in page.text
    assert "emu-1000001" not in page.text and "emu-1000001" not in caplog.text


def test_feedback_company_link_keeps_its_five_point_scale(client, boss, emulator):
    data = {
        "provider": "feedback_company",
        "client_id": "fbc-demo-1",
        "client_secret": "emu-fbc-demo-1",
    }
    assert client.post(f"{BASE}/koppelen", data=data).status_code == 303
    assert "4,6 / 5" in client.get(f"{BASE}/").text


def test_wrong_token_is_refused_and_nothing_is_saved(client, boss, emulator):
    data = {"provider": "kiyoh", "location_id": "1000001", "token": "verkeerd-token"}
    response = client.post(f"{BASE}/koppelen", data=data)
    assert response.status_code == 422
    assert "Kiyoh accepteert deze API-token niet." in response.text
    assert current(boss.company_id) is None


def test_provider_down_saves_unchecked_with_one_attempt(client, boss, emulator):
    emulator.fault("1000002", "server_error")
    data = {"provider": "klantenvertellen", "location_id": "1000002", "token": "emu-1000002"}
    assert client.post(f"{BASE}/koppelen", data=data).status_code == 303
    system = current(boss.company_id)
    assert system.status is SystemStatus.UNCHECKED and system.score is None
    attempts = db.session.scalars(
        select(SyncAttempt).where(SyncAttempt.review_system_id == system.id)
    ).all()
    assert [(a.outcome, a.http_status, a.attempts) for a in attempts] == [("server_error", 500, 1)]
