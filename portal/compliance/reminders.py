"""Reminder e-mails: editable templates with `$placeholders`, preview, throttled sending.

Templates are staff-edited text, so they are never rendered by Jinja: `string.Template`
substitutes only the names in PLACEHOLDERS from a dict of plain strings.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from portal.auth.models import CompanyRole, Role, User
from portal.compliance import status as st
from portal.compliance.models import Reminder, ReminderBatch, ReminderTemplate
from portal.compliance.services import ComplianceError, OverviewRow
from portal.core import audit, outbox
from portal.core.db import is_postgres
from portal.core.settings import get_setting
from portal.core.templating import AMSTERDAM, nl_date
from portal.extensions import db

PLACEHOLDERS = {
    "bedrijfsnaam": _l("naam van het lidbedrijf"),
    "lidnummer": _l("lidnummer"),
    "systeem": _l("huidig beoordelingssysteem"),
    "status": _l("status voor criterium 2"),
    "termijn": _l("uiterste datum (termijn); niet te gebruiken als die al voorbij is"),
    "termijnzin": _l("zin over de termijn: ‘Uw termijn loopt tot en met …’ of ‘is verstreken’"),
    "aantal": _l("aantal beoordelingen"),
    "minimum": _l("publicatieminimum"),
    "link": _l("link naar Beoordelingen in mijn profiel"),
}
DEFAULT_TEMPLATES = {
    "geen_systeem": (
        "Geen klantbeoordelingssysteem",
        "Herinnering: kies een klantbeoordelingssysteem (criterium 2)",
        "Beste $bedrijfsnaam,\n\nVoor criterium 2 (Kwaliteit Bedrijfsvoering) heeft elk lid een "
        "klantbeoordelingssysteem nodig. Bij ons staat voor lidnummer $lidnummer nog geen "
        "goedgekeurd systeem. $termijnzin\n\nKlantenvertellen is "
        "inbegrepen in uw lidmaatschap. U kunt het aanvragen of een ander systeem doorgeven via "
        "$link\n\nMet vriendelijke groet,\nLedenservice",
    ),
    "koppeling_stuk": (
        "Koppeling werkt niet",
        "Uw koppeling met $systeem werkt niet",
        "Beste $bedrijfsnaam,\n\nWij kunnen uw score bij $systeem al enige tijd niet ophalen. "
        "Controleer uw gegevens via $link\n\nMet vriendelijke groet,\nLedenservice",
    ),
    "onder_minimum": (
        "Onder het publicatieminimum",
        "Vraag uw klanten om een beoordeling",
        "Beste $bedrijfsnaam,\n\nU heeft $aantal beoordelingen. Vanaf $minimum beoordelingen "
        "tonen wij uw score in de ledenzoeker. Nodig uw klanten uit via $link\n\n"
        "Met vriendelijke groet,\nLedenservice",
    ),
}
# What the scheduled command selects per kind.
AUTO_SELECTION = {
    "geen_systeem": lambda row: row.status is st.ComplianceStatus.VOLDOET_NIET,
    "koppeling_stuk": lambda row: any(s.code == "koppeling_stuk" for s in row.signals),
    "onder_minimum": lambda row: any(s.code == "onder_minimum" for s in row.signals),
}
SKIP_RECENT, SKIP_NO_ADDRESS, SKIP_LIMIT = "recent", "geen_adres", "limiet"
SKIP_PAST_DEADLINE = "termijn_verstreken"
SKIP_LABELS = {
    SKIP_RECENT: _l("onlangs al herinnerd"),
    SKIP_NO_ADDRESS: _l("geen e-mailadres"),
    SKIP_LIMIT: _l("boven het maximum per verzending"),
    SKIP_PAST_DEADLINE: _l(
        "termijn al verstreken: de tekst noemt $termijn; gebruik $termijnzin of stel een "
        "nieuwe termijn in"
    ),
}
LOCK_KEY = 720_002  # PostgreSQL advisory lock serialising reminder batches


def ensure_templates(*, persist: bool = True) -> list[ReminderTemplate]:
    """The templates, with any missing default inserted (flushes).

    With `persist=False` (GET pages) missing defaults are returned unsaved, so a GET writes nothing.
    """
    existing = {t.key: t for t in db.session.scalars(select(ReminderTemplate))}
    for key, (name, subject, body) in DEFAULT_TEMPLATES.items():
        if key not in existing:
            existing[key] = ReminderTemplate(key=key, name=name, subject=subject, body=body)
            if persist:
                db.session.add(existing[key])
    if persist:
        db.session.flush()
    return sorted(existing.values(), key=lambda t: t.name)


def template_problems(value: str) -> list[str]:
    """Unknown or malformed placeholders in a template text (empty when fine)."""
    template = string.Template(value)
    if not template.is_valid():
        return ["$"]
    return sorted(set(template.get_identifiers()) - set(PLACEHOLDERS))


def uses_deadline(template: ReminderTemplate) -> bool:
    """True when the subject or body names the bare date `$termijn`."""
    return any(
        "termijn" in string.Template(value).get_identifiers()
        for value in (template.subject, template.body)
    )


def deadline_sentence(deadline: date, today: date) -> str:
    """The deadline as a sentence that is true on `today`: running, or passed."""
    if deadline >= today:
        return str(_l("Uw termijn loopt tot en met %(date)s.", date=nl_date(deadline)))
    return str(
        _l(
            "Uw termijn is verstreken op %(date)s; regel dit zo snel mogelijk.",
            date=nl_date(deadline),
        )
    )


def placeholder_values(row: OverviewRow, *, link: str, today: date) -> dict[str, str]:
    """Plain-string values for one member; nothing else can be reached from a template."""
    f = row.facts
    return {
        "termijnzin": deadline_sentence(row.deadline, today),
        "bedrijfsnaam": f.name,
        "lidnummer": f.member_number,
        "systeem": str(st.KIND_LABELS[row.kind]),
        "status": str(st.STATUS_LABELS[row.status]),
        "termijn": nl_date(row.deadline),
        "aantal": str(f.review_count),
        "minimum": str(row.score.min_count),
        "link": link,
    }


def render_text(value: str, values: dict[str, str]) -> str:
    """Substitute `$name` placeholders; unknown ones stay as typed."""
    return string.Template(value).safe_substitute(values)


def profile_link() -> str:
    """Absolute link to the member's Beoordelingen page."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/mijn-profiel/beoordelingen/"


def render_for(template: ReminderTemplate, row: OverviewRow, *, today: date) -> tuple[str, str]:
    """(subject, body) of one member's reminder, as true on `today`."""
    values = placeholder_values(row, link=profile_link(), today=today)
    subject = render_text(template.subject, values).replace("\r", " ").replace("\n", " ")
    return subject[:200], render_text(template.body, values)


def update_template(template: ReminderTemplate, *, subject: str, body: str, by: User) -> None:
    """Save an edited template; audited.

    :raises ComplianceError: a placeholder that does not exist.
    """
    for field, value in (("subject", subject), ("body", body)):
        problems = template_problems(value)
        if problems:
            raise ComplianceError(
                _l("Onbekende plaatshouder: %(names)s", names=", ".join(problems)), field=field
            )
    before = {"subject": template.subject, "body": template.body}
    template.subject, template.body = subject, body
    template.updated_by_id = by.id
    db.session.add(template)  # an unsaved default is stored on its first edit
    db.session.flush()
    audit.record(
        "compliance.template_updated",
        actor=by,
        subject=template,
        changes=audit.diff(before, {"subject": subject, "body": body}),
    )


@dataclass(frozen=True)
class PlannedReminder:
    """One selected member and, when it will not get a message, why."""

    row: OverviewRow
    address: str
    skip: str = ""


def recently_reminded(company_ids: list[int], kind: str, since: datetime) -> set[int]:
    """Companies that got a reminder of `kind` after `since`."""
    found: set[int] = set()
    for start in range(0, len(company_ids), 900):
        chunk = company_ids[start : start + 900]
        found.update(
            db.session.scalars(
                select(Reminder.company_id).where(
                    Reminder.company_id.in_(chunk), Reminder.kind == kind, Reminder.sent_at > since
                )
            )
        )
    return found


def _fallback_addresses(company_ids: list[int]) -> dict[int, str]:
    """A beheerder's address for companies without their own e-mail address."""
    found: dict[int, str] = {}
    for start in range(0, len(company_ids), 900):
        rows = db.session.execute(
            select(User.company_id, User.email)
            .where(
                User.company_id.in_(company_ids[start : start + 900]),
                User.role == Role.MEMBER,
                User.company_role == CompanyRole.BEHEERDER,
                User.active.is_(True),
            )
            .order_by(User.id)
        )
        for company_id, email in rows:
            found.setdefault(company_id, email)
    return found


def plan(
    rows: list[OverviewRow], template: ReminderTemplate, *, now: datetime
) -> list[PlannedReminder]:
    """Who gets the reminder and who is skipped (interval, no address, batch maximum).

    A text naming the bare `$termijn` is never sent to a member whose deadline has passed: it
    would state a date in the past as the running deadline (issue 20 §6).
    """
    kind = template.key
    today = now.astimezone(AMSTERDAM).date()
    refuse_past = uses_deadline(template)
    interval = timedelta(days=get_setting("reminder_interval_days"))
    ids = [r.facts.company_id for r in rows]
    recent = recently_reminded(ids, kind, now - interval)
    fallback = _fallback_addresses([r.facts.company_id for r in rows if not r.facts.email])
    limit = get_setting("reminder_batch_max")
    planned, sending = [], 0
    for row in rows:
        address = row.facts.email or fallback.get(row.facts.company_id, "")
        skip = ""
        if row.facts.company_id in recent:
            skip = SKIP_RECENT
        elif refuse_past and row.deadline < today:
            skip = SKIP_PAST_DEADLINE
        elif not address:
            skip = SKIP_NO_ADDRESS
        elif sending >= limit:
            skip = SKIP_LIMIT
        else:
            sending += 1
        planned.append(PlannedReminder(row, address, skip))
    return planned


@dataclass(frozen=True)
class _CompanyRef:
    id: int


def _lock(batch: ReminderBatch) -> None:
    """Serialise batches: the batch row takes SQLite's write lock, PostgreSQL an advisory lock."""
    db.session.add(batch)
    db.session.flush()
    if is_postgres(db.session):
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def send(
    rows: list[OverviewRow],
    template: ReminderTemplate,
    *,
    by: User | None,
    now: datetime,
    source: str,
) -> ReminderBatch:
    """Queue one reminder per eligible member in the outbox and record it; flushes only.

    Planning happens after the lock, so a concurrent or repeated run never sends a kind twice
    within the interval.
    """
    batch = ReminderBatch(
        kind=template.key,
        source=source,
        created_by_id=getattr(by, "id", None),
        created_at=now,
        selected=len(rows),
    )
    _lock(batch)
    today = now.astimezone(AMSTERDAM).date()
    for item in plan(rows, template, now=now):
        if item.skip:
            batch.skipped += 1
            continue
        subject, body = render_for(template, item.row, today=today)
        message = outbox.enqueue(
            f"compliance.{template.key}",
            to=item.address,
            subject=subject,
            template="mail/compliance_reminder.txt",
            company=_CompanyRef(item.row.facts.company_id),
            body=body,
        )
        db.session.flush()
        db.session.add(
            Reminder(
                company_id=item.row.facts.company_id,
                batch_id=batch.id,
                kind=template.key,
                subject=subject,
                outbox_message_id=message.id,
                sent_by_id=getattr(by, "id", None),
                sent_at=now,
            )
        )
        audit.record(
            "compliance.reminder_sent",
            actor=by,
            company=_CompanyRef(item.row.facts.company_id),
            subject=batch,
            changes={"kind": {"old": None, "new": template.key}},
        )
        batch.sent += 1
    db.session.flush()
    return batch


def template_by_key(key: str) -> ReminderTemplate:
    """One template (defaults created on first use).

    :raises ComplianceError: unknown kind.
    """
    for template in ensure_templates():
        if template.key == key:
            return template
    raise ComplianceError(_l("Kies een soort herinnering."), field="kind")
