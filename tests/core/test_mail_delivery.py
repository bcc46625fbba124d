"""Mail delivery against a real SMTP server (aiosmtpd on 127.0.0.1, TLS with a CA made here).

The battery family `mail-delivery`: normal delivery, untrusted and wrong-host certificates,
no STARTTLS, a drop after the data (unknown, never re-sent), 4xx (retried), 5xx (failed) and a
send job that died between claim and send (never sent twice). Plus the reset flow end to end:
the personal link exists only in the mail as it went out, never in the database.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.auth.models import User
from portal.core import outbox
from portal.core.claims import claim_rows
from portal.core.db import utcnow
from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db
from tests.battery import summary
from tests.mailserver import Certificates, MailServer

FAMILY = "mail-delivery"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certificates(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture(scope="module")
def smtp_server(certs):
    server = MailServer(certs).start()
    yield server
    server.stop()


@pytest.fixture
def server(smtp_server):
    smtp_server.mode = "ok"
    with smtp_server.lock:
        smtp_server.received.clear()
    return smtp_server


@pytest.fixture
def app_config(smtp_server, certs):
    return {
        "MAIL_SMTP_HOST": "127.0.0.1",
        "MAIL_SMTP_PORT": smtp_server.port,
        "MAIL_SMTP_TLS": "starttls",
        "MAIL_SMTP_CA_FILE": str(certs.ca_file),
        "MAIL_SMTP_TIMEOUT": 10,
        "MAIL_FROM": "ledenservice@vereniging.example",
    }


def _queue(address: str = "lid@bedrijf.example") -> OutboxMessage:
    message = outbox.enqueue(
        "test", to=address, subject="Test", template="mail/reset.txt", user=None, link="Hallo"
    )
    db.session.commit()
    return message


def _message() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage)).one()


def test_normal_delivery_over_verified_starttls(app, server):
    with summary.case(FAMILY):
        _queue()
        assert outbox.deliver_pending()["sent"] == 1
        message = _message()
        assert message.status == OutboxStatus.SENT and message.sent_at is not None
        (mail,) = server.received
        assert mail["Message-ID"] == message.message_id and message.message_id.endswith(
            "@vereniging.example>"
        )
        assert mail["To"] == "lid@bedrijf.example" and "Hallo" in mail.get_content()


def test_stable_message_id_survives_a_retry(app, server):
    with summary.case(FAMILY):
        _queue()
        server.mode = "temp"
        assert outbox.deliver_pending()["failed"] == 1
        server.mode = "ok"
        assert outbox.deliver_pending()["sent"] == 1
        first, second = server.received
        assert first["Message-ID"] == second["Message-ID"] == _message().message_id


@pytest.mark.parametrize(
    ("cert", "ca", "expected"),
    [
        ("good", False, "niet vertrouwd"),  # no CA given: the system store does not know it
        ("self_signed", True, "niet vertrouwd"),
        ("wrong_host", True, "niet vertrouwd"),  # signed by the CA, for another host name
    ],
)
def test_untrusted_certificate_is_refused_with_a_clear_error(app, certs, cert, ca, expected):
    with summary.case(FAMILY):
        server = MailServer(certs, cert=cert).start()
        try:
            app.config["MAIL_SMTP_PORT"] = server.port
            if not ca:
                app.config["MAIL_SMTP_CA_FILE"] = ""
            _queue()
            assert outbox.deliver_pending() == {"sent": 0, "kept": 0, "failed": 1, "unknown": 0}
            message = _message()
            assert message.status == OutboxStatus.PENDING  # nothing left: a fixed config sends it
            assert "TLS-certificaat" in message.last_error and expected in message.last_error
            assert server.received == []
        finally:
            server.stop()


def test_implicit_tls_verifies_too(app, certs):
    with summary.case(FAMILY):
        server = MailServer(certs, implicit_tls=True).start()
        try:
            app.config.update(MAIL_SMTP_PORT=server.port, MAIL_SMTP_TLS="ssl")
            _queue()
            assert outbox.deliver_pending()["sent"] == 1
            assert len(server.received) == 1
            _queue("tweede@bedrijf.example")
            app.config["MAIL_SMTP_CA_FILE"] = ""
            assert outbox.deliver_pending()["failed"] == 1 and len(server.received) == 1
        finally:
            server.stop()


def test_drop_after_data_is_unknown_and_never_resent(app, server):
    with summary.case(FAMILY):
        _queue()
        server.mode = "drop"
        assert outbox.deliver_pending() == {"sent": 0, "kept": 0, "failed": 0, "unknown": 1}
        message = _message()
        assert message.status == OutboxStatus.UNKNOWN and "verbroken" in message.last_error
        server.mode = "ok"
        for _run in range(3):
            assert outbox.deliver_pending() == {"sent": 0, "kept": 0, "failed": 0, "unknown": 0}
        assert len(server.received) == 1  # it did arrive, exactly once


@pytest.mark.parametrize("mode", ["temp", "rcpt_temp"])
def test_temporary_refusal_is_retried(app, server, mode):
    with summary.case(FAMILY):
        _queue()
        server.mode = mode
        assert outbox.deliver_pending()["failed"] == 1
        message = _message()
        assert (
            message.status == OutboxStatus.PENDING
            and "tijdelijk geweigerd (45" in message.last_error.replace(" door de mailserver", "")
        )
        server.mode = "ok"
        assert outbox.deliver_pending()["sent"] == 1
        assert _message().status == OutboxStatus.SENT
        # A 451 after the data is a refusal: the server took the bytes but did not deliver them.
        assert len(server.received) == (2 if mode == "temp" else 1)


@pytest.mark.parametrize("mode", ["perm", "rcpt_perm"])
def test_permanent_refusal_fails_without_retry(app, server, mode):
    with summary.case(FAMILY):
        _queue("iemand@bedrijf.example")
        server.mode = mode
        assert outbox.deliver_pending()["failed"] == 1
        message = _message()
        assert (
            message.status == OutboxStatus.FAILED
            and "geweigerd door de mailserver (55" in message.last_error
        )
        assert "iemand@" not in message.last_error
        server.mode = "ok"
        assert outbox.deliver_pending()["sent"] == 0


def test_server_not_offering_starttls_is_refused(app, certs):
    with summary.case(FAMILY):
        plain = MailServer(certs)
        plain.controller.SMTP_kwargs.pop("tls_context", None)
        plain.controller.SMTP_kwargs.pop("require_starttls", None)
        plain.start()
        try:
            app.config["MAIL_SMTP_PORT"] = plain.port
            _queue()
            assert outbox.deliver_pending()["failed"] == 1
            assert "STARTTLS" in _message().last_error and plain.received == []
        finally:
            plain.stop()


def test_job_crash_between_claim_and_send_never_sends_twice(app, server):
    with summary.case(FAMILY):
        _queue()
        claim_rows(
            OutboxMessage,
            ready=OutboxStatus.PENDING,
            claimed=OutboxStatus.SENDING,
            limit=1,
            values={"claimed_at": utcnow()},
        )
        db.session.commit()  # the job died here, after its claim
        assert outbox.deliver_pending()["sent"] == 0
        assert _message().status == OutboxStatus.SENDING
        db.session.execute(
            update(OutboxMessage).values(claimed_at=utcnow() - timedelta(minutes=16))
        )
        db.session.commit()
        assert outbox.deliver_pending()["sent"] == 0
        message = _message()
        assert message.status == OutboxStatus.UNKNOWN and "gestopt" in message.last_error
        assert server.received == []


def test_reset_link_lives_only_in_the_sent_mail(app, client, make_user, server):
    """No raw token in any table before or after sending; the mailed link works once."""
    with summary.case(FAMILY):
        user = make_user()
        client.post("/wachtwoord-vergeten", data={"email": user.email})
        message = _message()
        assert outbox.REDACTED in message.body and message.secret
        assert "/wachtwoord-herstellen/" not in message.body
        assert outbox.deliver_pending()["sent"] == 1
        (mail,) = server.received
        text = mail.get_content()
        link = next(word for word in text.split() if "/wachtwoord-herstellen/" in word)
        token = link.rsplit("/", 1)[1]
        assert len(token) >= 40 and outbox.REDACTED not in text
        message = _message()
        assert message.secret is None and outbox.REDACTED in message.body
        assert token not in repr(db.session.execute(select(OutboxMessage)).all())
        page = client.get(link.removeprefix("http://localhost"))
        assert page.status_code == 200 and f'value="{token}"' in page.text
        new = "zachte-regen-op-het-dak-2031"
        done = client.post(
            "/wachtwoord-herstellen", data={"token": token, "password": new, "confirm": new}
        )
        assert done.status_code == 303
        assert db.session.get(User, user.id).password_hash


def test_a_refusal_quoting_the_link_never_stores_it(app, client, make_user, server):
    """Spam filters quote the URL they refuse; the reply text never reaches staff or the table."""
    with summary.case(FAMILY):
        user = make_user()
        client.post("/wachtwoord-vergeten", data={"email": user.email})
        server.mode = "perm_quoting"
        assert outbox.deliver_pending()["failed"] == 1
        (mail,) = server.received
        token = next(w for w in mail.get_content().split() if "/wachtwoord-" in w).rsplit("/", 1)[1]
        message = _message()
        assert message.status == OutboxStatus.FAILED and message.secret is None
        assert "554 5.7.1" in message.last_error and "Message rejected" not in message.last_error
        assert token not in repr(db.session.execute(select(OutboxMessage)).all())


def test_any_line_break_in_a_subject_is_flattened(app, server):
    with summary.case(FAMILY):
        for brk in ("\u2028", "\x85", "\x0b", "\x0c", "\x1c", "\r\n"):
            outbox.enqueue(
                "test", to="lid@bedrijf.example", subject=f"Klacht{brk}K-2026-0001",
                template="mail/reset.txt", user=None, link="Hallo",
            )  # fmt: skip
        db.session.commit()
        assert outbox.deliver_pending()["sent"] == 6
        assert {m["Subject"] for m in server.received} == {"Klacht K-2026-0001"}


def test_the_marker_in_someones_own_words_is_just_text(app, server):
    with summary.case(FAMILY):
        outbox.enqueue(
            "complaints/letter", to="klant@voorbeeld.example", subject="Uw klacht",
            template="mail/complaints_letter.txt", body=f"U schreef: {outbox.REDACTED}",
        )  # fmt: skip
        db.session.commit()
        assert outbox.deliver_pending()["sent"] == 1
        assert outbox.REDACTED in server.received[0].get_content()


def test_non_ascii_recipient_goes_out_as_utf8(app, server):
    with summary.case(FAMILY):
        _queue("jörg@bedrijf.example")
        assert outbox.deliver_pending()["sent"] == 1
        assert server.received[0]["To"] == "jörg@bedrijf.example"
        assert b"=?utf-8?" not in server.received[0].as_bytes()


def test_a_message_claimed_before_claim_times_were_kept_becomes_unknown(app, server):
    with summary.case(FAMILY):
        _queue()
        db.session.execute(
            update(OutboxMessage).values(status=OutboxStatus.SENDING, claimed_at=None)
        )
        db.session.commit()
        assert outbox.deliver_pending()["sent"] == 0
        assert _message().status == OutboxStatus.UNKNOWN and server.received == []


def test_production_refuses_plain_smtp():
    from portal.config import check_deploy

    base = {"MAIL_SMTP_HOST": "smtp.vereniging.example", "MAIL_SMTP_TLS": "none"}
    assert any("MAIL_SMTP_TLS" in problem for problem in check_deploy(base))
    assert not any(
        "MAIL_SMTP_TLS" in problem
        for problem in check_deploy({**base, "MAIL_SMTP_TLS": "starttls"})
    )
