"""Complaint services: register, edit, link, log, assign and take workflow steps.

The rules of the steps are in workflow.py, the deadlines in deadlines.py (both re-exported).

Services flush but never commit; the calling route or command owns the transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.complaints import workdays
from portal.complaints.deadlines import (
    compute_deadlines,
    holiday_rules,
    note_missed_deadline,
)
from portal.complaints.models import (
    SERIOUS_LEVELS,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintNote,
    ComplaintStatus,
    NoteKind,
    ReopenKind,
    Satisfaction,
    Severity,
    SyncedReview,
    Verdict,
)
from portal.complaints.policy import (
    CategoryError,
    category_names,
    ensure_categories,
    policy_for,
    save_categories,
    save_policy,
)
from portal.complaints.policy import resolve_category as _resolve_category
from portal.complaints.retention import (
    PERSONAL_FIELDS,
    erase_personal_data,
    export_personal_data,
)
from portal.complaints.workflow import (
    Action,
    Actor,
    ComplaintError,
    TransitionError,
    add_event,
    allowed_actions,
    missing_for,
    next_status,
)
from portal.core.db import utcnow
from portal.extensions import db
from portal.members.models import Company

if TYPE_CHECKING:
    from portal.auth.models import User

# Re-exported: callers reach these through `services`.
__all__ = [
    "TransitionError",
    "allowed_actions",
    "category_names",
    "ensure_categories",
    "erase_personal_data",
    "export_personal_data",
    "save_categories",
    "save_policy",
]

S = ComplaintStatus

# --- Creating and changing complaints ------------------------------------------------------------

# The complainant's details (the personal data retention erases) and the complaint's own text.
INTAKE_FIELDS = (*PERSONAL_FIELDS, "subject", "description", "received_by")
# The job the complaint is about (installation trade).
JOB_FIELDS = ("work_order", "installation_type", "technician", "customer_group")
EDITABLE_FIELDS = (
    *INTAKE_FIELDS,
    *JOB_FIELDS,
    "costs",
    "agreements",
    "reply_method",
    "resolution",
    "verdict_reason",
    "root_cause",
    "supplier_fault",
    "satisfaction",
    "followup_on",
    "remarks",
    "dispute_reference",
)

NULLABLE_FIELDS = ("satisfaction", "followup_on", "costs")
FOLLOWUP_DAYS = 14  # the final letter promises contact "over enkele weken"


def resolve_category(company: Company, name: str | None) -> ComplaintCategory | None:
    """The company's category called `name` (None for no category).

    :raises ComplaintError: not on the company's list (field `category`).
    """
    try:
        return _resolve_category(company, name)
    except CategoryError as exc:
        raise ComplaintError(str(exc), field="category") from None


def _next_reference(company_id: int, year: int) -> str:
    prefix = f"K-{year}-"
    last = db.session.scalar(
        select(func.max(Complaint.reference)).where(
            Complaint.company_id == company_id, Complaint.reference.like(f"{prefix}%")
        )
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def create_complaint(
    company: Company,
    values: dict,
    *,
    by: User | None = None,
    channel: Channel,
    received_on: date,
    category: str | None = None,
    source_review: SyncedReview | None = None,
    severity: Severity | str = Severity.NORMAL,
) -> Complaint:
    """Register a complaint with its deadlines from the company's policy.

    :raises ComplaintError: unknown category.
    """
    policy = policy_for(company)
    ack_due, due = compute_deadlines(received_on, policy, holiday_rules())
    complaint = Complaint(
        company_id=company.id,
        channel=channel,
        received_on=received_on,
        category=resolve_category(company, category),
        status=ComplaintStatus.RECEIVED,
        ack_due_on=ack_due,
        due_on=due,
        source_review=source_review,
        reopen_count=0,
        repeat_count=0,
        severity=Severity(severity),
        **{name: values.get(name) or "" for name in (*INTAKE_FIELDS, *JOB_FIELDS)},
    )
    if by is not None and by.company_id == company.id and not complaint.received_by:
        complaint.received_by = Actor.of(by).label
    add_event(complaint, "created", Actor.of(by), to_status=ComplaintStatus.RECEIVED.value)
    for _attempt in range(5):  # two intakes at once may pick the same number
        complaint.reference = _next_reference(company.id, received_on.year)
        try:
            with db.session.begin_nested():
                db.session.add(complaint)
                db.session.flush()
        except IntegrityError:
            continue
        return complaint
    raise ComplaintError(str(_l("De klacht kon niet worden opgeslagen. Probeer het opnieuw.")))


def update_complaint(complaint: Complaint, values: dict, *, by: User) -> list[str]:
    """Change the editable fields; records which fields changed (names only)."""
    changed = []
    for name in EDITABLE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if value is None and name not in NULLABLE_FIELDS:
            value = False if name == "supplier_fault" else ""
        if getattr(complaint, name) != value:
            setattr(complaint, name, value)
            changed.append(name)
    current = complaint.category.name if complaint.category else None
    if "category" in values and (values["category"] or None) != current:
        category = resolve_category(complaint.company, values["category"])
        if category is not complaint.category:
            complaint.category = category
            changed.append("category")
    if changed:
        add_event(complaint, "edited", Actor.of(by), note=", ".join(changed))
        db.session.flush()
    return changed


def link_related(complaint: Complaint, reference: str, *, by: User) -> bool:
    """Link the complaint to an earlier one of the same company by its number ("" unlinks).

    Returns True when the link changed.

    :raises ComplaintError: unknown number, or the complaint itself (field `related_reference`).
    """
    reference = (reference or "").strip().upper()
    target = None
    if reference:
        target = db.session.scalars(
            select(Complaint).where(
                Complaint.company_id == complaint.company_id,
                Complaint.reference == reference,
                Complaint.anonymised_at.is_(None),
            )
        ).first()
        if target is None or target.id == complaint.id:
            raise ComplaintError(
                str(_l("Geen andere klacht met dit nummer gevonden.")), field="related_reference"
            )
    if (target.id if target else None) == complaint.related_to_id:
        return False
    complaint.related_to = target
    add_event(complaint, "related", Actor.of(by), note=target.reference if target else "")
    db.session.flush()
    return True


def set_severity(complaint: Complaint, severity: str, *, by: User) -> bool:
    """Change how serious the complaint is; True when it became serious (notice due).

    :raises ComplaintError: unknown level (field `severity`).
    """
    try:
        level = Severity(severity)
    except ValueError:
        raise ComplaintError(str(_l("Kies hoe ernstig de klacht is.")), field="severity") from None
    if level is complaint.severity:
        return False
    raised = level in SERIOUS_LEVELS and (
        complaint.severity not in SERIOUS_LEVELS or level is Severity.CRITICAL
    )
    complaint.severity = level
    add_event(complaint, "severity", Actor.of(by), note=level.value)
    db.session.flush()
    return raised


def add_note(complaint: Complaint, kind: str, body: str, *, by: User) -> ComplaintNote:
    """One line in the investigation log (a finding or a contact with the customer)."""
    actor = Actor.of(by)
    note = ComplaintNote(
        company_id=complaint.company_id,
        kind=NoteKind(kind),
        body=body.strip()[:5000],
        actor_id=actor.user_id,
        actor_label=actor.label,
    )
    complaint.notes.append(note)
    db.session.flush()
    return note


def record_followup(
    complaint: Complaint, outcome: str, *, satisfaction: str | None, by: User, today: date
) -> None:
    """Aftercare done: what the follow-up contact brought, and how satisfied the customer is."""
    complaint.followup_done_on = today
    complaint.followup_outcome = outcome.strip()[:2000]
    if satisfaction:
        complaint.satisfaction = Satisfaction(satisfaction)
    add_event(complaint, "followup", Actor.of(by))
    db.session.flush()


def assign_handler(complaint: Complaint, handler: User, *, by: User) -> bool:
    """Make a colleague of the same company the handler (reassignment on illness etc.).

    Returns True when the handler changed (the new handler gets a notice).

    :raises ComplaintError: the user is not a member user of this company.
    """
    if handler is None or handler.company_id != complaint.company_id or not handler.active:
        raise ComplaintError(str(_l("Kies een collega van uw bedrijf.")), field="handler")
    if complaint.handler_id != handler.id:
        complaint.handler_id = handler.id
        complaint.handler = handler
        add_event(complaint, "assigned", Actor.of(by), note=Actor.of(handler).label)
        db.session.flush()
        return True
    return False


def ensure_handler(complaint: Complaint, by: User) -> None:
    """Without a handler, the colleague who takes the case on becomes its handler."""
    if complaint.handler_id is None and by is not None and by.company_id == complaint.company_id:
        assign_handler(complaint, by, by=by)


def apply_action(
    complaint: Complaint, action: Action, data: dict, *, by: User, today: date
) -> ComplaintStatus:
    """Take one workflow step, with the data it needs.

    :raises TransitionError: not allowed from the current state.
    :raises ComplaintError: required data is missing (first missing field).
    """
    action = Action(action)
    target = next_status(complaint.status, action)
    problems = missing_for(action, data)
    if problems:
        field, message = next(iter(problems.items()))
        raise ComplaintError(message, field=field)
    _apply_data(complaint, action, data, today=today)
    if action is Action.START:
        ensure_handler(complaint, by)
    if action is Action.REOPEN and complaint.reopen_kind is ReopenKind.REPEAT:
        target = S.REOPENED
    previous = complaint.status
    complaint.status = target
    add_event(
        complaint,
        "transition",
        Actor.of(by),
        from_status=previous.value,
        to_status=target.value,
        note=(data.get("note") or "").strip()[:2000],
    )
    db.session.flush()
    return target


def _apply_data(complaint: Complaint, action: Action, data: dict, *, today: date) -> None:
    if action is Action.ACKNOWLEDGE:
        complaint.acknowledged_at = complaint.acknowledged_at or moment(today)
    if action in (Action.PROPOSE, Action.CLOSE):
        complaint.resolution = data["resolution"].strip()
        for name in ("agreements", "reply_method"):
            if data.get(name):
                setattr(complaint, name, data[name].strip())
    if action is Action.CLOSE:
        note_missed_deadline(complaint, today=today)
        complaint.verdict = Verdict(data["verdict"])
        complaint.verdict_reason = (data.get("verdict_reason") or "").strip()
        if data.get("satisfaction"):
            complaint.satisfaction = data["satisfaction"]
        complaint.closed_on = today
        complaint.closed_at = moment(today)
        # Aftercare: a follow-up contact a couple of weeks later unless one is planned.
        if complaint.followup_on is None or complaint.followup_on < today:
            complaint.followup_on = today + timedelta(days=FOLLOWUP_DAYS)
            complaint.followup_done_on = None
        complaint.first_closed_on = complaint.first_closed_on or today
    if action is Action.REOPEN:
        kind = ReopenKind(data["reopen_kind"])
        complaint.reopen_count += 1
        complaint.reopen_kind = kind
        if kind is ReopenKind.REPEAT:
            complaint.repeat_count += 1
        else:
            complaint.dispute_route = data["dispute_route"].strip()[:120]
            complaint.dispute_reference = (data.get("dispute_reference") or "").strip()[:60]
        complaint.closed_at = None
        complaint.closed_on = None
        # A new handling round: a fresh deadline from today, and one extension in time again.
        policy = policy_for(complaint.company)
        complaint.due_on = workdays.due_after_days(today, policy.handling_days, holiday_rules())
        complaint.extended_on = None


def moment(today: date) -> datetime:
    """The time of a step taken on `today`: now, or noon of a simulated day (jobs, demo)."""
    from datetime import time

    from portal.core.templating import AMSTERDAM

    if today == now_local_date():
        return utcnow()
    return datetime.combine(today, time(12), tzinfo=AMSTERDAM)


def now_local_date() -> date:
    """Today in the Netherlands (deadlines are Dutch calendar days)."""
    from portal.core.templating import AMSTERDAM

    return datetime.now(AMSTERDAM).date()
