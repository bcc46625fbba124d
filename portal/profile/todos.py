"""The dashboard's to-do list: what a member should do next, most important first.

Order (issue 20): criterium-2 status with the way to a public score, a requested switch of
review system, the processor agreement, complaints with a deadline within 7 days, sync problems,
missing profile fields. Every text is
decided here from one set of facts, so two items can never contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.agreements import services as agreements
from portal.complaints.models import OPEN_STATUSES, Complaint
from portal.core.templating import nl_date
from portal.directory.scores import ScoreState
from portal.extensions import db
from portal.members.models import Company
from portal.reviews.card import ACTIEF, ONTBREEKT, Card
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from portal.reviews.switching import pending_system

DEADLINE_DAYS = 7


@dataclass(frozen=True)
class Line:
    """One linked line under a to-do (a complaint and its deadline)."""

    label: str
    url: str
    note: str
    late: bool = False


@dataclass(frozen=True)
class Todo:
    """One item of the list; `tone` is the stylesheet's status suffix (ok, warn, bad, info:
    waiting for ledenservice, nothing to do)."""

    key: str
    tone: str
    title: str
    text: str = ""
    action_label: str = ""
    action_url: str = ""
    progress: tuple[int, int] | None = None  # (reviews, publication minimum)
    lines: list[Line] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.tone == "ok"


def build_todos(company: Company, card: Card, *, today: date) -> list[Todo]:
    """The ordered list for the dashboard; finished points appear as "done" (tone ok)."""
    pending = pending_system(company)
    if pending is not None and card.state == ONTBREEKT:
        # No working system next to the request: the request is the criterium-2 point itself.
        todos = [_switch(pending, card, replaces_nothing=True)]
    else:
        todos = [_criterion(company, card)]
        if pending is not None:
            todos.append(_switch(pending, card))
    for item in (
        _agreement(company),
        _complaints(company, today),
        _sync_problem(card),
        _missing_fields(company),
    ):
        if item is not None:
            todos.append(item)
    return todos


def _criterion(company: Company, card: Card) -> Todo:
    """Criterium 2, then the way to a visible score; consistent with the listing state."""
    reviews_url = url_for("reviews.show")
    if card.state == ONTBREEKT:
        return Todo(
            "criterion", "bad", _("Kies een klantbeoordelingssysteem"), card.explanation,
            _("Naar Beoordelingen"), reviews_url,
        )  # fmt: skip
    if card.state != ACTIEF:
        return Todo("criterion", "warn", card.label, card.explanation)
    if not company.is_listed:
        return Todo(
            "criterion", "warn", _("Uw bedrijf staat niet in de ledenzoeker"),
            _("Consumenten vinden u niet en zien uw score niet. Zet uw vermelding weer aan "
              "als u gevonden wilt worden."),
            _("Vermelding aanzetten"), url_for("profile.details") + "#optout-title",
        )  # fmt: skip
    invite = (_("Klanten uitnodigen"), url_for("invitations.index"))
    if card.score_state == ScoreState.SHOWN:
        return Todo(
            "criterion", "ok", _("Uw score staat in de ledenzoeker"),
            _("%(score)s met %(count)s.", score=card.score_text, count=card.count_text),
            *invite,
        )  # fmt: skip
    if card.score_state == ScoreState.STALE:
        return Todo(
            "criterion", "warn", _("Uw score is verouderd"), card.progress_text or card.problem,
            _("Naar Beoordelingen"), reviews_url,
        )  # fmt: skip
    count, minimum = card.count or 0, card.min_count
    missing = max(minimum - count, 0)
    title = ngettext(
        "Nog %(num)s beoordeling tot uw score zichtbaar is",
        "Nog %(num)s beoordelingen tot uw score zichtbaar is",
        missing,
    )
    text = _(
        "U heeft %(count)s van de %(min)s beoordelingen die nodig zijn voor een score in "
        "de ledenzoeker. Vraag klanten na een klus om een beoordeling.",
        count=count,
        min=minimum,
    )
    return Todo("criterion", "warn", title, text, *invite, progress=(count, minimum))


def _system_name(system: ReviewSystem) -> str:
    return system.other_name if system.provider == Provider.OTHER else system.provider_label


def _switch(pending: ReviewSystem, card: Card, *, replaces_nothing: bool = False) -> Todo:
    """A requested replacement system; says what stays in force, as the Beoordelingen page."""
    new = _system_name(pending)
    requested = nl_date(pending.requested_at or pending.created_at)
    if pending.status == SystemStatus.MORE_INFO:
        tone, title = "warn", _("Ledenservice vraagt meer informatie over %(new)s", new=new)
        first = pending.decision_reason or _("Vul uw gegevens aan op de pagina Beoordelingen.")
    elif pending.status == SystemStatus.REQUESTED:
        tone, title = "info", _("Overstap naar %(new)s aangevraagd", new=new)
        first = _(
            "Aangevraagd op %(date)s. Ledenservice maakt uw account aan; dat duurt meestal "
            "2 tot 3 weken.",
            date=requested,
        )
    else:
        tone, title = "info", _("Overstap naar %(new)s aangevraagd", new=new)
        first = _(
            "Aangevraagd op %(date)s. Ledenservice beoordeelt %(new)s.", date=requested, new=new
        )
    if replaces_nothing or not card.provider_label:
        rest = ""
    elif card.public:
        rest = _(
            "Tot %(new)s actief is, blijft %(old)s uw systeem en blijft uw score zichtbaar in "
            "de ledenzoeker.",
            new=new,
            old=card.provider_label,
        )
    else:
        rest = _(
            "Tot %(new)s actief is, blijft %(old)s uw systeem.", new=new, old=card.provider_label
        )
    return Todo(
        "criterion" if replaces_nothing else "switch", tone, title, " ".join(filter(None, (first, rest))),
        _("Overstap bekijken of annuleren"), url_for("reviews.show") + "#pending-title",
    )  # fmt: skip


def _agreement(company: Company) -> Todo | None:
    state = agreements.state_for(company)
    if state.version is None or state.accepted:
        return None
    text = (
        _("Er is een nieuwe versie van de verwerkersovereenkomst. Lees en accepteer die.")
        if state.needs_new_acceptance
        else _("Lees en accepteer de verwerkersovereenkomst voordat u klantgegevens uploadt.")
    )
    return Todo(
        "agreement", "warn", _("Verwerkersovereenkomst nog niet geaccepteerd"), text,
        _("Naar de verwerkersovereenkomst"), url_for("agreements.show"),
    )  # fmt: skip


def next_deadline(complaint: Complaint) -> date:
    """The first open deadline: the acknowledgement until it is sent, then the final reply."""
    if complaint.acknowledged_at is None and complaint.ack_due_on:
        return min(complaint.ack_due_on, complaint.due_on)
    return complaint.due_on


def _complaints(company: Company, today: date) -> Todo | None:
    horizon = today + timedelta(days=DEADLINE_DAYS)
    open_complaints = db.session.scalars(
        select(Complaint)
        .where(Complaint.company_id == company.id, Complaint.status.in_(OPEN_STATUSES))
        .where((Complaint.due_on <= horizon) | (Complaint.ack_due_on <= horizon))
    ).all()
    due = sorted(
        ((next_deadline(c), c) for c in open_complaints if next_deadline(c) <= horizon),
        key=lambda pair: (pair[0], pair[1].reference),
    )
    if not due:
        return None
    lines = [
        Line(
            f"{c.reference} · {c.subject}" if c.subject else c.reference,
            url_for("complaints.show", public_id=c.public_id),
            _("termijn verlopen op %(date)s", date=nl_date(deadline))
            if deadline < today
            else _("uiterlijk %(date)s", date=nl_date(deadline)),
            deadline < today,
        )
        for deadline, c in due
    ]
    late = any(line.late for line in lines)
    title = ngettext(
        "%(num)s klacht met een termijn binnen 7 dagen",
        "%(num)s klachten met een termijn binnen 7 dagen",
        len(lines),
    )
    return Todo(
        "complaints", "bad" if late else "warn", title, "",
        _("Naar de klachtenregistratie"), url_for("complaints.index"), lines=lines,
    )  # fmt: skip


def _sync_problem(card: Card) -> Todo | None:
    if not card.problem:
        return None
    return Todo(
        "sync", "bad", _("Uw score kon niet worden bijgewerkt"), card.problem,
        _("Naar Beoordelingen"), url_for("reviews.show"),
    )  # fmt: skip


def missing_fields(company: Company) -> list[str]:
    """Names of the profile fields consumers would like to see but that are still empty."""
    checks = (
        (company.description, _("omschrijving")),
        (company.phone, _("telefoonnummer")),
        (company.website, _("website")),
        (company.specialisms, _("vakgebieden")),
        (company.opening_hours, _("openingstijden")),
        (company.logo_mime, _("logo")),
    )
    return [label for value, label in checks if not value]


def _missing_fields(company: Company) -> Todo | None:
    missing = missing_fields(company)
    if not missing:
        return None
    return Todo(
        "profile", "warn", _("Maak uw bedrijfsgegevens compleet"),
        _("Nog niet ingevuld: %(fields)s.", fields=", ".join(missing)),
        _("Gegevens aanvullen"), url_for("profile.details"),
    )  # fmt: skip
