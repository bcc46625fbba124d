"""Mail outbox: every e-mail is a row first, delivered by `flask outbox send`."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import click
from flask import current_app, render_template
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.core.db import utcnow
from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db


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


def deliver_pending(limit: int = 200) -> dict[str, int]:
    """Send pending messages over SMTP, or keep them visible when no SMTP is configured."""
    config = current_app.config
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    counts = {"sent": 0, "kept": 0, "failed": 0}
    for message in db.session.scalars(query).all():
        message.attempts += 1
        if not config["MAIL_SMTP_HOST"]:
            message.status = OutboxStatus.KEPT
            counts["kept"] += 1
            continue
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = type(exc).__name__
            if message.attempts >= 5:
                message.status = OutboxStatus.FAILED
            counts["failed"] += 1
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            counts["sent"] += 1
    db.session.commit()
    return counts


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
