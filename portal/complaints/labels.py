"""Dutch screen labels for the complaint register's enumerations and history lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.complaints.models import (
    Channel,
    ComplaintEvent,
    ComplaintStatus,
    LetterKind,
    NoteKind,
    ReopenKind,
    Satisfaction,
    Severity,
    SignalKind,
    Verdict,
)
from portal.core.templating import nl_date

STATUS_LABELS = {
    ComplaintStatus.RECEIVED: _l("Ontvangen"),
    ComplaintStatus.ACKNOWLEDGED: _l("Bevestigd"),
    ComplaintStatus.IN_PROGRESS: _l("In behandeling"),
    ComplaintStatus.SOLUTION_PROPOSED: _l("Oplossing voorgesteld"),
    ComplaintStatus.CLOSED: _l("Afgehandeld"),
    ComplaintStatus.DISPUTED: _l("Heropend als geschil"),
    ComplaintStatus.REOPENED: _l("Heropend: probleem terug"),
}

# Badge colour per status (classes from portal.css).
STATUS_CLASSES = {
    ComplaintStatus.RECEIVED: "status-warn",
    ComplaintStatus.ACKNOWLEDGED: "status-info",
    ComplaintStatus.IN_PROGRESS: "status-info",
    ComplaintStatus.SOLUTION_PROPOSED: "status-info",
    ComplaintStatus.CLOSED: "status-ok",
    ComplaintStatus.DISPUTED: "status-bad",
    ComplaintStatus.REOPENED: "status-warn",
}

REOPEN_LABELS = {
    ReopenKind.REPEAT: _l("Het probleem is terug na herstel (herhaalde klacht)"),
    ReopenKind.DISPUTE: _l("De klant is het niet eens met de afhandeling (geschil)"),
}

CHANNEL_LABELS = {
    Channel.PHONE: _l("Telefoon"),
    Channel.EMAIL: _l("E-mail"),
    Channel.LETTER: _l("Brief"),
    Channel.COUNTER: _l("Balie"),
    Channel.REVIEW: _l("Beoordeling"),
    Channel.WEB_FORM: _l("Webformulier"),
}

VERDICT_LABELS = {
    Verdict.JUSTIFIED: _l("Gegrond"),
    Verdict.DOUBTFUL: _l("Twijfelachtig"),
    Verdict.UNJUSTIFIED: _l("Ongegrond"),
}

SATISFACTION_LABELS = {
    Satisfaction.EXCELLENT: _l("Uitstekend"),
    Satisfaction.VERY_GOOD: _l("Zeer goed"),
    Satisfaction.GOOD: _l("Goed"),
    Satisfaction.FAIR: _l("Matig"),
    Satisfaction.POOR: _l("Slecht"),
}

LETTER_LABELS = {
    LetterKind.ACKNOWLEDGEMENT: _l("Ontvangstbevestiging"),
    LetterKind.INTERIM: _l("Tussenbericht"),
    LetterKind.FINAL: _l("Afhandelingsbrief"),
    LetterKind.REJECTION: _l("Afhandelingsbrief bij ongegrond"),
}

SIGNAL_LABELS = {
    SignalKind.ACK_REMINDER: _l("Herinnering: ontvangst nog bevestigen"),
    SignalKind.ACK_ESCALATION: _l("Termijn ontvangstbevestiging verstreken"),
    SignalKind.DUE_REMINDER: _l("Herinnering: afhandeltermijn loopt af"),
    SignalKind.DUE_ESCALATION: _l("Afhandeltermijn verstreken"),
    SignalKind.FOLLOWUP_DUE: _l("Nazorg: neem contact op met de klant"),
    SignalKind.AUTO_ESCALATION: _l("Automatisch voorgelegd"),
}

# Root causes named in seed 001 (oorzaak), stored as these keys.
ROOT_CAUSES = {
    "product": _l("Product"),
    "instructions": _l("Gebruiksaanwijzing"),
    "description": _l("Omschrijving of offerte"),
    "advertising": _l("Reclame"),
    "service": _l("Service"),
    "staff": _l("Medewerker"),
    "other": _l("Anders"),
}

ACTION_LABELS = {
    "acknowledge": _l("Ontvangst bevestigd"),
    "start": _l("In behandeling nemen"),
    "propose": _l("Oplossing voorstellen"),
    "resume": _l("Terug naar behandeling"),
    "close": _l("Afhandelen"),
    "reopen": _l("Heropenen"),
}

# Customer group (seed 003: "per groep klanten"): the installation trade's usual customers.
CUSTOMER_GROUPS = {
    "private": _l("Particulier"),
    "business": _l("Zakelijk"),
    "vve": _l("VvE"),
    "housing": _l("Woningcorporatie"),
    "public": _l("Overheid of instelling"),
}
SEVERITY_LABELS = {
    Severity.NORMAL: _l("Normaal"),
    Severity.SERIOUS: _l("Ernstig"),
    Severity.CRITICAL: _l("Zeer ernstig"),
}

SEVERITY_CLASSES = {
    Severity.NORMAL: "",
    Severity.SERIOUS: "status-warn",
    Severity.CRITICAL: "status-bad",
}

NOTE_LABELS = {
    NoteKind.NOTE: _l("Notitie (onderzoek)"),
    NoteKind.CONTACT: _l("Contact met de klant"),
}

# Installation types of the trade (a suggestion list; free text is allowed).
INSTALLATION_TYPES = (
    "Cv-ketel",
    "Warmtepomp",
    "Airco",
    "Zonnepanelen",
    "Ventilatie",
    "Sanitair",
    "Elektra",
    "Dakwerk",
    "Overig",
)


def iso_nl_date(value: str) -> str:
    """An ISO date kept as text (a history note) as a Dutch date; other text unchanged."""
    try:
        return nl_date(date.fromisoformat(value))
    except (TypeError, ValueError):
        return value


def _letter(event: ComplaintEvent) -> str:
    kind = event.note.split(":")[0]
    return f"{_('brief verstuurd')} ({LETTER_LABELS.get(kind, event.note)})"  # type: ignore[call-overload]


def _auto_escalated(event: ComplaintEvent) -> str:
    if event.note == "coordinator":
        return _("termijn ruim verstreken: automatisch voorgelegd aan de klachtencoördinator")
    return _("termijn ruim verstreken: automatisch voorgelegd aan de beheerders")


# One history line per ComplaintEvent.kind, built from the event (its note, its new status).
# A kind missing here would show as its bare English key (tests/complaints/test_history_labels.py).
HISTORY_LABELS: dict[str, Callable[[ComplaintEvent], str]] = {
    "transition": lambda e: str(STATUS_LABELS.get(e.to_status, e.to_status)),  # type: ignore[call-overload]
    "created": lambda e: _("klacht geregistreerd"),
    "letter": _letter,
    "assigned": lambda e: _("behandelaar: %(name)s", name=e.note),
    "deadline": lambda e: _("termijn verlengd tot %(date)s", date=iso_nl_date(e.note)),
    "deadline_late": lambda e: _(
        "termijn verstreken; nieuwe datum %(date)s (te laat)", date=iso_nl_date(e.note)
    ),
    "auto_receipt": lambda e: _("automatische ontvangstmelding aan de klager"),
    "edited": lambda e: _("gegevens bewerkt"),
    "severity": lambda e: _(
        "ernst: %(level)s",
        level=SEVERITY_LABELS.get(e.note, e.note),  # type: ignore[call-overload]
    ),
    "related": lambda e: (
        _("gekoppeld aan %(ref)s", ref=e.note) if e.note else _("koppeling verwijderd")
    ),
    "status_link": lambda e: _("link naar de statuspagina gestuurd"),
    "survey": lambda e: _("klager beantwoordde de tevredenheidsvraag"),
    "followup": lambda e: _("nazorg vastgelegd"),
    "attachment": lambda e: _("bijlage toegevoegd"),
    "attachment_removed": lambda e: _("bijlage verwijderd"),
    "solution_offered": lambda e: _("oplossing aangeboden: %(text)s", text=e.note),
    "solution_chosen": lambda e: _("klant koos: %(text)s", text=e.note),
    "action_added": lambda e: _("actie afgesproken: %(text)s", text=e.note),
    "action_done": lambda e: _("actie gereed: %(text)s", text=e.note),
    "escalated": lambda e: _("voorgelegd aan %(text)s", text=e.note),
    "auto_escalated": _auto_escalated,
    "notified": lambda e: _("direct bericht aan %(num)s collega('s)", num=e.note),
}


def history_text(event: ComplaintEvent) -> str:
    """The Dutch history line of one event (the `complaint_history` template filter).

    A status change without a new status, or a kind without a label, shows its bare kind.
    """
    describe = HISTORY_LABELS.get(event.kind)
    if describe is None or (event.kind == "transition" and not event.to_status):
        return event.kind
    return describe(event)
