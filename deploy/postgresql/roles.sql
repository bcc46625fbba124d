-- Roles of the portal's PostgreSQL database (README "Production", step 2). Run as postgres:
--   sudo -u postgres psql -d ledenportaal -v owner=ledenportaal_owner -v app=ledenportaal \
--     -f deploy/postgresql/roles.sql
-- Safe to run again. The OWNER role owns the schema and runs `flask db upgrade`; the APP role
-- (the service and its timers) gets only data access. On `audit_events` the app role holds
-- SELECT and INSERT, nothing else: the two permitted changes (an erasure pseudonym, deleting
-- rows older than 7 years) go through SECURITY DEFINER functions owned by OWNER (migration
-- 0017_i15_audit_definer), which the app role may execute. The migration also revokes UPDATE,
-- DELETE and TRUNCATE on audit_events from every role but the owner; never grant them back.
-- No TEMPORARY on the database for PUBLIC or the app: a temp table shadowing a table name is
-- how a SECURITY DEFINER function is hijacked (migration 0025_i15_audit_definer_pgtemp also
-- puts pg_temp last in those functions' search_path and schema-qualifies every table).
\set ON_ERROR_STOP on

ALTER SCHEMA public OWNER TO :"owner";
SELECT current_database() AS dbname \gset
REVOKE TEMPORARY ON DATABASE :"dbname" FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE :"dbname" FROM :"app";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- Objects the owner creates later (every migration) are usable by the app at once.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO :"app";

-- Objects that exist already (an install whose tables the app role owned: hand them over).
REASSIGN OWNED BY :"app" TO :"owner";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"app";
SELECT to_regclass('public.audit_events') IS NOT NULL AS has_audit \gset
\if :has_audit
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM :"app";
\endif
