# Портал ШНОР. `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo always runs on the embedded defaults: SQLite in the project and Celery in eager mode. PORTAL_BASE_URL is
# where the QR code of a КЭП-signed справка's print copy leads: the address the demo is served at.
DEMO_ENV := env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=shnor_portal.settings.local \
	PORTAL_BASE_URL=http://$(HOST):$(PORT)

.DEFAULT_GOAL := help
.PHONY: help install install-dev vendor-js demo run migrate test test-sqlite lint format check-compose worker beat bench clean backup restore

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

# Browser libraries are vendored into static/ (kept in the repository); fetched from npm only when missing.
CHARTJS := static/vendor/chartjs/chart.umd.min.js

$(CHARTJS):
	./scripts/vendor-js.sh

install: $(VENV)/.installed $(CHARTJS) ## Create .venv and install the portal

vendor-js: ## Re-vendor Chart.js from the npm registry (integrity-checked; see scripts/vendor-js.sh)
	./scripts/vendor-js.sh --force

install-dev: $(VENV)/.installed-dev ## Install the portal with test tools and the system packages tests use
	./scripts/system-deps.sh

demo: install ## Install, build the demo database (SQLite) and serve it at http://127.0.0.1:8000 (HOST=…, PORT=… to change)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_demo --host "$(HOST)" --port "$(PORT)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

run: install ## Serve the existing local database
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

migrate: install ## Apply migrations to the configured database
	$(BIN)/python manage.py migrate --noinput

lint: install-dev ## ruff (lint and format check), lint-imports (the layers: [tool.importlinter]) and mypy ([tool.mypy])
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install-dev ## ruff: fix what can be fixed and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two processes (pytest-xdist), a module to a process so that its shared world is built once; each process has its
# own test database (test_shnor_gw0, …). Tests marked serial (the outage tests: they time services that vanish and
# come back) run afterwards, beside the SQLite lane only: it uses neither PostgreSQL nor Redis, and the outage tests,
# which mostly wait for a service to come back, passed under a load average of 12–17 (#18).
XDIST := -n $(or $(TEST_PROCESSES),2) --dist loadfile
# Python writes its bytecode, and pytest its rewritten test modules, to __pycache__ even where the environment says
# PYTHONDONTWRITEBYTECODE: each pytest process of `make test` (two of the parallel lane, the serial lane, two of the
# SQLite lane) would otherwise compile the portal and rewrite the asserts of every test module again — collecting
# the suite took 19 s of CPU, and 7 s with the files the first process wrote (#18).
unexport PYTHONDONTWRITEBYTECODE
# One name per `make test`: the first PostgreSQL test database migrated in it becomes a template that the later ones
# (the other lane's) are copied from instead of migrating again (tests/conftest.py, _template_database).
TEST_RUN := $(shell date +%s%N)

# The PostgreSQL test database is migrated beside the lint (mypy keeps one core busy for ~20 s): the setup of
# tests/test_database_template.py (pytest --setup-only) leaves this run's template, which the parallel lane's two
# processes and the serial lane copy instead of migrating. Its output is shown only if it fails.
test: install-dev ## Install what tests need, lint, and run the whole suite (PostgreSQL, Redis, a real worker, Chromium)
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=shnor_portal.settings.test
	@log=$$(mktemp); \
	SHNOR_TEST_RUN=$(TEST_RUN) $(BIN)/pytest -q -p no:cacheprovider --setup-only tests/test_database_template.py \
		>$$log 2>&1 & template=$$!; \
	$(MAKE) --no-print-directory lint; lint=$$?; \
	wait $$template; built=$$?; [ $$built -eq 0 ] || cat $$log; rm -f $$log; [ $$lint -eq 0 ] && [ $$built -eq 0 ]
	SHNOR_TEST_RUN=$(TEST_RUN) $(BIN)/pytest $(XDIST) -m "not serial" $(PYTEST_ARGS)
	@log=$$(mktemp); \
	SHNOR_TEST_RUN=$(TEST_RUN) $(BIN)/pytest -m serial $(PYTEST_ARGS) >$$log 2>&1 & serial=$$!; \
	$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; \
	wait $$serial; outages=$$?; echo "== pytest -m serial"; cat $$log; rm -f $$log; \
	[ $$sqlite -eq 0 ] && [ $$outages -eq 0 ]

# The demo runs on SQLite, the suite on PostgreSQL: a query one accepts and the other refuses (issue #17, the audit
# page) is caught by opening every page of the access matrix as every role, and the page tests, on SQLite too.
SQLITE_TESTS := tests/core/test_access_matrix.py tests/core/test_audit.py tests/api/test_scope_walk.py \
	tests/core/test_home.py \
	$(sort $(wildcard tests/*/test_*views*.py))

test-sqlite: install-dev ## Open every page as every role on the demo's embedded database (SQLite)
	TEST_DATABASE_VENDOR=sqlite $(BIN)/pytest -p no:cacheprovider $(XDIST) $(SQLITE_TESTS)

worker: install ## Start a Celery worker on every queue (needs CELERY_BROKER_URL)
	$(BIN)/celery -A shnor_portal worker --loglevel=INFO -Q celery,imports,reports,recompute,notifications

check-compose: ## Validate docker-compose.yml with .env.example (docker compose, or the older docker-compose)
	@tmp=$$(mktemp -d) && cp docker-compose.yml $$tmp/ && cp .env.example $$tmp/.env && cd $$tmp && \
	  if docker compose version >/dev/null 2>&1; then docker compose config -q; else docker-compose config -q; fi; \
	  rc=$$?; rm -rf $$tmp; exit $$rc

beat: install ## Start Celery beat (the schedule is in shnor_portal/celery.py)
	$(BIN)/celery -A shnor_portal beat --loglevel=INFO

backup: ## Back up DATABASE_URL (pg_dump) and MEDIA_ROOT into var/backups/<time>/ (BACKUP_DIR to change)
	./scripts/backup.sh

restore: ## Restore from a backup folder: make restore BACKUP=var/backups/<time> (stop web and workers first)
	@test -n "$(BACKUP)" || { echo "Укажите папку копии: make restore BACKUP=var/backups/…" >&2; exit 2; }
	./scripts/restore.sh "$(BACKUP)"

bench: install-dev ## Run the benchmarks in bench/ against PostgreSQL
	@for script in bench/flags.py bench/import.py bench/api.py bench/reports.py bench/home.py bench/load.py; do \
		echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean: ## Remove the virtualenv, the demo database and caches
	rm -rf $(VENV) db.sqlite3 var staticfiles .pytest_cache .ruff_cache
