"""Database triggers that keep `audit_events` append-only, on SQLite and PostgreSQL.

Refused: TRUNCATE, DELETE of a row younger than the 7 years the register states (the retention
job in portal/privacy/purges.py deletes older rows, and only those), and any UPDATE except two
narrow cases:
- a reference becoming NULL with nothing else changed, which is what `ON DELETE SET NULL` does
  when the user or company an event points at is removed (the label keeps naming the actor);
- a new `actor_label` while the privacy erasure opens the pseudonymisation window
  (`audit.pseudonymising()`): `SET LOCAL portal.audit_pseudonymise = 'on'` on PostgreSQL, the
  one-row `audit_guard` table on SQLite, both undone by a rollback.

On PostgreSQL the app role should not own `audit_events` (README "Production", step 2, and
deploy/postgresql/roles.sql): it then holds only SELECT and INSERT there, and the two changes the
portal may make go through SECURITY DEFINER functions owned by the schema owner (migration
0017_i15_audit_definer), which refuse anything else:
- `audit_pseudonymise(actor_id, label)`: the label must be an erasure pseudonym;
- `audit_purge_expired(before)`: deletes rows older than `before` and older than 7 years.
Both are revoked from PUBLIC; the app role gets EXECUTE by the owner's default privileges. An
app role that merely can set `portal.audit_pseudonymise` then gains nothing: it has no UPDATE.
The migration also revokes UPDATE, DELETE and TRUNCATE on the table from every role but its
owner. SQLite has no roles and keeps the window (`audit.pseudonymising()`).

Installed by the migration and, for test databases made with `db.create_all()`, by DDL events on
the table (portal/core/models.py). A SQLite batch migration that rebuilds `audit_events` drops
these triggers with the old table and must call `create_guard` again.
"""

from __future__ import annotations

from sqlalchemy import DDL
from sqlalchemy.engine import Connection

PG_SETTING = "portal.audit_pseudonymise"
MESSAGE = "audit_events is append-only"

PSEUDONYM_PATTERN = "^verwijderde gebruiker [0-9a-f]{10}$"
# The privileged paths (PostgreSQL). Frozen copies live in migration 0025_i15_audit_definer_pgtemp
# (0017_i15_audit_definer had `search_path = pg_catalog, public`, which searches pg_temp FIRST:
# an app session could shadow `audit_events` with a TEMP table whose trigger then ran as the
# owner). Every table is schema-qualified and pg_temp comes last.
PG_DEFINER = (
    "CREATE OR REPLACE FUNCTION audit_pseudonymise(p_actor_id integer, p_label text) "
    "RETURNS integer LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = pg_catalog, public, pg_temp "
    "AS $$ DECLARE n integer; BEGIN "
    "IF p_label IS NULL OR p_label !~ '^verwijderde gebruiker [0-9a-f]{10}$' THEN "
    "RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; "
    "END IF; "
    "PERFORM set_config('portal.audit_pseudonymise', 'on', true); "
    "UPDATE public.audit_events SET actor_label = p_label WHERE actor_id = p_actor_id; "
    "GET DIAGNOSTICS n = ROW_COUNT; "
    "PERFORM set_config('portal.audit_pseudonymise', 'off', true); "
    "RETURN n; END $$",
    "REVOKE ALL ON FUNCTION audit_pseudonymise(integer, text) FROM PUBLIC",
    "CREATE OR REPLACE FUNCTION audit_purge_expired(p_before timestamptz) "
    "RETURNS integer LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = pg_catalog, public, pg_temp "
    "AS $$ DECLARE n integer; BEGIN "
    "DELETE FROM public.audit_events "
    "WHERE created_at < least(p_before, now() - interval '7 years'); "
    "GET DIAGNOSTICS n = ROW_COUNT; RETURN n; END $$",
    "REVOKE ALL ON FUNCTION audit_purge_expired(timestamptz) FROM PUBLIC",
    # Whatever was granted before: only the owner may change or remove audit rows directly.
    "DO $$ DECLARE r record; BEGIN "
    "FOR r IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g "
    "JOIN pg_tables t ON t.schemaname = g.table_schema AND t.tablename = g.table_name "
    "WHERE g.table_name = 'audit_events' AND g.table_schema = current_schema() "
    "AND g.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND g.grantee <> t.tableowner "
    "LOOP EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ' || "
    "CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(r.grantee) END; "
    "END LOOP; END $$",
)
# Plain constant SQL, written out in full so it reads like what the database stores.
CREATE = {
    "sqlite": (
        "CREATE TABLE IF NOT EXISTS audit_guard (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "pseudonymise INTEGER NOT NULL DEFAULT 0)",
        "INSERT OR IGNORE INTO audit_guard (id, pseudonymise) VALUES (1, 0)",
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
        "WHEN OLD.created_at >= datetime('now', '-7 years') "
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
        "IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '7 years' THEN RETURN OLD; "
        "END IF; "
        "RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; "
        "END $$",
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
        *PG_DEFINER,
    ),
}
# After the table is gone its triggers are too; what is left is the guard table / function.
DROP_AFTER_TABLE = {
    "sqlite": ("DROP TABLE IF EXISTS audit_guard",),
    "postgresql": (
        "DROP FUNCTION IF EXISTS audit_events_append_only()",
        "DROP FUNCTION IF EXISTS audit_pseudonymise(integer, text)",
        "DROP FUNCTION IF EXISTS audit_purge_expired(timestamptz)",
    ),
}
DROP = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS audit_events_no_update",
        "DROP TRIGGER IF EXISTS audit_events_no_delete",
        *DROP_AFTER_TABLE["sqlite"],
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
        "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
        *DROP_AFTER_TABLE["postgresql"],
    ),
}


def create_guard(connection: Connection) -> None:
    """Install the triggers on an existing audit_events table (call from a migration)."""
    for statement in CREATE.get(connection.dialect.name, ()):
        connection.execute(DDL(statement))


def drop_guard(connection: Connection) -> None:
    """Remove what create_guard made (call from the migration's downgrade)."""
    for statement in DROP.get(connection.dialect.name, ()):
        connection.execute(DDL(statement))
