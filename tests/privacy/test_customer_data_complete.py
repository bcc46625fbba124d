"""The company's customer-data download (delete-or-return) is complete: every complaint column
except internal keys and secrets, the solutions offered with the customer's choice, and the
attachments listed; the complainant's own access export (art. 15) holds the same parts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from portal.complaints import retention, solutions
from portal.complaints.models import Complaint
from portal.complaints.models_extra import ComplaintAttachment, ComplaintSolution
from portal.extensions import db
from portal.privacy import customer_data

MINE = "/mijn-profiel/mijn-gegevens"
# Internal keys, a secret and the concurrency counter: never part of an export. The category,
# handler, related complaint and source review are exported by name or reference instead.
INTERNAL = {
    "id", "company_id", "complaint_id", "category_id", "handler_id", "related_to_id",
    "source_review_id", "status_token_hash", "version", "uploaded_by_id", "data",
}  # fmt: skip


def _columns(model) -> set[str]:
    return {attr.key for attr in model.__mapper__.column_attrs} - INTERNAL


def _register(user, make_complaint) -> Complaint:
    complaint = make_complaint(
        user.company, complainant_email="karin@klant.example", work_order="WB-2026-17"
    )
    cheap = solutions.add_option(complaint, "Monteur komt terug", None, by=user)
    voucher = solutions.add_option(
        complaint, "", solutions.Compensation("Tegoedbon", Decimal("25.00")), by=user
    )
    solutions.choose(voucher, by=user, now=datetime(2026, 3, 5, 9, tzinfo=UTC))
    assert cheap.chosen_at is None
    db.session.add(
        ComplaintAttachment(
            company_id=complaint.company_id,
            complaint_id=complaint.id,
            filename="foto-ketel.jpg",
            mime="image/jpeg",
            size=4,
            data=b"\xff\xd8\xff\xe0",
            uploaded_by_label="Bea",
        )
    )
    db.session.commit()
    return complaint


def test_customer_data_holds_solutions_choice_and_attachments(
    client, login, ready_member, make_complaint
):
    user = ready_member()
    complaint = _register(user, make_complaint)
    login(client, user)
    data = json.loads(client.get(MINE + "/klantgegevens.json").data)
    [entry] = data["complaints"]
    assert entry["work_order"] == "WB-2026-17" and entry["costs"] == "25.00"
    options = entry["solutions"]
    assert [(o["description"], o["compensation"], o["amount"], o["chosen"]) for o in options] == [
        ("Monteur komt terug", "", None, False),
        ("", "Tegoedbon", "25.00", True),
    ]
    assert options[1]["chosen_at"].startswith("2026-03-05T09:00")
    [attachment] = entry["attachments"]
    assert (attachment["filename"], attachment["mime"], attachment["size"]) == (
        "foto-ketel.jpg",
        "image/jpeg",
        4,
    )
    assert "data" not in attachment
    cells = client.get(MINE + "/klantgegevens.csv").data.decode("utf-8-sig")
    assert "solutions.2.compensation;Tegoedbon" in cells
    assert "attachments.1.filename;foto-ketel.jpg" in cells
    assert complaint.reference in cells


def test_every_column_is_in_the_customer_data(ready_member, make_complaint):
    """A column added later must be exported too (or listed as internal here, with a reason)."""
    user = ready_member()
    _register(user, make_complaint)
    [entry] = customer_data.customer_data(user.company)["complaints"]
    assert _columns(Complaint) <= set(entry)
    assert _columns(ComplaintSolution) <= set(entry["solutions"][0])
    assert _columns(ComplaintAttachment) <= set(entry["attachments"][0])


def test_complainant_access_export_has_the_same_parts(ready_member, make_complaint):
    user = ready_member()
    _register(user, make_complaint)
    [exported] = retention.export_personal_data("karin@klant.example")
    assert [
        (o["omschrijving"], o["vergoeding"], o["bedrag"], o["gekozen"])
        for o in exported["oplossingen"]
    ] == [("Monteur komt terug", "", None, False), ("", "Tegoedbon", "25.00", True)]
    assert exported["bijlagen"] == [
        {
            "bestand": "foto-ketel.jpg",
            "soort": "image/jpeg",
            "grootte": 4,
            "toegevoegd_op": exported["bijlagen"][0]["toegevoegd_op"],
        }
    ]
    assert exported["werkbon"] == "WB-2026-17"
