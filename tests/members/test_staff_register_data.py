"""Staff set erkenningen and vestigingsnummer, and invite a member's first beheerder."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import CompanyRole, Role, User
from portal.core.models import AuditEvent, OutboxMessage
from portal.directory.entries import refresh_entry
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.members.models import Company, Recognition
from tests.conftest import mailed_link, post_token_form

ADDRESS = {"street": "Kerkstraat", "house_number": "1", "postcode": "3511 AB", "city": "Utrecht"}


@pytest.fixture
def staff(client, make_user, login):
    user = make_user(role=Role.STAFF)
    login(client, user)
    return user


@pytest.fixture
def recognitions(app) -> dict[str, Recognition]:
    items = {slug: Recognition(slug=slug, name=name)
             for slug, name in (("vca", "VCA"), ("sterkin", "Sterkin"), ("brl-6000", "BRL 6000"))}  # fmt: skip
    db.session.add_all(items.values())
    db.session.commit()
    return items


def _edit(client, company, **data):
    return client.post(f"/beheer/leden/{company.public_id}/bewerken", data={**ADDRESS, **data})


# --------------------------------------------------------------------------- edit form


def test_staff_set_recognitions_and_establishment_number(client, staff, make_company, recognitions):
    company = make_company()
    refresh_entry(company.id)
    db.session.commit()
    form = client.get(f"/beheer/leden/{company.public_id}/bewerken").text
    assert 'name="establishment_number"' in form and "Erkenningen" in form
    assert 'name="recognitions"' in form and "BRL 6000" in form
    ids = [str(recognitions["vca"].id), str(recognitions["sterkin"].id)]

    response = _edit(client, company, establishment_number="0000 1234 5678", recognitions=ids)

    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Company, company.id)
    assert saved.establishment_number == "000012345678"
    assert [r.slug for r in saved.recognitions] == ["sterkin", "vca"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.updated_by_staff")
    ).one()
    assert event.changes["recognitions"] == {"old": [], "new": ["sterkin", "vca"]}
    assert event.changes["establishment_number"] == {"old": None, "new": "000012345678"}
    assert db.session.get(DirectoryEntry, company.id).recognitions == ["Sterkin", "VCA"]
    detail = client.get(f"/beheer/leden/{company.public_id}").text
    assert "<dt>Erkenningen</dt><dd>Sterkin, VCA</dd>" in detail and "/ 000012345678" in detail


def test_unticking_every_recognition_clears_them(client, staff, make_company, recognitions):
    company = make_company(establishment_number="000012345678")
    company.recognitions = [recognitions["vca"]]
    db.session.commit()
    assert _edit(client, company, establishment_number="").status_code == 303
    db.session.expire_all()
    saved = db.session.get(Company, company.id)
    assert saved.recognitions == [] and saved.establishment_number is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"establishment_number": "12345678901"}, "Vul een vestigingsnummer van 12 cijfers in."),
        ({"establishment_number": "1234567890123"}, "Vul een vestigingsnummer van 12 cijfers in."),
        ({"establishment_number": "12345678901x"}, "Vul een vestigingsnummer van 12 cijfers in."),
        ({"establishment_number": "\u0661" * 12}, "Vul een vestigingsnummer van 12 cijfers in."),
        ({"recognitions": ["999999"]}, "is een ongeldige keuze voor dit veld"),
        ({"recognitions": ["vca"]}, "Ongeldige keuze"),
    ],
)
def test_bad_register_data_is_refused_in_dutch(
    client, staff, make_company, recognitions, data, message
):
    company = make_company(establishment_number="000011112222")
    response = _edit(client, company, **data)
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert db.session.get(Company, company.id).establishment_number == "000011112222"


def test_staff_edit_page_has_no_member_inline_checks(client, staff, make_company):
    company = make_company()
    text = client.get(f"/beheer/leden/{company.public_id}/bewerken").text
    assert "/mijn-profiel/bedrijfsgegevens/controleer/" not in text


def test_members_cannot_set_register_data_themselves(client, make_user, login, recognitions):
    member = make_user()
    login(client, member)
    response = client.post(
        "/mijn-profiel/bedrijfsgegevens",
        data={**ADDRESS, "establishment_number": "000012345678",
              "recognitions": [str(recognitions["vca"].id)]},
    )  # fmt: skip
    assert response.status_code == 303
    db.session.expire_all()
    company = db.session.get(Company, member.company_id)
    assert company.establishment_number is None and company.recognitions == []
    assert 'name="establishment_number"' not in client.get("/mijn-profiel/bedrijfsgegevens").text


# --------------------------------------------------------------------------- inviting a beheerder


def _invite(client, company, **data):
    return client.post(f"/beheer/leden/{company.public_id}/beheerder-uitnodigen", data=data)


def test_detail_offers_the_invite_with_the_company_email(client, staff, make_company):
    company = make_company(email="info@jansen.example")
    text = client.get(f"/beheer/leden/{company.public_id}").text
    assert "Beheerder uitnodigen" in text
    assert re.search(r'<input[^>]*name="email"[^>]*value="info@jansen.example"', text)


def test_staff_invite_beheerder_who_activates_and_logs_in(app, client, staff, make_company):
    company = make_company(email="info@jansen.example")

    response = _invite(client, company, name="Jan Jansen", email="Info@Jansen.example")

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/beheer/leden/{company.public_id}")
    user = db.session.scalars(select(User).where(User.email == "info@jansen.example")).one()
    assert (user.company_id, user.company_role, user.role) == (
        company.id, CompanyRole.BEHEERDER, Role.MEMBER,
    )  # fmt: skip
    assert user.password_hash is None  # cannot log in before activation
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == user.public_id)
    ).one()
    assert event.actor_id == staff.id and event.on_behalf_of_company_id == company.id
    assert event.changes["company_role"]["new"] == "beheerder"
    detail = client.get(f"/beheer/leden/{company.public_id}").text
    assert "uitgenodigd als beheerder" in detail and "nog niet geactiveerd" in detail

    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "auth.activate")
    ).one()
    assert mail.to_address == "info@jansen.example" and mail.company_id == company.id
    path = mailed_link(mail, "activeren")
    visitor = app.test_client()
    password = "blauwe-cv-ketel-brandt-fel-5"
    assert post_token_form(visitor, path, password=password, confirm=password).status_code == 303
    login = visitor.post("/inloggen", data={"email": "info@jansen.example", "password": password})
    assert login.status_code == 303


def test_invite_refuses_an_existing_account(client, staff, make_company, make_user):
    existing = make_user()
    company = make_company()
    response = _invite(client, company, name="Piet", email=existing.email.upper())
    assert response.status_code == 422
    assert "Er bestaat al een account met dit e-mailadres." in response.text
    assert db.session.scalars(select(OutboxMessage)).first() is None


@pytest.mark.parametrize(
    "data",
    [{"name": "", "email": "a@b.example"}, {"name": "Piet", "email": "geen-adres"},
     {"name": "Piet\u202e", "email": "a@b.example"}],
)  # fmt: skip
def test_invite_with_bad_input_is_422(client, staff, make_company, data):
    company = make_company()
    assert _invite(client, company, **data).status_code == 422
    assert db.session.scalars(select(User).where(User.company_id == company.id)).first() is None


def test_invite_is_staff_only(client, make_user, login, make_company):
    login(client, make_user())
    company = make_company()
    assert _invite(client, company, name="X", email="x@y.example").status_code == 404
    assert db.session.scalars(select(User).where(User.email == "x@y.example")).first() is None


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_invite_needs_the_csrf_token(client, staff, make_company):
    company = make_company()
    assert _invite(client, company, name="X", email="x@y.example").status_code == 400
    assert db.session.scalars(select(User).where(User.email == "x@y.example")).first() is None
