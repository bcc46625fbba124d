"""Outbox delivery: one commit per message, so a failure or crash mid-run never re-sends mail."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from portal.core import outbox
from portal.core.claims import claim_rows
from portal.core.db import is_postgres
from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db


@pytest.fixture
def app_config():
    return {"MAIL_SMTP_HOST": "smtp.invalid"}


class FakeSMTP:
    """Records every message handed to it; the `fail_on`-th call raises `error`.

    With `sent_then_error` the message counts as delivered before the error (a crash after the
    SMTP server accepted it, before the outcome was stored).
    """

    def __init__(self, fail_on: int, error: Exception, *, sent_then_error: bool = False):
        self.fail_on, self.error, self.sent_then_error = fail_on, error, sent_then_error
        self.calls = 0
        self.delivered: list[str] = []

    def __call__(self, mail: EmailMessage) -> None:
        self.calls += 1
        if self.calls == self.fail_on:
            if self.sent_then_error:
                self.delivered.append(mail["To"])
            raise self.error
        self.delivered.append(mail["To"])


def _queue(n: int) -> list[str]:
    addresses = [f"lid{i}@bedrijf.example" for i in range(1, n + 1)]
    for address in addresses:
        db.session.add(OutboxMessage(kind="test", to_address=address, subject="Test", body="Hallo"))
    db.session.commit()
    return addresses


def _statuses() -> dict[str, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(OutboxMessage.to_address, OutboxMessage.status)).all())


def test_refused_third_message_is_retried_alone(app):
    addresses = _queue(5)
    smtp = FakeSMTP(3, smtplib.SMTPRecipientsRefused({}))

    counts = outbox.deliver_pending(send=smtp)

    assert counts == {"sent": 4, "kept": 0, "failed": 1, "unknown": 0}
    assert _statuses()[addresses[2]] == OutboxStatus.PENDING
    again = FakeSMTP(99, RuntimeError())
    assert outbox.deliver_pending(send=again) == {"sent": 1, "kept": 0, "failed": 0, "unknown": 0}
    assert again.delivered == [addresses[2]]
    assert sorted(smtp.delivered + again.delivered) == sorted(addresses)  # each exactly once
    assert set(_statuses().values()) == {OutboxStatus.SENT}


def test_crash_on_third_message_never_resends(app):
    addresses = _queue(5)
    # The process dies (a signal, not an exception the job could handle) right after delivery.
    smtp = FakeSMTP(3, KeyboardInterrupt("worker killed"), sent_then_error=True)

    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_pending(send=smtp)
    db.session.rollback()  # the crashed run's open transaction is gone

    statuses = _statuses()
    assert [statuses[a] for a in addresses] == ["sent", "sent", "sending", "pending", "pending"]
    rerun = FakeSMTP(99, RuntimeError())
    assert outbox.deliver_pending(send=rerun)["sent"] == 2
    assert rerun.delivered == addresses[3:]
    everything = smtp.delivered + rerun.delivered
    assert len(everything) == len(set(everything)) == 5  # nobody got a mail twice
    assert _statuses()[addresses[2]] == OutboxStatus.SENDING  # in doubt: left for staff


def test_message_fails_for_good_after_five_refusals(app):
    (address,) = _queue(1)
    for _ in range(5):
        outbox.deliver_pending(send=FakeSMTP(1, ConnectionRefusedError()))
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == OutboxStatus.FAILED and message.attempts == 5
    assert message.last_error == "ConnectionRefusedError" and message.to_address == address


@pytest.mark.parametrize("app_config", [{"MAIL_SMTP_HOST": ""}])
def test_without_smtp_messages_are_kept_for_staff(app):
    _queue(3)
    smtp = FakeSMTP(99, RuntimeError())
    assert outbox.deliver_pending(send=smtp) == {"sent": 0, "kept": 3, "failed": 0, "unknown": 0}
    assert smtp.calls == 0 and set(_statuses().values()) == {OutboxStatus.KEPT}


def test_limit_bounds_one_run(app):
    _queue(4)
    assert outbox.deliver_pending(limit=3, send=FakeSMTP(99, RuntimeError()))["sent"] == 3
    assert list(_statuses().values()).count(OutboxStatus.PENDING) == 1


def test_unexpected_sender_error_before_the_data_is_retried(app):
    (address,) = _queue(1)
    assert (
        outbox.deliver_pending(send=FakeSMTP(1, UnicodeEncodeError("ascii", "ö", 0, 1, "x")))[
            "failed"
        ]
        == 1
    )
    assert _statuses()[address] == OutboxStatus.PENDING


def test_a_lost_claim_does_not_end_the_run(app, monkeypatch):
    """Another host won the first row: this run goes on with the rest (SQLite compare-and-set)."""
    addresses = _queue(3)
    real = outbox.claim_rows
    lost = []

    def claim(*args, **kwargs):
        if not lost:
            lost.append(True)
            return []
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim_rows", claim)
    smtp = FakeSMTP(99, RuntimeError())
    assert outbox.deliver_pending(send=smtp)["sent"] == 3
    assert sorted(smtp.delivered) == sorted(addresses)


def test_two_workers_never_claim_the_same_message(app):
    """A second host skips the rows the first one holds (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    if not is_postgres(db.session):
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")
    _queue(2)
    first = claim_rows(
        OutboxMessage, ready=OutboxStatus.PENDING, claimed=OutboxStatus.SENDING, limit=1
    )
    with app.app_context():  # a separate session and connection: the other host
        second = claim_rows(
            OutboxMessage, ready=OutboxStatus.PENDING, claimed=OutboxStatus.SENDING, limit=2
        )
        db.session.commit()
        db.session.remove()
    db.session.commit()
    assert len(first) == 1 and len(second) == 1 and first != second
