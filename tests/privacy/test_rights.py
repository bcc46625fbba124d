"""Rights: export completeness, erasure effects with pseudonymised audit, customer requests."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from portal.auth.models import User, UserSession
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.invitations import services as invitations
from portal.invitations.models import Invitation, InviteUpload, Suppression
from portal.members.models import Company
from portal.privacy import erasure
from portal.privacy.models import RequestKind, SubjectRequest
from portal.privacy.records import listed_columns
from portal.reviews.models import ReviewSystem
from tests.invitations.files import customer_csv

MINE = "/mijn-profiel/mijn-gegevens"


def test_json_export_is_complete_without_secrets_or_other_companies(client, login, ready_member):
    user = ready_member()
    other = ready_member("kiyoh", "1000002")
    invitations.create_upload(
        user.company, by=user, data=customer_csv(2), filename="k.csv", delay_days=0
    )
    db.session.commit()
    login(client, user)
    response = client.get(MINE + "/export.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert set(data) == {
        "export_version",
        "generated_at",
        "user",
        "sessions",
        "company",
        "review_systems",
        "agreement_acceptances",
        "invitation_uploads",
        "privacy_requests",
        "activity",
    }
    assert (
        data["user"]["email"] == user.email
        and data["company"]["kvk_number"] == user.company.kvk_number
    )
    assert len(data["sessions"]) == 1 and data["sessions"][0]["ip"] == "127.0.0.1"
    assert data["review_systems"][0]["location_id"] == "1000001"
    assert data["review_systems"][0]["credentials"].startswith("••••")
    assert data["agreement_acceptances"][0]["version"] == "2026.1"
    assert data["invitation_uploads"][0]["rows_total"] == 2
    assert data["invitation_uploads"][0]["invitations_by_status"] == {"preview": 2}
    assert {"agreement.accepted", "invitations.uploaded"} <= {a["action"] for a in data["activity"]}
    text = response.data.decode()
    system = db.session.scalars(
        select(ReviewSystem).where(ReviewSystem.company_id == user.company_id)
    ).one()
    for secret in ("emu-1000001", system.credentials_enc, "klant0@klant.example", "password_hash"):
        assert secret not in text
    for foreign in (other.email, other.company.legal_name, other.company.kvk_number):
        assert foreign not in text
    assert (
        db.session.scalar(
            select(func.count()).where(AuditEvent.action == "privacy.export_downloaded")
        )
        == 1
    )


def test_html_export_is_a_readable_download(client, login, ready_member):
    user = ready_member()
    login(client, user)
    response = client.get(MINE + "/export.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Mijn gegevens uit het ledenportaal" in response.text and user.email in response.text


def test_erasure_request_is_recorded_and_confirmed(client, login, ready_member):
    user = ready_member()
    login(client, user)
    assert client.post(MINE + "/verwijderen", data={"message": ""}).status_code == 422
    assert (
        client.post(MINE + "/verwijderen", data={"confirm": "y", "whole_company": "y"}).status_code
        == 303
    )
    item = db.session.scalars(select(SubjectRequest)).one()
    assert (item.kind, item.scope, item.user_id) == (RequestKind.ERASURE, "company", user.id)
    assert (item.due_at - item.received_at).days == 30
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "privacy/request_received")
    ).one()
    assert mail.to_address == user.email
    again = client.post(MINE + "/verwijderen", data={"confirm": "y"})
    assert again.status_code == 422 and "al een verwijderverzoek" in again.text


def test_user_erasure_keeps_audit_rows_under_a_pseudonym(
    app, ready_member, make_user, client, login
):
    user = ready_member()
    login(client, user)
    admin = make_user(role="admin")
    user_id, email = user.id, user.email
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert db.session.scalar(select(func.count()).where(AuditEvent.actor_id == user_id)) >= 1
    label = erasure.erase_user(user, by=admin)
    db.session.commit()
    assert db.session.get(User, user_id) is None
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == user_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
    labels = set(
        db.session.scalars(
            select(AuditEvent.actor_label).where(
                AuditEvent.actor_label.like("verwijderde gebruiker%")
            )
        )
    )
    assert labels == {label}
    assert all(
        email not in (e.actor_label + json.dumps(e.changes))
        for e in db.session.scalars(select(AuditEvent))
    )


def test_staff_handle_a_company_erasure_request(client, login, ready_member, make_user):
    user = ready_member()
    colleague = make_user(company=user.company)
    invitations.create_upload(
        user.company, by=user, data=customer_csv(2), filename="k.csv", delay_days=0
    )
    db.session.commit()
    company_id, ids = user.company_id, (user.id, colleague.id)
    login(client, user)
    client.post(MINE + "/verwijderen", data={"confirm": "y", "whole_company": "y"})
    item = db.session.scalars(select(SubjectRequest)).one()
    staff = make_user(role="staff")
    login(client, staff)
    url = f"/beheer/privacy/verzoeken/{item.public_id}"
    refused = client.post(url, data={"status": "done", "outcome": "Uitgevoerd", "execute": "y"})
    assert refused.status_code == 422 and db.session.get(Company, company_id) is not None
    login(client, make_user(role="admin"))
    assert (
        client.post(
            url, data={"status": "done", "outcome": "Uitgevoerd", "execute": "y"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Company, company_id) is None
    assert all(db.session.get(User, i) is None for i in ids)
    for model in (ReviewSystem, InviteUpload, Invitation):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalars(select(SubjectRequest)).one().status.value == "done"
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "privacy.company_erased"))
        == 1
    )


def test_staff_find_export_and_erase_a_customer_everywhere(client, login, ready_member, make_user):
    first = ready_member()
    second = ready_member("kiyoh", "1000002")
    for user in (first, second):
        invitations.create_upload(
            user.company, by=user, data=customer_csv(2), filename="k.csv", delay_days=0
        )
    db.session.commit()
    login(client, make_user(role="staff"))
    found = client.post("/beheer/privacy/klanten", data={"email": "KLANT0@klant.example"})
    assert found.status_code == 200 and "2 rijen gevonden" in found.text
    export = client.post("/beheer/privacy/klanten/export", data={"email": "klant0@klant.example"})
    rows = json.loads(export.data)["invitations"]
    assert sorted(r["member_number"] for r in rows) == sorted(
        [first.company.member_number, second.company.member_number]
    )
    erased = client.post(
        "/beheer/privacy/klanten/verwijderen",
        data={"email": "klant0@klant.example", "suppress": "y", "confirm": "y"},
    )
    assert erased.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 1
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("privacy.customer%")))
    )
    assert [e.action for e in events] == ["privacy.customer_exported", "privacy.customer_erased"]
    assert all("klant0" not in json.dumps(e.changes) + e.subject_id for e in events)
    blocked = invitations.create_upload(
        first.company, by=first, data=customer_csv(1), filename="k.csv", delay_days=0
    )
    assert blocked.invitations == [] and "bezwaar" in blocked.row_problems[0]["message"]


def test_breach_register_is_admin_only_and_audited(client, login, make_user):
    login(client, make_user(role="staff"))
    assert client.get("/beheer/privacy/datalekken").status_code == 404
    login(client, make_user(role="admin"))
    response = client.post(
        "/beheer/privacy/datalekken/nieuw",
        data={
            "title": "Lijst verkeerd gemaild",
            "discovered_at": "2026-03-01T09:30",
            "facts": "Bijlage aan verkeerde lid.",
        },
    )
    assert response.status_code == 303
    page = client.get("/beheer/privacy/datalekken")
    assert "Lijst verkeerd gemaild" in page.text and "termijn verstreken" in page.text
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "privacy.breach_saved"))
        == 1
    )


def test_statement_is_public_and_linked_from_the_footer(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    for fact in (
        "Autoriteit Persoonsgegevens",
        "Klantenvertellen",
        "dataportabiliteit",
        "90 dagen",
        "Grondslag",
    ):
        assert fact in page.text
    assert 'href="/privacy"' in client.get("/privacy").text


def test_every_personal_column_is_in_the_processing_register(app):
    columns = {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.info.get("personal")
    }
    assert columns and columns <= listed_columns()
    known = {f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns}
    assert listed_columns() <= known


def test_members_get_404_on_staff_privacy_pages(client, login, make_user):
    login(client, make_user())
    for url in (
        "/beheer/privacy/",
        "/beheer/privacy/klanten",
        "/beheer/privacy/verwerkingsregister",
    ):
        assert client.get(url).status_code == 404


def test_admin_sees_the_processing_register(client, login, make_user):
    login(client, make_user(role="admin"))
    page = client.get("/beheer/privacy/verwerkingsregister")
    assert page.status_code == 200
    assert "Klantuitnodigingen (namens leden)" in page.text and "invitations.email" in page.text
    assert client.get("/beheer/privacy/").status_code == 200
    assert client.get("/beheer/privacy/datalekken/nieuw").status_code == 200
