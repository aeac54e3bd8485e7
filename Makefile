# LDA — the two commands of the README, and a few helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint lock fuzz fuzz-short clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) -r requirements.txt -r requirements-dev.txt
	touch $(VENV)/.runtime $@

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm absent : les tests navigateur seront ignorés."; fi

## make run: install, prepare the embedded database with the demo territory, serve on http://$(HOST):$(PORT) with the task worker
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@# The task worker runs beside the server; Ctrl-C (or the server stopping) stops both.
	$(BIN)/python manage.py run_tasks & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: install, run the whole suite (set DATABASE_URL to run it on PostgreSQL)
test: $(VENV)/.dev
	-@$(MAKE) --no-print-directory node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make fuzz: schemathesis over every API operation, every case with the token of each role (not part of make test; LDA_FUZZ_EXAMPLES sets the cases per operation, 20 by default)
fuzz: $(VENV)/.dev
	@mkdir -p var
	LDA_FUZZ=full LDA_FUZZ_REPORT=$${LDA_FUZZ_REPORT:-var/fuzz-report.json} $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

## make fuzz-short: the bounded run CI calls (under 3 minutes): each case with one token, the roles in turn
fuzz-short: $(VENV)/.dev
	LDA_FUZZ=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

## make lock: re-resolve the locked dependencies (needs pip-tools in the venv)
lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	cd requirements && ../$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o ../requirements.txt base.in
	cd requirements && ../$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o ../requirements-dev.txt dev.in

clean:
	rm -rf $(VENV) node_modules staticfiles
