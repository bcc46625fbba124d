"""Beheer > E-mail as an insider sees it: no usable link anywhere, customers masked, views audited,
only admins retry or cancel; and the retention of the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.core import outbox
from portal.core.db import utcnow
from portal.core.models import AuditEvent, OutboxMessage, OutboxStatus
from portal.extensions import db
from portal.privacy.retention import purge_expired


@pytest.fixture
def app_config():
    return {"MAIL_SMTP_HOST": "smtp.invalid"}


@pytest.fixture
def reset_mail(client, make_user):
    """A member asked for a reset link: the queued mail and the raw link as it would be sent."""
    user = make_user()
    client.post("/wachtwoord-vergeten", data={"email": user.email})
    message = db.session.scalars(select(OutboxMessage)).one()
    link = next(w for w in outbox.compose(message).get_content().split() if "/wachtwoord-" in w)
    return message, link


def _as(client, make_user, login, role):
    user = make_user(role=role)
    login(client, user)
    return user


def test_staff_never_see_a_usable_reset_link(app, client, make_user, login, reset_mail):
    message, link = reset_mail
    token = link.rsplit("/", 1)[1]
    staff = _as(client, make_user, login, Role.STAFF)
    listing = client.get("/beheer/e-mail")
    detail = client.get(f"/beheer/e-mail/{message.id}")
    assert listing.status_code == detail.status_code == 200
    assert message.subject in listing.text and message.to_address in listing.text
    assert "[persoonlijke link verborgen]" in detail.text
    for page in (listing.text, detail.text):
        assert token not in page and "/wachtwoord-herstellen/" not in page
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "outbox.body_viewed")
    ).all()
    assert [(v.actor_id, v.subject_id) for v in views] == [(staff.id, str(message.id))]
    assert token not in message.body and token not in (message.secret or "")


def test_customer_mail_is_masked_and_its_body_not_shown(client, make_user, login):
    db.session.add(
        OutboxMessage(
            kind="complaints/acknowledgement",
            to_address="karin.klager@gmail.example",
            subject="Uw klacht is ontvangen",
            body="Beste Karin Klager, over uw lekkende cv-ketel ...",
            status=OutboxStatus.SENT,
        )
    )
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    _as(client, make_user, login, Role.ADMIN)
    listing = client.get("/beheer/e-mail").text
    detail = client.get(f"/beheer/e-mail/{message.id}").text
    for page in (listing, detail):
        assert "karin.klager" not in page and "Karin Klager" not in page
    assert "k•••@gmail.example" in listing and "alleen voor het lid zichtbaar" in detail
    assert db.session.scalars(select(AuditEvent)).all() == []  # no body shown, nothing to audit


def test_only_admins_retry_or_cancel(client, make_user, login, reset_mail):
    message, _link = reset_mail
    message.status = OutboxStatus.UNKNOWN
    db.session.commit()
    _as(client, make_user, login, Role.STAFF)
    assert "Opnieuw versturen" not in client.get(f"/beheer/e-mail/{message.id}").text
    assert client.post(f"/beheer/e-mail/{message.id}/opnieuw-versturen").status_code == 404
    assert client.post(f"/beheer/e-mail/{message.id}/annuleren").status_code == 404
    db.session.refresh(message)
    assert message.status == OutboxStatus.UNKNOWN


def test_admin_retry_of_a_mail_in_doubt_needs_a_check(client, make_user, login, reset_mail):
    message, _link = reset_mail
    message.status = OutboxStatus.UNKNOWN
    db.session.commit()
    admin = _as(client, make_user, login, Role.ADMIN)
    url = f"/beheer/e-mail/{message.id}/opnieuw-versturen"
    refused = client.post(url)
    assert refused.status_code == 409 and "mogelijk al aangekomen" in refused.text
    db.session.refresh(message)
    assert message.status == OutboxStatus.UNKNOWN
    assert client.post(url, data={"checked": "y"}).status_code == 303
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "outbox.retried")
    ).one()
    assert event.actor_id == admin.id


def test_retry_without_the_link_tells_what_to_do(client, make_user, login, reset_mail):
    message, _link = reset_mail
    message.status, message.secret = OutboxStatus.FAILED, None
    db.session.commit()
    _as(client, make_user, login, Role.ADMIN)
    response = client.post(f"/beheer/e-mail/{message.id}/opnieuw-versturen")
    assert response.status_code == 409 and "nieuwe aanvragen" in response.text


def test_admin_cancels_a_pending_mail_and_its_link_goes(client, make_user, login, reset_mail):
    message, _link = reset_mail
    _as(client, make_user, login, Role.ADMIN)
    assert client.post(f"/beheer/e-mail/{message.id}/annuleren").status_code == 303
    db.session.refresh(message)
    assert message.status == OutboxStatus.CANCELLED and message.secret is None
    assert outbox.deliver_pending(send=lambda mail: None)["sent"] == 0
    again = client.post(f"/beheer/e-mail/{message.id}/annuleren", follow_redirects=True)
    assert "kan niet meer worden geannuleerd" in again.text


def test_final_states_drop_the_secret(reset_mail):
    message, _link = reset_mail
    assert message.secret
    outbox.deliver_pending(send=lambda mail: None)
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT and message.secret is None


def test_retention_empties_bodies_and_clears_secrets(app):
    now = utcnow()
    rows = {
        "old_sent": OutboxMessage(created_at=now - timedelta(days=31), status=OutboxStatus.SENT),
        "young_sent": OutboxMessage(created_at=now - timedelta(days=29), status=OutboxStatus.SENT),
        "old_pending": OutboxMessage(
            created_at=now - timedelta(days=31), status=OutboxStatus.PENDING
        ),
        "ancient": OutboxMessage(created_at=now - timedelta(days=366), status=OutboxStatus.FAILED),
        "stale_link": OutboxMessage(
            created_at=now - timedelta(days=8), status=OutboxStatus.PENDING, secret="v1:x:y"
        ),
    }
    for kind, row in rows.items():
        row.kind, row.to_address, row.subject, row.body = kind, "a@b.example", "S", "Beste Jan"
        db.session.add(row)
    db.session.commit()

    result = purge_expired(now)

    assert result.mail == {"mail_secrets": 1, "mail_bodies": 1, "mail_rows": 1}
    db.session.expire_all()
    left = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    assert "ancient" not in left
    assert left["old_sent"].body == outbox.PURGED and left["old_sent"].purged_at is not None
    assert left["young_sent"].body == left["old_pending"].body == "Beste Jan"
    assert left["stale_link"].secret is None
    assert purge_expired(now).mail == {"mail_secrets": 0, "mail_bodies": 0, "mail_rows": 0}
