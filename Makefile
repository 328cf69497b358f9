# The two commands of the README, and the pieces they are made of.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
CATALOGS := $(patsubst %.po,%.mo,$(wildcard tenants/translations/*/LC_MESSAGES/messages.po))

.PHONY: run up test lint fmt typecheck pytest audit bench bench-calls bench-console faults translations extract clean

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:$(PORT) (jobs run in-process; Ctrl-C stops)"
	@LOG_JSON=$${LOG_JSON:-false} $(FLASK) tenants scheduler & scheduler=$$!; \
	  trap "kill $$scheduler 2>/dev/null" EXIT INT TERM; \
	  LOG_JSON=$${LOG_JSON:-false} $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The process model on this machine's PostgreSQL and Redis: gunicorn web processes, RQ workers and the
# periodic-job scheduler; Ctrl-C stops them all (workers finish their job first).
UP_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/answering
UP_REDIS_URL ?= redis://127.0.0.1:6379/1
WEB_PROCESSES ?= 2
WORKERS ?= 2

up: $(VENV)/.installed translations
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'answering'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE answering"
	DATABASE_URL=$(UP_DATABASE_URL) REDIS_URL=$(UP_REDIS_URL) $(FLASK) db upgrade
	DATABASE_URL=$(UP_DATABASE_URL) REDIS_URL=$(UP_REDIS_URL) $(FLASK) seed-demo
	@export DATABASE_URL=$(UP_DATABASE_URL) REDIS_URL=$(UP_REDIS_URL); pids=""; \
	  for i in $$(seq 1 $(WORKERS)); do $(FLASK) tenants worker & pids="$$pids $$!"; done; \
	  $(FLASK) tenants scheduler & pids="$$pids $$!"; \
	  trap "kill -TERM $$pids 2>/dev/null; wait" EXIT INT TERM; \
	  $(BIN)/gunicorn --workers $(WEB_PROCESSES) --bind 127.0.0.1:$(PORT) --graceful-timeout 20 wsgi:app

test: $(VENV)/.dev-installed translations lint typecheck audit pytest

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

translations: $(CATALOGS)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ 2>/dev/null

extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o tenants/translations/messages.pot .
	$(BIN)/pybabel update -i tenants/translations/messages.pot -d tenants/translations --no-fuzzy-matching

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# bandit over the packages, pip-audit over the dependencies (PyPI's advisory database; required
# under CI=true, a warning elsewhere when it cannot be reached).
audit: $(VENV)/.dev-installed
	$(BIN)/python -m tests.audit

pytest: $(VENV)/.dev-installed translations
	@rm -f .pytest-exit-code
	$(BIN)/pytest -n $${PYTEST_WORKERS:-auto} --dist loadgroup $(PYTEST_ARGS); \
	  code=$$?; echo $$code > .pytest-exit-code; \
	  if [ $$code -eq 5 ]; then echo "pytest collected no tests" >&2; fi; exit $$code

bench: $(VENV)/.dev-installed translations
	$(BIN)/python -m tests.benchmarks
	$(BIN)/python -m tests.benchmarks.console_pop

# Console pop latency: route decision to the card in Chromium and on the server (BENCH_POP_CALLS=20).
bench-console: $(VENV)/.dev-installed translations
	$(BIN)/python -m tests.benchmarks.console_pop

# The live-call figures: gunicorn on this machine's PostgreSQL, a steady 200 requests/s, and
# 2,000 simulated calls with duplicated, shuffled callbacks (a few minutes).
bench-calls: $(VENV)/.dev-installed translations
	$(BIN)/python -m tests.benchmarks.calls

# Faults done to the process model (gunicorn, RQ workers) on a private PostgreSQL and Redis under
# load, each printing what was offered against what was completed or delivered (a few minutes).
# FAULTS=web-kill runs one; see tests/faults/__main__.py for the names.
faults: $(VENV)/.dev-installed translations
	$(BIN)/python -m tests.faults $${FAULTS:-all}

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
