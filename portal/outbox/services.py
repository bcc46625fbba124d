"""What staff and members may see of a message, and the admin's retry and cancel (flush only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal.core import audit
from portal.core.models import OutboxMessage, OutboxStatus
from portal.core.outbox import CUSTOMER_KINDS, LINK_KINDS, needs_link
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

# A message being sent (`sending`) is left alone: the send job may hold it right now. A job that
# died leaves it behind; the next run calls it `unknown` once the claim is stale.
RETRYABLE = (OutboxStatus.FAILED, OutboxStatus.UNKNOWN, OutboxStatus.KEPT)
IN_DOUBT = (OutboxStatus.UNKNOWN,)
CANCELLABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)


class OutboxError(Exception):
    """The action does not fit the message's state; the text is for the admin."""


def is_customer_mail(message: OutboxMessage) -> bool:
    """A mail to a member's customer (a complainant): the member's data, not the association's."""
    return message.kind in CUSTOMER_KINDS


def masked_recipient(message: OutboxMessage) -> str:
    """The address as staff see it: customers' addresses masked, members' and staff's in full."""
    if not is_customer_mail(message):
        return message.to_address
    local, _at, domain = message.to_address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def body_for_staff(message: OutboxMessage) -> str | None:
    """The stored (redacted) body, or None when staff may not read it (customer mail)."""
    if is_customer_mail(message):
        return None
    return message.body


def _audit(
    action: str, message: OutboxMessage, *, by: User, field: str, old: object, new: object
) -> None:
    audit.record(
        action,
        actor=by,
        subject=message,
        changes={field: {"old": old, "new": new}},
    )


def record_view(message: OutboxMessage, *, by: User) -> None:
    """Every look at a message body is audited (who, which message, when)."""
    _audit("outbox.body_viewed", message, by=by, field="kind", old=None, new=message.kind)


def retry(message: OutboxMessage, *, by: User, checked: bool) -> None:
    """Queue the message again (attempts start over).

    :raises OutboxError: wrong state, not confirmed while in doubt, or its personal link is gone.
    """
    if message.status not in RETRYABLE:
        raise OutboxError(_("Deze e-mail kan niet opnieuw worden verstuurd."))
    if message.status in IN_DOUBT and not checked:
        raise OutboxError(
            _("Deze e-mail is mogelijk al aangekomen. Vraag dat eerst na en vink het vakje aan.")
        )
    if needs_link(message) and not message.secret:
        raise OutboxError(
            _(
                "Deze e-mail bevatte een persoonlijke link die niet meer bestaat. Laat de ontvanger een nieuwe aanvragen (wachtwoord vergeten) of nodig opnieuw uit."
            )
        )
    old = message.status
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.last_error = ""
    _audit("outbox.retried", message, by=by, field="status", old=old, new=message.status)


def cancel(message: OutboxMessage, *, by: User) -> None:
    """Stop the message for good; its personal link is dropped.

    :raises OutboxError: it was already sent, kept or cancelled.
    """
    if message.status not in CANCELLABLE:
        raise OutboxError(_("Deze e-mail kan niet meer worden geannuleerd."))
    old = message.status
    message.status = OutboxStatus.CANCELLED
    message.secret = None
    _audit("outbox.cancelled", message, by=by, field="status", old=old, new=message.status)


# --- what a member sees: Mijn profiel > Berichten ---------------------------------------------

MEMBER_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("wordt verstuurd"),
    OutboxStatus.SENDING: _l("wordt verstuurd"),
    OutboxStatus.SENT: _l("verstuurd"),
    OutboxStatus.KEPT: _l("verstuurd"),
    OutboxStatus.FAILED: _l("niet afgeleverd"),
    OutboxStatus.UNKNOWN: _l("mogelijk niet afgeleverd"),
    OutboxStatus.CANCELLED: _l("niet verstuurd"),
}


def member_messages_query(company_id: int) -> Select[tuple[OutboxMessage]]:
    """Mails the portal sent to (or for) the company, newest first.

    Personal-link mails (password reset, activation) belong to one user, not to the company,
    and are left out, as are privacy-request mails (a colleague's erasure or objection request is
    that person's business); every body is stored without secrets in the first place.
    """
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.company_id == company_id,
            OutboxMessage.kind.not_in(LINK_KINDS),
            OutboxMessage.kind.not_like("privacy/%"),
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )


def member_message(company_id: int, message_id: int) -> OutboxMessage | None:
    """One of the company's own messages, or None (another company's, a link mail, unknown)."""
    return db.session.scalars(
        member_messages_query(company_id).where(OutboxMessage.id == message_id)
    ).first()
