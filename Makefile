# The two commands of the README: `make run` and `make test`.
.PHONY: run test install lint bench-sync bench-directory

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

install:
	bash scripts/install.sh

lint:
	bash scripts/install.sh && .venv/bin/ruff check . && .venv/bin/bandit -q -lll -r portal
