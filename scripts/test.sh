#!/usr/bin/env bash
# Install and run the whole test suite: static gates, then pytest on SQLite and on PostgreSQL.
#
# The two halves run at the same time (each with PYTEST_WORKERS workers, default 2): their tests
# wait on browsers, subprocesses, sockets and the database server for much of their time, so
# one half's two workers left the 2-core machine about a third idle, and the halves overlap into
# that. The SQLite half prints as it runs; the PostgreSQL half's output follows it when it ends.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1
PY=.venv/bin/python
status=0
workers=${PYTEST_WORKERS:-2}

# Keep bytecode and pytest's rewritten test modules in __pycache__ (git-ignored) even where the
# environment turns that off: otherwise each of the five pytest processes compiles the portal
# and rewrites the asserts of all test modules again (about 7 of a worker's 12 CPU s of
# collection). One collection first fills the cache on a clean clone.
unset PYTHONDONTWRITEBYTECODE

# The static gates (about 12 CPU seconds, most of it a cold mypy) run beside the tests; their
# output is printed after the SQLite half.
gates_log=$(mktemp)
(
  gates=0
  echo "== Static gates: ruff check, ruff format --check, mypy, bandit (high severity), template safety"
  .venv/bin/ruff check . || gates=1
  .venv/bin/ruff format --check . || gates=1
  .venv/bin/mypy || gates=1
  .venv/bin/bandit -q -lll -r portal -x portal/dev || gates=1
  $PY scripts/check_templates.py || gates=1
  exit $gates
) >"$gates_log" 2>&1 &
gates_pid=$!

$PY -m pytest --collect-only -q "$@" >/dev/null 2>&1 || true  # errors show in the runs below

# The PostgreSQL half, in the background into its own log.
pg_log=$(mktemp)
(
  PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-postgres}
  scratch="ledenportaal_test_$$_$(date +%s)"
  if $PY - "$PGHOST" "$PGPORT" "$PGUSER" "$scratch" <<'PYEOF'
import sys, psycopg
host, port, user, name = sys.argv[1:]
with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
    conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
  then
    pg=0
    # Tests that never reach the test database run only in the SQLite half (tests/halves.py).
    TEST_ONLY_DATABASE_TESTS=1 \
    TEST_DATABASE_URL="postgresql+psycopg://${PGUSER}@${PGHOST}:${PGPORT}/${scratch}" \
      $PY -m pytest -n "$workers" -p xdist --dist worksteal "$@" || pg=1
    $PY scripts/drop_test_databases.py "$PGHOST" "$PGPORT" "$PGUSER" "$scratch"
    exit $pg
  else
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!! PostgreSQL at ${PGHOST}:${PGPORT} is NOT reachable: PostgreSQL tests did not run."
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    if [ "${CI:-}" = "true" ]; then exit 1; fi
  fi
) >"$pg_log" 2>&1 &
pg_pid=$!

echo "== Tests on SQLite (the PostgreSQL half runs beside it; its output follows)"
(unset TEST_DATABASE_URL TEST_ONLY_DATABASE_TESTS; exec $PY -m pytest -n "$workers" -p xdist --dist worksteal "$@") || status=1

wait "$gates_pid" || status=1
cat "$gates_log"
rm -f "$gates_log"

echo "== Tests on PostgreSQL"
wait "$pg_pid" || status=1
cat "$pg_log"
rm -f "$pg_log"
exit $status
