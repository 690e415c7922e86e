# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo run test test-orchestration lint typecheck clean simulator bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Load a simulated Jira + Confluence site into DuckDB, twice (full, then incremental).
demo: install
	$(BIN)/dlt-atlassian demo

## Load the real site configured in .dlt/secrets.toml.
run: install
	$(BIN)/dlt-atlassian run

## Run the simulator on port 8080 (Ctrl-C to stop).
simulator: install
	$(BIN)/dlt-atlassian simulator --port 8080

## The whole suite: lint, types, tests (a local Postgres is started for the warehouse tests).
test: install
	$(BIN)/ruff check sources tests pipelines bench
	$(BIN)/mypy
	bash scripts/ensure_chromium.sh
	bash scripts/with_postgres.sh $(BIN)/python -m pytest
	PYTHON=$(PYTHON) bash orchestration/run_tests.sh

## Only the Airflow and Dagster tests (each in its own virtual environment).
test-orchestration: install
	PYTHON=$(PYTHON) bash orchestration/run_tests.sh

## Benchmark: full + incremental load vs the API floor (80 ms latency, 100 req/s); see bench/README.md.
bench: install
	$(BIN)/python bench/run.py --scale 1

lint: install
	$(BIN)/ruff check sources tests pipelines bench

typecheck: install
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .venv-airflow .venv-dagster .venv-orchestration.lock \
		.pytest_cache .mypy_cache .ruff_cache *.duckdb .work
