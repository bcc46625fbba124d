"""Automatic escalation of a long delay (seed 003, issue 18): `flask complaints remind` puts a
complaint that lies the policy's number of working days past its handling deadline before the
complaints coordinator, once per deadline; reassignment only when the policy says so."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.complaints import deadlines, services
from portal.complaints.models import ComplaintEvent, ComplaintSignal, SignalKind
from portal.complaints.reminders import due_signals, run_reminders
from portal.core.models import OutboxMessage
from portal.extensions import db

D = date
AUTO = SignalKind.AUTO_ESCALATION


def _set_policy(company, **values):
    policy = services.policy_for(company)
    for name, value in values.items():
        setattr(policy, name, value)
    db.session.add(policy)
    db.session.commit()
    return policy


def _mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == f"complaints/{kind}")
            .order_by(OutboxMessage.id)
        )
    )


def _events(complaint, kind: str) -> list[ComplaintEvent]:
    return [e for e in complaint.events if e.kind == kind]


@pytest.fixture
def coordinator(make_user, member):
    """A third colleague who coordinates the company's complaints."""
    from portal.auth.models import CompanyRole

    boss = make_user(
        name="Cor Coördinator", company=member.company, company_role=CompanyRole.MEDEWERKER
    )
    _set_policy(member.company, coordinator_id=boss.id)
    return boss


@pytest.fixture
def late(member, colleague, make_complaint):
    """A complaint received 2 March 2026 (handling deadline 16 March), handled by Mo."""
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    services.assign_handler(complaint, colleague, by=member)
    db.session.commit()
    assert complaint.due_on == D(2026, 3, 16)
    return complaint


def test_after_the_grace_days_the_coordinator_gets_it_once(late, colleague, coordinator):
    # Default: 5 working days past 16 March (a Monday) is 23 March; the day after escalates.
    assert services.policy_for(late.company).escalate_after_days == 5
    assert run_reminders(today=D(2026, 3, 23))[AUTO.value] == 0
    assert run_reminders(today=D(2026, 3, 24))[AUTO.value] == 1
    db.session.commit()
    for day in (D(2026, 3, 24), D(2026, 3, 25), D(2026, 4, 20)):
        assert run_reminders(today=day)[AUTO.value] == 0  # never twice for the same deadline
    db.session.commit()
    [mail] = _mails("auto_escalated")
    assert mail.to_address == coordinator.email
    assert late.reference in mail.body and "16 maart 2026" in mail.body
    assert "Karin" not in mail.body and "karin@klant.example" not in mail.body
    assert "U bent nu ook de behandelaar" not in mail.body
    [event] = _events(late, "auto_escalated")
    assert (event.actor_label, event.actor_id, event.note) == ("systeem", None, "coordinator")
    assert late.handler_id == colleague.id  # reassignment is off by default
    assert not _mails("auto_reassigned")
    signals = db.session.scalars(select(ComplaintSignal).where(ComplaintSignal.kind == AUTO))
    assert [(s.deadline, s.recipients) for s in signals] == [(D(2026, 3, 16), 1)]


def test_reassignment_when_the_policy_says_so(late, colleague, coordinator):
    _set_policy(late.company, escalate_after_days=0, escalate_reassign=True)
    assert run_reminders(today=D(2026, 3, 16))[AUTO.value] == 0  # the deadline day itself
    assert run_reminders(today=D(2026, 3, 17))[AUTO.value] == 1
    db.session.commit()
    assert run_reminders(today=D(2026, 3, 18))[AUTO.value] == 0
    db.session.commit()
    assert late.handler_id == coordinator.id
    [assigned] = _events(late, "assigned")[-1:]
    assert (assigned.actor_label, assigned.note) == ("systeem", "Cor Coördinator")
    [to_boss] = _mails("auto_escalated")
    assert (
        to_boss.to_address == coordinator.email and "U bent nu ook de behandelaar" in to_boss.body
    )
    [to_previous] = _mails("auto_reassigned")
    assert to_previous.to_address == colleague.email and "Cor Coördinator" in to_previous.body


def test_without_a_coordinator_the_beheerders_get_it(late, member):
    _set_policy(late.company, escalate_after_days=1, escalate_reassign=True)
    assert run_reminders(today=D(2026, 3, 18))[AUTO.value] == 1
    db.session.commit()
    assert [m.to_address for m in _mails("auto_escalated")] == [member.email]
    assert _events(late, "auto_escalated")[0].note == "beheerders"
    assert late.handler.name == "Mo Medewerker"  # nobody to reassign to


def test_a_new_deadline_can_be_escalated_again_a_closed_complaint_not(late, coordinator):
    _set_policy(late.company, escalate_after_days=0)
    assert run_reminders(today=D(2026, 3, 17))[AUTO.value] == 1
    deadlines.acknowledge_late(late, today=D(2026, 3, 17))  # late letter: a new promised date
    db.session.commit()
    new_due = late.due_on
    assert new_due > D(2026, 3, 17)
    policy = services.policy_for(late.company)
    assert (AUTO, new_due) not in due_signals(late, policy, today=new_due)
    assert (AUTO, new_due) in due_signals(late, policy, today=D(2026, 5, 1))
    assert run_reminders(today=D(2026, 5, 1))[AUTO.value] == 1
    db.session.commit()
    assert len(_mails("auto_escalated")) == 2


def test_the_settings_save_the_escalation_policy(client, login, member, coordinator):
    login(client, member)
    page = client.get("/mijn-profiel/klachten/instellingen").text
    assert 'name="escalate_after_days"' in page and 'value="5"' in page
    assert "Standaard uit" in page
    form = {
        "ack_working_days": "2",
        "handling_days": "14",
        "extension_days": "14",
        "reminder_working_days": "1",
        "negative_review_below": "6,0",
        "coordinator": coordinator.public_id,
        "categories": "Overig",
        "escalate_after_days": "31",
    }
    assert client.post("/mijn-profiel/klachten/instellingen", data=form).status_code == 422
    form |= {"escalate_after_days": "3", "escalate_reassign": "y"}
    assert client.post("/mijn-profiel/klachten/instellingen", data=form).status_code == 303
    db.session.expire_all()
    policy = services.policy_for(member.company)
    assert (policy.escalate_after_days, policy.escalate_reassign) == (3, True)
    help_page = client.get("/mijn-profiel/klachten/werkwijze").text
    assert "3 werkdag(en) na de afhandeltermijn" in help_page and "ook de behandelaar" in help_page


def test_the_history_shows_the_automatic_escalation(client, login, member, late, coordinator):
    _set_policy(late.company, escalate_after_days=0)
    run_reminders(today=D(2026, 3, 17))
    db.session.commit()
    login(client, member)
    page = client.get(f"/mijn-profiel/klachten/{late.public_id}").text
    assert "automatisch voorgelegd aan de klachtencoördinator" in page
    index = client.get("/mijn-profiel/klachten/").text
    assert "Automatisch voorgelegd" in index


def test_two_hosts_at_once_escalate_once(app, late, coordinator):
    """Two runs of the job at the same moment (two hosts): one signal, one history line, one mail,
    one reassignment; the complaint's row lock and the unique signal row decide."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the in-memory SQLite test database has one shared connection")
    _set_policy(late.company, escalate_after_days=0, escalate_reassign=True)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            results.append(run_reminders(today=D(2026, 3, 17))[AUTO.value])
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    db.session.expire_all()
    count = db.session.scalar(
        select(func.count()).select_from(ComplaintSignal).where(ComplaintSignal.kind == AUTO)
    )
    assert count == 1
    assert len(_events(late, "auto_escalated")) == 1 and len(_mails("auto_escalated")) == 1
    assert late.handler_id == coordinator.id
