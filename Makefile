# Two commands for a newcomer on a fresh machine:
#   make site   sets up .venv and builds site/ from seeds/
#   make test   sets up .venv (and Chromium for the browser tests) and runs every test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test setup browser golden

setup: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

site: setup
	$(BIN)/timeline build

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: no chromium; browser tests will be skipped (sudo apt-get install chromium)"; fi; }

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Rebuild site/ and the golden files after a reviewed change of output.
golden: setup
	$(BIN)/timeline build
