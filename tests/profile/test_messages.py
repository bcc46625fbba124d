"""Mijn profiel > Berichten: the company's mails, no link mails, customers masked, scoped."""

from __future__ import annotations

import pytest

from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db


@pytest.fixture
def member(make_user, client, login):
    user = make_user()
    login(client, user)
    return user


def mail(company_id, kind="compliance.geen_systeem", to="info@bedrijf.example", **extra):
    message = OutboxMessage(
        kind=kind, to_address=to, subject=extra.pop("subject", f"Onderwerp {kind}"),
        body=extra.pop("body", "Beste lid, dit is de tekst."), company_id=company_id,
        status=extra.pop("status", OutboxStatus.SENT), **extra,
    )  # fmt: skip
    db.session.add(message)
    db.session.commit()
    return message


def test_list_shows_company_mails_with_customers_masked(client, member, make_company):
    own = mail(member.company_id, subject="Herinnering criterium 2")
    letter = mail(
        member.company_id, kind="complaints/letter", to="karin.klager@klant.example",
        subject="Eindreactie op uw klacht",
    )  # fmt: skip
    mail(member.company_id, kind="auth.reset", subject="Nieuw wachtwoord")
    other = mail(make_company().id, subject="Van een ander bedrijf")
    page = client.get("/mijn-profiel/berichten")
    assert page.status_code == 200
    assert "Herinnering criterium 2" in page.text and "Eindreactie op uw klacht" in page.text
    assert "Nieuw wachtwoord" not in page.text and "Van een ander bedrijf" not in page.text
    assert "k•••@klant.example" in page.text and "karin.klager" not in page.text
    assert "info@bedrijf.example" in page.text
    detail = client.get(f"/mijn-profiel/berichten/{letter.id}")
    assert detail.status_code == 200 and "karin.klager" not in detail.text
    assert client.get(f"/mijn-profiel/berichten/{own.id}").status_code == 200
    assert client.get(f"/mijn-profiel/berichten/{other.id}").status_code == 404


def test_link_mails_and_unknown_ids_are_404_and_bodies_carry_no_secret(client, member):
    reset = mail(member.company_id, kind="auth.reset", body="[persoonlijke link verborgen]")
    assert client.get(f"/mijn-profiel/berichten/{reset.id}").status_code == 404
    assert client.get("/mijn-profiel/berichten/987654321").status_code == 404


def test_purged_body_is_explained(client, member):
    from portal.core.db import utcnow

    old = mail(member.company_id, body="", purged_at=utcnow())
    page = client.get(f"/mijn-profiel/berichten/{old.id}")
    assert "De inhoud is na de bewaartermijn verwijderd." in page.text


def test_reminder_sent_by_staff_reaches_berichten(client, member, make_user):
    from portal.compliance import reminders, services
    from portal.core.db import utcnow

    staff = make_user(role="staff")
    rows = services.overview_rows(utcnow(), company_ids=[member.company_id])
    reminders.send(rows, reminders.template_by_key("geen_systeem"), by=staff, now=utcnow(),
                   source="staff")  # fmt: skip
    db.session.commit()
    page = client.get("/mijn-profiel/berichten")
    assert "Herinnering: kies een klantbeoordelingssysteem" in page.text
    assert 'aria-current="page">Berichten' in page.text


def test_a_colleagues_privacy_request_mail_is_not_shown_to_the_company(client, member):
    request_mail = mail(
        member.company_id, kind="privacy/request_received",
        subject="Uw verzoek om verwijdering is ontvangen", to="collega@bedrijf.example",
    )  # fmt: skip
    page = client.get("/mijn-profiel/berichten")
    assert "Uw verzoek om verwijdering" not in page.text
    assert client.get(f"/mijn-profiel/berichten/{request_mail.id}").status_code == 404
