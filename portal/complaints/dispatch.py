"""Letters going out (outbox or PDF) and the public form's intake with its acknowledgement.

Flushes but never commits. Mails never carry more personal data than the letter itself.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.complaints import deadlines, letters, services
from portal.complaints.models import (
    Channel,
    Complaint,
    ComplaintLetter,
    ComplaintStatus,
    LetterKind,
)
from portal.complaints.services import Action, Actor, ComplaintError
from portal.core import outbox
from portal.core.templating import nl_date
from portal.extensions import db
from portal.members.models import Company

if TYPE_CHECKING:
    from portal.auth.models import User


def record_letter(
    complaint: Complaint, letter: letters.Letter, *, method: str, by: User, today: date
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
            deadlines.acknowledge_late(complaint, today=today, by=by)
        if complaint.status is ComplaintStatus.RECEIVED:
            services.apply_action(complaint, Action.ACKNOWLEDGE, {}, by=by, today=today)
    if letter.kind is LetterKind.INTERIM and complaint.is_open:
        complaint.interim_sent_at = services.moment(today)
        deadlines.extend_deadline(complaint, today=today, by=by)
    db.session.flush()
    return kept


def send_letter(
    complaint: Complaint,
    kind: LetterKind,
    *,
    by: User,
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


def coordinator(company: Company) -> User | None:
    """The company's active complaints coordinator (a member user of the company), or None."""
    from portal.auth.models import User

    policy = services.policy_for(company)
    user = db.session.get(User, policy.coordinator_id) if policy.coordinator_id else None
    if user is None or not user.active or user.company_id != company.id:
        return None
    return user


def _notice(
    kind: str, complaint: Complaint, people: dict[str, str], subject: str, message: str
) -> None:
    """Queue one short internal notice per address: reference, category, link; no complainant data."""
    link = absolute_url("complaints.show", public_id=complaint.public_id)
    for address, name in people.items():
        outbox.enqueue(
            f"complaints/{kind}",
            to=address,
            subject=subject,
            template="mail/complaints_notice.txt",
            company=complaint.company,
            name=name,
            message=message,
            complaint=complaint,
            category=complaint.category.name if complaint.category else "",
            link=link,
        )


notice = _notice  # for the later parts of the register (actions, escalation)


def notify_new(complaint: Complaint, *, by: User | None = None) -> int:
    """Tell the coordinator a complaint was registered (not when they registered it)."""
    boss = coordinator(complaint.company)
    if boss is None or (by is not None and by.id == boss.id):
        return 0
    _notice(
        "new_internal",
        complaint,
        {boss.email: boss.name},
        str(_l("Nieuwe klacht %(ref)s", ref=complaint.reference)),
        str(_l("Er is een nieuwe klacht geregistreerd.")),
    )
    return 1


def notify_serious(complaint: Complaint, *, by: User | None = None) -> int:
    """A serious complaint goes at once to the coordinator, the beheerders and the handler."""
    from portal.complaints.labels import SEVERITY_LABELS

    people: dict[str, str] = {}
    boss = coordinator(complaint.company)
    if boss is not None:
        people[boss.email] = boss.name
    handler = complaint.handler
    if handler is not None and handler.active and handler.company_id == complaint.company_id:
        people.setdefault(handler.email, handler.name)
    for address in beheerder_addresses(complaint.company):
        people.setdefault(address, "")
    if by is not None:
        people.pop(by.email, None)
    label = str(SEVERITY_LABELS[complaint.severity]).lower()
    _notice(
        "serious",
        complaint,
        people,
        str(_l("Ernstige klacht %(ref)s: direct oppakken", ref=complaint.reference)),
        str(_l("Deze klacht is aangemerkt als %(level)s en vraagt directe aandacht.", level=label)),
    )
    if people:
        services.add_event(complaint, "notified", Actor.of(by), note=str(len(people)))
    return len(people)


def notify_assigned(complaint: Complaint, *, by: User) -> int:
    """Tell the newly assigned handler (not when they assigned themselves)."""
    handler = complaint.handler
    if handler is None or (by is not None and by.id == handler.id) or not handler.active:
        return 0
    _notice(
        "assigned",
        complaint,
        {handler.email: handler.name},
        str(_l("Klacht %(ref)s is aan u toegewezen", ref=complaint.reference)),
        str(
            _l(
                "U bent de behandelaar van deze klacht. Afhandelen uiterlijk op %(date)s.",
                date=nl_date(complaint.due_on),
            )
        ),
    )
    return 1


def _notify_company(company: Company, complaint: Complaint) -> None:
    """Tell the company a complaint came in (reference only, no complainant data).

    The coordinator receives it; without one, the beheerders (or the company address).
    """
    boss = coordinator(company)
    addresses = [boss.email] if boss is not None else beheerder_addresses(company)
    for address in addresses or ([company.email] if company.email else []):
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


def absolute_url(endpoint: str, **values: Any) -> str:
    """A full link for mails, also outside a request (commands): based on PUBLIC_BASE_URL."""
    base = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost")
    adapter = current_app.url_map.bind(
        base.netloc, url_scheme=base.scheme or "https", script_name=base.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)
