# Two entry points (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MEMBERS := $(patsubst %/pyproject.toml,%,$(wildcard chiltepin-*/pyproject.toml))

.PHONY: demo test venv system-deps lint types docs bench clean

## Set up .venv and run the example workflow on the built-in local resource.
demo: venv
	$(BIN)/python examples/quickstart.py

## Install system packages (Slurm, MPI, RabbitMQ), set up .venv, lint, type-check, run the whole test suite.
test: system-deps venv lint types
	$(BIN)/python -m pytest $(PYTEST_ARGS)

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(addsuffix /pyproject.toml,$(MEMBERS)) examples/site-plugin/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(addprefix -e ./,$(MEMBERS)) -e ./examples/site-plugin -e ".[dev]"
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

lint: venv
	$(BIN)/ruff check .

types: venv
	$(BIN)/mypy

docs: venv
	$(BIN)/sphinx-build -W -b html docs docs/_build/html

bench: venv
	$(BIN)/python benchmarks/wrapper_overhead.py
	$(BIN)/python benchmarks/cold_start.py
	$(BIN)/python benchmarks/run_db_overhead.py
	$(BIN)/python benchmarks/status_large_run.py

clean:
	rm -rf $(VENV) runinfo docs/_build
