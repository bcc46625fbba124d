"""The audit log is append-only in the database itself (SQLite and PostgreSQL triggers)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.auth.models import User
from portal.core import audit
from portal.core.audit_guard import MESSAGE
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.privacy.erasure import erase_user, pseudonym


@pytest.fixture
def recorded(make_user):
    """One committed audit event by a member, on behalf of its company."""
    user = make_user(name="Piet Lid")
    audit.record(
        "company.updated",
        actor=user,
        company=user.company,
        subject_type="company",
        subject_id=user.company.public_id,
        changes={"city": {"old": "Utrecht", "new": "Zeist"}},
    )
    db.session.commit()
    return db.session.scalars(select(AuditEvent)).one()


def refused(statement) -> None:
    """The statement fails with the trigger's message and leaves the session usable."""
    with pytest.raises(DBAPIError) as info:
        db.session.execute(statement)
    db.session.rollback()
    assert MESSAGE in str(info.value)


@pytest.mark.parametrize(
    "values",
    [
        {"action": "company.viewed"},
        {"changes": {}},
        {"actor_label": "iemand anders"},
        {"ip": "10.0.0.1"},
        {"subject_id": "iets anders"},
    ],
    ids=["action", "changes", "label", "ip", "subject"],
)
def test_update_is_refused(recorded, values):
    refused(update(AuditEvent).where(AuditEvent.id == recorded.id).values(**values))
    db.session.expire_all()
    row = db.session.get(AuditEvent, recorded.id)
    assert (row.action, row.actor_label, row.ip) == ("company.updated", "Piet Lid (member)", "")


def test_delete_is_refused(recorded):
    refused(delete(AuditEvent).where(AuditEvent.id == recorded.id))
    refused(text("DELETE FROM audit_events"))
    assert db.session.scalar(select(AuditEvent.id)) == recorded.id


def test_orm_changes_are_refused_too(recorded):
    recorded.action = "vervalst"
    with pytest.raises(DBAPIError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, recorded.id))
    with pytest.raises(DBAPIError):
        db.session.commit()
    db.session.rollback()


def test_removed_user_and_company_leave_the_row_with_its_label(recorded, make_user):
    user_id, company_id = recorded.actor_id, recorded.on_behalf_of_company_id
    # ON DELETE SET NULL is the one structural change allowed; nothing else moves.
    db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user_id})
    db.session.execute(text("DELETE FROM companies WHERE id = :id"), {"id": company_id})
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(AuditEvent, recorded.id)
    assert (row.actor_id, row.on_behalf_of_company_id) == (None, None)
    assert (row.action, row.actor_label) == ("company.updated", "Piet Lid (member)")


def test_pseudonymising_window_allows_only_the_label_and_closes(recorded):
    with audit.pseudonymising():
        db.session.execute(update(AuditEvent).values(actor_label="verwijderde gebruiker x"))
    db.session.commit()
    assert db.session.scalar(select(AuditEvent.actor_label)) == "verwijderde gebruiker x"
    with audit.pseudonymising():
        refused(update(AuditEvent).values(action="company.viewed"))
    refused(update(AuditEvent).values(actor_label="weer iets anders"))


def test_erasure_still_pseudonymises_the_actor(recorded):
    user_id = recorded.actor_id
    label = erase_user(db.session.get(User, user_id), by=None)
    db.session.commit()

    db.session.expire_all()
    row = db.session.get(AuditEvent, recorded.id)
    assert label == pseudonym(user_id)
    assert (row.actor_label, row.actor_id, row.action) == (label, None, "company.updated")
    # The window is closed again once the erasure is done.
    refused(update(AuditEvent).values(actor_label="Piet Lid (member)"))
