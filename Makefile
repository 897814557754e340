# Two entry points: `make run` and `make test`. Both bootstrap the environment first.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
# Packages installed with their bytecode: where Python may not write __pycache__ (a .venv
# owned by root and run by another user, PYTHONDONTWRITEBYTECODE=1 as on these machines),
# every process would compile each module it imports, every time: at national scale 2.5 s
# of each run's start and 5 s of the Great Expectations import (benchmarks/BENCHMARKS.md).
export UV_COMPILE_BYTECODE := 1

.PHONY: run rebuild test lint dev bootstrap sample clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# --inexact: keep the optional spark group once `make test` has installed it. The Makefile is
# a prerequisite so that a change of the install settings above reaches existing .venvs.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --inexact --quiet
	@touch $@

$(DAGSTER_HOME)/dagster.yaml: pipelines/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp pipelines/dagster.yaml $@

bootstrap: $(VENV)/.synced $(DAGSTER_HOME)/dagster.yaml

## Materialise every asset on the data in TGXH_RAW_DIR (default: the shipped sample) and print the summary.
## A configuration that cannot be right, or a build already running on the warehouse, stops it first
## with one line (TGXH_WAIT_FOR_BUILD=1 waits for the running build instead).
run: bootstrap
	$(UV) run --frozen --no-sync python -m pipelines.config
	$(UV) run --frozen --no-sync python -m pipelines.cli build
	$(UV) run --frozen --no-sync python -m pipelines.cli summary

## Rebuild the warehouse from empty on the raw folder (the system of record) and publish it over the
## published file: the recovery from a corrupt or lost warehouse.
rebuild: export TGXH_REBUILD := 1
rebuild: run

## Run the whole test suite: lint, pytest (the Spark tests included), then the two engines compared.
test: bootstrap lint
	$(UV) sync --frozen --group spark --quiet
	$(UV) run --frozen --no-sync pytest
	$(MAKE) --no-print-directory spark-check

## ruff on the Python, sqlfluff (DuckDB dialect) on the SQL models.
lint: bootstrap
	$(UV) run --frozen --no-sync ruff check .
	$(UV) run --frozen --no-sync sqlfluff lint dbt_like_sql

## The Dagster UI on http://127.0.0.1:3000 (asset graph, runs, checks).
dev: bootstrap
	$(UV) run --frozen --no-sync dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

## Regenerate the synthetic sample data in data/raw (committed; `make run` does not need this).
sample: bootstrap
	$(UV) run --frozen --no-sync python -m sample_data --out data/raw

clean:
	rm -rf $(VENV) $(TOOLS) data/warehouse data/reports

.PHONY: spark-check
## The SQL models on Spark give the same marts as on DuckDB (needs Java 17; installs the spark group).
spark-check: bootstrap
	$(UV) sync --frozen --group spark --quiet
	$(UV) run --frozen --no-sync python -m pipelines.spark.check
