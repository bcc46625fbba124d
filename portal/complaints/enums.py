"""The complaint register's vocabulary: workflow states, channels, verdicts, letter kinds.

Plain enums and constants, no tables (those are in models.py, which re-exports these names).
"""

from __future__ import annotations

import enum


class ComplaintStatus(enum.StrEnum):
    """Workflow states (seed 001): received → acknowledged → … → closed (→ disputed)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    SOLUTION_PROPOSED = "solution_proposed"
    CLOSED = "closed"
    DISPUTED = "disputed"
    REOPENED = "reopened"


OPEN_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.SOLUTION_PROPOSED,
    ComplaintStatus.DISPUTED,
    ComplaintStatus.REOPENED,
)


class ReopenKind(enum.StrEnum):
    """Why a closed complaint was reopened: the problem came back, or the customer disputes."""

    REPEAT = "repeat"
    DISPUTE = "dispute"


class Channel(enum.StrEnum):
    """How the complaint came in (wijze melding)."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    COUNTER = "counter"
    REVIEW = "review"
    WEB_FORM = "web_form"


class Verdict(enum.StrEnum):
    """Assessment of a complaint: gegrond, twijfelachtig, ongegrond."""

    JUSTIFIED = "justified"
    DOUBTFUL = "doubtful"
    UNJUSTIFIED = "unjustified"


class Satisfaction(enum.StrEnum):
    """The complainant's satisfaction with the handling (scale of seed 002)."""

    EXCELLENT = "excellent"
    VERY_GOOD = "very_good"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class LetterKind(enum.StrEnum):
    """Standard letters: ontvangstbevestiging, tussenbericht, afhandelingsbrief."""

    ACKNOWLEDGEMENT = "acknowledgement"
    INTERIM = "interim"
    FINAL = "final"
    REJECTION = "rejection"  # final reply to an ongegrond complaint


class SignalKind(enum.StrEnum):
    """Reminders before a deadline and escalations after it passed."""

    ACK_REMINDER = "ack_reminder"
    ACK_ESCALATION = "ack_escalation"
    DUE_REMINDER = "due_reminder"
    DUE_ESCALATION = "due_escalation"
    FOLLOWUP_DUE = "followup_due"
    # Long delay: put before the coordinator automatically (and reassigned if the policy says so).
    AUTO_ESCALATION = "auto_escalation"


DEFAULT_CATEGORIES = (
    "Kwaliteit werk",
    "Planning/levertijd",
    "Prijs/factuur",
    "Bejegening",
    "Communicatie",
    "Schade",
    "Overig",
)


class Severity(enum.StrEnum):
    """How serious a complaint is; serious ones go to the right people at once (seed 001)."""

    NORMAL = "normal"
    SERIOUS = "serious"
    CRITICAL = "critical"


SERIOUS_LEVELS = (Severity.SERIOUS, Severity.CRITICAL)


class NoteKind(enum.StrEnum):
    """A line of the investigation log: an internal note or a contact with the customer."""

    NOTE = "note"
    CONTACT = "contact"
