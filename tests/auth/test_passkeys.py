"""Passkeys on the server: registration, login, second step and their refusals.

The authenticator is tests/auth/softauthn.py (real P-256 keys and signatures); py_webauthn
verifies its answers as it verifies a device's. The browser flow is tests/browser/test_passkeys.py.
"""

from __future__ import annotations

import json

import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from portal.auth import mfa
from portal.auth.models import Role, UserSession
from portal.auth.passkeys import Passkey
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.auth.softauthn import SoftAuthenticator
from tests.conftest import PASSWORD, login_as


def options(client, url: str) -> dict:
    response = client.post(url)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def register(client, device: SoftAuthenticator, name="Laptop", **kwargs):
    opts = options(client, "/account/passkeys/opties")
    credential = device.create(opts, **kwargs)
    return client.post(
        "/account/passkeys", data={"name": name, "credential": json.dumps(credential)}
    )


def passkey_count(user=None) -> int:
    query = select(func.count()).select_from(Passkey)
    if user is not None:
        query = query.where(Passkey.user_id == user.id)
    return db.session.scalar(query)


def login_with(client, device, **kwargs):
    opts = options(client, "/inloggen/passkey/opties")
    assert opts["userVerification"] == "required" and opts.get("allowCredentials", []) == []
    return client.post(
        "/inloggen/passkey", data={"credential": json.dumps(device.get(opts, **kwargs))}
    )


@pytest.fixture
def member(make_user):
    return make_user()


@pytest.fixture
def device():
    return SoftAuthenticator()


def test_register_stores_public_key_and_no_plain_challenge(client, member, device):
    login_as(client, member)
    opts = options(client, "/account/passkeys/opties")
    assert opts["authenticatorSelection"]["residentKey"] == "required"
    assert opts["authenticatorSelection"]["userVerification"] == "required"
    with client.session_transaction() as s:
        assert opts["challenge"] not in json.dumps(dict(s))  # only its hash is kept
    credential = device.create(opts)
    response = client.post(
        "/account/passkeys", data={"name": "Laptop kantoor", "credential": json.dumps(credential)}
    )
    assert response.status_code == 303
    row = db.session.scalars(select(Passkey)).one()
    assert row.user_id == member.id and row.name == "Laptop kantoor"
    assert "auth.passkey_added" in db.session.scalars(select(AuditEvent.action)).all()
    page = client.get("/account/passkeys").text
    assert "Laptop kantoor" in page and 'data-passkey="create"' in page


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"origin": "https://nep-portaal.example"}, "origin of another site"),
        ({"rp_id": "nep-portaal.example"}, "credential for another relying party"),
        ({"verified": False}, "no user verification on the device"),
    ],
)
def test_register_refusals(client, member, device, kwargs, why):
    login_as(client, member)
    response = register(client, device, **kwargs)
    assert response.status_code == 422, why
    assert "kon niet worden gecontroleerd" in response.text
    assert passkey_count() == 0


def test_register_without_or_with_a_used_challenge(client, member, device):
    login_as(client, member)
    response = client.post(
        "/account/passkeys",
        data={"name": "X", "credential": json.dumps(device.create({"challenge": "abc"}))},
    )
    assert response.status_code == 422 and "verlopen" in response.text
    opts = options(client, "/account/passkeys/opties")
    credential = json.dumps(device.create(opts))
    assert (
        client.post("/account/passkeys", data={"name": "A", "credential": credential}).status_code
        == 303
    )
    again = client.post("/account/passkeys", data={"name": "B", "credential": credential})
    assert again.status_code == 422 and passkey_count() == 1


def test_register_needs_a_name_and_valid_json(client, member, device):
    login_as(client, member)
    assert register(client, device, name="").status_code == 422
    options(client, "/account/passkeys/opties")
    response = client.post("/account/passkeys", data={"name": "A", "credential": "{niet-json"})
    assert response.status_code == 422 and passkey_count() == 0


def test_login_with_passkey_counts_as_two_factors(app, make_user, device):
    staff = make_user(role=Role.STAFF)
    owner = app.test_client()
    login_as(owner, staff)
    assert register(owner, device).status_code == 303
    client = app.test_client()
    response = login_with(client, device)
    assert response.status_code == 303 and response.headers["Location"] == "/beheer/leden"
    row = db.session.scalars(
        select(UserSession).where(UserSession.user_id == staff.id).order_by(UserSession.id.desc())
    ).first()
    assert row.mfa_verified is True
    assert client.get("/beheer/leden").status_code == 200
    assert db.session.scalars(select(Passkey)).one().last_used_at is not None


def test_login_refusals(app, member, device):
    owner = app.test_client()
    login_as(owner, member)
    register(owner, device)
    client = app.test_client()
    forged = login_with(client, device, key=ec.generate_private_key(ec.SECP256R1()))
    assert forged.headers["Location"] == "/inloggen"
    assert "kon niet worden gecontroleerd" in client.get("/inloggen").text
    phished = login_with(client, device, origin="https://nep-portaal.example")
    assert phished.headers["Location"] == "/inloggen"
    unverified = login_with(client, device, verified=False)
    assert unverified.headers["Location"] == "/inloggen"
    stranger = login_with(client, SoftAuthenticator())
    assert stranger.headers["Location"] == "/inloggen"
    assert "niet (meer) bekend" in client.get("/inloggen").text
    # A captured answer cannot be replayed: its challenge was used.
    opts = options(client, "/inloggen/passkey/opties")
    answer = json.dumps(device.get(opts))
    assert (
        client.post("/inloggen/passkey", data={"credential": answer}).headers["Location"]
        == "/mijn-profiel/"
    )
    other = app.test_client()
    options(other, "/inloggen/passkey/opties")
    replay = other.post("/inloggen/passkey", data={"credential": answer})
    assert replay.headers["Location"] == "/inloggen"
    assert (
        db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == member.id)
        )
        == 2
    )  # the owner's and the one real passkey login


def test_passkey_as_staff_second_step_instead_of_totp(app, make_user, device):
    staff = make_user(role=Role.STAFF)
    owner = app.test_client()
    login_as(owner, staff)
    register(owner, device)
    client = app.test_client()
    response = client.post("/inloggen", data={"email": staff.email, "password": PASSWORD})
    assert response.headers["Location"] == "/inloggen/code"
    page = client.get("/inloggen/code").text
    assert 'data-passkey="get"' in page and 'name="code"' not in page  # no TOTP set up
    opts = options(client, "/inloggen/code/passkey/opties")
    assert [c["id"] for c in opts["allowCredentials"]] == [
        db.session.scalars(select(Passkey.credential_id)).one()
    ]
    response = client.post(
        "/inloggen/code/passkey", data={"credential": json.dumps(device.get(opts))}
    )
    assert response.headers["Location"] == "/beheer/leden"
    assert client.get("/beheer/leden").status_code == 200


def test_second_step_refuses_another_users_passkey(app, make_user):
    staff, other = make_user(role=Role.STAFF), make_user(role=Role.STAFF)
    mfa.enable(staff, pyotp.random_base32())
    db.session.commit()
    stranger_device = SoftAuthenticator()
    holder = app.test_client()
    login_as(holder, other)
    register(holder, stranger_device)
    client = app.test_client()
    client.post("/inloggen", data={"email": staff.email, "password": PASSWORD})
    assert client.post("/inloggen/code/passkey/opties").status_code == 200  # staff has TOTP only
    opts = options(client, "/inloggen/code/passkey/opties")
    response = client.post(
        "/inloggen/code/passkey", data={"credential": json.dumps(stranger_device.get(opts))}
    )
    assert response.headers["Location"] == "/inloggen/code"
    assert client.get("/beheer/leden").status_code == 302


def test_rename_and_remove_only_own_passkeys(app, make_user, device):
    alice, bob = make_user(), make_user()
    alice_client, bob_client = app.test_client(), app.test_client()
    login_as(alice_client, alice)
    login_as(bob_client, bob)
    register(alice_client, device)
    public_id = db.session.scalars(select(Passkey.public_id)).one()
    assert (
        bob_client.post(f"/account/passkeys/{public_id}/naam", data={"name": "Van mij"}).status_code
        == 404
    )
    assert bob_client.post(f"/account/passkeys/{public_id}/verwijderen").status_code == 404
    assert (
        alice_client.post(f"/account/passkeys/{public_id}/naam", data={"name": ""}).status_code
        == 422
    )
    assert (
        alice_client.post(
            f"/account/passkeys/{public_id}/naam", data={"name": "Telefoon"}
        ).status_code
        == 303
    )
    assert db.session.scalars(select(Passkey.name)).one() == "Telefoon"
    assert alice_client.post(f"/account/passkeys/{public_id}/verwijderen").status_code == 303
    assert passkey_count() == 0
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "auth.passkey_renamed" in actions and "auth.passkey_removed" in actions


def test_a_members_passkey_is_no_required_second_step(app, member, device):
    owner = app.test_client()
    login_as(owner, member)
    register(owner, device)
    client = app.test_client()
    response = client.post("/inloggen", data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/mijn-profiel/"  # lost passkey: password still works


def test_staff_passkey_alone_is_refused_when_staff_must_use_sso(app, make_user, device):
    """With STAFF_PASSWORD_LOGIN=false staff access follows the IdP groups: no passkey bypass."""
    staff = make_user(role=Role.STAFF)
    owner = app.test_client()
    login_as(owner, staff)
    assert register(owner, device).status_code == 303
    app.config["STAFF_PASSWORD_LOGIN"] = False
    client = app.test_client()
    response = login_with(client, device)
    assert response.status_code == 303 and response.headers["Location"].endswith("/inloggen")
    assert client.get("/beheer/leden").status_code in (302, 303, 401, 403, 404)
    assert "verenigingsaccount" in client.get("/inloggen").text


def test_captured_cookie_and_answer_cannot_be_replayed(app, client, member, device):
    """The signed session makes a challenge one-use per browser only; the database record makes
    it one-use everywhere: a copy of the pre-login cookie with the same answer is refused."""
    owner = app.test_client()
    login_as(owner, member)
    register(owner, device)
    opts = options(client, "/inloggen/passkey/opties")
    answer = {"credential": json.dumps(device.get(opts))}
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    stolen = client.get_cookie(cookie_name).value  # the pre-login cookie with the challenge
    assert client.post("/inloggen/passkey", data=answer).headers["Location"] == "/mijn-profiel/"
    attacker = app.test_client()
    attacker.set_cookie(cookie_name, stolen)
    replay = attacker.post("/inloggen/passkey", data=answer)
    assert replay.headers["Location"] == "/inloggen"
    sessions = select(func.count()).select_from(UserSession)
    assert db.session.scalar(sessions.where(UserSession.user_id == member.id)) == 2
    assert "verlopen" in attacker.get("/inloggen").text


def test_used_challenge_records_expire_with_the_ceremony(app, client, member, device):
    from datetime import timedelta

    from portal.core.concurrency import IdempotencyKey
    from portal.core.db import utcnow

    owner = app.test_client()
    login_as(owner, member)
    register(owner, device)  # one used registration challenge
    scope = IdempotencyKey.scope.like("webauthn:%")
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey).where(scope)) == 1
    old = db.session.scalars(select(IdempotencyKey).where(scope)).one()
    old.created_at = utcnow() - timedelta(seconds=301)
    db.session.commit()
    login_with(client, device)  # the next ceremony forgets records older than a ceremony
    db.session.expire_all()
    keys = db.session.scalars(select(IdempotencyKey.scope).where(scope)).all()
    assert keys == ["webauthn:login"]
