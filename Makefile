# Two entry points: `make run` (the back-office with demo data) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-dev migrate demo worker beat bench bench-rm bench-relief load lint fmt clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py runserver $(HOST)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy config policies claims incidents payouts
	$(VENV)/bin/lint-imports

test: install-dev lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# The same settings as `make run` (manage.py's default); production sets DJANGO_SETTINGS_MODULE.
CELERY_SETTINGS ?= $(or $(DJANGO_SETTINGS_MODULE),config.settings.local)

worker: install
	DJANGO_SETTINGS_MODULE=$(CELERY_SETTINGS) $(VENV)/bin/celery -A config worker -l info

beat: install
	DJANGO_SETTINGS_MODULE=$(CELERY_SETTINGS) $(VENV)/bin/celery -A config beat -l info

bench: install
	$(PY) -m payouts.bench

# RM queue page p95 on PostgreSQL; fill the database first: manage.py seed_incidents --count 1000000
bench-rm: install
	$(PY) -m incidents.bench_queue

# Relief import of a generated 105,116-row CSV on PostgreSQL (DATABASE_URL), a scratch database.
bench-relief: install
	$(PY) -m claims.relief.bench

# Bounded load test on 127.0.0.1: gunicorn, production settings, PostgreSQL (config/loadtest.py).
load: install
	$(PY) -m config.loadtest

fmt: install-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
