"""Retention purge, and the access/erasure hooks for data-subject requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.complaints import dispatch, queries, review_intake, services, stats
from portal.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintLetter,
    LetterKind,
    SyncedReview,
)
from portal.complaints.retention import FREE_TEXT_FIELDS, PERSONAL_FIELDS, purge_expired
from portal.complaints.services import Action
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.reviews.models import Provider

NOW = datetime(2028, 6, 1, 12, tzinfo=UTC)


def _close(complaint, member, closed_at: datetime) -> None:
    for action, data in (
        (Action.ACKNOWLEDGE, {}),
        (Action.START, {}),
        (Action.CLOSE, {"resolution": "Opgelost", "verdict": "justified"}),
    ):
        services.apply_action(complaint, action, data, by=member, today=closed_at.date())
    complaint.closed_at = closed_at


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_purge_anonymises_only_expired_closed_complaints(app, member, make_complaint):
    old = make_complaint(member.company, received_on=date(2026, 1, 5), category="Schade")
    dispatch.send_letter(old, LetterKind.FINAL, by=member, today=date(2026, 1, 6))
    _close(old, member, NOW - timedelta(days=731))
    old.root_cause, old.remarks, old.complainant_phone = "product", "Belt vaak", "0612345678"
    edge = make_complaint(member.company, received_on=date(2026, 2, 5))
    _close(edge, member, NOW - timedelta(days=729))
    still_open = make_complaint(member.company, received_on=date(2025, 1, 5))
    linked = make_complaint(member.company)
    linked.related_to = old
    db.session.commit()
    old_id = old.id

    counts = purge_expired(now=NOW, retention_days=730)
    db.session.commit()
    assert counts["complaints"] == 1 and counts["letters"] == 1 and counts["events"] >= 4
    # The expired complaint stays as anonymised statistical facts (issue 18: long-term figures).
    kept = db.session.get(Complaint, old_id)
    assert kept.anonymised_at is not None
    assert kept.complainant_name == "[verwijderd]"
    personal = [getattr(kept, n) for n in (*PERSONAL_FIELDS[1:], *FREE_TEXT_FIELDS)]
    assert personal == [""] * len(personal) and kept.received_by == ""
    assert (kept.received_on, kept.category.name, kept.verdict.value, kept.root_cause) == (
        date(2026, 1, 5),
        "Schade",
        "justified",
        "product",
    )
    assert kept.first_closed_on is not None and kept.channel.value == "phone"
    for other in (edge, still_open, linked):
        db.session.refresh(other)
        assert other.anonymised_at is None and other.complainant_name == "Karin Klager"
    assert _count(ComplaintLetter) == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == old_id)
        )
        == 0
    )
    # Statistics still count it; the register list no longer shows it.
    rows = stats.load_rows(
        company_id=member.company_id, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert old.reference in {r.reference for r in rows}
    listed = db.session.scalars(queries.complaint_list(member.company)).all()
    assert old_id not in {c.id for c in listed} and len(listed) == 3
    again = purge_expired(now=NOW, retention_days=730)
    assert again["complaints"] == 0 and again["letters"] == 0


def test_purge_command_logs_counts_only(app, member, make_complaint, caplog):
    complaint = make_complaint(member.company, received_on=date(2020, 1, 6))
    _close(complaint, member, datetime(2020, 2, 1, tzinfo=UTC))
    db.session.commit()
    runner = app.test_cli_runner()
    caplog.set_level("INFO", logger="portal.complaints")
    result = runner.invoke(args=["complaints", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("complaints=1 ")
    assert "Karin" not in caplog.text and "karin@" not in caplog.text
    assert runner.invoke(args=["complaints", "purge", "--days", "0"]).exit_code == 2


def test_purge_keeps_linked_reviews_and_drops_old_ones(member, make_complaint):
    def review(ident, when):
        row = SyncedReview(
            company_id=member.company_id,
            provider=Provider.KIYOH,
            provider_review_id=ident,
            rating=Decimal(2),
            scale_max=Decimal(10),
            reviewed_at=when,
        )
        db.session.add(row)
        return row

    review("old", NOW - timedelta(days=800))
    kept = review("kept", NOW - timedelta(days=800))
    review("new", NOW - timedelta(days=10))
    db.session.commit()
    complaint, _ = review_intake.open_from_review(kept, by=member, today=date(2026, 3, 2))
    db.session.commit()
    counts = purge_expired(now=NOW, retention_days=730)
    assert counts["reviews"] == 1
    assert set(db.session.scalars(select(SyncedReview.provider_review_id))) == {"kept", "new"}
    assert complaint.source_review_id == kept.id


def test_export_and_erase_personal_data(member, make_user, make_complaint):
    mine = make_complaint(member.company, complainant_email="karin@klant.example")
    dispatch.send_letter(mine, LetterKind.ACKNOWLEDGEMENT, by=member, today=date(2026, 3, 3))
    other_company = make_user().company
    make_complaint(other_company, complainant_email="KARIN@klant.example")
    make_complaint(
        member.company, complainant_email="iemand@anders.example", complainant_name="Iemand"
    )
    db.session.commit()

    exported = services.export_personal_data(" Karin@Klant.example ")
    assert len(exported) == 2
    assert {e["bedrijf"] for e in exported} == {
        member.company.display_name,
        other_company.display_name,
    }
    first = next(e for e in exported if e["bedrijf"] == member.company.display_name)
    assert (
        first["naam"] == "Karin Klager" and first["omschrijving"] == "De ketel lekt na onderhoud."
    )
    assert [b["soort"] for b in first["brieven"]] == ["acknowledgement"]
    assert services.export_personal_data("") == []

    assert services.erase_personal_data("karin@klant.example") == 2
    db.session.commit()
    assert services.export_personal_data("karin@klant.example") == []
    scrubbed = db.session.get(Complaint, mine.id)
    assert (scrubbed.complainant_name, scrubbed.complainant_email, scrubbed.description) == (
        "[verwijderd]",
        "",
        "",
    )
    assert scrubbed.received_on == date(2026, 3, 2)  # statistics survive
    assert _count(ComplaintLetter) == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.to_address == "karin@klant.example")
        )
        == 0
    )
    assert (
        db.session.scalar(
            select(Complaint.complainant_name).where(Complaint.complainant_name == "Iemand")
        )
        == "Iemand"
    )
