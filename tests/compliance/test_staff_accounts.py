"""Beheer > Medewerkers: admins list, create, re-role and deactivate staff accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.models import Role, User, UserSession
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from tests.conftest import mailed_link

BASE = "/beheer/medewerkers"


@pytest.fixture
def admin_client(client, admin, login):
    login(client, admin)
    return client


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("staff.%")))
    )


def test_list_shows_staff_and_admins_but_no_members(admin_client, staff, make_user):
    member = make_user(name="Lid Lisa")
    page = admin_client.get(BASE)
    assert page.status_code == 200
    assert "Sanne Staf" in page.text and "Anton Admin (u)" in page.text
    assert member.email not in page.text
    # No role or deactivate controls for the admin's own row.
    assert page.text.count("Rol opslaan") == 1


def test_create_staff_mails_an_activation_link_that_works(admin_client, admin, client):
    response = admin_client.post(BASE, data={"name": "Nina Nieuw", "email": "Nina@Vereniging.NL"})

    assert response.status_code == 303 and response.headers["Location"] == BASE
    user = db.session.scalars(select(User).where(User.email == "nina@vereniging.nl")).one()
    assert (user.role, user.active, user.password_hash, user.company_id) == (
        Role.STAFF, True, None, None,
    )  # fmt: skip
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert (mail.kind, mail.to_address) == ("auth.activate", "nina@vereniging.nl")
    assert "Anton Admin heeft u uitgenodigd" in mail.body
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.created")).one()
    assert (event.actor_id, event.subject_id) == (admin.id, user.public_id)
    link = mailed_link(mail, "activeren")
    assert client.get(link).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Dubbel", "email": "DUBBEL"}, "Vul een geldig e-mailadres in"),
        ({"name": "", "email": "leeg@vereniging.nl"}, "Dit veld is verplicht."),
    ],
    ids=["bad address", "no name"],
)
def test_create_staff_rejects_invalid_input(admin_client, data, message):
    response = admin_client.post(BASE, data=data)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_create_staff_refuses_a_known_address(admin_client, staff):
    response = admin_client.post(BASE, data={"name": "Kopie", "email": staff.email.upper()})
    assert response.status_code == 422
    assert "Er bestaat al een account met dit e-mailadres." in response.text
    assert actions() == []


def test_change_role_both_ways_but_never_the_own_account(admin_client, admin, staff):
    url = f"{BASE}/{staff.public_id}/rol"
    assert admin_client.post(url, data={"role": "admin"}).status_code == 303
    assert fresh(staff).role is Role.ADMIN
    assert admin_client.post(url, data={"role": "staff"}).status_code == 303
    assert fresh(staff).role is Role.STAFF
    assert admin_client.post(url, data={"role": "member"}).status_code == 422
    assert fresh(staff).role is Role.STAFF

    own = admin_client.post(f"{BASE}/{admin.public_id}/rol", data={"role": "staff"})
    assert own.status_code == 422 and "Uw eigen account" in own.text
    assert fresh(admin).role is Role.ADMIN
    assert actions() == ["staff.role_changed", "staff.role_changed"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"role": {"old": "admin", "new": "staff"}}


def test_deactivate_asks_first_then_ends_the_sessions(admin_client, admin, staff, app, login):
    staff_client = app.test_client()
    login(staff_client, staff)
    assert staff_client.get("/beheer/criterium-2/").status_code == 200
    url = f"{BASE}/{staff.public_id}/deactiveren"

    confirm = admin_client.get(url)
    assert confirm.status_code == 200 and "Account van Sanne Staf deactiveren?" in confirm.text
    assert fresh(staff).active is True  # the confirmation page changes nothing
    done = admin_client.post(url)

    assert done.status_code == 303 and done.headers["Location"] == BASE
    assert fresh(staff).active is False
    live = select(UserSession).where(
        UserSession.user_id == staff.id, UserSession.revoked_at.is_(None)
    )
    assert db.session.scalars(live).all() == []
    after = staff_client.get("/beheer/criterium-2/")
    assert after.status_code == 302 and "/inloggen" in after.headers["Location"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.deactivated")
    ).one()
    assert event.changes["active"] == {"old": True, "new": False}
    assert event.changes["sessions_ended"]["new"] == 1
    again = admin_client.post(url)
    assert again.status_code == 422 and "gedeactiveerd" in again.text


def test_admin_cannot_deactivate_the_own_account(admin_client, admin):
    response = admin_client.post(f"{BASE}/{admin.public_id}/deactiveren")
    assert response.status_code == 422 and "Uw eigen account" in response.text
    assert fresh(admin).active is True


def test_member_accounts_are_not_managed_here(admin_client, make_user):
    member = make_user()
    for method, url in (
        ("POST", f"{BASE}/{member.public_id}/rol"),
        ("GET", f"{BASE}/{member.public_id}/deactiveren"),
        ("POST", f"{BASE}/{member.public_id}/deactiveren"),
    ):
        assert admin_client.open(url, method=method, data={"role": "admin"}).status_code == 404
    assert fresh(member).role is Role.MEMBER and fresh(member).active is True


@pytest.mark.parametrize("who", ["member", "staff"])
def test_members_and_staff_get_404(app, make_user, login, admin, who):
    user = make_user() if who == "member" else make_user(role="staff")
    client = app.test_client()
    login(client, user)
    for method, url in (
        ("GET", BASE),
        ("POST", BASE),
        ("POST", f"{BASE}/{admin.public_id}/rol"),
        ("GET", f"{BASE}/{admin.public_id}/deactiveren"),
        ("POST", f"{BASE}/{admin.public_id}/deactiveren"),
    ):
        data = {"name": "X", "email": "x@vereniging.nl", "role": "staff"}
        assert client.open(url, method=method, data=data).status_code == 404, (method, url)
    assert fresh(admin).active is True and fresh(admin).role is Role.ADMIN
    assert actions() == []
