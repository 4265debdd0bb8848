# Two entry points for a fresh machine: `make run` and `make test`.
# Both create the virtual environment from the pinned constraints on first use.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test lint bench install mypyc mypyc-test image image-test monitoring-check

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/federation serve --demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python bench/bench_core.py

# The decision core compiled with mypyc, in an environment of its own (`pip install .`
# without FEDERATION_MYPYC stays pure Python). See docs/benchmarks.md.
MYPYC_VENV ?= .venv-mypyc
mypyc:
	rm -rf build  # setuptools keeps earlier extension modules there and would ship them
	$(PYTHON) -m venv $(MYPYC_VENV)
	$(MYPYC_VENV)/bin/pip install -q --upgrade pip
	$(MYPYC_VENV)/bin/pip install -q -c constraints.txt --upgrade "setuptools>=77" wheel mypy
	FEDERATION_MYPYC=1 $(MYPYC_VENV)/bin/pip install -q -c constraints.txt --no-build-isolation '.[dev]'

# The compiled build makes the same decisions: the golden scenarios and the core, config,
# report and replay tests against it (the tests import the installed, compiled package).
mypyc-test: mypyc
	$(MYPYC_VENV)/bin/python -c "import federation_ai.core.arbiter as m, sys; sys.exit(not m.__file__.endswith('.so'))"
	$(MYPYC_VENV)/bin/python -m pytest -q -p no:randomly tests/acceptance tests/core tests/report tests/replay

# The container image (Podman) and the monitoring files (promtool): see docs/operations.md.
# None of these needs the virtual environment.
image:
	deploy/image-build.sh

image-test:
	deploy/image-test.sh

monitoring-check:
	deploy/check-monitoring.sh
