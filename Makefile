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

# For now the main job is a drift check of each sample window against the sample baseline.
run: install
	@$(BIN)/driftline baseline build sample_data/reference.csv --out .driftline-baseline.json \
		--target default --prediction predicted_proba
	@for f in sample_data/current_*.csv; do \
		echo "== driftline check --current $$f"; \
		$(BIN)/driftline check --baseline .driftline-baseline.json --current $$f; \
		status=$$?; [ $$status -le 1 ] || exit $$status; \
	done

bench: install
	$(BIN)/python tests/benchmarks/bench_check.py
	$(BIN)/python tests/benchmarks/bench_service.py
	$(BIN)/python tests/benchmarks/bench_dashboard.py
	$(BIN)/python tests/benchmarks/bench_serve_model.py

sample-data: install
	$(BIN)/python sample_data/generate.py
	$(BIN)/python -m sample_data.live

clean:
	rm -rf $(VENV) .driftline-baseline.json .mypy_cache .pytest_cache .ruff_cache tests/output
