"""The complainant's own status page (tokenised link, no login) and the aftercare survey.

The token is `secrets.token_urlsafe(32)`, mailed once as a secret link (stored encrypted in the
outbox until sent, redacted in the kept body); the register keeps only its SHA-256. A new link
replaces the old one. The page shows the complaint's reference, company, status, dates and
the handler's first name; nothing else of the complainant's data, not even their name.
Flushes but never commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.complaints import services
from portal.complaints.dispatch import absolute_url
from portal.complaints.models import Complaint, Satisfaction
from portal.complaints.services import Actor, ComplaintError
from portal.core import outbox
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

STATUS_KIND = "complaints/status_link"
# The complainant's survey remark closes the aftercare outcome (never translated: stored text).
SURVEY_PREFIX = "Klant via enquête: "
SURVEY_REMARK_MAX = 2000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(token: str) -> Complaint | None:
    """The complaint a status token belongs to (None for unknown, malformed or anonymised)."""
    if not token or len(token) > 64:
        return None
    complaint = db.session.scalars(
        select(Complaint).where(Complaint.status_token_hash == token_hash(token))
    ).first()
    if complaint is None or complaint.anonymised_at is not None:
        return None
    return complaint


def send_status_link(complaint: Complaint, *, by: User, survey: bool = False) -> None:
    """Mail the complainant a fresh link to their status page (and, closed, the survey).

    :raises ComplaintError: no e-mail address known.
    """
    if not complaint.complainant_email:
        raise ComplaintError(
            str(_l("Er is geen e-mailadres van de klager bekend om de link naar te sturen."))
        )
    token = secrets.token_urlsafe(32)
    complaint.status_token_hash = token_hash(token)
    outbox.enqueue(
        STATUS_KIND,
        to=complaint.complainant_email,
        subject=str(
            _l(
                "Uw klacht %(ref)s bij %(name)s",
                ref=complaint.reference,
                name=complaint.company.display_name,
            )
        ),
        template="mail/complaints_status_link.txt",
        company=complaint.company,
        secret_link=absolute_url("complaints_public.status", token=token),
        complaint=complaint,
        company_name=complaint.company.display_name,
        survey=survey,
    )
    services.add_event(complaint, "status_link", Actor.of(by), note="survey" if survey else "")
    db.session.flush()


def record_satisfaction(complaint: Complaint, value: str, *, remark: str, today: date) -> None:
    """The complainant's answer to the survey (a later answer replaces it, remark included).

    :raises ComplaintError: no answer chosen, or the complaint is still open.
    """
    if complaint.is_open:
        raise ComplaintError(str(_l("U kunt uw oordeel geven zodra de klacht is afgehandeld.")))
    try:
        complaint.satisfaction = Satisfaction(value)
    except ValueError:
        raise ComplaintError(str(_l("Kies een antwoord.")), field="satisfaction") from None
    complaint.followup_done_on = complaint.followup_done_on or today
    complaint.followup_outcome = with_survey_remark(complaint.followup_outcome, remark)
    services.add_event(complaint, "survey", Actor(None, "klager"), note=value)
    db.session.flush()


def with_survey_remark(outcome: str, remark: str) -> str:
    """The aftercare outcome with the complainant's latest survey remark in place of the last.

    The survey remark always sits at the end behind `SURVEY_PREFIX` (the handler's own outcome
    replaces the whole field), so whoever holds the link can change their remark but never grow
    the register beyond the handler's text plus one remark.
    """
    kept = outcome or ""
    at = kept.rfind(SURVEY_PREFIX)
    if at != -1:
        kept = kept[:at].rstrip("\n")
    note = (remark or "").strip()[:SURVEY_REMARK_MAX]
    if not note:
        return kept
    return (f"{kept}\n" if kept else "") + f"{SURVEY_PREFIX}{note}"


def handler_first_name(complaint: Complaint) -> str:
    """Only the first name of the handler is shown to the complainant."""
    if complaint.handler is None or not complaint.handler.name:
        return ""
    return complaint.handler.name.split()[0]
