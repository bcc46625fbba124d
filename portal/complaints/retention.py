"""Complainant data as personal data: retention purge, access export and erasure (AVG).

The complaint itself (dates, category, channel, status) stays for the statistics after an
erasure; the complainant's identity, contact details, free text, letters, the investigation log
and attachments are removed. Corrective and improvement actions may name the customer too: their
text goes to the export and is wiped with the rest, while the action itself (kind, owner, dates)
stays for the action figures.
Functions flush but never commit; they never log names or addresses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update

from portal.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintLetter,
    ComplaintNote,
    ComplaintSignal,
    ComplaintStatus,
    SyncedReview,
)
from portal.complaints.models_extra import ComplaintAction, ComplaintAttachment, ComplaintSolution
from portal.core.db import rowcount
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.members.models import Company

ERASED = "[verwijderd]"
OUTBOX_KINDS = ("complaints/acknowledgement", "complaints/letter", "complaints/status_link")
PERSONAL_FIELDS = (
    "complainant_name",
    "complainant_street",
    "complainant_postcode",
    "complainant_city",
    "complainant_phone",
    "complainant_email",
)
FREE_TEXT_FIELDS = (
    "subject",
    "description",
    "agreements",
    "resolution",
    "verdict_reason",
    "remarks",
    "followup_outcome",
)


def _by_email(email: str) -> tuple[Select[tuple[Complaint]], str]:
    address = (email or "").strip().lower()
    return select(Complaint).where(func.lower(Complaint.complainant_email) == address), address


def complaints_for(email: str) -> list[Complaint]:
    """Every complaint, across all companies, whose complainant has this e-mail address."""
    stmt, address = _by_email(email)
    if not address:
        return []
    return list(db.session.scalars(stmt.order_by(Complaint.received_on.desc(), Complaint.id)))


def export_personal_data(email: str) -> list[dict]:
    """Everything the register holds about the complainant with this e-mail address (inzage).

    One dict per complaint, with the member company's name, the letters sent, the solutions
    offered (and which one the customer chose) and the list of attachments, the same parts as
    the company's customer-data download; no data of other complainants, no internal user ids.
    """
    stmt, address = _by_email(email)
    if not address:
        return []
    result = []
    for complaint in db.session.scalars(stmt.order_by(Complaint.id)):
        company = db.session.get(Company, complaint.company_id)
        result.append(
            {
                "bedrijf": company.display_name if company else "",
                "klachtnummer": complaint.reference,
                "naam": complaint.complainant_name,
                "adres": complaint.complainant_street,
                "postcode": complaint.complainant_postcode,
                "plaats": complaint.complainant_city,
                "telefoon": complaint.complainant_phone,
                "e-mail": complaint.complainant_email,
                "ontvangen_op": complaint.received_on.isoformat(),
                "wijze_melding": complaint.channel.value,
                "onderwerp": complaint.subject,
                "omschrijving": complaint.description,
                "status": complaint.status.value,
                "oplossing": complaint.resolution,
                "afspraken": complaint.agreements,
                "oordeel": complaint.verdict.value if complaint.verdict else None,
                "reden_oordeel": complaint.verdict_reason,
                "werkbon": complaint.work_order,
                "soort_installatie": complaint.installation_type,
                "afgehandeld_op": complaint.closed_on.isoformat() if complaint.closed_on else None,
                "nazorg_uitkomst": complaint.followup_outcome,
                "tevredenheid": complaint.satisfaction.value if complaint.satisfaction else None,
                "oplossingen": [
                    {
                        "omschrijving": option.description,
                        "vergoeding": option.compensation,
                        "bedrag": None if option.amount is None else str(option.amount),
                        "gekozen": option.chosen_at is not None,
                        "aangeboden_op": option.created_at.isoformat(),
                    }
                    for option in _children(ComplaintSolution, complaint)
                ],
                "brieven": [
                    {
                        "soort": letter.kind.value,
                        "verzonden_op": letter.sent_at.isoformat(),
                        "onderwerp": letter.subject,
                        "tekst": letter.body,
                    }
                    for letter in complaint.letters
                ],
                "logboek": [
                    {
                        "soort": note.kind.value,
                        "op": note.created_at.isoformat(),
                        "tekst": note.body,
                    }
                    for note in complaint.notes
                ],
                "acties": [
                    {
                        "soort": action.kind.value,
                        "omschrijving": action.description,
                        "gereed_uiterlijk": action.due_on.isoformat(),
                        "gereed_op": action.done_on.isoformat() if action.done_on else None,
                    }
                    for action in _children(ComplaintAction, complaint)
                ],
                "bijlagen": [
                    {
                        "bestand": a.filename,
                        "soort": a.mime,
                        "grootte": a.size,
                        "toegevoegd_op": a.uploaded_at.isoformat(),
                    }
                    for a in _children(ComplaintAttachment, complaint)
                ],
            }
        )
    return result


def _children(model: Any, complaint: Complaint) -> list[Any]:
    """The complaint's rows of a later child table (actions, attachments), in order."""
    return list(
        db.session.scalars(
            select(model).where(model.complaint_id == complaint.id).order_by(model.id)
        )
    )


def _scrub(complaint: Complaint) -> None:
    complaint.complainant_name = ERASED
    for name in PERSONAL_FIELDS[1:]:
        setattr(complaint, name, "")
    for name in FREE_TEXT_FIELDS:
        setattr(complaint, name, "")
    for letter in list(complaint.letters):
        db.session.delete(letter)
    for note in list(complaint.notes):
        db.session.delete(note)
    for model in (ComplaintAttachment, ComplaintSolution):
        db.session.execute(delete(model).where(model.complaint_id == complaint.id))
    _wipe_action_texts([complaint.id])
    for event in complaint.events:
        event.note = ""


def erase_personal_data(email: str) -> int:
    """Remove the complainant's personal data from every complaint with this address.

    Returns the number of complaints scrubbed. Queued complaint mails to the address go too.
    """
    stmt, address = _by_email(email)
    if not address:
        return 0
    complaints = db.session.scalars(stmt).all()
    for complaint in complaints:
        _scrub(complaint)
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.kind.in_(OUTBOX_KINDS), func.lower(OutboxMessage.to_address) == address
        )
    )
    db.session.flush()
    return len(complaints)


def purge_expired(*, now: datetime, retention_days: int) -> dict[str, int]:
    """Anonymise complaints closed longer than `retention_days` ago; keep their statistical facts.

    The complainant's identity, contact details and every free text go, as do the letters, the
    history and the signals; what the statistics count stays (dates, channel, category,
    status, verdict, root cause, deadlines, satisfaction, costs), so long-term figures and the
    management report keep their past. Also drops complaint mails and synced reviews older than
    the retention period. Idempotent; returns counts only.
    """
    cutoff = now - timedelta(days=retention_days)
    ids = list(
        db.session.scalars(
            select(Complaint.id).where(
                Complaint.status == ComplaintStatus.CLOSED,
                Complaint.closed_at < cutoff,
                Complaint.anonymised_at.is_(None),
            )
        )
    )
    counts = {"complaints": len(ids), "letters": 0, "events": 0, "signals": 0}
    if ids:
        # Explicit child deletes: SQLite without foreign keys would leave orphans otherwise.
        for name, model in (
            ("letters", ComplaintLetter),
            ("events", ComplaintEvent),
            ("signals", ComplaintSignal),
        ):
            counts[name] = rowcount(
                db.session.execute(delete(model).where(model.complaint_id.in_(ids)))
            )
        for model in _extra_children():
            db.session.execute(delete(model).where(model.complaint_id.in_(ids)))
        _wipe_action_texts(ids, staff_too=True)
        scrubbed = {name: "" for name in (*PERSONAL_FIELDS[1:], *FREE_TEXT_FIELDS, *EXTRA_TEXT)}
        db.session.execute(
            update(Complaint)
            .where(Complaint.id.in_(ids))
            .values(
                complainant_name=ERASED,
                received_by="",
                source_review_id=None,
                anonymised_at=now,
                version=Complaint.version + 1,
                **scrubbed,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    counts["mails"] = rowcount(
        db.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.kind.in_(OUTBOX_KINDS), OutboxMessage.created_at < cutoff
            )
        )
    )
    linked = select(Complaint.source_review_id).where(Complaint.source_review_id.is_not(None))
    counts["reviews"] = rowcount(
        db.session.execute(
            delete(SyncedReview).where(
                SyncedReview.reviewed_at < cutoff, SyncedReview.id.not_in(linked)
            )
        )
    )
    db.session.flush()
    return counts


# Free-text columns added after the first release (dispute reference, work order etc.).
EXTRA_TEXT: tuple[str, ...] = ("dispute_reference", "work_order", "technician")


def _wipe_action_texts(complaint_ids: list[int], *, staff_too: bool = False) -> None:
    """Corrective and improvement actions keep kind, owner and dates (the action figures), lose
    their text, which may name the customer; after the retention period also who agreed them."""
    values = {"description": ERASED} | ({"created_by_label": ""} if staff_too else {})
    db.session.execute(
        update(ComplaintAction)
        .where(ComplaintAction.complaint_id.in_(complaint_ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _extra_children() -> tuple:
    """Child tables of later features that hold free text or files about the complainant."""
    return (ComplaintNote, ComplaintAttachment, ComplaintSolution)
