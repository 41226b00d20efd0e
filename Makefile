# Two entry points for newcomers: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
# Where `make run` listens: `make run PORT=8301 HOST=0.0.0.0`.
PORT ?= 8000
HOST ?= 127.0.0.1
BIN := $(VENV)/bin

.PHONY: install run test lint typecheck unit bench clean

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

## Install and run the whole suite: lint, types, tests on SQLite and PostgreSQL.
test: install lint typecheck unit

lint:
	$(BIN)/ruff check src tests clients $(wildcard bench)
	$(BIN)/ruff format --check src tests clients $(wildcard bench)

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest

## Seed PostgreSQL, serve, load with wrk and an asyncio writer; prints the table (~10 min).
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench --write BENCHMARKS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
