"""``run()``: plan, build, check and record the selected models, in dependency order.

For each model: **plan** (compare its data hash, metadata hash and inputs' versions with
those recorded, ``pipelines/sql/state.py``), **build** (the relation, its changed
partitions, or only its comments), **check** (its audits; on rebuilt partitions only
where an audit allows it) and **record** the version and the check outcomes. A model
whose inputs did not change is not rebuilt and its recorded outcomes are reported again.
A model reading a model whose blocking check failed in this run is not built.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import duckdb

from pipelines.duck import relation_columns, transaction
from pipelines.sql.audits import CheckResult, evaluate
from pipelines.sql.execute import (
    TableInfo,
    describe,
    document,
    materialize,
    materialize_partitions,
    partition_filter,
)
from pipelines.sql.graph import topological_order
from pipelines.sql.header import Kind
from pipelines.sql.model import SqlModel
from pipelines.sql.state import (
    Action,
    BuildPlan,
    ensure_state_tables,
    model_inputs,
    plan_build,
    record_build,
)


@dataclass(frozen=True)
class ModelRun:
    """What ``run()`` did with one model."""

    model: SqlModel
    plan: BuildPlan
    table: TableInfo | None
    """What the relation holds after the run (None when the model was blocked)."""
    checks: list[CheckResult]

    @property
    def action(self) -> Action:
        return self.plan.action

    @property
    def blocking_failures(self) -> list[str]:
        return [c.name for c in self.checks if c.blocking and not c.passed]


def plan(con: duckdb.DuckDBPyConnection, model: SqlModel, models: Mapping[str, SqlModel]) -> BuildPlan:
    """What building ``model`` now has to do."""
    incremental = model.materialized is Kind.INCREMENTAL
    inputs = model_inputs(con, sorted(model.reads), models, model.partition_by)
    exists = bool(relation_columns(con, model.schema, model.name))
    return plan_build(con, model.key, model.data_hash, inputs, incremental, exists, model.metadata_hash)


def build(con: duckdb.DuckDBPyConnection, model: SqlModel, planned: BuildPlan) -> TableInfo:
    """Do what the plan says: the relation, its changed partitions, or its comments."""
    if planned.action is Action.PARTITIONS:
        return materialize_partitions(con, model, planned.changed, planned.partitioned_inputs)
    if planned.action is Action.DOCUMENT:
        with transaction(con):
            columns = document(con, model)
        return describe(con, model, columns)
    if planned.action is Action.SKIP:
        return describe(con, model)
    return materialize(con, model)


def check(con: duckdb.DuckDBPyConnection, model: SqlModel, planned: BuildPlan) -> list[CheckResult]:
    """Run the model's audits; after a partition build, the row-wise ones only on the
    rebuilt partitions (the others were checked when they were built)."""
    if planned.action is Action.SKIP:
        recorded = {c["name"]: c for c in planned.checks}
        return [CheckResult.replay(recorded[a.check_name], a.bad_rows_sql(model.relation), planned.reason)
                for a in model.checks if a.check_name in recorded]
    rebuilt = planned.action is Action.PARTITIONS
    where = partition_filter(model, planned.changed) if rebuilt else None
    return [evaluate(con, a, model.relation, where if a.row_wise(model.partition_by) else None)
            for a in model.checks]


def build_model(con: duckdb.DuckDBPyConnection, model: SqlModel, models: Mapping[str, SqlModel]) -> ModelRun:
    """Plan, build, check and record one model."""
    planned = plan(con, model, models)
    table = build(con, model, planned)
    checks = check(con, model, planned)
    if planned.action is not Action.SKIP:
        record_build(con, model.key, planned, [c.record() for c in checks], model.materialized is Kind.INCREMENTAL)
    return ModelRun(model, planned, table, checks)


def iter_run(
    con: duckdb.DuckDBPyConnection, models: Mapping[str, SqlModel], select: Iterable[str] | None = None
) -> Iterator[ModelRun]:
    """``run()`` one model at a time, so a caller can report each as soon as it is built."""
    chosen = None if select is None else set(select)
    blocked: set[str] = set()
    ensure_state_tables(con)
    for key in topological_order(models):
        if chosen is not None and key not in chosen:
            continue
        model = models[key]
        upstream_failed = sorted(model.reads & blocked)
        if upstream_failed:
            blocked.add(key)
            reason = f"a blocking check failed on {', '.join(upstream_failed)}"
            yield ModelRun(model, BuildPlan(Action.BLOCKED, "", reason), None, [])
            continue
        done = build_model(con, model, models)
        if done.blocking_failures:
            blocked.add(key)
        yield done


def run(
    con: duckdb.DuckDBPyConnection, models: Mapping[str, SqlModel], select: Iterable[str] | None = None
) -> list[ModelRun]:
    """Build the models ``select`` (keys ``schema.name``; default all) in dependency order
    into ``con``, each only as far as its inputs changed, and check them."""
    return list(iter_run(con, models, select))
