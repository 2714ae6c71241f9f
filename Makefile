# Online conduct training — developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STRICT ?= 0
export STRICT

# Development settings for `make run`; production is the default everywhere else.
RUN_ENV := APP_ENV=development FLASK_APP=app:create_app

.PHONY: help install install-dev assets system-fonts system-test-deps db-upgrade demo run content-check test lint format bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

app/static/dist/app.css: node_modules/.package-lock.json $(wildcard app/static/src/*)
	npm run --silent build

install: $(VENV)/.runtime-installed system-fonts ## Create the virtual environment and install the app's packages

# Noto fonts (Debian's fonts-noto-core) print names in Devanagari, Gurmukhi, Arabic, Thai
# and other scripts on certificates. As root they are installed when missing; otherwise
# such names print blank until someone installs them (STRICT=1 tests fail).
NOTO_PROBE := /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf
system-fonts:
	@if [ ! -f $(NOTO_PROBE) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing from Debian: fonts-noto-core"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-core >/dev/null; \
	  else \
	    echo "*** NOTICE: not root, so cannot install fonts-noto-core; names in some scripts print blank on certificates. ***"; \
	  fi; \
	fi

install-dev: $(VENV)/.dev-installed system-fonts ## Install the test and lint tools as well

assets: app/static/dist/app.css ## Build the CSS and JavaScript from GOV.UK Frontend

# Chromium (browser tests), Java (the Nu HTML checker), wrk (the benchmark's smoke test),
# openssl (a throwaway certificate for the mail TLS test) and pg_dump/pg_restore (the
# backup-and-restore test) come from Debian's packages.
# As root they are installed when missing; otherwise the tests that need them skip
# loudly, or fail under STRICT=1.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v pg_restore >/dev/null || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing from Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "*** NOTICE: not root, so cannot install$$missing; the tests that need them will be skipped. ***"; \
	  fi; \
	fi

db-upgrade: install ## Bring the database schema up to date (flask db upgrade)
	mkdir -p instance
	$(RUN_ENV) $(BIN)/flask db upgrade

demo: db-upgrade ## Load the demo council (idempotent)
	$(RUN_ENV) $(BIN)/flask demo

run: install assets demo ## Set up and run the app with demo data on http://127.0.0.1:$(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)"
	$(RUN_ENV) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

content-check: install ## Check every module, lesson and scenario in content/
	$(RUN_ENV) $(BIN)/flask content check

lint: install-dev ## Lint and check formatting (ruff)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev ## Format the code (ruff)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two workers; each test file runs whole on one worker (browser files share a page checker).
PYTEST_ARGS ?= -n 2 --dist loadfile

# Scratch files (SQLite databases, the browser's profile) go to memory (/dev/shm) where the
# machine has it: on a slow disk every SQLite commit waits for fsync, which tests do not
# need (PostgreSQL keeps its own disk). Removed afterwards, whatever the result.
test: install-dev assets system-test-deps lint ## Set up and run lint and every test (STRICT=1: nothing may skip)
	@scratch=$$( { [ -d /dev/shm ] && [ -w /dev/shm ] && mktemp -d /dev/shm/oct-tests.XXXXXX; } || mktemp -d ); \
	trap 'rm -rf "$$scratch"' EXIT; \
	echo "pytest $(PYTEST_ARGS) (scratch files in $$scratch)"; \
	TMPDIR="$$scratch" $(BIN)/python -m pytest $(PYTEST_ARGS) --basetemp="$$scratch/pytest"

bench: install-dev assets ## Benchmark pages against /healthz (BENCH_ARGS="--users 10000")
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-scale: install-dev ## Officer pages on a council-sized database (SCALE_ARGS="--staff 10000 --attempts 200000")
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

clean: ## Remove generated files (virtual environment, node_modules, built assets, local database)
	rm -rf $(VENV) node_modules app/static/dist instance bench/results .pytest_cache .ruff_cache
