# The two commands of the README: `make run` and `make test`.
.PHONY: run test test-fast install lint typecheck bench-sync bench-directory bench-load bench-uploads

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# The inner loop (SQLite, no browser, crash or fuzz tests; see scripts/test-fast.sh), not a gate.
test-fast:
	bash scripts/test-fast.sh

install:
	bash scripts/install.sh

lint:
	bash scripts/install.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/bandit -q -lll -r portal

# mypy over portal/ alone (config in setup.cfg [mypy]); also part of `make lint` and `make test`.
typecheck:
	bash scripts/install.sh && .venv/bin/mypy

# Benchmarks (not part of `make test`; each prints its numbers, see the README).
bench-sync:
	bash scripts/install.sh && .venv/bin/python bench/sync.py

bench-directory:
	bash bench/directory.sh

bench-load:
	bash bench/load.sh

bench-uploads:
	bash scripts/install.sh && .venv/bin/python bench/uploads.py
