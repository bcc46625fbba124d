#!/usr/bin/env bash
# The inner loop: pytest on in-memory SQLite only, without the browser tests (marker `browser`),
# the subprocess crash tests (marker `slow`) and the hostile-input fuzz families of the security
# battery (tests/battery/test_hostile_inputs.py). No static gates. `make test` is the full gate
# and what CI runs; run it before you push.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
unset TEST_DATABASE_URL
# Keep bytecode and rewritten test modules (see scripts/test.sh); long tests first, and an idle
# worker takes the other's last quick tests (--dist worksteal, see LONG_MODULES in tests/conftest.py).
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" -p xdist --dist worksteal \
  -m "not browser and not slow" --ignore=tests/battery/test_hostile_inputs.py "$@"
