"""Solutions offered to the customer and their choice; the company's standard compensations.

Seed 001: offer solutions and let the customer choose; equal cases get standard compensation.
A chosen option's amount is booked into the complaint's costs (a new choice replaces the old
amount), so the existing cost figures and report include it. Functions flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.complaints.models import Complaint, ComplaintPolicy
from portal.complaints.models_extra import ComplaintSolution
from portal.complaints.services import Actor, ComplaintError, add_event
from portal.extensions import db

MAX_OPTIONS = 10
MAX_COMPENSATIONS = 20
AMOUNT_RE = re.compile(r"^€?\s*(\d{1,6}(?:[.,]\d{1,2})?)$")


@dataclass(frozen=True, slots=True)
class Compensation:
    """One standard compensation of the company's list."""

    name: str
    amount: Decimal | None


def parse_compensations(text: str) -> list[Compensation]:
    """Lines "Omschrijving; bedrag" (the amount may be left out) as compensations.

    :raises ValueError: with the Dutch reason for the first bad line.
    """
    found: list[Compensation] = []
    for number, line in enumerate((text or "").split("\n"), start=1):
        if not line.strip():
            continue
        name, _sep, raw = (part.strip() for part in line.partition(";"))
        amount = None
        if raw:
            match = AMOUNT_RE.match(raw.replace(" ", ""))
            if match is None:
                raise ValueError(
                    str(_l("Regel %(num)s: het bedrag is geen geldig bedrag in euro.", num=number))
                )
            try:
                amount = Decimal(match.group(1).replace(",", "."))
            except InvalidOperation:  # pragma: no cover - the pattern already checked it
                raise ValueError(str(_l("Regel %(num)s: ongeldig bedrag.", num=number))) from None
        if not name or len(name) > 80:
            raise ValueError(
                str(_l("Regel %(num)s: geef een omschrijving van hoogstens 80 tekens.", num=number))
            )
        found.append(Compensation(name, amount))
    if len(found) > MAX_COMPENSATIONS:
        raise ValueError(str(_l("Hoogstens %(num)s standaardvergoedingen.", num=MAX_COMPENSATIONS)))
    return found


def compensations_of(policy: ComplaintPolicy | None) -> list[Compensation]:
    """The company's stored list (a list that no longer parses counts as empty)."""
    try:
        return parse_compensations(policy.compensations if policy else "")
    except ValueError:
        return []


def add_option(
    complaint: Complaint, description: str, compensation: Compensation | None, *, by: User
) -> ComplaintSolution:
    """Record a solution offered to the customer (text, a standard compensation, or both).

    :raises ComplaintError: nothing filled in, or the maximum number of options reached.
    """
    text = (description or "").strip()
    if not text and compensation is None:
        raise ComplaintError(
            str(_l("Beschrijf de oplossing of kies een standaardvergoeding.")),
            field="solution_text",
        )
    if len(complaint.solutions) >= MAX_OPTIONS:  # type: ignore[attr-defined]
        raise ComplaintError(
            str(_l("Hoogstens %(num)s oplossingen per klacht.", num=MAX_OPTIONS)),
            field="solution_text",
        )
    actor = Actor.of(by)
    option = ComplaintSolution(
        company_id=complaint.company_id,
        complaint_id=complaint.id,
        description=text[:300],
        compensation=compensation.name if compensation else "",
        amount=compensation.amount if compensation else None,
        created_by_label=actor.label,
    )
    complaint.solutions.append(option)  # type: ignore[attr-defined]
    add_event(complaint, "solution_offered", actor, note=label(option)[:200])
    db.session.flush()
    return option


def choose(option: ComplaintSolution, *, by: User, now: datetime) -> None:
    """The customer chose this option: the others are unchosen, its amount is in the costs."""
    complaint = option.complaint
    previous = next((o for o in complaint.solutions if o.chosen_at), None)  # type: ignore[attr-defined]
    if previous is option:
        return
    costs = complaint.costs or Decimal(0)
    if previous is not None:
        costs -= previous.amount or 0
        previous.chosen_at = None
    if option.amount is not None or complaint.costs is not None:
        complaint.costs = max(costs + (option.amount or 0), Decimal(0))
    option.chosen_at = now
    if not complaint.resolution:
        complaint.resolution = label(option)
    add_event(complaint, "solution_chosen", Actor.of(by), note=label(option)[:200])
    db.session.flush()


def label(option: ComplaintSolution) -> str:
    """One line for the option: its text and the compensation with amount."""
    parts = [option.description] if option.description else []
    if option.compensation:
        amount = f" (€ {option.amount:.2f})".replace(".", ",") if option.amount is not None else ""
        parts.append(f"{option.compensation}{amount}")
    return " – ".join(parts)
