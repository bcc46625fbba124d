"""Mail outbox: every e-mail is a row first, delivered by `flask outbox send`."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage

import click
from flask import current_app, render_template
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from portal.core.claims import claim_rows
from portal.core.db import utcnow
from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db

MAX_ATTEMPTS = 5
STATUS_LABELS = {
    OutboxStatus.PENDING: _l("wacht op verzending"),
    OutboxStatus.SENDING: _l("bezig met verzenden (controleer of deze is aangekomen)"),
    OutboxStatus.SENT: _l("verzonden"),
    OutboxStatus.FAILED: _l("mislukt"),
    OutboxStatus.KEPT: _l("bewaard (geen SMTP ingesteld)"),
}


def _no_crlf(value: str) -> str:
    """Header values never carry CR or LF (header injection)."""
    return value.replace("\r", " ").replace("\n", " ").strip()


def enqueue(
    kind: str, *, to: str, subject: str, template: str, company=None, **ctx
) -> OutboxMessage:
    """Render a plain-text mail template and queue it; the caller commits."""
    message = OutboxMessage(
        kind=kind,
        to_address=_no_crlf(to),
        subject=_no_crlf(subject)[:200],
        body=render_template(template, **ctx),
        company_id=getattr(company, "id", None),
    )
    db.session.add(message)
    return message


def deliver_pending(
    limit: int = 200, *, send: Callable[[OutboxMessage], None] | None = None
) -> dict[str, int]:
    """Send up to `limit` pending messages over SMTP, or keep them visible without SMTP.

    Each message is claimed (`pending → sending`) and committed before it is sent, and its
    outcome is committed right after, so a crash or an unexpected error mid-run never sends a
    message twice: the one in flight stays `sending` for staff to check. `send` replaces the
    SMTP sender (tests). Commits; this is a job, not a service.
    """
    send = send or _send_smtp
    counts = {"sent": 0, "kept": 0, "failed": 0}
    handled: list[int] = []  # a refused message waits for the next run
    for _ in range(limit):
        claimed = claim_rows(
            OutboxMessage,
            ready=OutboxStatus.PENDING,
            claimed=OutboxStatus.SENDING,
            limit=1,
            values={"attempts": OutboxMessage.attempts + 1},
            skip=handled,
        )
        db.session.commit()
        if not claimed:
            break
        handled.extend(claimed)
        message = db.session.get(OutboxMessage, claimed[0])
        counts[_deliver(message, send)] += 1
        db.session.commit()
    return counts


def _deliver(message: OutboxMessage, send: Callable[[OutboxMessage], None]) -> str:
    """Hand one claimed message to the sender; 'sent', 'kept' or 'failed' (retried later)."""
    if not current_app.config["MAIL_SMTP_HOST"]:
        message.status = OutboxStatus.KEPT
        return "kept"
    try:
        send(message)
    except (OSError, smtplib.SMTPException) as exc:  # refused before delivery: safe to retry
        message.last_error = type(exc).__name__
        message.status = (
            OutboxStatus.FAILED if message.attempts >= MAX_ATTEMPTS else OutboxStatus.PENDING
        )
        return "failed"
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    return "sent"


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = config["MAIL_FROM"]
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"], timeout=20) as smtp:
        smtp.starttls()
        if config["MAIL_SMTP_USER"]:
            smtp.login(config["MAIL_SMTP_USER"], config["MAIL_SMTP_PASSWORD"])
        smtp.send_message(mail)


@click.group("outbox")
def outbox_cli() -> None:
    """Mail outbox commands."""


@outbox_cli.command("send")
@with_appcontext
def send_command() -> None:
    """Deliver pending e-mails (SMTP when configured, otherwise kept for staff)."""
    counts = deliver_pending()
    click.echo(f"sent={counts['sent']} kept={counts['kept']} failed={counts['failed']}")
