# Driftline: `make run` and `make test` are the whole quick start.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint run bench sample-data clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,mlflow]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check monitor alerts dashboards tests sample_data
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (never a Playwright browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	@echo "installing Debian chromium and chromium-driver for the browser tests"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver

browser: $(CHROMIUM)

test: lint browser
	$(BIN)/pytest

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

bench: install
	$(BIN)/python tests/benchmarks/bench_check.py
	$(BIN)/python tests/benchmarks/bench_service.py
	$(BIN)/python tests/benchmarks/bench_dashboard.py
	$(BIN)/python tests/benchmarks/bench_serve_model.py

sample-data: install
	$(BIN)/python sample_data/generate.py
	$(BIN)/python -m sample_data.live

clean:
	rm -rf $(VENV) $(DEMO_DIR) .driftline-baseline.json .mypy_cache .pytest_cache .ruff_cache tests/output
