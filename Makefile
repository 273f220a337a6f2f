# Two commands on a fresh machine with only python3 and make:
#   make demo   set up .venv, generate the synthetic authority, run the monthly job end to end
#   make test   set up .venv and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO := state/demo
PERIOD ?= 2025-03

.PHONY: setup demo demo-ui test ui lint benchmark clean browser

setup: $(STAMP)

# uv installs the stack in seconds where pip takes minutes; both come from PyPI.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The demo keeps its own state (archive, warehouse, Dagster home) in $(DEMO)/state and starts afresh each time,
# so it never mixes synthetic drops with an authority's own archive and always works after a generator change.
# It creates its own throwaway pseudonymisation key there too (an authority creates and keeps its own once:
# `scorecard key create`).
demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/scorecard generate --out $(DEMO)/landing
	SCORECARD_KEY_FILE=$(DEMO)/pseudonymisation.key $(BIN)/scorecard key create
	SCORECARD_KEY_FILE=$(DEMO)/pseudonymisation.key SCORECARD_STATE=$(DEMO)/state $(BIN)/scorecard run --extracts $(DEMO)/landing --period $(PERIOD) --out $(DEMO)/out

demo-ui: $(STAMP)
	SCORECARD_KEY_FILE=$(DEMO)/pseudonymisation.key SCORECARD_STATE=$(DEMO)/state $(BIN)/scorecard ui

# The pack's browser test needs Debian's chromium; installed here when running as root (as CI does).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } ; } || echo "chromium not installed: the browser test will be skipped"

test: $(STAMP) browser
	$(BIN)/python -m pytest

ui: $(STAMP)
	$(BIN)/scorecard ui

lint: $(STAMP)
	$(BIN)/ruff check pipelines scorecard_tools tests benchmarks

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) state
