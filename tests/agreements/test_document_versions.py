"""The whole document is versioned; sub-processor changes notify members; acceptances outlive an
erased company; the complaint register is gated like uploads (issue 15 §2)."""

from __future__ import annotations

from sqlalchemy import select

from portal.agreements import services
from portal.agreements.clauses import DEFAULT_BODY
from portal.agreements.models import AgreementAcceptance, AgreementVersion
from portal.agreements.pdf import Parties, build_pdf
from portal.complaints.models import Complaint
from portal.core.db import utcnow
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.privacy.erasure import erase_company
from tests.agreements.test_agreements import pdf_text
from tests.conftest import accept_agreement

NEW_HOST = {"name": "Nieuwe Hosting B.V.", "service": "hosting", "location": "Nederland (EU)"}


def _versions() -> list[AgreementVersion]:
    return list(db.session.scalars(select(AgreementVersion).order_by(AgreementVersion.id)))


def test_unchanged_configuration_makes_no_new_version(app):
    first = services.publish_default()
    assert services.publish_default() is first
    assert services.sync_current() is first
    assert len(_versions()) == 1
    assert len(first.document_sha256) == 64 and first.document_sha256 != first.body_sha256


def test_subprocessor_change_is_a_new_version_mailed_to_members(app, make_user, monkeypatch):
    user = make_user(name="Bea Beheerder")
    accept_agreement(user.company, user)
    first = services.current_version()
    subs = [*app.config["SUBPROCESSORS"][1:], NEW_HOST]
    monkeypatch.setitem(app.config, "SUBPROCESSORS", subs)

    second = services.sync_current()
    db.session.commit()

    assert second.id != first.id and second.label == "2026.2"
    assert second.body == first.body and second.document_sha256 != first.document_sha256
    assert not services.has_accepted_current(user.company)
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == user.email
    assert "Nieuw: Nieuwe Hosting B.V." in mail.body
    assert "Vervallen: Demo Hosting B.V. (demo)" in mail.body
    assert "Nieuwe Hosting B.V." in pdf_text(build_pdf(second, Parties(user.company, "Bea")))
    # The old version still prints what was accepted.
    assert "Nieuwe Hosting B.V." not in pdf_text(build_pdf(first, Parties(user.company, "Bea")))
    assert services.sync_current() is second  # rerun: nothing new
    assert len(_versions()) == 2


def test_a_change_of_the_parties_block_is_a_new_version(app, monkeypatch):
    first = services.publish_default()
    monkeypatch.setitem(app.config, "ASSOCIATION_ADDRESS", "Nieuwe Weg 2, 1000 AA Amsterdam")
    second = services.sync_current()
    assert second.id != first.id
    assert "gegevens van de vereniging" in second.summary_of_changes


def test_a_change_of_the_processing_details_is_a_new_version(app, monkeypatch):
    first = services.publish_default()
    monkeypatch.setitem(app.config, "COMPLAINTS_RETENTION_DAYS", 365)
    assert services.sync_current().id != first.id


def test_the_old_invitation_only_standard_text_is_replaced(app):
    old_body = DEFAULT_BODY.split("## D1.")[0] + OLD_BODY_MARKER
    version = services.publish_default()
    # Simulate a site still on the shipped 2026.1 text without a frozen snapshot.
    version.context, version.document_sha256 = "", ""
    from portal.agreements.clauses import PREVIOUS_DEFAULT_SHA256

    version.body_sha256 = next(iter(PREVIOUS_DEFAULT_SHA256))
    version.body = old_body
    db.session.commit()
    new = services.sync_current()
    assert new.body == DEFAULT_BODY and "klachtenregister" in new.body


OLD_BODY_MARKER = "## D1. Onderwerp en duur\nAlleen uitnodigingen.\n"


def test_acceptance_survives_company_erasure_for_seven_years(app, make_user):
    user = make_user()
    company = user.company
    accept_agreement(company, user)
    name, number = company.legal_name, company.member_number
    erase_company(company, by=None)
    db.session.commit()
    row = db.session.scalars(select(AgreementAcceptance)).one()
    assert row.company_id is None
    assert (row.company_name, row.company_member_number) == (name, number)
    assert row.retain_until is not None and row.retain_until.year - utcnow().year == 7
    assert len(row.document_sha256) == 64


def test_staff_list_shows_an_erased_company_acceptance(app, client, login, make_user):
    user = make_user()
    accept_agreement(user.company, user)
    name = user.company.legal_name
    erase_company(user.company, by=None)
    db.session.commit()
    login(client, make_user(role="staff", company=None))
    page = client.get("/beheer/verwerkersovereenkomsten/")
    assert page.status_code == 200 and name in page.text


def test_complaint_register_is_gated_on_the_current_agreement(app, client, login, make_user):
    user = make_user()
    login(client, user)
    blocked = client.get("/mijn-profiel/klachten/")
    assert blocked.status_code == 403
    assert "verwerkersovereenkomst" in blocked.text.lower()
    assert client.post("/mijn-profiel/klachten/nieuw", data={"subject": "x"}).status_code == 403
    accept_agreement(user.company, user)
    assert client.get("/mijn-profiel/klachten/").status_code == 200
    admin = make_user(role="admin")
    draft = services.create_draft(
        label="2027.1", title="V", body=DEFAULT_BODY, summary="", by=admin
    )
    services.publish(draft, by=admin)
    db.session.commit()
    again = client.get("/mijn-profiel/klachten/")
    assert again.status_code == 403 and "opnieuw" in again.text


def test_public_form_of_a_member_without_agreement_stores_nothing(app, client, make_user):
    user = make_user()
    company = user.company
    page = client.get(f"/ledenzoeker/{company.slug}/klacht")
    assert page.status_code == 200 and "ontvangt op dit moment geen klachten" in page.text
    sent = client.post(
        f"/ledenzoeker/{company.slug}/klacht",
        data={
            "complainant_name": "K",
            "complainant_email": "k@k.example",
            "subject": "S",
            "description": "D",
            "confirm": "y",
        },
    )
    assert sent.status_code == 409
    assert db.session.scalars(select(Complaint)).first() is None
    accept_agreement(company, user)
    assert "ontvangt op dit moment" not in client.get(f"/ledenzoeker/{company.slug}/klacht").text
