# Two commands for a fresh machine: `make run` (quick start) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# What is installed, each with its stamp: the app's own dependencies (enough for `make run`), and those plus the
# development tools (pytest, Playwright, ruff, mypy, import-linter) for test, lint and typecheck.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The test environment: real PostgreSQL and Redis on this machine (override to run suites side by side).
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/parindex
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) \
	REDIS_URL=$(TEST_REDIS_URL) \
	DJANGO_SECRET_KEY=test-only-secret-key-not-used-anywhere-else-0123456789abcdefghijklmnop \
	DJANGO_DEBUG=0 DJANGO_SECURE=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver

.PHONY: run test install services lint typecheck bench soak clean messages

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(DEV_STAMP) $(RUN_STAMP)

## make install: the virtualenv with the development tools (what test, lint and typecheck use)
install: $(DEV_STAMP)

## make run: the app on SQLite with tasks inline and the demo data, on http://127.0.0.1:$(PORT)
run: $(RUN_STAMP)
	@mkdir -p var
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput -v 0
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_par_data
	DJANGO_DEBUG=1 $(BIN)/python manage.py create_demo_admin --port $(PORT)
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

services:
	bash scripts/services.sh

## make test: the whole suite against PostgreSQL and Redis (started or installed when missing)
test: $(DEV_STAMP) services
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(DEV_STAMP)
	DJANGO_DEBUG=1 $(BIN)/mypy parindex scoring dashboards

bench: $(DEV_STAMP) services
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(TEST_ENV) $(BIN)/python bench/recompute.py
	$(TEST_ENV) $(BIN)/python bench/import.py
	$(TEST_ENV) $(BIN)/python bench/throughput.py
	$(TEST_ENV) $(BIN)/python bench/audit_log.py

## make soak: 10 minutes (DURATION=seconds) of mixed traffic against gunicorn, a Celery worker and beat on a
## throwaway database, RSS and the data checked afterwards (bench/soak.sh, bench/README.md "soak")
soak: $(DEV_STAMP) services
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(TEST_ENV) bash bench/soak.sh

messages: $(RUN_STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=bench \
		--ignore=templates/admin/search_form.html
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l en -l vi --ignore=.venv

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
