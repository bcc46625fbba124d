"""Password reset by e-mailed one-time token."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import UserToken
from portal.core.models import OutboxMessage
from portal.extensions import db
from tests.conftest import mailed_link, post_token_form


def _reset_path() -> str:
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "auth.reset")).one()
    return mailed_link(mail, "wachtwoord-herstellen")


def test_reset_flow_single_use(client, make_user):
    user = make_user()
    response = client.post("/wachtwoord-vergeten", data={"email": user.email})
    assert response.status_code == 303
    path = _reset_path()
    token = path.rsplit("/", 1)[1]
    assert token not in "".join(db.session.scalars(select(UserToken.token_hash)))  # stored hashed
    new = "oranje-boiler-neuriet-zacht-9"
    assert post_token_form(client, path, password=new, confirm="anders").status_code == 422
    assert post_token_form(client, path, password=new, confirm=new).status_code == 303
    assert client.get(path).status_code == 404
    assert client.post("/inloggen", data={"email": user.email, "password": new}).status_code == 303


def test_unknown_address_gets_same_answer_and_no_mail(client):
    response = client.post("/wachtwoord-vergeten", data={"email": "onbekend@bedrijf.example"})
    assert response.status_code == 303
    assert db.session.scalars(select(OutboxMessage)).first() is None


def test_expired_token_refused(client, make_user):
    user = make_user()
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    row = db.session.scalars(select(UserToken)).one()
    row.expires_at = row.expires_at - timedelta(minutes=31)
    db.session.commit()
    response = client.get(_reset_path())
    assert response.status_code == 404 and "Deze link werkt niet meer" in response.text
