"""Colleagues: invite with activation link, roles, removal; medewerker limits; other companies 404."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import CompanyRole, User
from portal.core.models import OutboxMessage
from portal.extensions import db
from tests.conftest import mailed_link, post_token_form


def test_beheerder_invites_colleague_who_activates(app, client, make_user, login):
    boss = make_user()
    login(client, boss)
    response = client.post(
        "/mijn-profiel/collegas",
        data={
            "name": "Piet Monteur",
            "email": "Piet@Bedrijf.example",
            "company_role": "medewerker",
        },
    )
    assert response.status_code == 303
    piet = db.session.scalars(select(User).where(User.email == "piet@bedrijf.example")).one()
    assert piet.company_id == boss.company_id and piet.company_role is CompanyRole.MEDEWERKER
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "auth.activate")
    ).one()
    path = mailed_link(mail, "activeren")
    new = app.test_client()
    assert new.get(path).status_code == 200
    pw = "blauwe-cv-ketel-brandt-fel-5"
    assert post_token_form(new, path, password=pw, confirm=pw).status_code == 303
    assert new.get(path).status_code == 404  # single use
    assert (
        new.post("/inloggen", data={"email": "piet@bedrijf.example", "password": pw}).status_code
        == 303
    )


def test_duplicate_invite_rejected(client, make_user, login):
    boss = make_user()
    other = make_user()
    login(client, boss)
    response = client.post(
        "/mijn-profiel/collegas",
        data={"name": "X", "email": other.email, "company_role": "medewerker"},
    )
    assert response.status_code == 422 and "Er bestaat al een account" in response.text


def test_medewerker_cannot_invite_or_change_roles(client, make_user, login):
    boss = make_user()
    worker = make_user(company=boss.company, company_role=CompanyRole.MEDEWERKER)
    worker.company_role = CompanyRole.MEDEWERKER
    db.session.commit()
    login(client, worker)
    assert client.get("/mijn-profiel/collegas").status_code == 200
    assert (
        client.post(
            "/mijn-profiel/collegas",
            data={"name": "X", "email": "x@y.example", "company_role": "beheerder"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/mijn-profiel/collegas/{boss.public_id}/rol", data={"company_role": "medewerker"}
        ).status_code
        == 403
    )


def test_other_company_users_are_404(client, make_user, login):
    boss = make_user()
    stranger = make_user()
    login(client, boss)
    for method, url in [
        ("post", f"/mijn-profiel/collegas/{stranger.public_id}/rol"),
        ("get", f"/mijn-profiel/collegas/{stranger.public_id}/verwijderen"),
        ("post", f"/mijn-profiel/collegas/{stranger.public_id}/verwijderen"),
    ]:
        assert getattr(client, method)(url, data={"company_role": "medewerker"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, stranger.id).active is True


def test_remove_colleague_after_confirmation(client, make_user, login):
    boss = make_user()
    worker = make_user(company=boss.company)
    login(client, boss)
    page = client.get(f"/mijn-profiel/collegas/{worker.public_id}/verwijderen")
    assert "Ja, toegang intrekken" in page.text
    assert client.post(f"/mijn-profiel/collegas/{worker.public_id}/verwijderen").status_code == 303
    db.session.expire_all()
    gone = db.session.get(User, worker.id)
    assert gone.active is False and gone.company_id is None


def test_last_beheerder_cannot_demote_self(client, make_user, login):
    boss = make_user()
    login(client, boss)
    client.post(f"/mijn-profiel/collegas/{boss.public_id}/rol", data={"company_role": "medewerker"})
    db.session.expire_all()
    assert db.session.get(User, boss.id).company_role is CompanyRole.BEHEERDER
