# One task runner: the README and CI call these targets.
# `make publish` creates the virtual environment, installs the toolkit, builds
# the package from sources/ and validates it. `make test` runs the test suite.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all venv publish build validate pack test lint format typecheck bench serve clean

all: publish

venv: $(STAMP)

# Dependencies are installed with constraints.txt so that a rebuild on any
# machine writes the same bytes (Parquet files record the pyarrow version).
# The serve extra (Datasette) is installed too, so that `cqpolicy serve` works after `make publish`.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,serve]"
	touch $(STAMP)

publish: $(STAMP)
	$(BIN)/python scripts/publish.py

build: $(STAMP)
	$(BIN)/cqpolicy build

validate: $(STAMP)
	$(BIN)/cqpolicy validate

# The zip to publish, dist/<name>-<version>.zip; refused unless the data are a committed release.
pack: $(STAMP)
	$(BIN)/cqpolicy pack

# Browse and search the package in Datasette at http://127.0.0.1:8001/ (PORT=... to change).
PORT ?= 8001
serve: $(STAMP)
	$(BIN)/cqpolicy serve . --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

# csv-diff is only the benchmark's point of comparison: installed here, not by publish.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,serve,bench]"
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build
