# `make run`: set up (virtual environment, database, the Marrakech sample, demo accounts) and
# start web, worker and beat at http://127.0.0.1:$(PORT). `make test`: set up and run the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_ENV := DEBUG=1 DEMO_MODE=1

.PHONY: run test test-fast lint setup clean bench load

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "gaplanner needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# Settings read this git-ignored file, so that manage.py works in a plain shell after make run:
# a generated SECRET_KEY, DEBUG=1, DEMO_MODE=1, and DATABASE_URL and REDIS_URL when they are set.
.env:
	@$(PYTHON) -c 'import os, secrets; print(f"SECRET_KEY={secrets.token_urlsafe(50)}\nDEBUG=1\nDEMO_MODE=1"); \
	  [print(f"{name}={os.environ[name]}") for name in ("DATABASE_URL", "REDIS_URL") if os.environ.get(name)]' > $@
	@echo "make: wrote .env for manage.py in a plain shell (see .env.example)"

setup: $(VENV)/.runtime .env
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv -v 0
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	$(DEMO_ENV) $(BIN)/python manage.py sample_load --demo-accounts

run: setup
	@echo ""
	@echo "  gaplanner at http://127.0.0.1:$(PORT)/  (programme)"
	@echo "  API        http://127.0.0.1:$(PORT)/api/v1/events/   docs http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  admin      http://127.0.0.1:$(PORT)/admin/"
	@echo "  demo logins (password gaplanner-demo): organizer, head, delegate"
	@echo "  Ctrl-C stops web, worker and beat."
	@echo ""
	@# honcho reads no .env of its own (it would override the environment); the settings read it.
	$(DEMO_ENV) VENV=$(VENV) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/honcho start --port $(PORT) --procfile Procfile.dev --env /dev/null

# The browser tests (tests/e2e/) drive Debian's Chromium, never a browser that Playwright
# downloads: install the package when it is missing, as root or through sudo.
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then as_root=; elif command -v sudo >/dev/null; then as_root=sudo; else \
	  echo "make: the browser tests need Debian's chromium: run make as root, or apt-get install chromium" >&2; \
	  exit 1; fi; \
	echo "make: installing Debian's chromium for the browser tests"; \
	$$as_root apt-get update -qq && \
	  $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

test: $(VENV)/.dev node_modules/.installed /usr/bin/chromium
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v 0
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r apps gaplanner --quiet
	$(BIN)/lint-imports --no-cache
	@# mypy's Django plugin loads the settings: with DEBUG=1 they need no SECRET_KEY.
	DEBUG=1 $(BIN)/mypy
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

# The inner loop: lint, types and every test but the browser, real-service and fuzzing ones
# (markers e2e, integration, fuzz). make test and .ci/run still run everything.
test-fast: $(VENV)/.dev
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v 0
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	DEBUG=1 $(BIN)/mypy
	$(BIN)/python -m pytest -m "not e2e and not integration and not fuzz" $(PYTEST_ARGS)

# One table of every figure against its baseline and target (bench/__main__.py); with
# DATABASE_URL and REDIS_URL set, on PostgreSQL and Redis (docs/performance.md). make load: the
# locust load test alone.
bench: $(VENV)/.dev
	$(BIN)/python -m bench

load: $(VENV)/.dev
	$(BIN)/python -m bench bench.load

lint: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
