"""Member pages of the register: intake, workflow steps, letters, settings, one-click review."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.complaints import services, workdays
from portal.complaints.models import (
    Complaint,
    ComplaintLetter,
    ComplaintStatus,
    LetterTemplate,
    SyncedReview,
)
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.reviews.models import Provider

INTAKE = {
    "complainant_name": "Karin Klager",
    "complainant_street": "Lindelaan 4",
    "complainant_postcode": "3511ab",
    "complainant_city": "Utrecht",
    "complainant_email": "Karin@Klant.example",
    "received_on": "2026-03-02",
    "channel": "phone",
    "category": "Schade",
    "subject": "Cv-ketel",
    "description": "Lekkage na onderhoud.",
}


@pytest.fixture
def logged_in(client, login, member):
    login(client, member)
    return client


def test_register_and_new_pages_render(logged_in, member):
    index = logged_in.get("/mijn-profiel/klachten/")
    assert index.status_code == 200
    assert "Klachtenregister" in index.text and "0 klachten" in index.text
    assert 'hx-history="false"' in index.text
    form = logged_in.get("/mijn-profiel/klachten/nieuw")
    assert form.status_code == 200
    assert '<option value="Kwaliteit werk">' in form.text
    assert 'value="2026-' in form.text or 'value="20' in form.text


def test_intake_creates_complaint_with_deadlines(logged_in, member):
    response = logged_in.post("/mijn-profiel/klachten/nieuw", data=INTAKE)
    assert response.status_code == 303
    complaint = db.session.scalars(select(Complaint)).one()
    assert response.headers["Location"] == f"/mijn-profiel/klachten/{complaint.public_id}"
    assert complaint.reference == "K-2026-0001"
    assert complaint.complainant_postcode == "3511 AB"
    assert complaint.complainant_email == "karin@klant.example"
    assert complaint.category.name == "Schade"
    assert complaint.received_by == "Bea Beheerder"
    assert (complaint.ack_due_on, complaint.due_on) == (date(2026, 3, 4), date(2026, 3, 16))
    page = logged_in.get(response.headers["Location"])
    assert page.status_code == 200
    assert "K-2026-0001" in page.text and "Lekkage na onderhoud." in page.text


@pytest.mark.parametrize(
    ("field", "value"),
    [("complainant_name", ""), ("description", ""), ("category", "Onbekend"), ("received_on", "x")],
)
def test_intake_errors_are_422(logged_in, field, value):
    response = logged_in.post("/mijn-profiel/klachten/nieuw", data=INTAKE | {field: value})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalars(select(Complaint)).first() is None


def test_workflow_through_the_pages(logged_in, member, make_complaint):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    assert logged_in.post(f"{base}/stap/start").status_code == 422  # not from received
    assert logged_in.post(f"{base}/stap/acknowledge").status_code == 303
    assert logged_in.post(f"{base}/stap/start").status_code == 303
    refused = logged_in.post(
        f"{base}/stap/close", data={"close-resolution": "Nee", "close-verdict": "unjustified"}
    )
    assert refused.status_code == 422
    assert "Geef aan waarom de klacht ongegrond is." in refused.text
    closed = logged_in.post(
        f"{base}/stap/close",
        data={
            "close-resolution": "Pakking vervangen",
            "close-verdict": "justified",
            "close-satisfaction": "very_good",
        },
    )
    assert closed.status_code == 303
    db.session.refresh(complaint)
    assert complaint.status is ComplaintStatus.CLOSED
    assert complaint.resolution == "Pakking vervangen"
    assert logged_in.post(f"{base}/stap/bogus").status_code == 422
    reopened = logged_in.post(
        f"{base}/stap/reopen",
        data={"reopen-reopen_kind": "dispute", "reopen-dispute_route": "De Geschillencommissie"},
    )
    assert reopened.status_code == 303
    page = logged_in.get(base)
    assert "Heropend als geschil via De Geschillencommissie." in page.text


def test_edit_and_assign(logged_in, member, colleague, make_complaint):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    assert logged_in.get(f"{base}/bewerken").status_code == 200
    data = INTAKE | {"remarks": "Terugbellen", "root_cause": "product", "satisfaction": ""}
    assert logged_in.post(f"{base}/bewerken", data=data).status_code == 303
    assert (
        logged_in.post(f"{base}/bewerken", data=data | {"complainant_postcode": "12"}).status_code
        == 422
    )
    assert (
        logged_in.post(f"{base}/behandelaar", data={"handler": colleague.public_id}).status_code
        == 303
    )
    assert logged_in.post(f"{base}/behandelaar", data={"handler": "nobody"}).status_code == 422
    db.session.refresh(complaint)
    assert (complaint.remarks, complaint.root_cause, complaint.handler_id) == (
        "Terugbellen",
        "product",
        colleague.id,
    )


def test_letters_send_pdf_and_keep(logged_in, member, make_complaint):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    preview = logged_in.get(f"{base}/brief/acknowledgement")
    assert preview.status_code == 200
    assert "Beste Karin Klager," in preview.text and "K-2026-0001" in preview.text
    assert logged_in.get(f"{base}/brief/nonsense").status_code == 404
    sent = logged_in.post(f"{base}/brief/acknowledgement/verzenden")
    assert sent.status_code == 303
    db.session.refresh(complaint)
    assert complaint.status is ComplaintStatus.ACKNOWLEDGED  # the letter confirms receipt
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "complaints/letter")
    ).one()
    assert mail.to_address == "karin@klant.example"
    assert mail.subject == "Ontvangstbevestiging van uw klacht K-2026-0001"
    pdf = logged_in.post(f"{base}/brief/interim/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    db.session.refresh(complaint)
    start = max(date(2026, 3, 16), services.now_local_date())
    assert complaint.due_on == workdays.due_after_days(start, 14)  # interim reply: +14 days
    kept = db.session.scalars(select(ComplaintLetter).order_by(ComplaintLetter.id)).all()
    assert [(k.kind.value, k.method) for k in kept] == [
        ("acknowledgement", "email"),
        ("interim", "pdf"),
    ]
    again = logged_in.get(f"/mijn-profiel/klachten/brieven/{kept[0].public_id}.pdf")
    assert again.status_code == 200 and again.data.startswith(b"%PDF-")


def test_letter_without_email_is_refused(logged_in, member, make_complaint):
    complaint = make_complaint(member.company, complainant_email="")
    response = logged_in.post(f"/mijn-profiel/klachten/{complaint.public_id}/brief/final/verzenden")
    assert response.status_code == 303
    assert db.session.scalars(select(ComplaintLetter)).first() is None
    assert db.session.scalars(select(OutboxMessage)).first() is None


def test_settings_for_beheerder_only(client, login, member, colleague):
    login(client, colleague)
    assert client.get("/mijn-profiel/klachten/instellingen").status_code == 200
    policy = {
        "ack_working_days": "3",
        "handling_days": "21",
        "extension_days": "10",
        "reminder_working_days": "2",
        "negative_review_below": "5,5",
        "escalate_after_days": "5",
        "categories": "Lekkage\nPlanning",
    }
    assert (
        client.post(
            "/mijn-profiel/klachten/instellingen", data=policy | {"negative_review_below": "5.5"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/mijn-profiel/klachten/instellingen/brieven/final", data={"subject": "x", "body": "y"}
        ).status_code
        == 403
    )
    login(client, member)
    assert (
        client.post(
            "/mijn-profiel/klachten/instellingen", data=policy | {"handling_days": "0"}
        ).status_code
        == 422
    )
    ok = client.post("/mijn-profiel/klachten/instellingen", data=policy)  # "5,5" accepted
    assert ok.status_code == 303
    assert services.policy_for(member.company).negative_review_below == Decimal("5.5")
    assert 'value="5,5"' in client.get("/mijn-profiel/klachten/instellingen").text
    form = client.get("/mijn-profiel/klachten/nieuw")
    assert '<option value="Lekkage">' in form.text and "Kwaliteit werk" not in form.text
    created = client.post(
        "/mijn-profiel/klachten/nieuw",
        data=INTAKE | {"category": "Lekkage", "received_on": "2026-03-02"},
    )
    assert created.status_code == 303
    complaint = db.session.scalars(select(Complaint)).one()
    assert (complaint.ack_due_on, complaint.due_on) == (date(2026, 3, 5), date(2026, 3, 23))


def test_letter_template_edit_validates_placeholders(logged_in, member, make_complaint):
    url = "/mijn-profiel/klachten/instellingen/brieven/final"
    assert "{klant_naam}" in logged_in.get(url).text
    bad = logged_in.post(
        url, data={"subject": "Uw klacht", "body": "Beste {klant_naam.__class__} {onbekend}"}
    )
    assert bad.status_code == 422
    assert "Onbekende invulvelden: {onbekend}" in bad.text
    good = logged_in.post(
        url,
        data={"subject": "Klacht {klachtnummer}", "body": "Hallo {klant_naam}, {{7*7}} <b>x</b>"},
    )
    assert good.status_code == 303
    complaint = make_complaint(member.company)
    preview = logged_in.get(f"/mijn-profiel/klachten/{complaint.public_id}/brief/final")
    assert "Hallo Karin Klager, {{7*7}} &lt;b&gt;x&lt;/b&gt;" in preview.text
    assert ">49<" not in preview.text
    reset = logged_in.post(f"{url}/standaard")
    assert reset.status_code == 303
    assert db.session.scalars(select(LetterTemplate)).first() is None


def _review(company, rating, scale=10, ident="r1") -> SyncedReview:
    review = SyncedReview(
        company_id=company.id,
        provider=Provider.KLANTENVERTELLEN if scale == 10 else Provider.FEEDBACK_COMPANY,
        provider_review_id=ident,
        rating=Decimal(rating),
        scale_max=Decimal(scale),
        reviewed_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        author_city="Zeist",
        headline="Monteur kwam niet opdagen",
    )
    db.session.add(review)
    db.session.commit()
    return review


def test_one_click_complaint_from_negative_review(logged_in, member):
    low = _review(member.company, 3, ident="low")
    _review(member.company, 9, ident="high")
    fbc_low = _review(member.company, 2, scale=5, ident="fbc-low")  # 4/10
    _review(member.company, 3, scale=5, ident="fbc-mid")  # 6/10: not below 6
    page = logged_in.get("/mijn-profiel/klachten/")
    assert page.text.count("Klacht openen") == 2
    assert "Monteur kwam niet opdagen" in page.text
    first = logged_in.post(f"/mijn-profiel/klachten/beoordeling/{low.public_id}/klacht")
    assert first.status_code == 303
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.source_review_id == low.id
    assert complaint.channel.value == "review"
    assert complaint.complainant_city == "Zeist"
    assert "cijfer 3/10" in complaint.description
    again = logged_in.post(f"/mijn-profiel/klachten/beoordeling/{low.public_id}/klacht")
    assert again.headers["Location"] == first.headers["Location"]  # no second record
    assert db.session.query(Complaint).count() == 1
    page = logged_in.get("/mijn-profiel/klachten/")
    assert page.text.count("Klacht openen") == 1 and "Bekijk klacht" in page.text
    assert fbc_low.rating_10 == Decimal("4.0")


def test_list_filter_fragment(logged_in, member, make_complaint):
    make_complaint(member.company, complainant_name="Anna Appel")
    make_complaint(member.company, complainant_name="Bert Boom")
    hx = {"HX-Request": "true", "HX-Target": "complaints-list"}
    fragment = logged_in.get("/mijn-profiel/klachten/?q=appel", headers=hx)
    assert "<html" not in fragment.text
    assert "Anna Appel" in fragment.text and "Bert Boom" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    by_status = logged_in.get("/mijn-profiel/klachten/?status=closed")
    assert "Anna Appel" not in by_status.text and "0 klachten" in by_status.text


@pytest.mark.parametrize(
    ("rating", "scale", "threshold"),
    [
        (6, 10, None),  # at the default threshold of 6
        (9, 10, None),
        (3, 5, None),  # 6/10 on a five-point scale
        (7, 10, Decimal("7.0")),  # at a company's own threshold
    ],
)
def test_complaint_from_a_review_at_or_above_the_threshold_is_refused(
    logged_in, member, rating, scale, threshold
):
    if threshold is not None:
        policy = services.policy_for(member.company)
        policy.negative_review_below = threshold
        db.session.add(policy)
        db.session.commit()
    review = _review(member.company, rating, scale=scale, ident="not-negative")
    response = logged_in.post(f"/mijn-profiel/klachten/beoordeling/{review.public_id}/klacht")
    assert response.status_code == 303
    assert response.headers["Location"] == "/mijn-profiel/klachten/"
    assert db.session.query(Complaint).count() == 0
    page = logged_in.get("/mijn-profiel/klachten/")
    assert "geen klacht maken" in page.text


def test_complaint_from_a_review_follows_the_company_threshold(logged_in, member):
    policy = services.policy_for(member.company)
    policy.negative_review_below = Decimal("8.0")
    db.session.add(policy)
    db.session.commit()
    review = _review(member.company, 7, ident="below-own-threshold")
    response = logged_in.post(f"/mijn-profiel/klachten/beoordeling/{review.public_id}/klacht")
    assert response.status_code == 303
    assert db.session.scalars(select(Complaint)).one().source_review_id == review.id
