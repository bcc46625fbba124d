"""Regression tests of the complaint register's bugs found in issue 18 (each failed before)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.complaints import dispatch, review_intake, services, stats
from portal.complaints.models import (
    Complaint,
    ComplaintLetter,
    ComplaintStatus,
    LetterKind,
    SyncedReview,
)
from portal.complaints.reminders import run_reminders
from portal.complaints.services import Action
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.reviews.models import Provider

D = date
_FLOAT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


class _BrowserForm(HTMLParser):
    """What a browser submits for the form posting to `action`.

    Follows the HTML value sanitisation the bug hid behind: an `<input type=number>` whose
    value is not a valid floating-point number (such as "6,0") is submitted empty.
    """

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, {}
        self._select = self._textarea = None
        self._first = True

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside or not a.get("name"):
            if tag == "option" and self.inside and self._select:
                if self._first or "selected" in a:
                    self.fields[self._select] = a.get("value", "")
                self._first = False
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            value = a.get("value", "")
            if kind == "number" and not _FLOAT.fullmatch(value):
                value = ""
            if kind == "checkbox":
                if "checked" in a:
                    self.fields[name] = value or "on"
            elif kind not in ("submit", "button"):
                self.fields[name] = value
        elif tag == "select":
            self._select, self._first = name, True
        elif tag == "textarea":
            self._textarea, self.fields[name] = name, ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.inside:
            self.fields[self._textarea] += data


def browser_submit(client, page_url: str, action: str, **changes):
    """Open the page, fill in `changes` and submit the form as a browser would."""
    page = client.get(page_url)
    assert page.status_code == 200
    parser = _BrowserForm(action)
    parser.feed(page.text)
    assert parser.fields, f"no form posting to {action}"
    return client.post(action, data=parser.fields | changes)


@pytest.fixture
def logged_in(client, login, member):
    login(client, member)
    return client


def _to_progress(complaint, member, today):
    services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=member, today=today)
    services.apply_action(complaint, Action.START, {}, by=member, today=today)


CLOSE = {"resolution": "Pakking vervangen", "verdict": "justified"}


# --- 1. Editing a complaint kept wiping its category ---------------------------------------


def test_edit_form_keeps_the_category(logged_in, member, make_complaint):
    complaint = make_complaint(member.company, category="Schade")
    url = f"/mijn-profiel/klachten/{complaint.public_id}/bewerken"
    page = logged_in.get(url)
    assert '<option selected value="Schade">' in page.text
    saved = browser_submit(logged_in, url, url, remarks="Klant belt terug")
    assert saved.status_code == 303
    db.session.refresh(complaint)
    assert complaint.category.name == "Schade" and complaint.remarks == "Klant belt terug"
    edits = [e.note for e in complaint.events if e.kind == "edited"]
    assert edits == ["remarks"]


def test_edit_keeps_a_category_since_removed_from_the_list(logged_in, member, make_complaint):
    complaint = make_complaint(member.company, category="Schade")
    services.save_categories(member.company, ["Lekkage"])
    db.session.commit()
    url = f"/mijn-profiel/klachten/{complaint.public_id}/bewerken"
    assert browser_submit(logged_in, url, url, remarks="x").status_code == 303
    db.session.refresh(complaint)
    assert complaint.category.name == "Schade"


# --- 2. The policy settings could not be saved as shown ------------------------------------


def test_policy_settings_save_as_shown(logged_in, member):
    url = "/mijn-profiel/klachten/instellingen"
    page = logged_in.get(url)
    assert 'type="number" value="6,0"' not in page.text
    assert 'inputmode="decimal"' in page.text
    saved = browser_submit(logged_in, url, url, handling_days="21")
    assert saved.status_code == 303, saved.text[:500]
    policy = services.policy_for(member.company)
    assert policy.handling_days == 21 and policy.negative_review_below == Decimal("6.0")


# --- 3. Late complaints counted as on time -------------------------------------------------


def test_interim_after_the_deadline_is_recorded_late(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    assert complaint.due_on == D(2026, 3, 16)
    _to_progress(complaint, member, D(2026, 3, 3))
    letter = dispatch.send_letter(complaint, LetterKind.INTERIM, by=member, today=D(2026, 3, 20))
    assert complaint.missed_due_on == D(2026, 3, 16)
    assert complaint.due_on == D(2026, 4, 3)  # from the day of the letter, not in the past
    assert "3 april 2026" in letter.body
    assert any(e.kind == "deadline_late" for e in complaint.events)
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 3, 25))
    db.session.commit()
    [row] = stats.load_rows(company_id=member.company_id, start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert row.within_deadline is False
    figures = stats.compute([row], start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert figures.within_deadline == 0


def test_interim_in_time_extends_once(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    _to_progress(complaint, member, D(2026, 3, 3))
    dispatch.send_letter(complaint, LetterKind.INTERIM, by=member, today=D(2026, 3, 10))
    assert complaint.due_on == D(2026, 3, 30) and complaint.missed_due_on is None
    dispatch.send_letter(complaint, LetterKind.INTERIM, by=member, today=D(2026, 3, 20))
    assert complaint.due_on == D(2026, 3, 30)  # a second interim reply in time: no extension
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 3, 28))
    db.session.commit()
    [row] = stats.load_rows(company_id=member.company_id, start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert row.within_deadline is True


def test_closing_after_the_deadline_stays_late_after_reopening(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    _to_progress(complaint, member, D(2026, 3, 3))
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 3, 18))
    services.apply_action(
        complaint, Action.REOPEN, {"reopen_kind": "repeat"}, by=member, today=D(2026, 4, 1)
    )
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 4, 2))
    db.session.commit()
    [row] = stats.load_rows(company_id=member.company_id, start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert row.within_deadline is False  # measured against the deadline missed on 16 March


# --- 4. Letters --------------------------------------------------------------------------


def test_late_acknowledgement_promises_a_future_date(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    letter = dispatch.send_letter(
        complaint, LetterKind.ACKNOWLEDGEMENT, by=member, today=D(2026, 3, 20)
    )
    assert "16 maart 2026" not in letter.body
    assert "3 april 2026" in letter.body
    assert complaint.due_on == D(2026, 4, 3) and complaint.missed_due_on == D(2026, 3, 16)


def test_acknowledgement_in_time_promises_the_deadline(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    letter = dispatch.send_letter(
        complaint, LetterKind.ACKNOWLEDGEMENT, by=member, today=D(2026, 3, 3)
    )
    assert "16 maart 2026" in letter.body and complaint.missed_due_on is None


def test_one_letter_can_be_edited_before_sending(logged_in, member, make_complaint):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}/brief/acknowledgement"
    preview = logged_in.get(base)
    assert '<textarea class="letter-text"' in preview.text or 'name="body"' in preview.text
    sent = browser_submit(
        logged_in,
        base,
        f"{base}/verzenden",
        body="Beste mevrouw Klager,\n\nWij bellen u morgen om 10 uur.\n\nGroet, Bea",
    )
    assert sent.status_code == 303
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "complaints/letter")
    ).one()
    assert "Wij bellen u morgen om 10 uur." in mail.body
    kept = db.session.scalars(select(ComplaintLetter)).one()
    assert "Wij bellen u morgen om 10 uur." in kept.body
    assert kept.subject == "Ontvangstbevestiging van uw klacht K-2026-0001"
    # The company's standard wording is untouched.
    again = logged_in.get(base)
    assert "Wij bellen u morgen" not in again.text
    empty = logged_in.post(f"{base}/verzenden", data={"subject": "x", "body": "   "})
    assert empty.status_code == 422


def test_final_letter_states_verdict_and_reason(member, make_complaint):
    rejected = make_complaint(member.company)
    _to_progress(rejected, member, D(2026, 3, 3))
    services.apply_action(
        rejected,
        Action.CLOSE,
        {
            "resolution": "Gratis controle van de instellingen",
            "verdict": "unjustified",
            "verdict_reason": "De lekkage komt door een kraan die u zelf plaatste.",
        },
        by=member,
        today=D(2026, 3, 10),
    )
    letter = dispatch.send_letter(rejected, LetterKind.FINAL, by=member, today=D(2026, 3, 10))
    assert letter.kind is LetterKind.REJECTION
    assert "ongegrond" in letter.body
    assert "De lekkage komt door een kraan die u zelf plaatste." in letter.body
    assert "excuses" not in letter.body.lower() and "Geschillencommissie" not in letter.body

    upheld = make_complaint(member.company)
    _to_progress(upheld, member, D(2026, 3, 3))
    services.apply_action(
        upheld,
        Action.CLOSE,
        CLOSE | {"verdict_reason": "De pakking was verkeerd gemonteerd."},
        by=member,
        today=D(2026, 3, 10),
    )
    final = dispatch.send_letter(upheld, LetterKind.FINAL, by=member, today=D(2026, 3, 10))
    assert final.kind is LetterKind.FINAL
    assert "vinden haar gegrond. De pakking was verkeerd gemonteerd." in final.body
    assert "excuses" in final.body and "Geschillencommissie" in final.body


# --- 5. Reopening: repeat problem versus dispute, with a new deadline ----------------------


def test_repeat_problem_is_not_a_dispute_and_gets_a_new_deadline(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    _to_progress(complaint, member, D(2026, 3, 3))
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 3, 5))
    services.apply_action(
        complaint, Action.REOPEN, {"reopen_kind": "repeat"}, by=member, today=D(2026, 5, 4)
    )
    assert complaint.status is ComplaintStatus.REOPENED
    assert (complaint.reopen_count, complaint.repeat_count) == (1, 1)
    assert complaint.dispute_route == ""
    assert complaint.due_on == D(2026, 5, 18)
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 5, 6))
    services.apply_action(
        complaint,
        Action.REOPEN,
        {"reopen_kind": "dispute", "dispute_route": "De Geschillencommissie"},
        by=member,
        today=D(2026, 6, 1),
    )
    assert complaint.status is ComplaintStatus.DISPUTED
    assert (complaint.reopen_count, complaint.repeat_count) == (2, 1)
    assert complaint.due_on == D(2026, 6, 15)
    db.session.commit()
    rows = stats.load_rows(company_id=member.company_id, start=D(2026, 1, 1), end=D(2026, 12, 31))
    figures = stats.compute(rows, start=D(2026, 1, 1), end=D(2026, 12, 31))
    assert (figures.repeats, figures.disputes) == (1, 1)


def test_reopen_page_offers_both_kinds(logged_in, member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    _to_progress(complaint, member, D(2026, 3, 3))
    services.apply_action(complaint, Action.CLOSE, CLOSE, by=member, today=D(2026, 3, 5))
    db.session.commit()
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    page = logged_in.get(base)
    assert 'value="repeat"' in page.text and 'value="dispute"' in page.text
    answer = logged_in.post(f"{base}/stap/reopen", data={"reopen-reopen_kind": "repeat"})
    assert answer.status_code == 303
    assert "Heropend: het probleem is terug na herstel." in logged_in.get(base).text


# --- 6. Mails, public form, review date, retention (retention: test_retention.py) ---------


def test_reminder_mail_keeps_its_lines(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2), category="Schade")
    run_reminders(today=D(2026, 3, 3))
    db.session.commit()
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "complaints/ack_reminder")
    ).first()
    assert f"Klacht: {complaint.reference} (Schade)\nTermijn: 4 maart 2026" in body
    without = make_complaint(member.company, received_on=D(2026, 3, 2))
    run_reminders(today=D(2026, 3, 3))
    db.session.commit()
    bodies = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "complaints/ack_reminder")
    ).all()
    assert any(f"Klacht: {without.reference}\nTermijn:" in b for b in bodies)


def test_public_form_states_the_company_policy(app, client, member):
    company = member.company
    company.slug = "loodgieter-test"
    db.session.commit()
    if not company.is_listed:
        pytest.skip("fixture company is not listed")
    policy = services.policy_for(company)
    policy.handling_days, policy.ack_working_days = 21, 3
    db.session.add(policy)
    db.session.commit()
    app.config["COMPLAINTS_RETENTION_DAYS"] = 365
    page = client.get("/ledenzoeker/loodgieter-test/klacht")
    assert page.status_code == 200
    assert "binnen 21 dagen" in page.text and "binnen 3 werkdagen" in page.text
    assert "14 dagen" not in page.text
    assert "tot één jaar na de afhandeling" in page.text and "twee jaar" not in page.text


def test_complaint_from_a_review_is_received_on_the_review_date(member):
    review = SyncedReview(
        company_id=member.company_id,
        provider=Provider.KIYOH,
        provider_review_id="r-late",
        rating=Decimal(2),
        scale_max=Decimal(10),
        reviewed_at=datetime(2026, 2, 20, 23, 30, tzinfo=UTC),  # 21 February in Amsterdam
    )
    db.session.add(review)
    db.session.commit()
    complaint, created = review_intake.open_from_review(review, by=member, today=D(2026, 3, 2))
    assert created and complaint.received_on == D(2026, 2, 21)
    assert complaint.due_on == D(2026, 3, 9)  # 14 days after the review, on a Monday
    assert isinstance(complaint, Complaint)
