"""Retention: users remember when they were deactivated (deleted a year later), and the audit
log's append-only trigger lets the retention job delete rows older than 7 years, nothing else.
Rights requests record an extension (art. 12(3)) with its reason.

Revision ID: 0012_i15_retention
Revises: 0011_i21_passkeys
Create Date: 2026-12-05 23:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_i15_retention'
down_revision = '0011_i21_passkeys'
branch_labels = None
depends_on = None

SQLITE_DELETE = (
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events {when}"
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
)
SQLITE_WHEN = "WHEN OLD.created_at >= datetime('now', '-7 years') "
PG_FUNCTION = (
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
    "{delete}"
    "RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; "
    "END $$"
)
PG_DELETE = (
    "IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '7 years' THEN RETURN OLD; "
    "END IF; "
)


def _delete_rule(older_than_7_years_allowed: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        op.execute(SQLITE_DELETE.format(when=SQLITE_WHEN if older_than_7_years_allowed else ""))
    elif dialect == "postgresql":
        op.execute(PG_FUNCTION.format(delete=PG_DELETE if older_than_7_years_allowed else ""))


def upgrade():
    op.add_column('users', sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts deactivated before this revision start their year now.
    op.execute("UPDATE users SET deactivated_at = CURRENT_TIMESTAMP WHERE active = false")
    _delete_rule(True)
    op.add_column('subject_requests', sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('subject_requests', sa.Column('extension_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    op.drop_column('subject_requests', 'extension_reason')
    op.drop_column('subject_requests', 'extended_at')
    _delete_rule(False)
    op.drop_column('users', 'deactivated_at')
