# PayTrust: the README's commands. Everything installs itself into .venv.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= mysql+asyncmy://root@127.0.0.1:3306/paytrust_test

.PHONY: run test lint typecheck check bench drills demo clean install client

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || PYTHON=python3; test -x $(BIN)/python || $${PYTHON:-python3} -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/pip install -q -c constraints.txt -e clients/python
	touch $(STAMP)

install: $(STAMP)

## make run: Temporal dev server, migrations, worker, api, sandbox; prints URLs and keys.
run: $(STAMP)
	@bash scripts/ensure-mariadb.sh
	@bash scripts/ensure-jq.sh || echo "jq is missing (the README's curl examples use it): apt-get install -y jq"
	@$(BIN)/python paytrust_cli.py run

## make test: set-up (venv, MariaDB, test database) and the whole suite.
test: $(STAMP)
	@bash scripts/ensure-mariadb.sh
	@bash scripts/ensure-redis.sh || true
	@bash scripts/ensure-jq.sh
	@bash scripts/check-no-mocks.sh
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

## make demo: a first payment, end to end, against the stack `make run` started.
demo: $(STAMP)
	@$(BIN)/python paytrust_cli.py demo $(DEMO_ARGS)

## make client: regenerate the typed Python client (clients/python) from the OpenAPI document.
client: $(STAMP)
	$(BIN)/python scripts/generate_client.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .
	$(BIN)/lint-imports

bench: $(STAMP)
	@bash scripts/ensure-mariadb.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
