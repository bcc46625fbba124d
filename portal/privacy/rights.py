"""Rights requests end to end: self-service objection and restriction, closing by admins only
(an erasure only once it happened), the outcome mail with reasons, and the art. 12(3) extension.
Services flush, never commit."""

from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import gettext as _

from portal.auth.models import User
from portal.core import audit, outbox
from portal.core.db import utcnow
from portal.extensions import db
from portal.members.models import Company
from portal.privacy.labels import KIND_LABELS
from portal.privacy.models import RequestKind, RequestStatus, SubjectRequest
from portal.privacy.services import PrivacyError, close_request, open_request

SELF_SERVICE_KINDS = (RequestKind.OBJECTION, RequestKind.RESTRICTION)
EXTENSION_DAYS = {1: 30, 2: 61}  # "by two further months" at most
ADDRESS_RE = re.compile(r"<([^<>\s]+@[^<>\s]+)>\s*$")


def request_right(user: User, kind: RequestKind, *, message: str) -> SubjectRequest:
    """A user objects to a processing or asks to restrict it (arts. 18 and 21).

    :raises PrivacyError: not a self-service kind, or one of this kind is already open.
    """
    if kind not in SELF_SERVICE_KINDS:
        raise PrivacyError(_("Kies bezwaar of beperking."))
    item = open_request(
        user,
        kind,
        message=message,
        already_open=_("U heeft al zo'n verzoek ingediend; wij behandelen het binnen een maand."),
    )
    _mail(
        item,
        user.email,
        "privacy/request_received",
        _("Uw privacyverzoek is ontvangen"),
        "mail/privacy_request_filed.txt",
    )
    return item


def requester_address(item: SubjectRequest) -> str:
    """Where the requester gets answers: the account's address, else the one the label holds."""
    user = db.session.get(User, item.user_id) if item.user_id else None
    if user is not None:
        return user.email
    match = ADDRESS_RE.search(item.subject_label or "")
    return match.group(1) if match else ""


def erasure_done(item: SubjectRequest) -> bool:
    """True when what the erasure request asked for is gone (the account, or the company)."""
    if item.scope == "company" and item.company_id is not None:
        return db.session.get(Company, item.company_id) is None
    return item.user_id is None or db.session.get(User, item.user_id) is None


def close(
    item: SubjectRequest, *, by: User, status: RequestStatus, outcome: str, address: str
) -> None:
    """Close a request (admins only) and mail the outcome with its reasons to the requester.

    :raises PrivacyError: not an admin, or an erasure marked done that did not happen.
    """
    if not by.is_admin:
        raise PrivacyError(_("Alleen een beheerder van het portal kan een verzoek afsluiten."))
    if item.kind is RequestKind.ERASURE and status is RequestStatus.DONE and not erasure_done(item):
        raise PrivacyError(
            _("De verwijdering is nog niet uitgevoerd. Voer haar eerst uit of wijs het verzoek af.")
        )
    close_request(item, by=by, status=status, outcome=outcome)
    if address:
        subject = (
            _("Uw privacyverzoek is afgewezen")
            if status is RequestStatus.REJECTED
            else _("Uw privacyverzoek is afgehandeld")
        )
        _mail(item, address, "privacy/request_closed", subject, "mail/privacy_request_closed.txt")


def extend(item: SubjectRequest, *, by: User, months: int, reason: str) -> None:
    """Extend the answer term once by one or two months (art. 12(3)) and tell the requester why.

    :raises PrivacyError: closed, already extended, or not one or two months.
    """
    if item.status is not RequestStatus.OPEN:
        raise PrivacyError(_("Dit verzoek is al afgehandeld."))
    if item.extended_at is not None:
        raise PrivacyError(
            _("De termijn is al verlengd; dat kan één keer, met ten hoogste twee maanden.")
        )
    if months not in EXTENSION_DAYS:
        raise PrivacyError(_("Verleng met één of twee maanden."))
    item.due_at = item.due_at + timedelta(days=EXTENSION_DAYS[months])
    item.extended_at = utcnow()
    item.extension_reason = reason[:2000]
    db.session.flush()
    audit.record(
        "privacy.request_extended",
        actor=by,
        subject=item,
        changes={"due_at": {"old": None, "new": item.due_at.isoformat()}},
    )
    address = requester_address(item)
    if address:
        _mail(
            item,
            address,
            "privacy/request_extended",
            _("De termijn van uw privacyverzoek is verlengd"),
            "mail/privacy_request_extended.txt",
        )


def record_customer_search(*, by: User, email_hash: str, invitations: int, complaints: int) -> None:
    """Audit a staff search for a customer's or complainant's data (the hash, never the address)."""
    audit.record(
        "privacy.customer_searched",
        actor=by,
        subject_type="customer",
        subject_id=email_hash[:16],
        changes={
            "invitations": {"old": None, "new": invitations},
            "complaints": {"old": None, "new": complaints},
        },
    )


def _mail(item: SubjectRequest, address: str, kind: str, subject: str, template: str) -> None:
    outbox.enqueue(
        kind,
        to=address,
        subject=subject,
        template=template,
        item=item,
        kind_label=KIND_LABELS[item.kind],
    )
