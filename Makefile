# Qualiopi readiness portal — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: install run stop test test-fast bench bench-scale lint format messages services

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

install: $(VENV)/.installed

services: install
	$(PY) scripts/services.py start

run: services
	$(PY) manage.py migrate_portal --verbosity 0
	$(PY) manage.py referential load
	$(PY) manage.py seed_demo
	$(PY) scripts/processes.py start

stop:
	-@[ -x $(PY) ] && $(PY) scripts/processes.py stop
	-@[ -x $(PY) ] && $(PY) scripts/services.py stop

test: services
	$(PY) -m pytest

# Everything except the browser journeys.
test-fast: services
	$(PY) -m pytest -m "not e2e"

bench: services
	$(PY) bench/run.py

# The growth curve at 1,000 organisations (SCALE_ORGANISATIONS to shrink); not part of `make test`.
bench-scale: services
	$(PY) bench/scale.py

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the English catalogue after changing French strings (then translate the new entries).
messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore tests --ignore bench
	$(PY) manage.py compilemessages -l en --ignore .venv
