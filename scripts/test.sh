#!/usr/bin/env bash
# Install and run the whole test suite: static gates, then pytest on SQLite and on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1
PY=.venv/bin/python
status=0

# The static gates (about 12 CPU seconds, most of it a cold mypy) run beside the SQLite half,
# whose workers leave a core idle while they start and while the last one finishes; their
# output is printed after it.
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

workers=${PYTEST_WORKERS:-2}
echo "== Tests on SQLite"
$PY -m pytest -n "$workers" -p xdist "$@" || status=1

wait "$gates_pid" || status=1
cat "$gates_log"
rm -f "$gates_log"

echo "== Tests on PostgreSQL"
PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-postgres}
scratch="ledenportaal_test_$$_$(date +%s)"
if $PY - "$PGHOST" "$PGPORT" "$PGUSER" "$scratch" <<'PYEOF'
import sys, psycopg
host, port, user, name = sys.argv[1:]
with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
    conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
then
  export TEST_DATABASE_URL="postgresql+psycopg://${PGUSER}@${PGHOST}:${PGPORT}/${scratch}"
  $PY -m pytest -n "$workers" -p xdist "$@" || status=1
  $PY scripts/drop_test_databases.py "$PGHOST" "$PGPORT" "$PGUSER" "$scratch"
else
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! PostgreSQL at ${PGHOST}:${PGPORT} is NOT reachable: PostgreSQL tests did not run."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  if [ "${CI:-}" = "true" ]; then status=1; fi
fi
exit $status
