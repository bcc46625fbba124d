"""Processor agreement: PDF clause completeness, acceptance, version change, staff overview."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.agreements import services
from portal.agreements.clauses import DEFAULT_BODY, REQUIRED_CLAUSES, missing_markers
from portal.agreements.models import AgreementAcceptance, AgreementVersion
from portal.agreements.pdf import Parties, build_pdf
from portal.auth.models import CompanyRole
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db

URL = "/mijn-profiel/verwerkersovereenkomst/"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def company(make_company):
    return make_company(
        legal_name="Bakker & Zonen Installatietechniek B.V.",
        kvk_number="12345678",
        street="Kerkstraat",
        house_number="12",
        postcode="3511 AB",
        city="Utrecht",
    )


def test_pdf_contains_every_required_clause_and_the_parties(app, company):
    version = services.publish_default()
    data = build_pdf(version, Parties(company, "Jeroen de Vriës", "directeur"))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for marker, title in REQUIRED_CLAUSES.items():
        assert f"{marker}. {title}" in text, marker
    for fact in (
        "Bakker & Zonen Installatietechniek B.V.",
        "KvK-nummer 12345678",
        "Kerkstraat 12",
        "3511 AB Utrecht",
        "Jeroen de Vriës, directeur",
        f"Versie {version.label}",
        "90 dagen",
        "privacy@example.nl",
        "Autoriteit Persoonsgegevens",
        "30 dagen na het einde van het lidmaatschap",
        "klachtenregister",
        "Demo Hosting B.V. (demo)",
        "Klantenvertellen",
        "Nog niet geaccepteerd",
    ):
        assert fact in text, fact


def test_pdf_records_the_acceptance(app, company, make_user):
    user = make_user(company=company, name="Jeroen de Vriës")
    version = services.publish_default()
    acceptance = services.accept(
        company, version, by=user, signatory_name="Jeroen de Vriës", ip="192.0.2.7"
    )
    text = pdf_text(build_pdf(version, Parties(company, acceptance.signatory_name), acceptance))
    assert "Elektronisch geaccepteerd door Jeroen de Vriës" in text
    assert version.document_sha256 in text


def test_publish_refuses_a_text_without_a_required_clause(app, make_user):
    admin = make_user(role="admin")
    body = DEFAULT_BODY.replace("## H. Informatie en audits", "## Informatie en audits")
    assert missing_markers(body) == ["H"]
    draft = services.create_draft(label="2026.2", title="Test", body=body, summary="", by=admin)
    with pytest.raises(services.AgreementError) as info:
        services.publish(draft, by=admin)
    assert "H (Informatie en audits)" in info.value.message
    assert services.current_version() is None


def test_default_text_is_complete():
    assert missing_markers(DEFAULT_BODY) == []


def test_beheerder_accepts_with_ip_version_and_digest(app, client, login, company, make_user):
    user = make_user(company=company)
    version = services.publish_default()
    db.session.commit()
    login(client, user)
    page = client.get(URL)
    assert page.status_code == 200 and "D1. Onderwerp en duur" in page.text
    response = client.post(
        URL + "accepteren",
        data={
            "version_id": version.public_id,
            "signatory_name": "A. Bakker",
            "signatory_function": "eigenaar",
            "confirm": "y",
        },
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    assert response.status_code == 303
    row = db.session.scalars(select(AgreementAcceptance)).one()
    assert (row.company_id, row.version_id, row.user_id, row.ip) == (
        company.id,
        version.id,
        user.id,
        "198.51.100.4",
    )
    assert row.document_sha256 == version.document_sha256 and len(row.document_sha256) == 64
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.accepted")
    ).one()
    again = client.post(
        URL + "accepteren",
        data={"version_id": version.public_id, "signatory_name": "A", "confirm": "y"},
    )
    assert again.status_code == 422 and "al geaccepteerd" in again.text


def test_medewerker_cannot_accept(app, client, login, company, make_user):
    make_user(company=company)
    colleague = make_user(company=company, company_role=CompanyRole.MEDEWERKER)
    version = services.publish_default()
    db.session.commit()
    login(client, colleague)
    response = client.post(
        URL + "accepteren",
        data={"version_id": version.public_id, "signatory_name": "X", "confirm": "y"},
    )
    assert response.status_code == 403
    assert db.session.scalars(select(AgreementAcceptance)).all() == []


def test_stale_version_in_form_is_refused(app, client, login, company, make_user):
    user = make_user(company=company)
    services.publish_default()
    db.session.commit()
    login(client, user)
    response = client.post(
        URL + "accepteren", data={"version_id": "oud", "signatory_name": "X", "confirm": "y"}
    )
    assert response.status_code == 422 and "intussen gewijzigd" in response.text


def test_new_version_asks_for_acceptance_again_and_mails_beheerders(app, company, make_user):
    user = make_user(company=company)
    admin = make_user(role="admin")
    first = services.publish_default()
    services.accept(company, first, by=user, signatory_name="A")
    assert services.has_accepted_current(company)
    second = services.create_draft(
        label="2026.2",
        title="V2",
        body=DEFAULT_BODY + "\nExtra.",
        summary="Nieuwe subverwerker",
        by=admin,
    )
    services.publish(second, by=admin)
    db.session.commit()
    state = services.state_for(company)
    assert state.version.id == second.id
    assert not state.accepted and state.needs_new_acceptance
    assert not services.has_accepted_current(company)
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "agreements/new_version")
    ).one()
    assert mail.to_address == user.email and "2026.2" in mail.body
    with pytest.raises(services.AgreementError):
        services.accept(company, first, by=user, signatory_name="A")


def test_pdf_download_is_audited(app, client, login, company, make_user):
    user = make_user(company=company)
    services.publish_default()
    db.session.commit()
    login(client, user)
    response = client.get(URL + "verwerkersovereenkomst.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert company.legal_name in pdf_text(response.data)
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.downloaded")
    ).one()


def test_staff_see_and_export_acceptances(app, client, login, company, make_user):
    user = make_user(company=company)
    staff = make_user(role="staff")
    version = services.publish_default()
    services.accept(company, version, by=user, signatory_name="=HYPERLINK(1)")
    db.session.commit()
    login(client, staff)
    page = client.get("/beheer/verwerkersovereenkomsten/")
    assert page.status_code == 200 and "Bakker &amp; Zonen Installatietechniek B.V." in page.text
    export = client.get("/beheer/verwerkersovereenkomsten/export.csv")
    assert export.status_code == 200
    lines = export.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("lidnummer;bedrijf;kvk;versie")
    assert (
        f"{company.member_number};{company.legal_name};12345678;{version.label};'=HYPERLINK(1)"
        in lines[1]
    )
    assert (
        client.post("/beheer/verwerkersovereenkomsten/nieuw", data={}).status_code == 404
    )  # staff, not admin


def test_admin_drafts_and_publishes_through_the_pages(app, client, login, make_user):
    admin = make_user(role="admin")
    login(client, admin)
    created = client.post(
        "/beheer/verwerkersovereenkomsten/nieuw",
        data={
            "label": "2027.1",
            "title": "Verwerkersovereenkomst",
            "body": DEFAULT_BODY,
            "summary": "",
        },
    )
    assert created.status_code == 303
    draft = db.session.scalars(select(AgreementVersion)).one()
    refused = client.post(
        f"/beheer/verwerkersovereenkomsten/versies/{draft.public_id}/publiceren", data={}
    )
    assert refused.status_code == 422
    done = client.post(
        f"/beheer/verwerkersovereenkomsten/versies/{draft.public_id}/publiceren",
        data={"confirm": "y"},
    )
    assert done.status_code == 303
    db.session.refresh(draft)
    assert draft.is_published and services.current_version().id == draft.id
    frozen = client.post(
        f"/beheer/verwerkersovereenkomsten/versies/{draft.public_id}",
        data={"label": "2027.1", "title": "Anders", "body": DEFAULT_BODY},
    )
    assert frozen.status_code == 422
    db.session.refresh(draft)
    assert draft.title == "Verwerkersovereenkomst"


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("member", "/beheer/verwerkersovereenkomsten/", 404),
        ("staff", URL, 404),
        ("staff", "/beheer/verwerkersovereenkomsten/nieuw", 404),
        ("admin", "/beheer/verwerkersovereenkomsten/nieuw", 200),
    ],
)
def test_access_by_role(app, client, login, make_user, role, url, status):
    login(client, make_user(role=role))
    assert client.get(url).status_code == status
