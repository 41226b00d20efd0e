# Two entry points for newcomers: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
# Where `make run` listens: `make run PORT=8301 HOST=0.0.0.0`.
PORT ?= 8000
HOST ?= 127.0.0.1
BIN := $(VENV)/bin

.PHONY: install run test check lint typecheck imports unit quick bench clean

# Development installs requirements-dev.lock (the service plus the test tools); a
# deployment installs requirements.lock, the service alone (docs/deploy.md).
$(BIN)/mutuals: requirements-dev.lock pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e . -e clients/python
	touch $@

install: $(BIN)/mutuals

## Install, migrate the embedded SQLite database, create a demo project and serve on 127.0.0.1:8000.
run: install
	$(BIN)/mutuals quickstart --host $(HOST) --port $(PORT)

## Install and run the whole suite: lint, types, import contracts, tests on SQLite and PostgreSQL.
test: install lint typecheck imports unit

## The quick tier while working (a few minutes): lint, types, import contracts and the
## tests that need no served process, on SQLite, two at a time.
check: install lint typecheck imports quick

lint:
	$(BIN)/ruff check src tests clients $(wildcard bench)
	$(BIN)/ruff format --check src tests clients $(wildcard bench)

typecheck:
	$(BIN)/mypy

# The shape of the house: no cycles between packages, kit imports no feature (pyproject.toml).
imports:
	$(BIN)/lint-imports --no-cache

unit:
	$(BIN)/pytest

quick:
	$(BIN)/pytest -n 2 -p no:cacheprovider -m "not served" -k "not postgresql"

## Seed PostgreSQL, serve, load with wrk and an asyncio writer; prints the table (~10 min).
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench --write BENCHMARKS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
