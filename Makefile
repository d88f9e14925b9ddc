# Two commands for a new user: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8050
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench demo clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

instance:
	mkdir -p instance

instance/secret_key: | instance
	umask 077 && $(PY) -c "import secrets; print(secrets.token_hex(32))" > $@

run: install instance/secret_key
	$(PY) -m dashboard demo-db --if-empty
	$(PY) -m dashboard users demo --save instance/demo-accounts.txt
	SECRET_KEY=$$(cat instance/secret_key) $(PY) -m dashboard serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest --headless $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
