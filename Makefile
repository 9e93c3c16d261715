# Joined Up: `make demo` runs the product, `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
ASSETS := joinedup/web/static/govuk/joinedup.css
CHROMIUM ?= /usr/bin/chromium
PG_TEST_URL ?= postgres:///test
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install assets chromium lint test-unit test-sqlite test-postgres test-e2e bench clean check-deploy

demo: install assets ## Build the Harbourside demo on SQLite and serve it at http://127.0.0.1:8000
	$(VENV)/bin/joinedup demo $(DEMO_ARGS)

install: $(STAMP)
	@$(PY) -m joinedup.domain.exit_planner

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

assets: $(ASSETS)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

$(ASSETS): node_modules/.package-lock.json scripts/build-assets.mjs $(wildcard joinedup/web/scss/*.scss)
	node scripts/build-assets.mjs

chromium: ## Debian's Chromium for the browser tests (never a downloaded browser)
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x $(CHROMIUM) || { echo "Chromium is still missing at $(CHROMIUM)"; exit 1; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/lint_views.py

check-deploy: install assets
	SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-enough-secret-value-for-checks \
	ALLOWED_HOSTS=joinedup.example.org DATABASE_URL=$(PG_TEST_URL) JOINEDUP_FIELD_KEYS=$$($(PY) -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
	DJANGO_SETTINGS_MODULE=joinedup.config.settings.production \
	$(PY) manage.py check --deploy --fail-level WARNING

test-sqlite: install assets
	$(VENV)/bin/pytest tests/unit tests/integration -q -p no:randomly

test-postgres: install
	@if ! pg_isready -q 2>/dev/null && ! psql -d test -c 'select 1' >/dev/null 2>&1; then \
	  if [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable: CI needs it"; exit 1; fi; \
	  echo "SKIPPED: PostgreSQL is not reachable (set CI=true to make this a failure)"; exit 0; \
	fi; \
	JOINEDUP_TEST_DATABASE_URL=$${JOINEDUP_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(VENV)/bin/pytest tests/integration -q

test-e2e: install assets chromium
	$(VENV)/bin/pytest tests/e2e -q

test: lint check-deploy test-sqlite test-postgres test-e2e ## Everything CI runs

bench: install assets
	$(PY) -m benchmarks

clean:
	rm -rf var/ .pytest_cache .hypothesis
