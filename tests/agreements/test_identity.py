"""The association's legal identity (configuration) in the agreement PDF, the privacy statement
and every mail; demo defaults outside production are marked as such (issue 15 §1)."""

from __future__ import annotations

import pytest

from portal.agreements import services
from portal.agreements.pdf import Parties, build_pdf
from portal.core import outbox
from portal.extensions import db
from tests.agreements.test_agreements import pdf_text

IDENTITY = {
    "ASSOCIATION_NAME": "Vereniging Techniek Test",
    "ASSOCIATION_KVK": "40123456",
    "ASSOCIATION_ADDRESS": "Bredewater 20, 2715 CA Zoetermeer",
    "ASSOCIATION_SIGNATORY_NAME": "Anna Bestuurder",
    "ASSOCIATION_SIGNATORY_FUNCTION": "algemeen directeur",
    "PRIVACY_CONTACT_EMAIL": "avg@vereniging.test",
    "PRIVACY_CONTACT_PHONE": "079 123 45 67",
    "ASSOCIATION_DPO_NAME": "Frank FG",
    "ASSOCIATION_DPO_EMAIL": "fg@vereniging.test",
    "ASSOCIATION_DEMO": False,
}
FACTS = (
    "Vereniging Techniek Test",
    "40123456",
    "Bredewater 20, 2715 CA Zoetermeer",
    "avg@vereniging.test",
    "Frank FG",
)


@pytest.fixture
def app_config():
    return dict(IDENTITY)


def test_pdf_names_the_configured_processor_and_its_signatory(app, make_company):
    company = make_company(legal_name="Klant B.V.")
    version = services.publish_default()
    text = pdf_text(build_pdf(version, Parties(company, "Jan")))
    for fact in (*FACTS, "Anna Bestuurder, algemeen directeur", "079 123 45 67"):
        assert fact in text, fact
    assert "00000000" not in text and "DEMOGEGEVENS" not in text
    assert "privacy@example.nl" not in text


def test_statement_names_controller_address_kvk_and_dpo(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    for fact in FACTS:
        assert fact in page.text, fact
    assert "Demogegevens" not in page.text


def test_every_mail_carries_the_identity_footer(app):
    message = outbox.enqueue(
        "test",
        to="lid@bedrijf.example",
        subject="S",
        template="mail/agreement_new_version.txt",
        user=None,
        version=services.publish_default(),
        url="x",
    )
    db.session.commit()
    for fact in FACTS:
        assert fact in message.body, fact
    assert "DEMOGEGEVENS" not in message.body


def test_demo_identity_is_marked_everywhere(app, client, make_company, monkeypatch):
    monkeypatch.setitem(app.config, "ASSOCIATION_DEMO", True)
    version = services.publish_default()
    assert "DEMOGEGEVENS" in pdf_text(build_pdf(version, Parties(make_company(), "Jan")))
    assert "Demogegevens" in client.get("/privacy").text
    message = outbox.enqueue(
        "test",
        to="a@b.example",
        subject="S",
        template="mail/agreement_new_version.txt",
        user=None,
        version=version,
        url="x",
    )
    assert "DEMOGEGEVENS" in message.body
