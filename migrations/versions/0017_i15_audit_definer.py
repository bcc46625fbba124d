"""Audit log on PostgreSQL: the two permitted changes (an erasure pseudonym, deleting rows older
than 7 years) go through SECURITY DEFINER functions owned by the schema owner, revoked from
PUBLIC; UPDATE, DELETE and TRUNCATE on audit_events are revoked from every role but its owner.
With the app role not owning the table (README "Production", deploy/postgresql/roles.sql) a
plain app session can no longer open the pseudonymisation window and rewrite rows. SQLite has
no roles: nothing changes there.

Revision ID: 0017_i15_audit_definer
Revises: 0016_i15_email_change
Create Date: 2026-12-06 02:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_i15_audit_definer'
down_revision = '0016_i15_email_change'
branch_labels = None
depends_on = None

# Frozen copy of portal/core/audit_guard.py PG_DEFINER at this revision.
PG_DEFINER = (
    "CREATE OR REPLACE FUNCTION audit_pseudonymise(p_actor_id integer, p_label text) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$ DECLARE n integer; BEGIN IF p_label IS NULL OR p_label !~ '^verwijderde gebruiker [0-9a-f]{10}$' THEN RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; END IF; PERFORM set_config('portal.audit_pseudonymise', 'on', true); UPDATE audit_events SET actor_label = p_label WHERE actor_id = p_actor_id; GET DIAGNOSTICS n = ROW_COUNT; PERFORM set_config('portal.audit_pseudonymise', 'off', true); RETURN n; END $$",
    'REVOKE ALL ON FUNCTION audit_pseudonymise(integer, text) FROM PUBLIC',
    "CREATE OR REPLACE FUNCTION audit_purge_expired(p_before timestamptz) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$ DECLARE n integer; BEGIN DELETE FROM audit_events WHERE created_at < least(p_before, now() - interval '7 years'); GET DIAGNOSTICS n = ROW_COUNT; RETURN n; END $$",
    'REVOKE ALL ON FUNCTION audit_purge_expired(timestamptz) FROM PUBLIC',
    "DO $$ DECLARE r record; BEGIN FOR r IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g JOIN pg_tables t ON t.schemaname = g.table_schema AND t.tablename = g.table_name WHERE g.table_name = 'audit_events' AND g.table_schema = current_schema() AND g.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND g.grantee <> t.tableowner LOOP EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ' || CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END; END LOOP; END $$",
)
PG_DROP = (
    "DROP FUNCTION IF EXISTS audit_purge_expired(timestamptz)",
    "DROP FUNCTION IF EXISTS audit_pseudonymise(integer, text)",
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in PG_DEFINER:
        op.execute(statement)


def downgrade():
    # Revoked table privileges are not granted back: the operator's grants decide (roles.sql).
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in PG_DROP:
        op.execute(statement)
