"""Rights requests: admins close (an erasure only once done), outcome and rejection mails with
reasons, the art. 12(3) extension told to the requester, self-service objection and restriction,
audited staff searches (issue 15 §5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.privacy.models import RequestKind, RequestStatus, SubjectRequest

MINE = "/mijn-profiel/mijn-gegevens"


def _request(client, login, user, kind="objection"):
    login(client, user)
    response = client.post(MINE + "/bezwaar", data={"kind": kind, "message": "Geen nieuwsbrief"})
    assert response.status_code == 303
    return db.session.scalars(select(SubjectRequest)).one()


def _mails(to: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == to)))


def test_member_files_objection_and_restriction_self_service(client, login, make_user):
    user = make_user()
    item = _request(client, login, user)
    assert (item.kind, item.status, item.user_id) == (
        RequestKind.OBJECTION,
        RequestStatus.OPEN,
        user.id,
    )
    assert "bezwaar" in _mails(user.email)[0].body
    again = client.post(MINE + "/bezwaar", data={"kind": "objection", "message": "Nog eens"})
    assert again.status_code == 422 and "U heeft al zo" in again.text
    restricted = client.post(
        MINE + "/bezwaar", data={"kind": "restriction", "message": "Even niet"}
    )
    assert restricted.status_code == 303
    bad = client.post(MINE + "/bezwaar", data={"kind": "erasure", "message": "x"})
    assert bad.status_code == 422
    assert db.session.query(SubjectRequest).count() == 2
    assert "Bezwaar maken of de verwerking laten beperken" in client.get(MINE).text


def test_only_admins_close_and_the_requester_gets_the_reasons(client, login, make_user):
    user = make_user()
    item = _request(client, login, user)
    url = f"/beheer/privacy/verzoeken/{item.public_id}"
    login(client, make_user(role="staff"))
    data = {"status": "rejected", "outcome": "Gerechtvaardigd belang weegt zwaarder: beveiliging."}
    assert client.post(url, data=data).status_code == 404  # admins only, like other admin pages
    assert db.session.get(SubjectRequest, item.id).status is RequestStatus.OPEN
    login(client, make_user(role="admin"))
    assert client.post(url, data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(SubjectRequest, item.id).status is RequestStatus.REJECTED
    mail = next(m for m in _mails(user.email) if "afgewezen" in m.subject)
    assert "Gerechtvaardigd belang weegt zwaarder" in mail.body
    assert "Autoriteit Persoonsgegevens" in mail.body


def test_erasure_cannot_be_closed_as_done_unless_it_happened(client, login, make_user):
    user = make_user()
    login(client, user)
    client.post(MINE + "/verwijderen", data={"confirm": "y"})
    item = db.session.scalars(select(SubjectRequest)).one()
    url = f"/beheer/privacy/verzoeken/{item.public_id}"
    login(client, make_user(role="admin"))
    refused = client.post(url, data={"status": "done", "outcome": "Klaar"})
    assert refused.status_code == 422 and "nog niet uitgevoerd" in refused.text
    db.session.expire_all()
    assert db.session.get(SubjectRequest, item.id).status is RequestStatus.OPEN
    email = user.email
    done = client.post(
        url, data={"status": "done", "outcome": "Account verwijderd", "execute": "y"}
    )
    assert done.status_code == 303
    mail = next(m for m in _mails(email) if "afgehandeld" in m.subject)
    assert "Account verwijderd" in mail.body


def test_extension_moves_the_due_date_once_and_tells_the_requester(client, login, make_user):
    user = make_user()
    item = _request(client, login, user, kind="restriction")
    due = item.due_at
    url = f"/beheer/privacy/verzoeken/{item.public_id}/verlengen"
    login(client, make_user(role="staff"))
    missing = client.post(url, data={"months": "2", "reason": ""})
    assert missing.status_code == 422
    assert (
        client.post(url, data={"months": "2", "reason": "Veel verzoeken tegelijk"}).status_code
        == 303
    )
    db.session.expire_all()
    stored = db.session.get(SubjectRequest, item.id)
    assert stored.due_at - due == timedelta(days=61) and stored.extended_at is not None
    mail = next(m for m in _mails(user.email) if "verlengd" in m.subject)
    assert "Veel verzoeken tegelijk" in mail.body
    again = client.post(url, data={"months": "1", "reason": "Nog langer"})
    assert again.status_code == 422 and "al verlengd" in again.text


def test_staff_search_of_complainant_data_is_audited_without_the_address(client, login, make_user):
    login(client, make_user(role="staff"))
    found = client.post("/beheer/privacy/klanten", data={"email": "karin@klant.example"})
    assert found.status_code == 200
    row = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.customer_searched")
    ).one()
    assert "karin" not in str(row.changes) + row.subject_id


def test_company_erasure_shows_what_happens_before_confirmation(
    client, login, make_user, make_complaint
):
    owner = make_user(name="Bea Beheerder")
    make_user(company=owner.company, company_role="medewerker", name="Collega Carla")
    make_complaint(owner.company)
    login(client, owner)
    page = client.get(MINE)
    assert "Collega Carla" in page.text and "1 klachten" in page.text
    client.post(MINE + "/verwijderen", data={"confirm": "y", "whole_company": "y"})
    item = db.session.scalars(select(SubjectRequest)).one()
    login(client, make_user(role="admin"))
    detail = client.get(f"/beheer/privacy/verzoeken/{item.public_id}")
    assert "Collega Carla" in detail.text and "klachtenregister met 1 klachten" in detail.text
    assert "acceptaties van de verwerkersovereenkomst" in detail.text
