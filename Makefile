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
	@echo "Installing the Python packages into $(VENV) (the first time only, about 2 minutes)..."
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	set -o pipefail; $(PY) -m pip install --disable-pip-version-check \
		-r requirements-dev.txt -c constraints.txt \
		| sed -un 's/^\(Collecting\|Successfully installed\) /  \1 /p'
	touch $(STAMP)
	@echo "Packages installed."

instance:
	mkdir -p instance

instance/secret_key: | instance
	umask 077 && $(PY) -c "import secrets; print(secrets.token_hex(32))" > $@

run: install instance/secret_key
	@echo "Building the demo trial database (if there is none yet)..."
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
