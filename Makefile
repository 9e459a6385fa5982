# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench bench-provision-region messages clean-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

## make run: set up everything (venv, dependencies, migrations, demo data) and start web + worker + beat.
run: $(VENV)/.runtime
	$(BIN)/python bin/run

## make test: lint, the import layers (import-linter), types of the provider boundary (mypy), Django checks, migrations check, dependency audit (warns offline), translations, every test.
# Tests keep their own var/ (secret key, broker folder, SQLite file) apart from a running `make run`.
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	VAR_DIR=var/test $(BIN)/python manage.py check
	VAR_DIR=var/test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python bin/audit_dependencies.py
	VAR_DIR=var/test $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## make messages: refresh the catalogs from the source, then compile them (needs GNU gettext).
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l en -l bg -l pl -l ru --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python bin/fill_english_catalog.py
	$(BIN)/python manage.py compilemessages --ignore=.venv

## make bench: page timings and query counts, the dashboards at 10 and 1,000 schools, the council
## report PDF of 200 schools, provisioning 10,000 teachers, then the region (issue 17): 220,000
## people imported through the pages, their plans, the provisioning figures, and the load test.
bench: $(VENV)/.dev
	VAR_DIR=var/bench $(BIN)/python bench/run.py
	VAR_DIR=var/bench-dashboard $(BIN)/python bench/dashboard.py
	VAR_DIR=var/bench-report $(BIN)/python bench/report_pdf.py
	$(BIN)/python bench/provision.py google microsoft
	VAR_DIR=var/bench-import $(BIN)/python bench/import_scale.py
	VAR_DIR=var/bench-plan $(BIN)/python bench/plan_scale.py
	$(BIN)/python bench/load.py
	$(MAKE) bench-provision-region

## make bench-provision-region: issue 17's provisioning figures (bench/results/region_scale.json,
## "provision"): 2,000 accounts at time scale 1 on each provider, 100,000 accounts with units,
## groups and memberships, and 10,000 teachers on the chaos profile with three worker kills;
## the engine's query plans on a job of 300,000 items (PostgreSQL).
bench-provision-region: $(VENV)/.dev
	$(BIN)/python bench/claims_explain.py
	$(BIN)/python bench/provision.py realtime 100k chaos

clean-test:
	rm -rf var/test
