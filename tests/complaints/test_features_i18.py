"""Issue 18 features: severity and coordinator notices, handler notice, filters, investigation
log, job fields, costs and the added statistics."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.complaints import exports, services, stats
from portal.complaints.models import Complaint, ComplaintNote, Severity
from portal.complaints.services import Action
from portal.core.models import OutboxMessage
from portal.extensions import db

INTAKE = {
    "complainant_name": "Karin Klager",
    "complainant_email": "karin@klant.example",
    "received_on": "2026-03-02",
    "channel": "phone",
    "category": "Schade",
    "subject": "Cv-ketel",
    "description": "Lekkage na onderhoud.",
    "severity": "normal",
    "work_order": "WB-2026-114",
    "installation_type": "Cv-ketel",
    "technician": "Jan Monteur",
}


@pytest.fixture
def logged_in(client, login, member):
    login(client, member)
    return client


def _mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == f"complaints/{kind}")
            .order_by(OutboxMessage.id)
        )
    )


def _make_coordinator(member, colleague):
    policy = services.policy_for(member.company)
    policy.coordinator_id = colleague.id
    db.session.add(policy)
    db.session.commit()


def test_intake_stores_the_job_and_tells_the_coordinator(logged_in, member, colleague):
    _make_coordinator(member, colleague)
    assert logged_in.post("/mijn-profiel/klachten/nieuw", data=INTAKE).status_code == 303
    complaint = db.session.scalars(select(Complaint)).one()
    assert (complaint.work_order, complaint.installation_type, complaint.technician) == (
        "WB-2026-114",
        "Cv-ketel",
        "Jan Monteur",
    )
    assert complaint.severity is Severity.NORMAL
    [notice] = _mails("new_internal")
    assert notice.to_address == colleague.email
    assert complaint.reference in notice.body and "Karin" not in notice.body
    assert _mails("serious") == []
    page = logged_in.get(f"/mijn-profiel/klachten/{complaint.public_id}")
    assert "WB-2026-114" in page.text and "Jan Monteur" in page.text
    found = logged_in.get("/mijn-profiel/klachten/?q=wb-2026")
    assert complaint.reference in found.text


def test_serious_complaint_goes_to_the_right_people_at_once(logged_in, member, colleague):
    _make_coordinator(member, colleague)
    answer = logged_in.post("/mijn-profiel/klachten/nieuw", data=INTAKE | {"severity": "critical"})
    assert answer.status_code == 303
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.severity is Severity.CRITICAL
    # The coordinator gets it; the beheerder who registered it does not mail themselves.
    assert [m.to_address for m in _mails("serious")] == [colleague.email]
    assert "zeer ernstig" in _mails("serious")[0].body
    assert "Karin" not in _mails("serious")[0].body


def test_raising_severity_on_edit_sends_the_notice(logged_in, member, colleague, make_complaint):
    complaint = make_complaint(member.company)
    url = f"/mijn-profiel/klachten/{complaint.public_id}/bewerken"
    data = {k: v for k, v in INTAKE.items() if k not in ("received_on", "channel")}
    login_as_colleague = logged_in  # the beheerder edits; the colleague is not involved yet
    saved = login_as_colleague.post(url, data=data | {"severity": "serious"})
    assert saved.status_code == 303
    db.session.refresh(complaint)
    assert complaint.severity is Severity.SERIOUS
    # No coordinator: the beheerders get it, except the one who raised it; nobody else here.
    assert _mails("serious") == []
    assert any(e.kind == "severity" for e in complaint.events)
    _make_coordinator(member, colleague)
    data2 = data | {"severity": "critical"}
    assert logged_in.post(url, data=data2).status_code == 303
    assert [m.to_address for m in _mails("serious")] == [colleague.email]
    assert logged_in.post(url, data=data2 | {"severity": "bogus"}).status_code == 422


def test_new_handler_gets_a_notice(logged_in, member, colleague, make_complaint):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    assert (
        logged_in.post(f"{base}/behandelaar", data={"handler": colleague.public_id}).status_code
        == 303
    )
    [notice] = _mails("assigned")
    assert notice.to_address == colleague.email
    assert "aan u toegewezen" in notice.subject
    # Assigning the same handler again sends nothing; taking it on yourself neither.
    logged_in.post(f"{base}/behandelaar", data={"handler": colleague.public_id})
    logged_in.post(f"{base}/behandelaar", data={"handler": member.public_id})
    assert len(_mails("assigned")) == 1


def test_filters_and_my_complaints(logged_in, member, colleague, make_complaint):
    mine = make_complaint(member.company, complainant_name="Anna Appel", category="Schade")
    services.assign_handler(mine, member, by=member)
    theirs = make_complaint(
        member.company, complainant_name="Bert Boom", received_on=services.now_local_date()
    )
    services.assign_handler(theirs, colleague, by=member)
    loose = make_complaint(member.company, complainant_name="Cor Cactus", category="Overig")
    loose.severity = Severity.SERIOUS
    db.session.commit()

    def names(query: str) -> set[str]:
        text = logged_in.get(f"/mijn-profiel/klachten/?{query}").text
        return {n for n in ("Anna Appel", "Bert Boom", "Cor Cactus") if n in text}

    assert names("behandelaar=mij") == {"Anna Appel"}
    assert names(f"behandelaar={colleague.public_id}") == {"Bert Boom"}
    assert names("behandelaar=geen") == {"Cor Cactus"}
    assert names("categorie=Schade") == {"Anna Appel"}
    assert names("te_laat=1") == {"Anna Appel", "Cor Cactus"}  # received in March
    assert names("ernst=serious") == {"Cor Cactus"}
    assert names("behandelaar=onbekend&categorie=Nergens") == {
        "Anna Appel",
        "Bert Boom",
        "Cor Cactus",
    }
    assert "Mijn klachten" in logged_in.get("/mijn-profiel/klachten/").text


def test_investigation_log(logged_in, member, make_complaint, make_user):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    added = logged_in.post(
        f"{base}/logboek", data={"kind": "contact", "body": "Klant gebeld: lekt nog steeds."}
    )
    assert added.status_code == 303
    page = logged_in.get(base)
    assert "Klant gebeld: lekt nog steeds." in page.text and "Contact met de klant" in page.text
    empty = logged_in.post(f"{base}/logboek", data={"kind": "note", "body": "  "})
    assert empty.status_code == 422
    assert db.session.scalars(select(ComplaintNote)).one().actor_label == "Bea Beheerder"
    # Another company's user cannot write in this log.
    other = make_user()
    from tests.conftest import login_as

    login_as(logged_in, other)
    denied = logged_in.post(f"{base}/logboek", data={"kind": "note", "body": "x"})
    assert denied.status_code in (403, 404)  # 403: no processor agreement yet (issue 15)


def test_costs_and_added_statistics(member, colleague, make_complaint):
    first = make_complaint(member.company, category="Schade", installation_type="Warmtepomp")
    services.assign_handler(first, colleague, by=member)
    services.apply_action(first, Action.ACKNOWLEDGE, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(first, Action.START, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(
        first,
        Action.CLOSE,
        {"resolution": "Nieuwe pomp", "verdict": "justified"},
        by=member,
        today=date(2026, 3, 6),
    )
    services.update_complaint(
        first,
        {"costs": Decimal("350.00"), "root_cause": "product", "supplier_fault": True},
        by=member,
    )
    second = make_complaint(member.company, installation_type="Cv-ketel")
    second.severity = Severity.SERIOUS
    second.costs = Decimal("50.00")
    db.session.commit()
    rows = stats.load_rows(
        company_id=member.company_id, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    figures = stats.compute(
        rows, start=date(2026, 1, 1), end=date(2026, 12, 31), with_handlers=True
    )
    assert figures.costs_total == Decimal("400.00") and figures.costs_average == Decimal("200.00")
    assert figures.supplier_faults == 1
    assert ("Gegrond", 1) in figures.by_verdict
    assert ("Product", 1) in figures.by_root_cause
    assert dict(figures.by_severity) == {"Normaal": 1, "Ernstig": 1, "Zeer ernstig": 0}
    assert dict(figures.by_installation) == {"Warmtepomp": 1, "Cv-ketel": 1}
    assert dict(figures.by_handler) == {"Mo Medewerker": 1, "Nog niemand": 1}
    assert (figures.ack_in_time, figures.ack_in_time_share) == (1, 1.0)
    staff_rows = stats.load_rows(company_id=None, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert (
        stats.compute(staff_rows, start=date(2026, 1, 1), end=date(2026, 12, 31)).by_handler == []
    )
    assert all(r.handler == "" for r in staff_rows)  # staff figures never name members' staff
    csv_text = exports.to_csv(rows).decode("utf-8")
    assert "Ernst;Soort installatie" in csv_text and ";Gegrond;Product;ja;350,00;" in csv_text
    assert "Mo Medewerker" not in csv_text


def test_settings_choose_a_coordinator(logged_in, member, colleague):
    url = "/mijn-profiel/klachten/instellingen"
    page = logged_in.get(url)
    assert f'<option value="{colleague.public_id}">' in page.text
    data = {
        "ack_working_days": "2",
        "handling_days": "14",
        "extension_days": "14",
        "reminder_working_days": "1",
        "negative_review_below": "6,0",
        "escalate_after_days": "5",
        "categories": "Schade\nOverig",
        "coordinator": colleague.public_id,
    }
    assert logged_in.post(url, data=data).status_code == 303
    assert services.policy_for(member.company).coordinator_id == colleague.id
    assert f'<option selected value="{colleague.public_id}">' in logged_in.get(url).text


def _closed(member, make_complaint):
    complaint = make_complaint(member.company)
    services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(complaint, Action.START, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(
        complaint,
        Action.CLOSE,
        {"resolution": "Ketel vervangen", "verdict": "justified"},
        by=member,
        today=date(2026, 3, 6),
    )
    db.session.commit()
    return complaint


def test_status_page_link_and_survey(app, logged_in, member, make_complaint):
    from portal.core import outbox

    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    assert logged_in.post(f"{base}/statuslink").status_code == 303
    [mail] = _mails("status_link")
    assert "/ledenzoeker/klacht-volgen/" not in mail.body  # the stored body is redacted
    link = outbox.compose(mail).get_content().split("http://localhost", 1)[1].split()[0]
    assert link.startswith("/ledenzoeker/klacht-volgen/")
    token = link.rsplit("/", 1)[1]
    assert complaint.status_token_hash and token not in complaint.status_token_hash
    public = app.test_client()
    page = public.get(link)
    assert page.status_code == 200
    assert complaint.reference in page.text and "Ontvangen" in page.text
    assert "Karin" not in page.text and "karin@" not in page.text and "Lindelaan" not in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    assert public.get("/ledenzoeker/klacht-volgen/onzin-token").status_code == 404
    # Open: no survey yet; a survey answer is refused.
    assert "Hoe tevreden bent u?" not in page.text
    assert public.post(link, data={"satisfaction": "good"}).status_code == 422
    # Closed: the survey appears and records the answer, the aftercare is done.
    services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(complaint, Action.START, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(
        complaint,
        Action.CLOSE,
        {"resolution": "Ketel vervangen", "verdict": "justified"},
        by=member,
        today=date(2026, 3, 6),
    )
    db.session.commit()
    assert "Hoe tevreden bent u?" in public.get(link).text
    assert public.post(link, data={"satisfaction": ""}).status_code == 422
    answered = public.post(link, data={"satisfaction": "very_good", "remark": "Netjes opgelost"})
    assert answered.status_code == 303
    db.session.refresh(complaint)
    assert complaint.satisfaction.value == "very_good"
    assert (
        complaint.followup_done_on is not None and "Netjes opgelost" in complaint.followup_outcome
    )
    # A new link replaces the old one.
    assert logged_in.post(f"{base}/statuslink").status_code == 303
    assert public.get(link).status_code == 404


def test_aftercare_is_scheduled_reminded_and_recorded(logged_in, member, make_complaint):
    from portal.complaints.models import SignalKind
    from portal.complaints.reminders import open_signals, run_reminders

    complaint = _closed(member, make_complaint)
    assert complaint.followup_on == date(2026, 3, 20)
    assert run_reminders(today=date(2026, 3, 19))["followup_due"] == 0
    assert run_reminders(today=date(2026, 3, 20))["followup_due"] == 1
    db.session.commit()
    assert [s.kind for s in open_signals(member.company_id)] == [SignalKind.FOLLOWUP_DUE]
    [mail] = _mails("followup_due")
    assert mail.to_address == member.email
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    assert logged_in.post(f"{base}/nazorg", data={"followup_outcome": ""}).status_code == 422
    done = logged_in.post(
        f"{base}/nazorg", data={"followup_outcome": "Gebeld: alles werkt.", "satisfaction": "good"}
    )
    assert done.status_code == 303
    db.session.refresh(complaint)
    assert complaint.followup_done_on is not None and complaint.satisfaction.value == "good"
    assert open_signals(member.company_id) == []
    assert run_reminders(today=date(2026, 4, 1))["followup_due"] == 0


def test_periodic_report_pdf_and_help_page(logged_in, member, make_complaint):
    from pypdf import PdfReader

    _closed(member, make_complaint)
    make_complaint(member.company, received_on=date(2025, 10, 1), complainant_name="Oud Geval")
    response = logged_in.get(
        "/mijn-profiel/klachten/statistieken/rapport.pdf?van=2026-01-01&tot=2026-06-30"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Klachtenrapport" in text and "vergeleken met" in text
    assert "Binnen de termijn afgehandeld" in text and "Per categorie" in text
    assert "Karin" not in text and "Oud Geval" not in text
    help_page = logged_in.get("/mijn-profiel/klachten/werkwijze")
    assert help_page.status_code == 200
    assert "Telefoongesprek met een klager" in help_page.text
    assert "Anonieme klachten nemen wij niet in behandeling." in help_page.text


def test_link_related_complaints(logged_in, member, make_complaint, make_user):
    first = make_complaint(member.company)
    second = make_complaint(member.company, complainant_name="Karin Klager")
    foreign = make_complaint(make_user().company)
    url = f"/mijn-profiel/klachten/{second.public_id}/bewerken"
    data = {k: v for k, v in INTAKE.items() if k not in ("received_on", "channel")}
    bad = logged_in.post(url, data=data | {"related_reference": foreign.reference + "9"})
    assert bad.status_code == 422 and "Geen andere klacht met dit nummer" in bad.text
    own = logged_in.post(url, data=data | {"related_reference": second.reference})
    assert own.status_code == 422
    ok = logged_in.post(url, data=data | {"related_reference": first.reference.lower()})
    assert ok.status_code == 303
    db.session.refresh(second)
    assert second.related_to_id == first.id
    page = logged_in.get(f"/mijn-profiel/klachten/{first.public_id}")
    assert f">{second.reference}</a>" in page.text  # the link shows from both sides
    assert foreign.company_id != member.company_id


def test_survey_remark_replaces_the_previous_one(app, logged_in, member, make_complaint):
    """Outside review: each survey post appended up to 2,000 characters to the aftercare outcome,
    so whoever holds the link could flood the register; the latest remark now replaces the last."""
    from portal.complaints import tracking

    complaint = make_complaint(member.company)
    for action in (Action.ACKNOWLEDGE, Action.START):
        services.apply_action(complaint, action, {}, by=member, today=date(2026, 3, 3))
    services.apply_action(
        complaint,
        Action.CLOSE,
        {"resolution": "Ketel vervangen", "verdict": "justified"},
        by=member,
        today=date(2026, 3, 6),
    )
    services.record_followup(
        complaint, "Gebeld, klant tevreden.", satisfaction=None, by=member, today=date(2026, 3, 20)
    )
    complaint.status_token_hash = tracking.token_hash("t" * 43)
    db.session.commit()
    public = app.test_client()
    link = "/ledenzoeker/klacht-volgen/" + "t" * 43
    for n in range(5):
        answered = public.post(link, data={"satisfaction": "good", "remark": f"{n}" * 2000})
        assert answered.status_code == 303
    db.session.refresh(complaint)
    outcome = complaint.followup_outcome
    assert outcome == "Gebeld, klant tevreden.\nKlant via enquête: " + "4" * 2000
    # A later answer without a remark removes the old remark; the handler's text stays.
    assert public.post(link, data={"satisfaction": "fair"}).status_code == 303
    db.session.refresh(complaint)
    assert complaint.followup_outcome == "Gebeld, klant tevreden."
    assert complaint.satisfaction.value == "fair"
