"""Outside review (medium): on PostgreSQL any app-role session could open the audit log's
pseudonymisation window (`set_config('portal.audit_pseudonymise', 'on', true)`) and rewrite rows.

With the documented role setup (deploy/postgresql/roles.sql: the app role does not own the
tables) the app role holds no UPDATE/DELETE on `audit_events`; the two permitted changes go
through SECURITY DEFINER functions owned by the schema owner. PostgreSQL only.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.auth.models import User
from portal.core import audit
from portal.core.audit_guard import PG_DEFINER
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.privacy import erasure, purges


@pytest.fixture
def app_role(app):
    """A plain app role set up as roles.sql does, the migration's revoke applied after it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles and SECURITY DEFINER are PostgreSQL's; SQLite keeps the window")
    role = f"lp_app_{secrets.token_hex(4)}"
    statements = (
        f"CREATE ROLE {role} NOLOGIN",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"GRANT EXECUTE ON FUNCTION audit_pseudonymise(integer, text) TO {role}",
        f"GRANT EXECUTE ON FUNCTION audit_purge_expired(timestamptz) TO {role}",
        PG_DEFINER[-1],  # what migration 0017 does to grants made before it
    )
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    yield role
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP OWNED BY {role}")
        conn.exec_driver_sql(f"DROP ROLE {role}")


def _as(role: str) -> None:
    db.session.execute(text(f"SET LOCAL ROLE {role}"))


def _refused(statement: str, **params) -> str:
    with pytest.raises(DBAPIError) as info:
        db.session.execute(text(statement), params)
    db.session.rollback()
    return str(info.value)


def test_app_role_cannot_change_or_delete_audit_rows_even_with_the_window_open(app_role, make_user):
    user = make_user(name="Piet Lid")
    audit.record("company.updated", actor=user, subject_type="company", subject_id="x")
    db.session.commit()
    _as(app_role)
    db.session.execute(text("SELECT set_config('portal.audit_pseudonymise', 'on', true)"))
    message = _refused("UPDATE audit_events SET actor_label = 'iemand anders'")
    assert "permission denied" in message
    _as(app_role)
    assert "permission denied" in _refused("DELETE FROM audit_events")
    _as(app_role)
    assert "permission denied" in _refused("TRUNCATE audit_events")
    # The function takes a pseudonym only, never other text.
    _as(app_role)
    assert "append-only" in _refused("SELECT audit_pseudonymise(:id, 'iemand anders')", id=user.id)
    _as(app_role)
    audit.record("company.viewed", actor=user, subject_type="company", subject_id="x")
    db.session.flush()  # the app role may still append
    db.session.commit()
    labels = set(db.session.scalars(select(AuditEvent.actor_label)))
    assert labels == {"Piet Lid (member)"}


def test_erasure_and_the_seven_year_purge_work_as_the_app_role(app_role, make_user):
    user = make_user(name="Piet Lid")
    audit.record("company.updated", actor=user, subject_type="company", subject_id="x")
    old = AuditEvent(
        action="company.updated",
        actor_label="oud",
        subject_type="company",
        subject_id="y",
        changes={},
        created_at=utcnow() - timedelta(days=7 * 366 + 2),
    )
    young = AuditEvent(
        action="company.updated",
        actor_label="jong",
        subject_type="company",
        subject_id="z",
        changes={},
        created_at=utcnow() - timedelta(days=7 * 365 - 30),
    )
    db.session.add_all([old, young])
    db.session.commit()
    user_id = user.id
    _as(app_role)
    label = erasure.erase_user(db.session.get(User, user_id), by=None)
    db.session.commit()
    assert db.session.get(User, user_id) is None
    assert db.session.scalar(select(func.count()).where(AuditEvent.actor_label == label)) == 1
    _as(app_role)
    assert purges.purge_audit(utcnow()) == 1
    db.session.commit()
    assert set(db.session.scalars(select(AuditEvent.actor_label))) >= {"jong", label}
    assert "oud" not in set(db.session.scalars(select(AuditEvent.actor_label)))


def test_a_temp_table_cannot_hijack_the_definer_functions(app_role, make_user):
    """Outside review (high): `search_path = pg_catalog, public` searches pg_temp FIRST, so an app
    session's TEMP `audit_events` with a trigger was what the functions changed, the trigger
    running as the owner. Now they name `public.audit_events` and put pg_temp last."""
    user = make_user(name="Piet Lid")
    audit.record("company.updated", actor=user, subject_type="company", subject_id="x")
    db.session.commit()
    user_id = user.id
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    _as(app_role)
    for statement in (
        "CREATE TEMP TABLE attack_log (who text)",
        "CREATE TEMP TABLE audit_events (actor_id integer, actor_label text, "
        "created_at timestamptz)",
        "INSERT INTO pg_temp.audit_events VALUES (:id, 'x', now() - interval '9 years')",
        "CREATE FUNCTION pg_temp.attack() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO pg_temp.attack_log VALUES (current_user); "
        "ALTER TABLE public.audit_events DISABLE TRIGGER USER; "
        "DELETE FROM public.audit_events; RETURN NULL; END $$",
        "CREATE TRIGGER attack BEFORE UPDATE OR DELETE ON pg_temp.audit_events "
        "FOR EACH ROW EXECUTE FUNCTION pg_temp.attack()",
    ):
        db.session.execute(text(statement), {"id": user_id} if ":id" in statement else {})
    pseudonym = "verwijderde gebruiker 0123456789"
    db.session.execute(
        text("SELECT audit_pseudonymise(:id, :label)"), {"id": user_id, "label": pseudonym}
    )
    db.session.execute(text("SELECT audit_purge_expired(now())"))
    assert list(db.session.scalars(text("SELECT who FROM pg_temp.attack_log"))) == []
    # The session's own unqualified `audit_events` is the temp table now: name the real one.
    assert db.session.scalar(text("SELECT count(*) FROM public.audit_events")) == before
    real_labels = set(db.session.scalars(text("SELECT actor_label FROM public.audit_events")))
    assert real_labels == {pseudonym}
    temp_labels = list(db.session.scalars(text("SELECT actor_label FROM pg_temp.audit_events")))
    assert temp_labels == ["x"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
