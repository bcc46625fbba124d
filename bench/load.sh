#!/usr/bin/env bash
# Load battery (see bench/load.py): gunicorn (2 workers) on PostgreSQL, wrk at 8/32/64 connections
# on the ledenzoeker, a detail page and mijn profiel while a review sync runs; loopback only.
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
exec .venv/bin/python bench/load.py "$@"
