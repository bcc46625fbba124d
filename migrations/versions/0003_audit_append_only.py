"""Audit log append-only: triggers refuse UPDATE and DELETE on audit_events.

Only the privacy erasure may replace actor labels (a session setting on PostgreSQL, a one-row
control table on SQLite), and ON DELETE SET NULL may clear the references. See
portal/core/audit_guard.py.

Revision ID: 0003_audit_append_only
Revises: 0002_directory_self_reported
Create Date: 2026-12-02 18:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_audit_append_only'
down_revision = '0002_directory_self_reported'
branch_labels = None
depends_on = None

# The trigger DDL as this revision installs it, frozen here (migrations never import application
# code; portal/core/audit_guard.py installs the same on test databases made with create_all).
CREATE = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS audit_guard (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "pseudonymise INTEGER NOT NULL DEFAULT 0)",
        "INSERT OR IGNORE INTO audit_guard (id, pseudonymise) VALUES (1, 0)",
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
        "WHEN NOT ("
        "NEW.id IS OLD.id AND NEW.created_at IS OLD.created_at AND NEW.action IS OLD.action "
        "AND NEW.subject_type IS OLD.subject_type AND NEW.subject_id IS OLD.subject_id "
        "AND NEW.changes IS OLD.changes AND NEW.ip IS OLD.ip "
        "AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL) "
        "AND (NEW.on_behalf_of_company_id IS OLD.on_behalf_of_company_id "
        "OR NEW.on_behalf_of_company_id IS NULL) "
        "AND (NEW.actor_label IS OLD.actor_label "
        "OR (SELECT pseudonymise FROM audit_guard WHERE id = 1) = 1)"
        ") BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'UPDATE' THEN "
        "IF (to_jsonb(NEW) - 'actor_id' - 'on_behalf_of_company_id' - 'actor_label') "
        "= (to_jsonb(OLD) - 'actor_id' - 'on_behalf_of_company_id' - 'actor_label') "
        "AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL) "
        "AND (NEW.on_behalf_of_company_id IS NOT DISTINCT FROM OLD.on_behalf_of_company_id "
        "OR NEW.on_behalf_of_company_id IS NULL) "
        "AND (NEW.actor_label IS NOT DISTINCT FROM OLD.actor_label "
        "OR coalesce(current_setting('portal.audit_pseudonymise', true), '') = 'on') "
        "THEN RETURN NEW; END IF; END IF; "
        "RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; "
        "END $$",
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    ),
}
DROP = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS audit_events_no_update",
        "DROP TRIGGER IF EXISTS audit_events_no_delete",
        "DROP TABLE IF EXISTS audit_guard",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
        "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
        "DROP FUNCTION IF EXISTS audit_events_append_only()",
    ),
}


def upgrade():
    for statement in CREATE.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    for statement in DROP.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
