"""Mijn profiel: company details, validation, logo, opt-out, audit."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.members.models import Company, Specialism

VALID = {
    "trade_name": "De Vries Warmte",
    "street": "Kerkstraat",
    "house_number": "12",
    "house_number_addition": "a",
    "postcode": "3511ab",
    "city": "Utrecht",
    "phone": "030 123 45 67",
    "email": "info@devries.example",
    "website": "https://devries.example",
    "description": "Verwarming en sanitair\nsinds 1980.",
    "opening_hours": "ma-vr 8-17",
    "show_address": "y",
    "show_phone": "y",
}


@pytest.fixture
def member(client, make_user, login):
    user = make_user()
    login(client, user)
    return user


def test_dashboard_shows_status_card_and_preview(client, member):
    page = client.get("/mijn-profiel/")
    assert page.status_code == 200
    assert "Zo zien consumenten u" in page.text
    assert member.company.display_name in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_edit_saves_normalised_data_and_audits(client, member):
    db.session.add(Specialism(slug="sanitair", name="Sanitair"))
    db.session.commit()
    spec_id = db.session.scalars(select(Specialism.id)).one()
    response = client.post(
        "/mijn-profiel/bedrijfsgegevens", data={**VALID, "specialisms": [spec_id]}
    )
    assert response.status_code == 303
    company = db.session.get(Company, member.company_id)
    assert company.postcode == "3511 AB"
    assert [s.slug for s in company.specialisms] == ["sanitair"]
    assert company.show_email is False  # unchecked box
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.updated")
    ).one()
    assert event.actor_id == member.id and event.on_behalf_of_company_id == company.id
    assert event.changes["street"] == {"old": "Dorpsstraat", "new": "Kerkstraat"}
    assert "postcode" not in event.changes  # normalised to the same value


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "12345", "Vul een postcode in als 1234 AB."),
        ("email", "geen-adres", "Vul een geldig e-mailadres in"),
        ("website", "javascript:alert(1)", "begint met https://"),
        ("phone", "bel me", "Vul een geldig telefoonnummer in"),
        ("city", "", "Dit veld is verplicht."),
        ("trade_name", "Naam\u202eomgekeerd", "tekens die niet zijn toegestaan"),
        ("description", "x" * 2001, "2000"),
    ],
)
def test_bad_input_gets_dutch_error_and_changes_nothing(client, member, field, value, message):
    before = db.session.get(Company, member.company_id).street
    response = client.post("/mijn-profiel/bedrijfsgegevens", data={**VALID, field: value})
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    db.session.expire_all()
    assert db.session.get(Company, member.company_id).street == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trade_name", "De Vries\nWarmte"),
        ("trade_name", "De Vries\r\nWarmte"),
        ("trade_name", "De Vries\u2028Warmte"),
        ("street", "Kerk\nstraat"),
        ("house_number", "1\r2"),
        ("house_number_addition", "a\nb"),
        ("city", "Utr\necht"),
        ("website", "https://devries.example/\nfoo"),
        ("website", "https://devries.\texample/"),
    ],
)
def test_line_break_in_a_single_line_field_is_refused_not_saved_silently(
    client, member, field, value
):
    """Issue 14: a trade name with a line break answered "opgeslagen" and was not kept."""
    before = db.session.get(Company, member.company_id).trade_name
    response = client.post("/mijn-profiel/bedrijfsgegevens", data={**VALID, field: value})
    assert response.status_code == 422
    assert "opgeslagen" not in response.text
    expected = "begint met https://" if field == "website" else "maar uit één regel bestaan"
    assert expected in response.text and 'aria-invalid="true"' in response.text
    db.session.expire_all()
    assert db.session.get(Company, member.company_id).trade_name == before


def test_htmx_invalid_post_returns_only_the_form(client, member):
    headers = {"HX-Request": "true", "HX-Target": "company-details-form"}
    response = client.post(
        "/mijn-profiel/bedrijfsgegevens", data={**VALID, "postcode": "x"}, headers=headers
    )
    assert response.status_code == 422
    assert "<html" not in response.text and 'id="company-details-form"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_inline_field_check(client, member):
    response = client.post(
        "/mijn-profiel/bedrijfsgegevens/controleer/postcode", data={"postcode": "99"}
    )
    assert response.status_code == 200
    assert "Vul een postcode in als 1234 AB." in response.text and "<html" not in response.text
    assert (
        client.post("/mijn-profiel/bedrijfsgegevens/controleer/geheim", data={}).status_code == 404
    )


def _image(fmt: str, size=(50, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_logo_is_reencoded_without_trailing_data(client, member):
    payload = _image("JPEG") + b"<script>alert(1)</script>"
    response = client.post(
        "/mijn-profiel/logo",
        data={"logo": (io.BytesIO(payload), "logo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    company = db.session.get(Company, member.company_id)
    assert company.logo_data.startswith(b"\x89PNG") and b"<script>" not in company.logo_data
    served = client.get("/mijn-profiel/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("logo.png", b"not an image at all", "geen geldige afbeelding"),
        ("logo.gif", b"GIF89a....", "Kies een PNG-, JPEG- of WebP-bestand."),
        ("logo.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10), "groter dan 1 MB"),
    ],
)
def test_bad_logo_rejected(client, member, name, payload, message):
    response = client.post(
        "/mijn-profiel/logo",
        data={"logo": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.text
    assert db.session.get(Company, member.company_id).logo_data is None


def test_opt_out_needs_confirmation(client, member):
    response = client.post("/mijn-profiel/zichtbaarheid", data={"directory_opt_out": "y"})
    assert response.status_code == 422 and "Bevestig dat u dit begrijpt." in response.text
    assert db.session.get(Company, member.company_id).directory_opt_out is False
    response = client.post(
        "/mijn-profiel/zichtbaarheid", data={"directory_opt_out": "y", "confirm": "y"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Company, member.company_id).is_listed is False


def test_posted_registry_fields_are_ignored(client, member):
    company = db.session.get(Company, member.company_id)
    kvk, legal = company.kvk_number, company.legal_name
    client.post(
        "/mijn-profiel/bedrijfsgegevens",
        data={**VALID, "kvk_number": "99999999", "legal_name": "Gekaapt", "company_id": "999"},
    )
    db.session.expire_all()
    company = db.session.get(Company, member.company_id)
    assert (company.kvk_number, company.legal_name) == (kvk, legal)
