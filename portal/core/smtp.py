"""SMTP delivery of one composed message, verified TLS, with an honest "maybe delivered".

The outbox (portal/core/outbox.py) decides what to send and records the outcome; this module
only talks to the mail server. MAIL, RCPT and DATA are sent by hand so that a connection lost
after the message data went out is reported as `MaybeDelivered`, never retried automatically.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import parseaddr
from typing import cast

from portal.config import MailSettings


class MaybeDelivered(Exception):
    """The message data went out but the server's answer never came: it may have been delivered."""


def tls_context(settings: MailSettings | None = None) -> ssl.SSLContext:
    """Certificate and host name checked; `MAIL_SMTP_CA_FILE` adds a private CA."""
    settings = settings or MailSettings.of()
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


def send_smtp(mail: EmailMessage) -> None:
    """Deliver one message; raises MaybeDelivered when the outcome cannot be known."""
    settings = MailSettings.of()
    host, port, mode = settings.smtp_host, settings.smtp_port, settings.smtp_tls
    timeout = settings.smtp_timeout
    if mode == "ssl":
        context = tls_context(settings)
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if mode == "starttls":
            smtp.starttls(
                context=tls_context(settings)
            )  # no STARTTLS offered: SMTPNotSupportedError
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        _transmit(smtp, mail)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _transmit(smtp: smtplib.SMTP, mail: EmailMessage) -> None:
    """MAIL, RCPT and DATA by hand, so a drop after the data is told apart from a refusal."""
    sender = parseaddr(mail["From"])[1]
    recipient = parseaddr(mail["To"])[1]
    options = []
    policy = cast(EmailPolicy, mail.policy).clone(linesep="\r\n")  # EmailMessage's policy
    if not (sender + recipient).isascii():
        if not smtp.has_extn("smtputf8"):
            raise smtplib.SMTPRecipientsRefused({recipient: (553, b"SMTPUTF8 not offered")})
        options.append("SMTPUTF8")
        policy = policy.clone(utf8=True)  # addresses as UTF-8, never as encoded words
    payload = re.sub(rb"(?m)^\.", b"..", mail.as_bytes(policy=policy))
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    code, reply = smtp.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    try:
        smtp.send(payload + b".\r\n")
        code, reply = smtp.getreply()
    except Exception as exc:  # once the data is out, any failure leaves the outcome open
        raise MaybeDelivered(type(exc).__name__) from exc
    if 200 <= code < 300:
        return
    if 400 <= code < 600:
        raise smtplib.SMTPDataError(code, reply)
    raise MaybeDelivered(f"antwoord {code}")
