"""Dutch screen labels for the complaint register's enumerations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.complaints.models import (
    Channel,
    ComplaintStatus,
    LetterKind,
    NoteKind,
    ReopenKind,
    Satisfaction,
    Severity,
    SignalKind,
    Verdict,
)

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
