"""Corrective and improvement actions (issue 18, seed 003): owner, due date, follow-up, reminders,
list, statistics and report."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.complaints import actions
from portal.complaints.models_extra import ComplaintAction
from portal.core.models import OutboxMessage
from portal.extensions import db


@pytest.fixture
def logged_in(client, login, member):
    login(client, member)
    return client


@pytest.fixture
def agree(member):
    """`agree(complaint, description, due_on, kind=...)`: an action without owner, agreed by
    the beheerder on 2 March 2026."""

    def make(complaint, description: str, due_on: date, *, kind: str = "corrective"):
        return actions.add_action(
            complaint,
            kind=kind,
            description=description,
            owner=None,
            due_on=due_on,
            today=date(2026, 3, 2),
            by=member,
        )

    return make


@pytest.fixture
def fixed_today(monkeypatch):
    from portal.complaints import services

    monkeypatch.setattr(services, "now_local_date", lambda: date(2026, 3, 10))
    return date(2026, 3, 10)


def _mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == f"complaints/{kind}"))
    )


def test_action_with_owner_is_agreed_reminded_and_done(
    logged_in, member, colleague, make_complaint, fixed_today
):
    complaint = make_complaint(member.company)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    bad = logged_in.post(
        f"{base}/acties",
        data={"action_kind": "improvement", "action_text": "", "action_due_on": "2026-03-01"},
    )
    assert bad.status_code == 422 and "Dit veld is verplicht." in bad.text
    past = logged_in.post(
        f"{base}/acties",
        data={
            "action_kind": "improvement",
            "action_text": "Instrueren",
            "action_due_on": "2026-03-01",
        },
    )
    assert past.status_code == 422 and "Kies een datum vanaf vandaag." in past.text
    ok = logged_in.post(
        f"{base}/acties",
        data={
            "action_kind": "improvement",
            "action_text": "Monteurs instrueren over koppelingen",
            "action_owner": colleague.public_id,
            "action_due_on": "2026-03-20",
        },
    )
    assert ok.status_code == 303
    action = db.session.scalars(select(ComplaintAction)).one()
    assert action.owner_id == colleague.id
    [told] = _mails("action")
    assert told.to_address == colleague.email and "Karin" not in told.body
    page = logged_in.get(base).text
    assert "Monteurs instrueren over koppelingen" in page and "actie afgesproken" in page
    # Reminder two days before, once; overdue signal once, to owner and beheerders.
    assert actions.run_action_reminders(today=date(2026, 3, 17)) == {
        "action_reminder": 0,
        "action_overdue": 0,
    }
    assert actions.run_action_reminders(today=date(2026, 3, 18))["action_reminder"] == 1
    assert actions.run_action_reminders(today=date(2026, 3, 19))["action_reminder"] == 0
    assert actions.run_action_reminders(today=date(2026, 3, 21))["action_overdue"] == 1
    assert actions.run_action_reminders(today=date(2026, 3, 22))["action_overdue"] == 0
    db.session.commit()
    recipients = {m.to_address for m in _mails("action")}
    assert member.email in recipients
    listed = logged_in.get("/mijn-profiel/klachten/acties?toon=te-laat")
    assert listed.status_code == 200
    assert "Monteurs instrueren" not in listed.text  # fixed today 10 March: not late yet
    assert "Monteurs instrueren" in logged_in.get("/mijn-profiel/klachten/acties").text
    done = logged_in.post(
        f"/mijn-profiel/klachten/acties/{action.public_id}/gereed", data={"terug": "lijst"}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/acties")
    db.session.refresh(action)
    assert action.done_on == fixed_today
    assert "Monteurs instrueren" in logged_in.get("/mijn-profiel/klachten/acties?toon=gereed").text
    assert "Monteurs instrueren" not in logged_in.get("/mijn-profiel/klachten/acties").text


def test_action_figures_in_statistics_and_report(
    logged_in, member, make_complaint, fixed_today, agree
):
    complaint = make_complaint(member.company)
    late = agree(complaint, "Ketel vervangen", date(2026, 3, 10))
    agree(complaint, "Checklist", date(2026, 3, 5), kind="improvement")
    actions.complete(late, by=member, today=date(2026, 3, 11))
    db.session.commit()
    figures = actions.figures(
        member.company_id, start=date(2026, 1, 1), end=date(2026, 12, 31), today=fixed_today
    )
    assert (figures.done, figures.done_late, figures.overdue) == (1, 1, 1)
    page = logged_in.get("/mijn-profiel/klachten/statistieken?van=2026-01-01&tot=2026-12-31")
    assert "Corrigerende en verbeteracties" in page.text and "Nu te laat" in page.text
    pdf = logged_in.get(
        "/mijn-profiel/klachten/statistieken/rapport.pdf?van=2026-01-01&tot=2026-12-31"
    )
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_other_company_cannot_mark_done(client, login, make_user, member, make_complaint, agree):
    from tests.conftest import accept_agreement

    action = agree(make_complaint(member.company), "x", date(2099, 1, 1))
    db.session.commit()
    stranger = make_user()
    accept_agreement(stranger.company, stranger)
    login(client, stranger)
    assert (
        client.post(f"/mijn-profiel/klachten/acties/{action.public_id}/gereed").status_code == 404
    )
    assert "Geen acties om te tonen." in client.get("/mijn-profiel/klachten/acties?toon=alle").text
    db.session.refresh(action)
    assert action.done_on is None
