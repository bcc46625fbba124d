#!/usr/bin/env bash
# The inner loop: pytest on in-memory SQLite only, without the browser tests (marker `browser`),
# the subprocess crash tests (marker `slow`), the hostile-input fuzz families of the security
# battery (tests/battery/test_hostile_inputs.py) and the battery's other sweeps over every route
# (SWEEPS below: about a quarter of the rest's worker time). The battery's route inventory, header
# and form-parser tests stay. No static gates. `make test` is the full gate and what CI runs; run
# it before you push.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
unset TEST_DATABASE_URL
# Keep bytecode and rewritten test modules (see scripts/test.sh); long tests first, and an idle
# worker takes the other's last quick tests (--dist worksteal, see LONG_MODULES in tests/conftest.py).
unset PYTHONDONTWRITEBYTECODE
SWEEPS=(
  hostile_inputs access_matrix csrf_session upload_matrix concurrency_creates
  concurrency_creates_at_once concurrency_edits secrets multipart_encoding boosted_pages
)
ignores=()
for sweep in "${SWEEPS[@]}"; do ignores+=("--ignore=tests/battery/test_${sweep}.py"); done
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" -p xdist --dist worksteal \
  -m "not browser and not slow" "${ignores[@]}" "$@"
