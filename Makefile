# newsmon: the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: vendor check setup demo flink-demo bench soak serve test audit lock lint typecheck unit integration services-up down status clean

# Quiet: pip's and setuptools' output goes to $(VENV)/install.log, shown only on failure.
$(STAMP): pyproject.toml requirements.lock
	@scripts/bootstrap-system.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing newsmon and its tools into $(VENV) (log: $(VENV)/install.log)"
	@{ $(BIN)/python -m pip install -q --upgrade pip && \
	   $(BIN)/python -m pip install -q -e '.[dev]' -c requirements.lock; } > $(VENV)/install.log 2>&1 \
	   || { cat $(VENV)/install.log; echo "install failed (log: $(VENV)/install.log)"; exit 1; }
	@touch $(STAMP)

## setup: install system packages if missing, then a virtualenv with newsmon and its tools
setup: $(STAMP)

## demo: start Kafka + OpenSearch locally, feed real articles, run the pipeline, keep them searchable
demo: setup
	$(BIN)/newsmon demo

## vendor: fetch the desk's chart and map libraries from the npm registry into its static files
vendor: setup
	$(BIN)/python scripts/vendor.py

## check: the fast lane: lint, types and the unit tests (no services)
check: lint typecheck unit

## test: the fast lane, the dependency audit, then every other test (starts the local services if needed)
test: check audit
	scripts/bootstrap-system.sh --test
	$(BIN)/newsmon services up
	$(BIN)/python -m pytest -m "not unit"

## serve: the desk (dashboard and API) on http://127.0.0.1:8080 (writes need NEWSMON_API__TOKEN)
serve: setup
	$(BIN)/newsmon serve

## audit: pip-audit over requirements.lock (AUDIT_FLAGS=--strict where PyPI is reachable)
audit: setup
	$(BIN)/python scripts/audit.py $(AUDIT_FLAGS)

## lock: re-pin requirements.lock from a fresh virtualenv after changing dependencies
lock:
	rm -rf build/lockvenv && $(PYTHON) -m venv build/lockvenv
	build/lockvenv/bin/python -m pip install -q -e '.[dev]'
	{ echo "# Every package newsmon installs, pinned (pip freeze of a fresh 'pip install -e .[dev]')."; \
	  echo "# make setup installs with it as constraints; make audit checks it. Regenerate: make lock"; \
	  build/lockvenv/bin/python -m pip freeze --exclude-editable | grep -v '^-e\|^newsmon'; } > requirements.lock
	rm -rf build/lockvenv

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	LINT_IMPORTS=$(BIN)/lint-imports scripts/lint-imports.sh

typecheck: setup
	MYPY=$(BIN)/mypy scripts/typecheck.sh

unit: setup
	$(BIN)/python -m pytest -q -m unit

integration: setup
	$(BIN)/newsmon services up
	$(BIN)/python -m pytest tests/integration

## flink-demo: the same pipeline on Apache Flink (Beam's Flink job server, embedded Flink, 2 slots)
FLINK_DEMO_ENV := NEWSMON_KAFKA__ARTICLES_TOPIC=flink-demo NEWSMON_KAFKA__CONSUMER_GROUP=flink-demo \
	NEWSMON_SEARCH__ARTICLES_INDEX=newsmon-flink-demo NEWSMON_PIPELINE__RUNNER=flink \
	NEWSMON_PIPELINE__FLINK__PARALLELISM=2 NEWSMON_PIPELINE__FLINK__ENVIRONMENT_TYPE=EXTERNAL \
	NEWSMON_PIPELINE__FLINK__ENVIRONMENT_CONFIG=127.0.0.1:50000
flink-demo: setup
	$(BIN)/newsmon services up --flink
	$(FLINK_DEMO_ENV) $(BIN)/newsmon init
	$(FLINK_DEMO_ENV) $(BIN)/newsmon replay ../shared/data/provenance/provenance_articles.jsonl --limit 60
	$(BIN)/newsmon workers --port 50000 & pool=$$!; \
	  $(FLINK_DEMO_ENV) $(BIN)/newsmon run --idle-timeout 15; status=$$?; kill $$pool; exit $$status
	$(FLINK_DEMO_ENV) $(BIN)/newsmon search Putin --size 5

## bench: every benchmark in one run, each printing its table (docs/benchmarks.md)
bench: setup
	$(BIN)/python -m bench

## soak: a continuous Flink job (2 slots) for 30 minutes at half its capacity with bursts (bench/soak.py)
soak: setup
	$(BIN)/python -m bench.soak --runner flink:2 --minutes 30

services-up: setup
	$(BIN)/newsmon services up

status: setup
	$(BIN)/newsmon services status

## down: stop the background pipeline, Kafka and OpenSearch (data stays in .state/)
down:
	$(BIN)/newsmon services down

clean: down
	rm -rf .state build
