#!/usr/bin/env bash
# Ledenzoeker benchmark (see bench/directory.py for options): gunicorn + wrk, SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
source bench/require_wrk.sh
exec .venv/bin/python bench/directory.py "$@"
