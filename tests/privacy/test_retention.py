"""Retention: day 89 kept, day 90 + 1 minute and day 91 gone; idempotent; never above 90 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.invitations import services
from portal.invitations.models import Invitation, InviteUpload, UploadStatus
from portal.privacy.retention import purge_expired
from tests.invitations.files import customer_csv


def aged(user, age: timedelta, *, status=UploadStatus.DONE) -> InviteUpload:
    upload = services.create_upload(
        user.company, by=user, data=customer_csv(2), filename="k.csv", delay_days=0
    )
    upload.uploaded_at = utcnow() - age
    upload.purge_after = upload.uploaded_at + timedelta(days=90)
    upload.status = status
    db.session.commit()
    return upload


def remaining() -> tuple[set[int], int]:
    ids = set(db.session.scalars(select(InviteUpload.id)))
    return ids, db.session.scalar(select(func.count()).select_from(Invitation))


def test_day_89_is_kept_and_day_91_is_gone(app, ready_member):
    user = ready_member()
    kept = aged(user, timedelta(days=89)).id
    edge = aged(user, timedelta(days=90, minutes=1)).id
    gone = aged(user, timedelta(days=91)).id
    result = purge_expired()
    assert (result.uploads, result.invitations) == (2, 4)
    ids, invitations = remaining()
    assert ids == {kept} and invitations == 2
    assert edge not in ids and gone not in ids
    again = purge_expired()
    assert (again.uploads, again.invitations) == (0, 0)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "privacy.purged")) == 1


@pytest.mark.parametrize(("setting", "kept_days", "gone_days"), [(120, 89, 91), (30, 29, 31)])
def test_retention_is_configurable_lower_never_higher(
    app, ready_member, setting, kept_days, gone_days
):
    app.config["INVITATION_RETENTION_DAYS"] = setting
    user = ready_member()
    kept = aged(user, timedelta(days=kept_days)).id
    aged(user, timedelta(days=gone_days))
    purge_expired()
    assert remaining()[0] == {kept}


def test_unconfirmed_preview_goes_after_a_day(app, ready_member):
    user = ready_member()
    fresh = aged(user, timedelta(hours=2), status=UploadStatus.PREVIEW).id
    aged(user, timedelta(hours=25), status=UploadStatus.PREVIEW)
    purge_expired()
    assert remaining()[0] == {fresh}


@pytest.mark.parametrize("command", [["privacy", "purge"], ["purge-expired"]])
def test_commands_log_counts_only(app, ready_member, command, caplog):
    user = ready_member()
    aged(user, timedelta(days=91))
    caplog.set_level("INFO")
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "purged uploads=1 invitations=2 mail_secrets=0 mail_bodies=0 mail_rows=0 "
        "idempotency_keys=0 sessions=0 tokens=0 deactivated_accounts=0 privacy_requests=0 "
        "ended_invitations=0 ended_complaints=0 ended_reviews=0 ended_companies=0 sync_log=0 "
        "acceptances=0 audit=0"
    )
    assert "privacy purge: uploads=1 invitations=2" in caplog.text
    assert "klant.example" not in caplog.text + result.output


def test_purge_forgets_idempotency_keys_after_two_days(app):
    from portal.core.concurrency import IdempotencyKey, key_count

    now = utcnow()
    db.session.add_all(
        [
            IdempotencyKey(
                scope="s", key="old" * 6, result="/x", created_at=now - timedelta(days=3)
            ),
            IdempotencyKey(
                scope="s", key="new" * 6, result="/y", created_at=now - timedelta(hours=1)
            ),
        ]
    )
    db.session.commit()
    assert purge_expired(now=now).keys == 1
    assert key_count() == 1
    assert db.session.get(IdempotencyKey, ("s", "new" * 6)) is not None
