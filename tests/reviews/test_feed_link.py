"""Linking and syncing with the older review-feed hash against the emulator over loopback HTTP."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from portal.dev.emulator_feed import feed_hash
from portal.extensions import db
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SyncAttempt, SystemStatus
from portal.reviews.sync import sync_one

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


def feed_form(location_id: str, secret: str, provider: str = "klantenvertellen") -> dict:
    return {
        "provider": provider,
        "location_id": location_id,
        "credential_kind": "feed_hash",
        "feed_hash": secret,
    }


@pytest.mark.parametrize("location_id", ["1000001", "xml-1000001"], ids=["feed-json", "feed-xml"])
def test_feed_hash_link_is_checked_live_and_stored_encrypted(
    client, boss, emulator, caplog, location_id
):
    caplog.set_level(logging.DEBUG)
    secret = feed_hash(location_id)
    response = client.post(f"{BASE}/koppelen", data=feed_form(location_id, secret))
    assert response.status_code == 303
    system = current(boss.company_id)
    assert system.status is SystemStatus.ACTIVE and system.location_id == location_id
    assert credentials.read_credentials(system) == {"feed_hash": secret}
    assert secret not in (system.credentials_enc or "")
    assert system.secret_hint == secret[-4:]
    page = client.get(f"{BASE}/")
    assert secret not in page.text and secret not in caplog.text


def test_feed_hash_of_another_location_is_refused(client, boss, emulator):
    response = client.post(f"{BASE}/koppelen", data=feed_form("1000001", feed_hash("1000002")))
    assert response.status_code == 422
    assert "Deze feed-hash hoort bij locatie-ID 1000002, niet bij 1000001." in response.text
    assert current(boss.company_id) is None


@pytest.mark.parametrize("location_id", ["1000001", "xml-1000001"], ids=["feed-json", "feed-xml"])
def test_wrong_feed_hash_is_an_auth_error_naming_the_hash(client, boss, emulator, location_id):
    response = client.post(
        f"{BASE}/koppelen", data=feed_form(location_id, "verkeerde-hash", "kiyoh")
    )
    assert response.status_code == 422
    assert "Kiyoh accepteert deze feed-hash niet." in response.text
    assert 'id="feed_hash-error"' in response.text
    assert current(boss.company_id) is None


def test_feed_kind_requires_the_hash_not_the_token(client, boss, emulator):
    data = feed_form("1000001", "")
    data["token"] = "emu-1000001"  # typed in the other field: not used for a feed link
    response = client.post(f"{BASE}/koppelen", data=data)
    assert response.status_code == 422
    assert 'id="feed_hash-error"' in response.text
    assert current(boss.company_id) is None


def test_unknown_credential_kind_is_refused(client, boss, emulator):
    data = feed_form("1000001", feed_hash("1000001"))
    data["credential_kind"] = "connectorcode"
    assert client.post(f"{BASE}/koppelen", data=data).status_code == 422
    assert current(boss.company_id) is None


def test_link_form_offers_both_credentials_with_help(client, boss):
    page = client.get(f"{BASE}/koppelen").text
    assert "Feed-hash (oudere koppeling)" in page and "API-token" in page
    assert "feed.json?hash=" in page


@pytest.mark.parametrize("location_id", ["1000002", "xml-1000002"], ids=["feed-json", "feed-xml"])
def test_sync_uses_the_feed_hash(app, emulator, make_link, location_id):
    system = make_link(Provider.KIYOH, location_id, creds={"feed_hash": feed_hash(location_id)})
    attempt = sync_one(system.id)
    db.session.commit()
    assert (attempt.outcome, attempt.http_status) == ("ok", 200)
    db.session.expire_all()
    assert db.session.scalars(select(SyncAttempt)).one().outcome == "ok"


def test_refused_feed_hash_in_the_sync_is_named_on_the_review_page(
    client, emulator, make_link, make_user, login
):
    system = make_link(Provider.KLANTENVERTELLEN, "1000001", creds={"feed_hash": "verlopen-hash"})
    login(client, make_user(company=system.company))
    attempt = sync_one(system.id)
    db.session.commit()
    assert attempt.outcome == "auth_error"
    page = client.get(f"{BASE}/").text
    assert "Klantenvertellen accepteert deze feed-hash niet." in page
    assert "verlopen-hash" not in page
