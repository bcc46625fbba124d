"""`flask complaints remind`: reminders before, escalations after a deadline, each exactly once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.complaints import deadlines, services
from portal.complaints.models import ComplaintPolicy, ComplaintSignal, SignalKind
from portal.complaints.reminders import due_signals, open_signals, run_reminders
from portal.complaints.services import Action
from portal.core.models import OutboxMessage
from portal.extensions import db

D = date
NONE = {
    "ack_reminder": 0,
    "ack_escalation": 0,
    "due_reminder": 0,
    "due_escalation": 0,
    "followup_due": 0,
    "auto_escalation": 0,
}


def _mails(kind: str) -> list[str]:
    return sorted(
        db.session.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.kind == f"complaints/{kind}")
        )
    )


def test_due_signals_is_pure_and_follows_the_calendar(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    assert (complaint.ack_due_on, complaint.due_on) == (D(2026, 3, 4), D(2026, 3, 16))
    policy = ComplaintPolicy(reminder_working_days=1)
    expected = {
        D(2026, 3, 2): [],
        D(2026, 3, 3): [(SignalKind.ACK_REMINDER, D(2026, 3, 4))],
        D(2026, 3, 4): [(SignalKind.ACK_REMINDER, D(2026, 3, 4))],
        D(2026, 3, 5): [(SignalKind.ACK_ESCALATION, D(2026, 3, 4))],
        D(2026, 3, 13): [
            (SignalKind.ACK_ESCALATION, D(2026, 3, 4)),
            (SignalKind.DUE_REMINDER, D(2026, 3, 16)),
        ],
        D(2026, 3, 17): [
            (SignalKind.ACK_ESCALATION, D(2026, 3, 4)),
            (SignalKind.DUE_ESCALATION, D(2026, 3, 16)),
        ],
    }
    for today, signals in expected.items():
        assert due_signals(complaint, policy, today=today) == signals, today


def test_remind_is_idempotent_and_escalates_to_the_beheerder(
    app, member, colleague, make_complaint
):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    services.assign_handler(complaint, colleague, by=member)
    db.session.commit()

    assert run_reminders(today=D(2026, 3, 2)) == NONE
    assert run_reminders(today=D(2026, 3, 3)) == NONE | {"ack_reminder": 1}
    db.session.commit()
    assert run_reminders(today=D(2026, 3, 3)) == NONE
    assert run_reminders(today=D(2026, 3, 4)) == NONE  # same deadline, already reminded
    assert _mails("ack_reminder") == [colleague.email]  # the handler only

    assert run_reminders(today=D(2026, 3, 5)) == NONE | {"ack_escalation": 1}
    db.session.commit()
    assert run_reminders(today=D(2026, 3, 6)) == NONE
    assert _mails("ack_escalation") == sorted([colleague.email, member.email])

    services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=colleague, today=D(2026, 3, 6))
    db.session.commit()
    assert run_reminders(today=D(2026, 3, 13)) == NONE | {"due_reminder": 1}
    assert run_reminders(today=D(2026, 3, 17)) == NONE | {"due_escalation": 1}
    db.session.commit()
    for _ in range(3):
        assert run_reminders(today=D(2026, 3, 18)) == NONE
    assert db.session.query(ComplaintSignal).count() == 4
    assert len(_mails("due_escalation")) == 2
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "complaints/due_escalation")
    ).first()
    assert complaint.reference in body and "Karin" not in body  # no complainant data
    assert f"http://localhost/mijn-profiel/klachten/{complaint.public_id}" in body


def test_extended_deadline_gets_its_own_signals(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=member, today=D(2026, 3, 3))
    run_reminders(today=D(2026, 3, 17))
    db.session.commit()
    assert [s.kind for s in open_signals(member.company_id)] == [SignalKind.DUE_ESCALATION]
    deadlines.extend_deadline(complaint, today=D(2026, 3, 17))
    db.session.commit()
    assert complaint.due_on == D(2026, 3, 31)
    assert open_signals(member.company_id) == []  # the old deadline no longer applies
    assert run_reminders(today=D(2026, 3, 30)) == NONE | {"due_reminder": 1}


def test_closed_complaints_are_left_alone(member, make_complaint):
    complaint = make_complaint(member.company, received_on=D(2026, 3, 2))
    for action, data in (
        (Action.ACKNOWLEDGE, {}),
        (Action.START, {}),
        (Action.CLOSE, {"resolution": "Opgelost", "verdict": "justified"}),
    ):
        services.apply_action(complaint, action, data, by=member, today=D(2026, 3, 3))
    complaint.followup_done_on = D(2026, 3, 17)  # aftercare done: nothing left to remind
    db.session.commit()
    assert run_reminders(today=D(2026, 6, 1)) == NONE


def test_remind_command(app, member, make_complaint):
    make_complaint(member.company, received_on=D(2026, 3, 2))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["complaints", "remind", "--today", "2026-03-05"])
    second = runner.invoke(args=["complaints", "remind", "--today", "2026-03-05"])
    assert first.exit_code == 0, first.output
    assert "ack_escalation=1" in first.output
    assert (
        second.output.strip()
        == "ack_reminder=0 ack_escalation=0 due_reminder=0 due_escalation=0 followup_due=0"
        " auto_escalation=0 action_reminder=0 action_overdue=0"
    )
    bad = runner.invoke(args=["complaints", "remind", "--today", "gisteren"])
    assert bad.exit_code == 2
