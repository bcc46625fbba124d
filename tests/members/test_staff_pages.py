"""Staff member list, detail and editing on a member's behalf."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.members.models import Company, MembershipStatus


@pytest.fixture
def staff(client, make_user, login):
    user = make_user(role=Role.STAFF)
    login(client, user)
    return user


def test_member_list_filters_and_paginates(client, staff, make_company):
    for n in range(30):
        make_company(legal_name=f"Alfa {n:02d} B.V.", trade_name="", city="Zwolle")
    make_company(
        legal_name="Beta Techniek",
        trade_name="",
        city="Utrecht",
        membership_status=MembershipStatus.ENDED,
    )
    page1 = client.get("/beheer/leden?plaats=zwolle")
    assert page1.status_code == 200 and "30 leden gevonden" in page1.text
    assert "Alfa 00 B.V." in page1.text and "Alfa 29 B.V." not in page1.text
    page2 = client.get("/beheer/leden?plaats=zwolle&page=2")
    assert "Alfa 29 B.V." in page2.text
    ended = client.get(
        "/beheer/leden?status=ended",
        headers={"HX-Request": "true", "HX-Target": "staff-member-results"},
    )
    assert "Beta Techniek" in ended.text and "Alfa" not in ended.text and "<html" not in ended.text


@pytest.mark.parametrize("q", ["%", "_", "' OR 1=1 --", "\\", "a" * 500])
def test_hostile_search_never_500(client, staff, q):
    assert client.get("/beheer/leden", query_string={"q": q, "page": "abc"}).status_code == 200


def test_staff_edit_on_behalf_is_audited_with_both(client, staff, make_company):
    company = make_company()
    response = client.post(
        f"/beheer/leden/{company.public_id}/bewerken",
        data={
            "street": "Nieuwe Weg",
            "house_number": "1",
            "postcode": "1234 AB",
            "city": "Amersfoort",
        },
    )
    assert response.status_code == 303
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.updated_by_staff")
    ).one()
    assert event.actor_id == staff.id and event.on_behalf_of_company_id == company.id
    assert db.session.get(Company, company.id).city == "Amersfoort"


@pytest.mark.parametrize(
    "path",
    [
        "/beheer/",
        "/beheer/leden",
        "/beheer/e-mail",
        "/beheer/leden/{id}",
        "/beheer/leden/{id}/bewerken",
    ],
)
def test_members_get_404_on_staff_pages(client, make_user, login, make_company, path):
    login(client, make_user())
    company = make_company()
    assert client.get(path.format(id=company.public_id)).status_code == 404


def test_anonymous_goes_to_login(client, make_company):
    response = client.get("/beheer/leden")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_unknown_member_404(client, staff):
    assert client.get("/beheer/leden/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (MembershipStatus.ACTIVE, "actief"),
        (MembershipStatus.SUSPENDED, "geschorst"),
        (MembershipStatus.ENDED, "beëindigd"),
    ],
)
def test_detail_shows_the_dutch_membership_status(client, staff, make_company, status, label):
    company = make_company(membership_status=status)
    text = client.get(f"/beheer/leden/{company.public_id}").text
    dd = re.search(r"<dt>Status</dt><dd>([^<·]*)", text).group(1).strip()
    assert dd == label


def test_outbox_shows_dutch_statuses(client, staff):
    db.session.add_all(
        [
            OutboxMessage(kind="t", to_address="a@b.example", subject="A", body="x", status="sent"),
            OutboxMessage(
                kind="t", to_address="c@b.example", subject="B", body="x", status="sending"
            ),
        ]
    )
    db.session.commit()
    text = client.get("/beheer/e-mail").text
    assert "<td>verzonden</td>" in text and "bezig met verzenden" in text
    assert "<td>sent</td>" not in text and "<td>sending</td>" not in text
