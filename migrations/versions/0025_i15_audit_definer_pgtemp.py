"""Audit functions on PostgreSQL: pg_temp last, every table schema-qualified.

Migration 0017_i15_audit_definer created `audit_pseudonymise()` and `audit_purge_expired()` as
SECURITY DEFINER with `SET search_path = pg_catalog, public`. PostgreSQL then searches pg_temp
FIRST (it is only last when named), so an app session could create a TEMP table `audit_events`
with a trigger, call the function, and have the trigger run as the owner (outside review, high).
Both functions are replaced: `public.audit_events` throughout and
`SET search_path = pg_catalog, public, pg_temp`. deploy/postgresql/roles.sql also revokes
TEMPORARY on the database. SQLite has no roles: nothing changes there. The downgrade restores
0017's definitions.

Revision ID: 0025_i15_audit_definer_pgtemp
Revises: 0024_i18_customer_group
Create Date: 2026-12-06 03:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_i15_audit_definer_pgtemp'
down_revision = '0024_i18_customer_group'
branch_labels = None
depends_on = None

# Frozen copy of portal/core/audit_guard.py PG_DEFINER (the two functions) at this revision.
PG_DEFINER = (
    "CREATE OR REPLACE FUNCTION audit_pseudonymise(p_actor_id integer, p_label text) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$ DECLARE n integer; BEGIN IF p_label IS NULL OR p_label !~ '^verwijderde gebruiker [0-9a-f]{10}$' THEN RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; END IF; PERFORM set_config('portal.audit_pseudonymise', 'on', true); UPDATE public.audit_events SET actor_label = p_label WHERE actor_id = p_actor_id; GET DIAGNOSTICS n = ROW_COUNT; PERFORM set_config('portal.audit_pseudonymise', 'off', true); RETURN n; END $$",
    'REVOKE ALL ON FUNCTION audit_pseudonymise(integer, text) FROM PUBLIC',
    "CREATE OR REPLACE FUNCTION audit_purge_expired(p_before timestamptz) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$ DECLARE n integer; BEGIN DELETE FROM public.audit_events WHERE created_at < least(p_before, now() - interval '7 years'); GET DIAGNOSTICS n = ROW_COUNT; RETURN n; END $$",
    'REVOKE ALL ON FUNCTION audit_purge_expired(timestamptz) FROM PUBLIC',
)
# Frozen copy of 0017_i15_audit_definer's definitions.
PG_DEFINER_0017 = (
    "CREATE OR REPLACE FUNCTION audit_pseudonymise(p_actor_id integer, p_label text) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$ DECLARE n integer; BEGIN IF p_label IS NULL OR p_label !~ '^verwijderde gebruiker [0-9a-f]{10}$' THEN RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; END IF; PERFORM set_config('portal.audit_pseudonymise', 'on', true); UPDATE audit_events SET actor_label = p_label WHERE actor_id = p_actor_id; GET DIAGNOSTICS n = ROW_COUNT; PERFORM set_config('portal.audit_pseudonymise', 'off', true); RETURN n; END $$",
    'REVOKE ALL ON FUNCTION audit_pseudonymise(integer, text) FROM PUBLIC',
    "CREATE OR REPLACE FUNCTION audit_purge_expired(p_before timestamptz) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$ DECLARE n integer; BEGIN DELETE FROM audit_events WHERE created_at < least(p_before, now() - interval '7 years'); GET DIAGNOSTICS n = ROW_COUNT; RETURN n; END $$",
    'REVOKE ALL ON FUNCTION audit_purge_expired(timestamptz) FROM PUBLIC',
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in PG_DEFINER:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in PG_DEFINER_0017:
        op.execute(statement)
