"""Single sign-on against real OpenID Connect providers on loopback (no mock of authlib).

oidc-provider-mock (PyPI) plays the association's IdP: users and their claims are set over its
HTTP API and the test logs in at its authorization form. tests/auth/forging_idp.py is a second,
real provider for tokens the mock never makes (wrong key, audience, issuer, nonce, expired).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pyotp
import pytest
from sqlalchemy import func, select

from portal.auth import mfa
from portal.auth.models import Role, User, UserSession
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.auth.idp import (
    authorize_at_forger,
    authorize_at_mock,
    forging_idp,
    local_path,
    mock_idp,
    put_user,
    set_mode,
    start,
)
from tests.conftest import PASSWORD, totp_code
from tests.mailserver import free_port

STAFF_GROUP, ADMIN_GROUP = "portal-staff", "portal-admins"


@pytest.fixture(scope="session")
def idp():
    with mock_idp() as url:
        yield url


@pytest.fixture(scope="session")
def forger():
    with forging_idp() as url:
        yield url


def sso_config(issuer: str, **overrides) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": "ledenportaal",
        "OIDC_CLIENT_SECRET": "client-secret-for-tests",
        "OIDC_SCOPES": "openid email profile",
        "OIDC_GROUPS_CLAIM": "groups",
        "OIDC_STAFF_GROUPS": [STAFF_GROUP],
        "OIDC_ADMIN_GROUPS": [ADMIN_GROUP],
        "OIDC_ALLOWED_DOMAINS": [],
        "OIDC_MFA_ACR": ["urn:vereniging:mfa"],
        "OIDC_FOR": "both",
        **overrides,
    }


@pytest.fixture
def sso_overrides() -> dict:
    """Override with `@pytest.mark.parametrize("sso_overrides", [{...}])` for other settings."""
    return {}


@pytest.fixture
def app_config(idp, sso_overrides):
    return sso_config(idp, **sso_overrides)


def _sub() -> str:
    return f"user-{time.monotonic_ns()}"


def login_via_mock(client, idp, *, email, sub=None, **claims):
    """The whole round trip: button, IdP form, callback. Returns the callback's response."""
    sub = sub or _sub()
    put_user(idp, sub, email=email, email_verified=claims.pop("email_verified", True), **claims)
    callback = authorize_at_mock(start(client), sub)
    return client.get(local_path(callback))


def flashed(client) -> str:
    return client.get("/inloggen").text


def live_sessions(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{}], indirect=False)
def test_without_configuration_there_is_no_button_and_no_flow(client):
    page = client.get("/inloggen").text
    assert "verenigingsaccount" not in page
    assert client.post("/inloggen/sso").status_code == 404
    assert client.get("/inloggen/sso/terug?code=x&state=y").status_code == 404


def test_login_page_shows_the_button(client):
    page = client.get("/inloggen").text
    assert "Inloggen met je verenigingsaccount" in page
    assert 'action="/inloggen/sso"' in page


def test_authorization_request_uses_pkce_state_and_nonce(client):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://localhost/inloggen/sso/terug"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


# --- staff ---------------------------------------------------------------------------------


def test_staff_account_is_created_from_the_group_and_idp_mfa_skips_totp(client, idp):
    response = login_via_mock(
        client,
        idp,
        email="Nieuw.Staf@Vereniging.example",
        groups=[STAFF_GROUP],
        amr=["pwd", "mfa"],
        name="Nieuwe Medewerker",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/beheer/leden"
    user = db.session.scalars(
        select(User).where(User.email == "nieuw.staf@vereniging.example")
    ).one()
    assert (
        user.role is Role.STAFF and user.password_hash is None and user.name == "Nieuwe Medewerker"
    )
    row = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.mfa_verified is True
    assert client.get("/beheer/leden").status_code == 200
    actions = audit_actions()
    assert "auth.sso_account_created" in actions and "auth.sso_login" in actions
    with client.session_transaction() as s:  # no state, nonce or token left in the cookie
        assert not [k for k in s if k.startswith("_state_")]
        assert "id_token" not in str(dict(s))


def test_acr_configured_by_the_admin_counts_as_mfa(client, idp, make_user):
    user = make_user(role=Role.STAFF, email="acr@vereniging.example")
    mfa.enable(user, pyotp.random_base32())
    db.session.commit()
    response = login_via_mock(
        client, idp, email=user.email, groups=[STAFF_GROUP], acr="urn:vereniging:mfa"
    )
    assert response.headers["Location"] == "/beheer/leden"


def test_existing_staff_without_idp_mfa_still_needs_totp(client, idp, make_user):
    user = make_user(role=Role.STAFF, email="totp@vereniging.example")
    secret = pyotp.random_base32()
    mfa.enable(user, secret)
    db.session.commit()
    response = login_via_mock(
        client,
        idp,
        email="TOTP@vereniging.example",
        groups=[STAFF_GROUP],
        amr=["pwd"],
        acr="urn:other",
    )
    assert response.headers["Location"] == "/inloggen/code"
    assert client.get("/beheer/leden").status_code == 302  # not logged in yet
    response = client.post("/inloggen/code", data={"code": totp_code(secret)})
    assert response.status_code == 303 and response.headers["Location"] == "/beheer/leden"
    assert client.get("/beheer/leden").status_code == 200


def test_staff_without_any_second_factor_must_set_up_totp(client, idp, make_user):
    make_user(role=Role.STAFF, email="geen2fa@vereniging.example")
    login_via_mock(client, idp, email="geen2fa@vereniging.example", groups=[STAFF_GROUP])
    response = client.get("/beheer/leden")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/tweestapsverificatie")


def test_roles_follow_groups_and_removal_ends_staff_access(app, idp, make_user):
    user = make_user(role=Role.STAFF, email="wissel@vereniging.example")
    sub = _sub()
    first = app.test_client()
    login_via_mock(first, idp, email=user.email, sub=sub, groups=[ADMIN_GROUP], amr=["mfa"])
    db.session.refresh(user)
    assert user.role is Role.ADMIN
    assert first.get("/beheer/leden").status_code == 200

    second = app.test_client()
    response = login_via_mock(
        second, idp, email=user.email, sub=sub, groups=["iets-anders"], amr=["mfa"]
    )
    assert response.status_code == 303 and response.headers["Location"] == "/inloggen"
    assert "geen toegang tot het beheer" in flashed(second)
    db.session.refresh(user)
    assert user.active is False and live_sessions(user) == 0
    assert first.get("/beheer/leden").status_code == 302  # the earlier session ended too
    assert "auth.sso_staff_revoked" in audit_actions()


def test_no_account_is_created_without_a_staff_group(client, idp):
    response = login_via_mock(client, idp, email="vreemde@elders.example", groups=[])
    assert response.headers["Location"] == "/inloggen"
    assert "geen account" in flashed(client)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert "auth.sso_refused" in audit_actions()


# --- members -------------------------------------------------------------------------------


def test_member_logs_in_by_verified_email(client, idp, make_user):
    user = make_user(email="lid@bedrijf.example")
    response = login_via_mock(client, idp, email=user.email, groups=[STAFF_GROUP])
    assert response.headers["Location"] == "/mijn-profiel/"
    db.session.refresh(user)
    assert user.role is Role.MEMBER  # a staff group never promotes a member user
    assert client.get("/mijn-profiel/").status_code == 200


def test_member_with_totp_gets_the_code_step_unless_the_idp_did_mfa(app, idp, make_user):
    user = make_user(email="lid2fa@bedrijf.example")
    mfa.enable(user, pyotp.random_base32())
    db.session.commit()
    response = login_via_mock(app.test_client(), idp, email=user.email)
    assert response.headers["Location"] == "/inloggen/code"
    response = login_via_mock(app.test_client(), idp, email=user.email, amr=["otp"])
    assert response.headers["Location"] == "/mijn-profiel/"


@pytest.mark.parametrize("sso_overrides", [{"OIDC_FOR": "staff"}])
def test_members_are_refused_when_sso_is_for_staff_only(client, idp, make_user):
    user = make_user(email="lid-niet@bedrijf.example")
    response = login_via_mock(client, idp, email=user.email)
    assert response.headers["Location"] == "/inloggen"
    assert "geen account" in flashed(client) and live_sessions(user) == 0


@pytest.mark.parametrize("sso_overrides", [{"OIDC_FOR": "members"}])
def test_staff_are_refused_when_sso_is_for_members_only(client, idp, make_user):
    user = make_user(role=Role.STAFF, email="staf-niet@vereniging.example")
    response = login_via_mock(client, idp, email=user.email, groups=[STAFF_GROUP], amr=["mfa"])
    assert response.headers["Location"] == "/inloggen" and live_sessions(user) == 0


# --- refusals ------------------------------------------------------------------------------


def test_unverified_email_is_refused(client, idp, make_user):
    user = make_user(email="onbevestigd@bedrijf.example")
    response = login_via_mock(client, idp, email=user.email, email_verified=False)
    assert response.headers["Location"] == "/inloggen"
    assert "niet bevestigd" in flashed(client) and live_sessions(user) == 0


@pytest.mark.parametrize("sso_overrides", [{"OIDC_ALLOWED_DOMAINS": ["vereniging.example"]}])
def test_domain_outside_the_allowed_list_is_refused(client, idp, make_user):
    user = make_user(email="lid@ander-domein.example")
    response = login_via_mock(client, idp, email=user.email)
    assert response.headers["Location"] == "/inloggen"
    assert "dit domein" in flashed(client) and live_sessions(user) == 0


def test_denied_consent(client, idp):
    callback = authorize_at_mock(start(client), None, deny=True)
    assert "error=access_denied" in callback
    response = client.get(local_path(callback))
    assert response.headers["Location"] == "/inloggen"
    assert "afgebroken of geen toestemming" in flashed(client)


def test_replayed_state_is_refused(client, idp, make_user):
    user = make_user(email="replay@bedrijf.example")
    sub = _sub()
    put_user(idp, sub, email=user.email, email_verified=True)
    callback = authorize_at_mock(start(client), sub)
    assert client.get(local_path(callback)).headers["Location"] == "/mijn-profiel/"
    client.post("/uitloggen")
    response = client.get(local_path(callback))  # the same answer again
    assert response.headers["Location"] == "/inloggen"
    assert "verlopen of al gebruikt" in flashed(client)
    assert live_sessions(user) == 0


def test_state_of_another_browser_is_refused(app, idp, make_user):
    user = make_user(email="csrf@bedrijf.example")
    sub = _sub()
    put_user(idp, sub, email=user.email, email_verified=True)
    attacker, victim = app.test_client(), app.test_client()
    callback = authorize_at_mock(start(attacker), sub)
    start(victim)  # the victim has a flow of its own, with another state
    response = victim.get(local_path(callback))
    assert response.headers["Location"] == "/inloggen"
    assert "verlopen of al gebruikt" in flashed(victim) and live_sessions(user) == 0


def test_expired_state_is_refused(client, idp, make_user):
    user = make_user(email="traag@bedrijf.example")
    sub = _sub()
    put_user(idp, sub, email=user.email, email_verified=True)
    callback = authorize_at_mock(start(client), sub)
    with client.session_transaction() as s:
        s["sso_started"] = time.time() - 601
    response = client.get(local_path(callback))
    assert response.headers["Location"] == "/inloggen"
    assert "verlopen of al gebruikt" in flashed(client) and live_sessions(user) == 0


def test_nonce_mismatch_is_refused(client, idp, make_user):
    user = make_user(email="nonce@bedrijf.example")
    sub = _sub()
    put_user(idp, sub, email=user.email, email_verified=True)
    parts = urlsplit(start(client))
    query = parse_qs(parts.query)
    query["nonce"] = ["een-andere-nonce"]  # the IdP signs a token for another login attempt
    tampered = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    response = client.get(local_path(authorize_at_mock(tampered, sub)))
    assert response.headers["Location"] == "/inloggen"
    assert "ongeldig of niet voor dit portaal" in flashed(client) and live_sessions(user) == 0


@pytest.mark.parametrize("sso_overrides", [{"OIDC_ISSUER": f"http://127.0.0.1:{free_port()}"}])
def test_unreachable_idp(client):
    response = client.post("/inloggen/sso")
    assert response.status_code == 303 and response.headers["Location"] == "/inloggen"
    assert "niet bereikbaar" in flashed(client)


def test_a_login_past_its_deadline_ends_in_the_error_page(client, idp, make_user, monkeypatch):
    # The token and key calls of the callback share the login deadline: when it has passed
    # (here: a deadline of 0 s, as after slow IdP calls), no further call is made and the visitor
    # gets the Dutch error instead of a worker killed by gunicorn's timeout.
    from portal.config import sections

    user = make_user(email="deadline@bedrijf.example")
    sub = _sub()
    put_user(idp, sub, email=user.email, email_verified=True)
    callback = authorize_at_mock(start(client), sub)
    monkeypatch.setattr(sections, "LOGIN_DEADLINE", 0)
    response = client.get(local_path(callback))
    assert response.headers["Location"] == "/inloggen"
    assert "niet bereikbaar" in flashed(client) and live_sessions(user) == 0


# --- tokens from the forging provider ------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "accepted"),
    [
        ("good", True),  # the forging IdP itself is acceptable: the other rows fail on the token
        ("wrong-key", False),
        ("wrong-aud", False),
        ("expired", False),
        ("wrong-nonce", False),
        ("wrong-iss", False),
        ("alg-none", False),
    ],
)
def test_id_token_checks(forger, mode, accepted):
    from portal import create_app
    from tests.conftest import IsolatedClient, base_config, finish_database, start_database

    app = create_app(base_config(**sso_config(forger)))
    app.test_client_class = IsolatedClient
    with app.app_context():
        start_database()
        try:
            user = User(email="staf@vereniging.example", name="Staf", role=Role.STAFF)
            db.session.add(user)
            db.session.commit()
            set_mode(forger, mode, groups=[STAFF_GROUP], amr=["mfa"])
            client = app.test_client()
            response = client.get(local_path(authorize_at_forger(start(client))))
            if accepted:
                assert response.headers["Location"] == "/beheer/leden"
                assert live_sessions(user) == 1
            else:
                assert response.headers["Location"] == "/inloggen"
                assert "ongeldig of niet voor dit portaal" in flashed(client)
                assert live_sessions(user) == 0
        finally:
            db.session.remove()
            finish_database()
            db.engine.dispose()


# --- logout and password login -------------------------------------------------------------


def test_logout_after_sso_ends_the_idp_session_too(client, idp, make_user):
    user = make_user(email="uit@bedrijf.example")
    login_via_mock(client, idp, email=user.email)
    response = client.post("/uitloggen")
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == idp
    assert target.path == "/oauth2/end_session"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/inloggen"]
    assert query["client_id"] == ["ledenportaal"]
    assert live_sessions(user) == 0


def test_logout_after_password_login_stays_in_the_portal(client, make_user):
    user = make_user()
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert client.post("/uitloggen").headers["Location"] == "/inloggen"


@pytest.mark.parametrize("sso_overrides", [{"STAFF_PASSWORD_LOGIN": False}])
def test_staff_password_login_can_be_switched_off(client, make_user):
    staff = make_user(role=Role.STAFF)
    member = make_user()
    response = client.post("/inloggen", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 422
    assert "loggen in met hun verenigingsaccount" in response.text
    assert live_sessions(staff) == 0
    response = client.post("/inloggen", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 303
