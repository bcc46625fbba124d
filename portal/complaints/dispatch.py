"""Letters going out (outbox or PDF) and the public form's intake with its acknowledgement.

Flushes but never commits. Mails never carry more personal data than the letter itself.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.complaints import letters, services
from portal.complaints.models import (
    Channel,
    Complaint,
    ComplaintLetter,
    ComplaintStatus,
    LetterKind,
)
from portal.complaints.services import Action, Actor, ComplaintError
from portal.core import outbox
from portal.extensions import db
from portal.members.models import Company


def record_letter(
    complaint: Complaint, letter: letters.Letter, *, method: str, by, today: date
) -> ComplaintLetter:
    """Keep the letter with the complaint and apply its effect on the workflow.

    An acknowledgement confirms a received complaint; an interim reply moves the deadline.
    """
    actor = Actor.of(by)
    kept = ComplaintLetter(
        company_id=complaint.company_id,
        kind=letter.kind,
        method=method,
        subject=letter.subject,
        body=letter.body,
        sent_by_id=actor.user_id,
        sent_by_label=actor.label,
    )
    complaint.letters.append(kept)
    services.add_event(complaint, "letter", actor, note=f"{letter.kind.value}:{method}")
    if letter.kind is LetterKind.ACKNOWLEDGEMENT:
        if complaint.is_open:
            services.acknowledge_late(complaint, today=today, by=by)
        if complaint.status is ComplaintStatus.RECEIVED:
            services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=by, today=today)
    if letter.kind is LetterKind.INTERIM and complaint.is_open:
        from portal.core.db import utcnow

        complaint.interim_sent_at = utcnow()
        services.extend_deadline(complaint, today=today, by=by)
    db.session.flush()
    return kept


def send_letter(
    complaint: Complaint,
    kind: LetterKind,
    *,
    by,
    today: date,
    letter: letters.Letter | None = None,
) -> ComplaintLetter:
    """Queue the letter (composed now, or as the handler adjusted it) to the complainant.

    :raises ComplaintError: the complainant has no e-mail address.
    """
    if not complaint.complainant_email:
        raise ComplaintError(
            str(_l("Er is geen e-mailadres van de klager. Download de brief als PDF.")),
            field="method",
        )
    services.ensure_handler(complaint, by)
    letter = letter or letters.compose(complaint, kind, today=today)
    outbox.enqueue(
        "complaints/letter",
        to=complaint.complainant_email,
        subject=letter.subject,
        template="mail/complaints_letter.txt",
        company=complaint.company,
        body=letter.body,
    )
    return record_letter(complaint, letter, method="email", by=by, today=today)


def pdf_for(complaint: Complaint, letter: ComplaintLetter | letters.Letter, when: date) -> bytes:
    """The PDF of a composed or kept letter."""
    return letters.render_pdf(
        company=complaint.company,
        recipient=letters.recipient_lines(complaint),
        subject=letter.subject,
        body=letter.body,
        letter_date=when,
    )


def submit_public(company: Company, values: dict, *, today: date) -> Complaint:
    """A consumer's complaint from the public form: record, acknowledgement, company notice."""
    complaint = services.create_complaint(
        company,
        values,
        by=None,
        channel=Channel.WEB_FORM,
        received_on=today,
        category=None,
    )
    complaint.received_by = str(_l("Webformulier ledenzoeker"))
    outbox.enqueue(
        "complaints/acknowledgement",
        to=complaint.complainant_email,
        subject=str(_l("Uw klacht over %(name)s is ontvangen", name=company.display_name)),
        template="mail/complaints_acknowledgement.txt",
        company=company,
        complaint=complaint,
        company_name=company.display_name,
    )
    services.add_event(complaint, "auto_receipt", Actor(None, "systeem"))
    _notify_company(company, complaint)
    db.session.flush()
    return complaint


def _notify_company(company: Company, complaint: Complaint) -> None:
    """Tell the company a complaint came in (reference only, no complainant data)."""
    for address in beheerder_addresses(company) or ([company.email] if company.email else []):
        outbox.enqueue(
            "complaints/new",
            to=address,
            subject=str(_l("Nieuwe klacht %(ref)s via de ledenzoeker", ref=complaint.reference)),
            template="mail/complaints_new.txt",
            company=company,
            company_name=company.display_name,
            complaint=complaint,
            link=absolute_url("complaints.show", public_id=complaint.public_id),
        )


def beheerder_addresses(company: Company) -> list[str]:
    """E-mail addresses of the company's active beheerders."""
    from sqlalchemy import select

    from portal.auth.models import CompanyRole, Role, User

    return list(
        db.session.scalars(
            select(User.email)
            .where(
                User.company_id == company.id,
                User.role == Role.MEMBER,
                User.company_role == CompanyRole.BEHEERDER,
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def absolute_url(endpoint: str, **values) -> str:
    """A full link for mails, also outside a request (commands): based on PUBLIC_BASE_URL."""
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost")
    adapter = current_app.url_map.bind(
        base.netloc, url_scheme=base.scheme or "https", script_name=base.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)
