#!/usr/bin/env bash
# Load battery (see bench/load.py): gunicorn (2 workers) on PostgreSQL, wrk at 8/32/64 connections
# on the ledenzoeker, a detail page and mijn profiel while a review sync runs; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
source bench/require_wrk.sh
exec .venv/bin/python bench/load.py "$@"
