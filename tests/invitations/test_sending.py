"""Invitations through the provider invite APIs on the emulator (real HTTP), with its fault modes."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from portal.agreements import services as agreements
from portal.extensions import db
from portal.invitations import sending, services
from portal.invitations.models import Invitation, InviteStatus, UploadStatus
from portal.reviews.models import Provider
from tests.invitations.files import customer_csv


def queue(user, n: int = 3, *, delay: int = 0, start: int = 0):
    upload = services.create_upload(
        user.company, by=user, data=customer_csv(n, start=start), filename="k.csv", delay_days=delay
    )
    services.confirm(upload, by=user, delay_days=delay)
    db.session.commit()
    return upload


def statuses(upload) -> list[str]:
    return [
        s.value
        for s in db.session.scalars(
            select(Invitation.status)
            .where(Invitation.upload_id == upload.id)
            .order_by(Invitation.line_number)
        )
    ]


@pytest.mark.parametrize(
    ("provider", "ident", "tenant"),
    [(Provider.KLANTENVERTELLEN, "1000001", 99), (Provider.KIYOH, "1000002", 98)],
)
def test_publication_invites_reach_the_emulator(emulator, ready_member, provider, ident, tenant):
    user = ready_member(provider, ident)
    upload = queue(user, 3, delay=3)
    summary = sending.run()
    assert summary.counts == {"sent": 3}
    assert statuses(upload) == ["sent"] * 3
    received = emulator.invites()
    assert [r["invite_email"] for r in received] == [f"klant{i}@klant.example" for i in range(3)]
    first = received[0]
    assert (first["location_id"], first["tenantId"], first["delay"], first["language"]) == (
        ident,
        tenant,
        3,
        "nl",
    )
    assert (first["first_name"], first["last_name"], first["reference_code"]) == (
        "Klant",
        "Nummer 0",
        "F-0",
    )
    db.session.refresh(upload)
    assert upload.status is UploadStatus.DONE


def test_feedback_company_orders_reach_the_emulator(emulator, ready_member):
    user = ready_member(Provider.FEEDBACK_COMPANY, "fbc-demo-1")
    queue(user, 2, delay=7)
    assert sending.run().counts == {"sent": 2}
    received = emulator.invites()
    assert [r["customer"]["email"] for r in received] == [
        "klant0@klant.example",
        "klant1@klant.example",
    ]
    assert received[0]["customer"]["fullname"] == "Klant Nummer 0"
    assert received[0]["external_id"] == "F-0"
    assert received[0]["invitation"]["delay"] == {"unit": "days", "amount": 7}


@pytest.mark.parametrize(
    ("mode", "status", "message"),
    [
        ("server_error", "unknown", "mogelijk toch verstuurd"),
        ("unavailable", "unknown", "mogelijk toch verstuurd"),
        ("slow", "unknown", "mogelijk toch verstuurd"),
        ("bad_token", "failed", "accepteert deze API-token niet"),
        ("forbidden", "failed", "accepteert deze API-token niet"),
        ("unknown_location", "failed", "is niet bekend bij Klantenvertellen"),
        ("rate_limit", "failed", "te veel verzoeken"),
        ("rate_limit_text", "failed", "te veel verzoeken"),
        ("redirect", "failed", "onverwacht antwoord"),
    ],
)
def test_fault_modes_give_a_row_status_and_a_dutch_reason(
    emulator, ready_member, mode, status, message
):
    user = ready_member()
    emulator.fault("1000001", mode)
    upload = queue(user, 1)
    sending.run()
    row = db.session.scalars(select(Invitation).where(Invitation.upload_id == upload.id)).one()
    assert row.status.value == status
    assert message in row.error_message
    if mode == "slow":  # the provider did get it, after our timeout: why it is never re-sent
        assert emulator.invites() == []
        emulator.release()  # the held reply goes out now
        assert len(emulator.invites()) == 1
    else:
        assert emulator.invites() == []


def test_failed_rows_are_retryable_and_unknown_rows_are_not(emulator, ready_member):
    user = ready_member()
    emulator.fault("1000001", "bad_token", times=1)
    upload = queue(user, 1)
    sending.run()
    assert statuses(upload) == ["failed"]
    assert services.retry_failed(upload, by=user) == 1
    db.session.commit()
    sending.run()
    assert statuses(upload) == ["sent"]
    assert len(emulator.invites()) == 1
    emulator.fault("1000001", "server_error", times=1)
    second = queue(user, 1, start=10)
    sending.run()
    assert statuses(second) == ["unknown"]
    with pytest.raises(services.InvitationError):
        services.retry_failed(second, by=user)
    assert sending.run().counts == {}
    assert len(emulator.invites()) == 1


def test_rate_limit_once_then_retry_after_is_honoured(emulator, ready_member, app):
    app.config["SYNC_MAX_RETRY_AFTER"] = 3.0
    user = ready_member()
    emulator.fault("1000001", "rate_limit", times=1)
    upload = queue(user, 1)
    sending.run()
    assert statuses(upload) == ["sent"]
    assert len(emulator.invites()) == 1


def test_same_address_is_not_invited_twice_within_the_period(emulator, ready_member):
    user = ready_member()
    queue(user, 2)
    sending.run()
    again = services.create_upload(
        user.company, by=user, data=customer_csv(3), filename="k.csv", delay_days=0
    )
    assert len(again.invitations) == 1
    assert [p["message"] for p in again.row_problems] == [
        "Rij 2: dit adres is in de afgelopen 30 dagen al uitgenodigd.",
        "Rij 3: dit adres is in de afgelopen 30 dagen al uitgenodigd.",
    ]


def test_two_queued_lists_with_one_address_send_it_once(emulator, ready_member):
    user = ready_member()
    first = services.create_upload(
        user.company, by=user, data=customer_csv(1), filename="k.csv", delay_days=0
    )
    second = services.create_upload(
        user.company, by=user, data=customer_csv(1), filename="k.csv", delay_days=0
    )
    services.confirm(first, by=user, delay_days=0)
    services.confirm(second, by=user, delay_days=0)
    db.session.commit()
    sending.run()
    assert statuses(first) == ["sent"] and statuses(second) == ["skipped"]
    assert len(emulator.invites()) == 1


def test_claims_never_overlap_and_stale_claims_become_unknown(emulator, ready_member):
    user = ready_member()
    upload = queue(user, 4)
    a, b = sending.claim_batch(3), sending.claim_batch(3)
    assert len(a) == 3 and len(b) == 1 and not set(a) & set(b)
    assert sending.claim_batch(3) == []
    from datetime import timedelta

    from portal.core.db import utcnow

    assert sending.recover_stale(utcnow() + timedelta(minutes=16)) == 4
    assert statuses(upload) == ["unknown"] * 4
    assert sending.run().counts == {}
    assert emulator.invites() == []


def test_no_customer_address_in_logs(emulator, ready_member, caplog):
    user = ready_member()
    emulator.fault("1000001", "bad_token", times=1)
    caplog.set_level(logging.DEBUG)
    queue(user, 2)
    sending.run()
    assert "invitations send:" in caplog.text
    assert "klant.example" not in caplog.text


def test_send_command_prints_counts(emulator, ready_member, app):
    user = ready_member()
    queue(user, 2)
    result = app.test_cli_runner().invoke(args=["invitations", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent=2 failed=0 unknown=0 skipped=0"


def test_worker_holds_rows_while_the_agreement_is_not_accepted(
    emulator, ready_member, publish_new_agreement, caplog
):
    user = ready_member()
    accepted = ready_member(Provider.KIYOH, "1000002")
    upload = queue(user, 2)
    draft = publish_new_agreement()
    agreements.accept(accepted.company, draft, by=accepted, signatory_name="B")
    other = queue(accepted, 1, start=5)
    caplog.set_level(logging.INFO, logger="portal.invitations")
    summary = sending.run()
    assert summary.counts == {"sent": 1, "held": 2}
    assert str(summary) == "sent=1 failed=0 unknown=0 skipped=0 held=2"
    assert statuses(upload) == ["pending", "pending"] and statuses(other) == ["sent"]
    rows = db.session.scalars(select(Invitation).where(Invitation.upload_id == upload.id)).all()
    assert all(r.attempts == 0 and r.claimed_at is None and r.error_message == "" for r in rows)
    assert [r["invite_email"] for r in emulator.invites()] == ["klant5@klant.example"]
    db.session.refresh(upload)
    assert upload.status is UploadStatus.SENDING
    assert "2 pending invitations of 1 companies held back" in caplog.text
    assert "klant.example" not in caplog.text
    agreements.accept(user.company, draft, by=user, signatory_name="A")
    db.session.commit()
    assert sending.run().counts == {"sent": 2}
    assert statuses(upload) == ["sent", "sent"]


def test_claimed_row_is_released_when_a_new_agreement_appears(
    emulator, ready_member, publish_new_agreement
):
    user = ready_member()
    upload = queue(user, 1)
    claimed = sending.claim_batch(5)
    assert len(claimed) == 1
    publish_new_agreement()
    assert sending.send_one(claimed[0]) is InviteStatus.PENDING
    row = db.session.scalars(select(Invitation).where(Invitation.upload_id == upload.id)).one()
    assert (row.status, row.attempts, row.claimed_at) == (InviteStatus.PENDING, 0, None)
    assert sending.claim_batch(5) == []
    assert emulator.invites() == []


def test_failed_rows_cannot_be_retried_without_the_current_agreement(
    emulator, ready_member, publish_new_agreement
):
    user = ready_member()
    emulator.fault("1000001", "bad_token", times=1)
    upload = queue(user, 1)
    sending.run()
    assert statuses(upload) == ["failed"]
    publish_new_agreement()
    with pytest.raises(services.InvitationError, match="verwerkersovereenkomst"):
        services.retry_failed(upload, by=user)
    db.session.rollback()
    assert statuses(upload) == ["failed"]
    assert sending.run().counts == {}
    assert emulator.invites() == []
