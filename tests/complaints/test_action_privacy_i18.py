"""Action texts as personal data (issue 18): a corrective or improvement action may name the
customer, so its text goes along with the complaint's other personal data, like the
investigation log: in the complainant's access export and the company's download, wiped on an
erasure request and after the retention period (the action itself stays for the figures), the
author relabelled when a user is erased, and never in the mails about the action."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.complaints import actions, retention, services
from portal.complaints.models import ComplaintStatus
from portal.complaints.models_extra import ComplaintAction
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.privacy.customer_data import customer_data
from portal.privacy.erasure import erase_user
from portal.privacy.records import listed_columns

TEXT = "Karin Klager (Lindelaan 4) krijgt een nieuwe ketel"


def _agree(complaint, by, owner=None) -> ComplaintAction:
    action = actions.add_action(
        complaint,
        kind="corrective",
        description=TEXT,
        owner=owner,
        due_on=date(2026, 3, 20),
        today=date(2026, 3, 2),
        by=by,
    )
    services.add_note(complaint, "contact", "Karin gebeld over de ketel.", by=by)
    db.session.commit()
    return action


def test_the_action_text_is_exported_and_wiped_on_erasure(member, make_complaint):
    complaint = make_complaint(member.company)
    action = _agree(complaint, member)
    [exported] = retention.export_personal_data("karin@klant.example")
    assert exported["acties"] == [
        {
            "soort": "corrective",
            "omschrijving": TEXT,
            "gereed_uiterlijk": "2026-03-20",
            "gereed_op": None,
        }
    ]
    assert [n["tekst"] for n in exported["logboek"]] == ["Karin gebeld over de ketel."]
    download = customer_data(member.company)["complaints"][0]
    assert [a["description"] for a in download["actions"]] == [TEXT]
    assert [n["body"] for n in download["log"]] == ["Karin gebeld over de ketel."]

    assert retention.erase_personal_data("karin@klant.example") == 1
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(ComplaintAction, action.id)
    assert kept.description == "[verwijderd]"  # the action stays for the figures
    assert (kept.kind.value, kept.due_on, kept.created_by_label) == (
        "corrective",
        date(2026, 3, 20),
        "Bea Beheerder",
    )
    assert complaint.notes == []
    figures = actions.figures(
        member.company_id, start=date(2026, 1, 1), end=date(2026, 12, 31), today=date(2026, 3, 2)
    )
    assert figures.agreed == 1


def test_retention_wipes_the_action_text_and_its_author(member, make_complaint):
    complaint = make_complaint(member.company)
    action = _agree(complaint, member)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_on = date(2023, 1, 5)
    complaint.closed_at = datetime(2023, 1, 5, tzinfo=UTC)
    db.session.commit()
    retention.purge_expired(now=datetime(2026, 3, 1, tzinfo=UTC), retention_days=730)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(ComplaintAction, action.id)
    assert (kept.description, kept.created_by_label) == ("[verwijderd]", "")
    assert kept.due_on == date(2026, 3, 20)


def test_erasing_a_user_relabels_the_actions_they_agreed(make_user, member, make_complaint):
    colleague = make_user(name="Vertrekt Binnenkort", company=member.company)
    complaint = make_complaint(member.company)
    mine = _agree(complaint, colleague)
    other_company = make_user(name="Vertrekt Binnenkort")  # a namesake elsewhere
    theirs = _agree(make_complaint(other_company.company), other_company)
    label = erase_user(colleague, by=None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ComplaintAction, mine.id).created_by_label == label
    assert db.session.get(ComplaintAction, theirs.id).created_by_label == "Vertrekt Binnenkort"


def test_mails_about_an_action_leave_its_text_out(member, colleague, make_complaint):
    complaint = make_complaint(member.company)
    _agree(complaint, member, owner=colleague)
    actions.run_action_reminders(today=date(2026, 3, 18))
    actions.run_action_reminders(today=date(2026, 3, 21))
    db.session.commit()
    bodies = list(
        db.session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.kind == "complaints/action")
        )
    )
    assert len(bodies) >= 3  # agreed, reminder, overdue
    assert all("Karin" not in b and "Lindelaan" not in b and "ketel" not in b for b in bodies)
    assert all(complaint.reference in b for b in bodies)


def test_the_processing_register_lists_the_action_text(app):
    assert {"complaint_actions.description", "complaint_actions.created_by_label"} <= (
        listed_columns()
    )


def test_the_form_says_the_text_is_personal_data(client, login, member, make_complaint):
    complaint = make_complaint(member.company)
    login(client, member)
    page = client.get(f"/mijn-profiel/klachten/{complaint.public_id}").text
    assert "telt als persoonsgegeven" in page and "Berichten over de actie noemen" in page
