"""Rights: export completeness, erasure effects with pseudonymised audit, customer requests."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlalchemy import func, select

from portal.auth.models import User, UserSession
from portal.complaints import dispatch
from portal.complaints import services as complaints
from portal.complaints.models import Complaint, ComplaintLetter, LetterKind
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.invitations import services as invitations
from portal.invitations.models import Invitation, InviteUpload, Suppression
from portal.members.models import Company
from portal.privacy import erasure
from portal.privacy.models import Breach, RequestKind, SubjectRequest
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
        "complaints_in_register",
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
    app, ready_member, make_user, client, login, make_complaint
):
    user = ready_member()
    login(client, user)
    admin = make_user(role="admin")
    colleague = make_user(company=user.company, name="Collega Blijft")
    # The user takes in a complaint, becomes its handler, sends a letter; a colleague reassigns.
    complaint = make_complaint(user.company, by=user)
    dispatch.send_letter(complaint, LetterKind.ACKNOWLEDGEMENT, by=user, today=date(2026, 3, 3))
    complaints.assign_handler(complaint, colleague, by=colleague)
    complaints.assign_handler(complaint, user, by=colleague)
    complaints.add_note(complaint, "note", "Meterkast bekeken.", by=user)
    complaints.add_note(complaint, "contact", "Klant gebeld.", by=colleague)
    namesake = make_complaint(make_user().company, received_by=user.name)  # another company
    db.session.commit()
    user_id, email, name = user.id, user.email, user.name
    assert complaint.received_by == name
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
    db.session.expire_all()
    kept = db.session.get(Complaint, complaint.id)
    assert kept.received_by == label
    assert [letter.sent_by_label for letter in kept.letters] == [label]
    history = [(e.kind, e.actor_label, e.note) for e in kept.events]
    assert ("created", label, "") in history and (
        "letter",
        label,
        "acknowledgement:email",
    ) in history
    assert ("assigned", "Collega Blijft", label) in history
    assert ("assigned", "Collega Blijft", "Collega Blijft") in history
    assert all(name not in (actor, note) for _kind, actor, note in history)
    # The investigation log (issue 18's notes) carries the author's name too.
    notes = {(n.body, n.actor_label, n.actor_id) for n in kept.notes}
    assert notes == {
        ("Meterkast bekeken.", label, None),
        ("Klant gebeld.", "Collega Blijft", colleague.id),
    }
    assert db.session.get(Complaint, namesake.id).received_by == name  # other company untouched


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
    assert refused.status_code == 404 and db.session.get(Company, company_id) is not None
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
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("privacy.customer%"))
            .order_by(AuditEvent.id)
        )
    )
    assert [e.action for e in events] == [
        "privacy.customer_searched",
        "privacy.customer_exported",
        "privacy.customer_erased",
    ]
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


def test_breach_register_records_consequences_the_reason_not_to_notify_and_member_notice(
    client, login, make_user
):
    login(client, make_user(role="admin"))
    base = {
        "title": "Klachtenexport verkeerd gemaild",
        "discovered_at": "2026-03-01T09:30",
        "facts": "Export van één lid naar een ander lid gestuurd.",
        "consequences": "Klagers kunnen ongevraagd benaderd worden.",
        "at_processor": "y",
    }
    assert client.post("/beheer/privacy/datalekken/nieuw", data=base).status_code == 303
    item = db.session.scalars(select(Breach)).one()
    assert item.at_processor and item.consequences.startswith("Klagers")
    page = client.get("/beheer/privacy/datalekken").text
    assert "Lidbedrijven (24 uur)" in page and "2 maart 2026" not in page.split("24 uur)")[0]
    assert page.count("termijn verstreken") == 2  # AP (72 h) and members (24 h), both past
    edit = f"/beheer/privacy/datalekken/{item.public_id}"
    closing = base | {"closed_at": "2026-03-05T10:00", "version": str(item.version)}
    refused = client.post(edit, data=closing)
    assert refused.status_code == 422 and "waarom het lek niet aan de AP" in refused.text
    closing |= {"no_notice_reason": "Geen risico: alleen referentienummers."}
    refused = client.post(edit, data=closing)
    assert refused.status_code == 422 and "lidbedrijven zijn geïnformeerd" in refused.text
    closing |= {"controllers_notified_at": "2026-03-01T15:00"}
    assert client.post(edit, data=closing).status_code == 303
    db.session.expire_all()
    item = db.session.get(Breach, item.id)
    assert item.no_notice_reason.startswith("Geen risico") and item.closed_at is not None
    page = client.get("/beheer/privacy/datalekken").text
    assert "niet gemeld (reden vastgelegd)" in page and "termijn verstreken" not in page


def test_statement_is_public_and_linked_from_the_footer(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    for fact in (
        "Autoriteit Persoonsgegevens",
        "Klantenvertellen",
        "dataportabiliteit",
        "90 dagen",
        "Grondslag",
        "klachtenformulier in de ledenzoeker",
        "730 dagen na het afsluiten van de klacht",
        "JSON, CSV en een leesbare pagina",
    ):
        assert fact in page.text
    assert 'href="/privacy"' in client.get("/privacy").text
    client.application.config["COMPLAINTS_RETENTION_DAYS"] = 365
    assert "365 dagen na het afsluiten van de klacht" in client.get("/privacy").text


def test_statement_names_the_law_recipients_sources_and_open_data(client):
    """Art. 13/14 as an auditor reads it (issue 15): every "wettelijke plicht" with its law,
    every recipient (the configured sub-processors), the source of data not obtained from the
    person, the open-data publication with its basis and contents, the log period."""
    from portal.core.association import subprocessors

    page = client.get("/privacy").text
    for duty in page.split("Wettelijke plicht")[1:]:
        assert duty.lstrip().startswith("(art. 6 lid 1 c AVG):")
        assert "art." in duty.split(":", 1)[1][:80]  # the law behind it is named
    assert page.count("Wettelijke plicht") >= 3
    for law in ("art. 28 lid 3 en lid 9 AVG", "art. 12 tot en met 22 AVG", "art. 32 AVG"):
        assert law in page
    for item in subprocessors(client.application.config):
        assert item["name"] in page
    assert "buiten de Europese Economische Ruimte" in page
    assert "Waar komen de gegevens vandaan?" in page
    assert "komen van het lidbedrijf (de klantenlijst die het uploadt)" in page
    assert "beoordelingsplatform van het lidbedrijf" in page
    assert "Open data uit de ledenzoeker" in page and "CC BY 4.0" in page
    assert "art. 6 lid 1 f AVG" in page and "nooit e-mailadressen, telefoonnummers" in page
    assert "binnen 24 uur" in page and "72 uur" in page
    english = client.get("/privacy?lang=en").text
    assert "Where do the data come from?" in english and "Legal obligation (art. 6(1)(c)" in english


def test_processing_register_holds_controller_transfers_dates_sources_and_every_processing(
    client, login, make_user
):
    from portal.privacy.records import ACTIVITIES, RECORDS_UPDATED

    login(client, make_user(role="admin"))
    page = client.get("/beheer/privacy/verwerkingsregister").text
    assert 'id="privacy-controller"' in page and "Functionaris gegevensbescherming" in page
    assert "Doorgifte buiten de EER" in page and RECORDS_UPDATED in page
    keys = {a.key for a in ACTIVITIES}
    assert {"directory", "page_cache", "audit_diffs", "imports", "logs"} <= keys
    for activity in ACTIVITIES:
        assert activity.name in page and activity.source and activity.transfers
        if "Wettelijke plicht" in activity.legal_basis:
            assert "art." in activity.legal_basis.split("Wettelijke plicht", 1)[1][:80]


def test_every_personal_column_is_in_the_processing_register(app):
    columns = {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.info.get("personal")
    }
    complainant = {
        f"complaints.complainant_{name}"
        for name in ("name", "street", "postcode", "city", "phone", "email")
    }
    assert complainant | {"complaints.description"} <= columns
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
    assert "Klachtenregistratie (namens leden)" in page.text
    assert "complaints.complainant_email" in page.text and "COMPLAINTS_RETENTION_DAYS" in page.text
    assert client.get("/beheer/privacy/").status_code == 200
    assert client.get("/beheer/privacy/datalekken/nieuw").status_code == 200


def test_customer_data_download_holds_the_own_company_complaint_register(
    client, login, ready_member, make_user, make_complaint
):
    user = ready_member()
    other = make_user()
    mine = make_complaint(user.company, complainant_name="Karin Klager")
    dispatch.send_letter(mine, LetterKind.ACKNOWLEDGEMENT, by=user, today=date(2026, 3, 3))
    make_complaint(other.company, complainant_name="Vreemde Klager", subject="Elders")
    db.session.commit()
    login(client, user)
    personal = client.get(MINE + "/export.json")
    assert "Karin Klager" not in personal.text and "karin@klant.example" not in personal.text
    assert json.loads(personal.data)["complaints_in_register"] == 1
    response = client.get(MINE + "/klantgegevens.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="klantgegevens.json"'
    data = json.loads(response.data)
    assert [c["reference"] for c in data["complaints"]] == [mine.reference]
    entry = data["complaints"][0]
    assert (entry["complainant_name"], entry["complainant_email"]) == (
        "Karin Klager",
        "karin@klant.example",
    )
    assert [letter["kind"] for letter in entry["letters"]] == ["acknowledgement"]
    assert "created" in [event["kind"] for event in entry["history"]]
    html = client.get(MINE + "/export.html").text
    assert "Klachtenregister van uw bedrijf" in html and "Karin Klager" not in html
    page = client.get(MINE)
    assert "Vreemde Klager" not in json.dumps(data) + html
    assert 'href="/mijn-profiel/mijn-gegevens/export.csv"' in page.text
    assert 'href="/mijn-profiel/mijn-gegevens/klantgegevens.json"' in page.text
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.customer_data_downloaded")
    ).one()


def test_medewerker_cannot_download_customer_data_and_own_export_has_none(
    client, login, ready_member, make_user, make_complaint
):
    owner = ready_member()
    worker = make_user(company=owner.company, company_role="medewerker")
    make_complaint(owner.company, complainant_name="Karin Klager")
    login(client, worker)
    assert client.get(MINE + "/klantgegevens.json").status_code == 403
    assert client.get(MINE + "/klantgegevens.xml").status_code == 404
    export = client.get(MINE + "/export.json").text + client.get(MINE + "/export.csv").text
    assert "Karin Klager" not in export and "karin@klant.example" not in export


def test_csv_export_neutralises_spreadsheet_formulas(client, login, ready_member, make_complaint):
    user = ready_member()
    user.name = '=HYPERLINK("http://evil.invalid/","klik")'
    make_complaint(user.company, description="+SUM(A1:A9)", complainant_name="@Klager")
    db.session.commit()
    login(client, user)
    customers = client.get(MINE + "/klantgegevens.csv")
    rows = list(csv.reader(io.StringIO(customers.data.decode("utf-8-sig")), delimiter=";"))
    cells = {(r[0], r[2]): r[3] for r in rows[1:]}
    assert cells[("complaints", "description")] == "'+SUM(A1:A9)"
    assert cells[("complaints", "complainant_name")] == "'@Klager"
    assert ("complaints", "history.1.kind") in cells
    response = client.get(MINE + "/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mijn-gegevens.csv"'
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["onderdeel", "nr", "veld", "waarde"]
    cells = {(r[0], r[2]): r[3] for r in rows[1:]}
    assert cells[("user", "name")] == "'" + user.name
    assert cells[("user", "email")] == user.email
    assert ("company", "kvk_number") in cells
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    assert (
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy.export_downloaded")
        )
        .one()
        .changes["format"]["new"]
        == "csv"
    )


def test_staff_find_export_and_erase_a_complainant_everywhere(
    client, login, ready_member, make_user, make_complaint
):
    first = ready_member()
    second = ready_member("kiyoh", "1000002")
    theirs = make_complaint(first.company, complainant_email="Karin@Klant.example")
    dispatch.send_letter(theirs, LetterKind.ACKNOWLEDGEMENT, by=first, today=date(2026, 3, 3))
    elsewhere = make_complaint(second.company, complainant_email="karin@klant.example")
    bystander = make_complaint(
        first.company, complainant_email="iemand@anders.example", complainant_name="Iemand"
    )
    db.session.commit()
    login(client, make_user(role="staff"))
    found = client.post("/beheer/privacy/klanten", data={"email": "KARIN@klant.example"})
    assert found.status_code == 200 and "2 klachten gevonden" in found.text
    assert theirs.reference in found.text and "Iemand" not in found.text
    export = client.post("/beheer/privacy/klanten/export", data={"email": "karin@klant.example"})
    exported = json.loads(export.data)["complaints"]
    assert sorted(c["bedrijf"] for c in exported) == sorted(
        [first.company.display_name, second.company.display_name]
    )
    assert {c["naam"] for c in exported} == {"Karin Klager"}
    erased = client.post(
        "/beheer/privacy/klanten/verwijderen",
        data={"email": "karin@klant.example", "confirm": "y"},
    )
    assert erased.status_code == 303
    db.session.expire_all()
    names = dict(db.session.execute(select(Complaint.id, Complaint.complainant_name)).all())
    assert names == {
        theirs.id: "[verwijderd]",
        elsewhere.id: "[verwijderd]",
        bystander.id: "Iemand",
    }
    assert db.session.get(Complaint, theirs.id).received_on == date(2026, 3, 2)
    assert db.session.scalar(select(func.count()).select_from(ComplaintLetter)) == 0
    per_company = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy.complaint_erased")
        )
    )
    assert sorted(e.on_behalf_of_company_id for e in per_company) == sorted(
        [first.company_id, second.company_id]
    )
    summary = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.customer_erased")
    ).one()
    assert summary.changes["complaints"] == {"old": 2, "new": 0}
    for event in db.session.scalars(select(AuditEvent)):
        assert "karin" not in (json.dumps(event.changes) + event.subject_id).lower()
    again = client.post("/beheer/privacy/klanten", data={"email": "karin@klant.example"})
    assert "0 klachten gevonden" in again.text
