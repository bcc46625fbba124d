#!/usr/bin/env bash
# Ledenzoeker benchmark (see bench/directory.py for options): gunicorn + wrk, SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
  else
    echo "wrk is required: sudo apt-get install -y wrk" >&2; exit 1
  fi
fi
exec .venv/bin/python bench/directory.py "$@"
