# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test checks install install-dev setup lint layers typecheck schema schema-check migrate-check messages clean bench

$(VENV)/.installed-runtime: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed-runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

# Migrate and load the reference data (catalogue, hospitals, calendar) and the demo accounts.
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py bootstrap

run: setup
	PORT=$(PORT) bash scripts/run.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The lifecycle's layers (applications -> reviews -> certification -> notifications -> accounts), as
# written in pyproject.toml [tool.importlinter]: an import against them fails the build.
layers: install-dev
	$(VENV)/bin/lint-imports --no-cache

# mypy with django-stubs; the settings module, files and plugins are in pyproject.toml [tool.mypy].
typecheck: install-dev
	$(VENV)/bin/mypy

migrate-check: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

# The schema is generated on SQLite whatever DATABASE_URL says: field bounds differ by backend.
schema: install-dev
	DATABASE_URL= DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml

schema-check: install-dev
	DATABASE_URL= DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file $(VENV)/openapi.check.yaml
	diff -u openapi.yaml $(VENV)/openapi.check.yaml || { echo "openapi.yaml is stale: run 'make schema' and commit it"; exit 1; }

# The translations Django and the libraries leave out (locale/zh_Hans): compiled with GNU msgfmt, the
# .mo committed so a clone needs no gettext; tests/test_admin_language.py fails when it is stale.
messages:
	for domain in django djangojs; do \
	  msgfmt --check -o locale/zh_Hans/LC_MESSAGES/$$domain.mo locale/zh_Hans/LC_MESSAGES/$$domain.po || exit 1; done

checks: lint layers typecheck migrate-check schema-check

# The static checks two at a time, then pytest in parallel, one process per core (pytest-xdist);
# PYTEST_ARGS="-n 0 -k name" for one test.
test: install-dev
	$(MAKE) --no-print-directory -j 2 --output-sync=target checks
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# The HTTP suite (bench/http_suite.py): each API path of the project against a bare DRF twin, both under
# gunicorn on PostgreSQL and Redis at 127.0.0.1; throwaway databases; BENCH_ARGS="--rounds 5" to change it.
bench: install-dev
	$(PY) bench/http_suite.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
