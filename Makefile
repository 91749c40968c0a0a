# Driftline: `make run` and `make test` are the whole quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint run docs docs-serve bench bench-postgres bench-retention bench-anchors anchors sample-data clean browser fuzz

$(STAMP): pyproject.toml
	@echo "installing Driftline and its dependencies into $(VENV) (a few minutes on a fresh machine)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar off -e '.[dev,mlflow,dask]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check monitor alerts dashboards tests sample_data
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (never a Playwright browser download); the
# monitoring tests run Debian's Prometheus and promtool against deploy/prometheus/rules.yml.
CHROMIUM := /usr/bin/chromium
PROMETHEUS := /usr/bin/prometheus
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	@echo "installing Debian chromium and chromium-driver for the browser tests"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver

$(PROMETHEUS):
	@echo "installing Debian prometheus (with promtool) for the monitoring tests"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus

browser: $(CHROMIUM) $(PROMETHEUS)

test: lint browser
	$(BIN)/pytest

# The documentation site from docs/ (MkDocs, Material theme); `make test` builds it with
# --strict too (tests/test_docs.py).
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# Schemathesis against a real serve (SQLite and PostgreSQL when DRIFTLINE_TEST_POSTGRES_URL is
# set) for 10 minutes per database; `make test` runs the same test for 30 s each.
fuzz: install
	DRIFTLINE_FUZZ_SECONDS=600 DRIFTLINE_FUZZ_EXAMPLES=200 $(BIN)/pytest -s \
		tests/integration/service/test_fuzz_api.py

# The main job: the whole loop on the sample data (sample_data/demo.py). It trains and
# registers the demo model, serves Driftline on 127.0.0.1:$(DEMO_PORT), replays eight weeks of
# live traffic in about $(DEMO_DURATION) s, and keeps serving the dashboard until Ctrl-C. A second
# run reuses the finished $(DEMO_DIR); `make run DEMO_FRESH=1` starts over.
DEMO_DIR ?= .driftline-demo
DEMO_PORT ?= 8050
DEMO_DURATION ?= 60
run: install
	$(BIN)/python -m sample_data.demo --workdir $(DEMO_DIR) --port $(DEMO_PORT) \
		--duration $(DEMO_DURATION) $(if $(DEMO_FRESH),--fresh,)

# bench_anchors.py takes about 5 minutes here (Evidently alone ~100 s at 1M rows) and
# bench_multivariate.py (40 seeds; NannyML's domain classifier takes most of it) longer; the
# first `make anchors` adds a few minutes of pip installs.
bench: install anchors
	$(BIN)/python tests/benchmarks/bench_check.py
	$(BIN)/python tests/benchmarks/bench_service.py
	$(BIN)/python tests/benchmarks/bench_dashboard.py
	$(BIN)/python tests/benchmarks/bench_serve_model.py
	$(BIN)/python tests/benchmarks/bench_hostile.py
	$(BIN)/python tests/benchmarks/bench_anchors.py --venvs $(ANCHORS)
	$(BIN)/python tests/benchmarks/bench_multivariate.py --venvs $(ANCHORS)

# PostgreSQL ingest with one and two serve processes: drops and migrates the public schema of
# $(DRIFTLINE_BENCH_POSTGRES_URL) (a database for the benchmark only).
bench-postgres: install
	$(BIN)/python tests/benchmarks/bench_postgres.py

# Retention on PostgreSQL: drops and creates the database bench_retention on 127.0.0.1:5432
# (user postgres), fills $(RETENTION_RECORDS) records, and prunes 90 % of them while serve
# ingests (docs/operations.md, "Retention at scale").
RETENTION_RECORDS ?= 10000000
bench-retention: install
	$(BIN)/python tests/benchmarks/bench_retention.py --records $(RETENTION_RECORDS)

# The anchors (Evidently, NannyML, Alibi Detect, whylogs) each get their own venv from
# tests/benchmarks/anchors/<tool>.txt; they are never project dependencies. A tool that fails
# to install is left without its stamp, and bench_anchors.py reports it skipped with the
# error from .venv-anchors/<tool>.install.log.
ANCHORS := .venv-anchors
ANCHOR_TOOLS := evidently nannyml alibi-detect whylogs

$(ANCHORS)/%/.installed-stamp: tests/benchmarks/anchors/%.txt
	@mkdir -p $(ANCHORS)
	@rm -rf $(ANCHORS)/$*
	@echo "installing $* into $(ANCHORS)/$* (log: $(ANCHORS)/$*.install.log)"
	@( $(PYTHON) -m venv $(ANCHORS)/$* && \
		$(ANCHORS)/$*/bin/python -m pip install --upgrade pip && \
		$(ANCHORS)/$*/bin/python -m pip install -r $< ) > $(ANCHORS)/$*.install.log 2>&1 \
		&& touch $@ \
		|| echo "could not install $* (see $(ANCHORS)/$*.install.log); it is reported as skipped"

anchors: $(foreach tool,$(ANCHOR_TOOLS),$(ANCHORS)/$(tool)/.installed-stamp)

bench-anchors: install anchors
	$(BIN)/python tests/benchmarks/bench_anchors.py --venvs $(ANCHORS)
	$(BIN)/python tests/benchmarks/bench_multivariate.py --venvs $(ANCHORS)

sample-data: install
	$(BIN)/python sample_data/generate.py
	$(BIN)/python -m sample_data.live

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(ANCHORS) .driftline-baseline.json .mypy_cache .pytest_cache .ruff_cache tests/output
