"""Mail outbox: every e-mail is a row first, delivered by `flask outbox send`.

Promises (README, SECURITY.md §5):
- No live secret at rest: a reset or activation link is stored encrypted in `secret`, the body
  keeps `REDACTED` in its place, and the link is put into the text only while the message is
  handed to the SMTP server. The secret is cleared once the message reaches a final state.
- At most once: a message is claimed and committed before it is sent; when the server may have
  it (the connection dropped after the message data went out) it becomes `unknown` and is never
  re-sent automatically. Only clear refusals are retried: a 4xx reply or no connection; a 5xx
  reply fails it for good. Every message carries a stable Message-ID.
- TLS verified: STARTTLS (default) or implicit TLS check the certificate chain and host name;
  plain SMTP (`MAIL_SMTP_TLS=none`) is refused in production by `check_deploy`.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import click
from flask import render_template
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from portal.config import MailSettings
from portal.core import crypto
from portal.core.claims import claim_rows
from portal.core.db import HasId, rowcount, utcnow
from portal.core.logs import EMAIL_RE
from portal.core.models import OutboxMessage, OutboxStatus
from portal.core.smtp import MaybeDelivered, send_smtp
from portal.extensions import db

MAX_ATTEMPTS = 5
REDACTED = "[persoonlijke link verborgen]"
PURGED = "[inhoud verwijderd na de bewaartermijn]"
# Mails whose body carries a personal link (put in at sending time only).
LINK_KINDS = frozenset(
    {
        "auth.reset",
        "auth.activate",
        "auth.email_confirm",
        "auth.email_change_notice",
        "complaints/status_link",
    }
)
# Mails to a member's customers (complainants): staff see the address masked.
CUSTOMER_KINDS = frozenset(
    {"complaints/letter", "complaints/acknowledgement", "complaints/status_link"}
)
TLS_MODES = ("starttls", "ssl", "none")
ROW_RETENTION_DAYS = 365  # subject, recipient and status of a message are kept a year
STALE_CLAIM = timedelta(minutes=15)  # far beyond MAIL_SMTP_TIMEOUT: the job that claimed it died
STATUS_LABELS = {
    OutboxStatus.PENDING: _l("wacht op verzending"),
    OutboxStatus.SENDING: _l("bezig met verzenden (controleer of deze is aangekomen)"),
    OutboxStatus.SENT: _l("verzonden"),
    OutboxStatus.FAILED: _l("mislukt"),
    OutboxStatus.UNKNOWN: _l("onbekend: mogelijk aangekomen, niet opnieuw verstuurd"),
    OutboxStatus.CANCELLED: _l("geannuleerd"),
    OutboxStatus.KEPT: _l("bewaard (geen SMTP ingesteld)"),
}


class LinkUnavailable(Exception):
    """The message needs its personal link, which is gone (cleared, expired key, tampered)."""


def _no_crlf(value: str) -> str:
    """Header values never carry a line break of any kind (header injection, and the email
    library refuses U+2028, form feeds and the like in headers)."""
    return " ".join(value.splitlines()).strip()


def _aad(message: OutboxMessage) -> str:
    return f"outbox_messages:{message.id}:secret"


def _msgid_domain() -> str:
    address = parseaddr(MailSettings.of().sender)[1]
    return address.rpartition("@")[2] or "ledenportaal.invalid"


def enqueue(
    kind: str,
    *,
    to: str,
    subject: str,
    template: str,
    company: HasId | None = None,
    secret_link: str | None = None,
    **ctx: Any,
) -> OutboxMessage:
    """Render a plain-text mail template and queue it; the caller commits.

    A `secret_link` (a reset or activation URL) is rendered as `REDACTED` into the stored body
    (the template's `link`) and kept encrypted next to it until the message is sent.
    """
    if secret_link is not None:
        ctx["link"] = REDACTED
    message = OutboxMessage(
        kind=kind,
        to_address=_no_crlf(to),
        subject=_no_crlf(subject)[:200],
        body=render_template(template, **ctx) + "\n" + render_template("mail/_footer.txt"),
        company_id=getattr(company, "id", None),
        message_id=make_msgid(domain=_msgid_domain()),
    )
    db.session.add(message)
    if secret_link is not None:
        db.session.flush()  # the row id binds the ciphertext to this message
        message.secret = crypto.encrypt(secret_link, aad=_aad(message))
    return message


def needs_link(message: OutboxMessage) -> bool:
    """True when the message carries a personal link (decided by its kind, never by its text:
    a quoted marker in someone's own words must not make a mail undeliverable)."""
    return message.kind in LINK_KINDS


def compose(message: OutboxMessage) -> EmailMessage:
    """The e-mail as it goes out, with its personal link filled in.

    :raises LinkUnavailable: the body needs a link the row no longer holds.
    """
    body = message.body
    if needs_link(message):
        if not message.secret:
            raise LinkUnavailable
        try:
            link = crypto.decrypt(message.secret, aad=_aad(message))
        except crypto.SecretError as exc:
            raise LinkUnavailable from exc
        body = body.replace(REDACTED, link)
    mail = EmailMessage()
    mail["From"] = MailSettings.of().sender
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at or utcnow())
    mail["Message-ID"] = message.message_id or make_msgid(domain=_msgid_domain())
    mail.set_content(body, cte="quoted-printable")
    return mail


def deliver_pending(
    limit: int = 200, *, send: Callable[[EmailMessage], None] | None = None
) -> dict[str, int]:
    """Send up to `limit` pending messages over SMTP, or keep them visible without SMTP.

    Each message is claimed (`pending → sending`) and committed before it is sent, and its
    outcome is committed right after, so a crash or an unexpected error mid-run never sends a
    message twice: the one in flight stays `sending` for staff to check. `send` replaces the
    SMTP sender (tests). Commits; this is a job, not a service.
    """
    send = send or send_smtp
    counts = {"sent": 0, "kept": 0, "failed": 0, "unknown": 0}
    _give_up_stale_claims()
    handled: list[int] = []  # a refused message waits for the next run
    for _round in range(limit):
        claimed = claim_rows(
            OutboxMessage,
            ready=OutboxStatus.PENDING,
            claimed=OutboxStatus.SENDING,
            limit=1,
            values={"attempts": OutboxMessage.attempts + 1, "claimed_at": utcnow()},
            skip=handled,
        )
        db.session.commit()
        if not claimed:
            if _pending_left(handled):  # another host won this row: take the next one
                continue
            break
        handled.extend(claimed)
        message = db.session.get_one(OutboxMessage, claimed[0])
        counts[_deliver(message, send)] += 1
        if message.status in OutboxStatus.FINAL:
            message.secret = None
        db.session.commit()
    return counts


def _pending_left(handled: list[int]) -> bool:
    query = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
    if handled:
        query = query.where(OutboxMessage.id.not_in(handled))
    return db.session.execute(query.limit(1)).first() is not None


def _give_up_stale_claims() -> None:
    """A message a crashed job left `sending` may have gone out: it becomes `unknown`."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            # Claimed before claim times were kept (migration 0007) counts as stale too.
            (OutboxMessage.claimed_at <= utcnow() - STALE_CLAIM)
            | OutboxMessage.claimed_at.is_(None),
        )
        .values(
            status=OutboxStatus.UNKNOWN,
            secret=None,
            last_error=_("de verzendtaak is tijdens het versturen gestopt"),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _deliver(message: OutboxMessage, send: Callable[[EmailMessage], None]) -> str:
    """Hand one claimed message to the sender; the outcome: sent, kept, failed or unknown."""
    if not MailSettings.of().smtp_host:
        message.status = OutboxStatus.KEPT
        return "kept"
    try:
        mail = compose(message)
    except LinkUnavailable:
        return _refused(message, _("de persoonlijke link is niet meer beschikbaar"), final=True)
    except (ValueError, TypeError) as exc:  # a header the email library refuses: never sendable
        return _refused(
            message, _("onbruikbare kopregel (%(kind)s)", kind=type(exc).__name__), final=True
        )
    try:
        send(mail)
    except MaybeDelivered as exc:
        message.status = OutboxStatus.UNKNOWN
        message.last_error = _clean(
            _("verbinding verbroken na het versturen van de inhoud (%(detail)s)", detail=exc)
        )
        return "unknown"
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()] or [450]
        return _refused(message, _smtp_detail(codes[0], ""), final=min(codes) >= 500)
    except smtplib.SMTPResponseException as exc:  # a clear 4xx/5xx answer
        return _refused(
            message, _smtp_detail(exc.smtp_code, exc.smtp_error), final=exc.smtp_code >= 500
        )
    except ssl.SSLCertVerificationError as exc:
        detail = _(
            "TLS-certificaat van de mailserver niet vertrouwd (%(reason)s)",
            reason=exc.verify_message,
        )
        return _refused(message, detail, final=False)
    except smtplib.SMTPNotSupportedError:
        return _refused(message, _("de mailserver biedt geen STARTTLS aan"), final=False)
    except (OSError, smtplib.SMTPException) as exc:  # no connection or dropped before the data
        return _refused(message, type(exc).__name__, final=False)
    except Exception as exc:  # the sender raises MaybeDelivered once the data went out
        return _refused(message, type(exc).__name__, final=False)
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.last_error = ""
    return "sent"


def _refused(message: OutboxMessage, detail: str, *, final: bool) -> str:
    """A clear refusal: nothing was delivered, so a retry (up to MAX_ATTEMPTS) is safe."""
    message.last_error = _clean(detail)
    if final or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.PENDING
    return "failed"


ENHANCED_STATUS = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")


def _smtp_detail(code: int, reply: bytes | str) -> str:
    """The reply code and enhanced status code only: servers quote the message in their free
    text (a spam filter names the rejected URL, which would be the live link)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    enhanced = ENHANCED_STATUS.match(text)
    kind = _("tijdelijk geweigerd") if 400 <= code < 500 else _("geweigerd")
    detail = f"{code} {enhanced.group(1)}" if enhanced else str(code)
    return _("%(kind)s door de mailserver (%(detail)s)", kind=kind, detail=detail)


def _clean(text: str) -> str:
    """Staff read this: one line, no e-mail addresses (servers echo the recipient)."""
    return EMAIL_RE.sub("[e-mail]", " ".join(str(text).split()))[:300]


def purge(now: datetime | None = None) -> dict[str, int]:
    """Retention of the outbox (flushes; part of `flask purge-expired`).

    Secrets of finished or week-old messages go (no link lives longer than 7 days); bodies of
    finished messages older than `MAIL_RETENTION_DAYS` are emptied; rows older than a year go.
    """
    now = now or utcnow()
    days = MailSettings.of().retention_days
    rows = rowcount(
        db.session.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.status.in_(OutboxStatus.FINAL),
                OutboxMessage.created_at <= now - timedelta(days=ROW_RETENTION_DAYS),
            )
            .execution_options(synchronize_session=False)
        )
    )
    secrets_cleared = rowcount(
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.secret.is_not(None),
                OutboxMessage.status.in_(OutboxStatus.FINAL)
                | (OutboxMessage.created_at <= now - timedelta(days=7)),
            )
            .values(secret=None)
            .execution_options(synchronize_session=False)
        )
    )
    bodies = rowcount(
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.purged_at.is_(None),
                OutboxMessage.status.in_(OutboxStatus.FINAL),
                OutboxMessage.created_at <= now - timedelta(days=days),
            )
            .values(body=PURGED, secret=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    return {"mail_secrets": secrets_cleared, "mail_bodies": bodies, "mail_rows": rows}


@click.group("outbox")
def outbox_cli() -> None:
    """Mail outbox commands."""


@outbox_cli.command("send")
@with_appcontext
def send_command() -> None:
    """Deliver pending e-mails (SMTP when configured, otherwise kept for staff)."""
    counts = deliver_pending()
    click.echo(
        f"sent={counts['sent']} kept={counts['kept']} failed={counts['failed']} "
        f"unknown={counts['unknown']}"
    )
