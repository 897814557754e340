"""The SQL layer in Dagster: a translator from the models of ``dbt_like_sql/`` (see
``pipelines/sql/``) to assets, as dagster-dbt's ``@dbt_assets`` is.

``build_model_assets`` makes ONE subsettable multi-asset, ``sql_models``: an asset per
model keyed ``[schema, name]`` in the group of its layer (``staging``, ``intermediate``,
``marts``), with a check per audit (``unique_grain`` and ``not_null_grain`` on every
model, blocking; the header's audits, blocking when they say so). Its step calls
:func:`pipelines.sql.iter_run` for the selected models and reports each model's
materialisation (row count, preview, column schema) and check results as it is built:
the whole SQL layer is one step of a run. A model whose inputs did not change is not
rebuilt and its recorded check outcomes are reported again; a model reading one whose
blocking check failed is not built, and the step then fails, so nothing is published.

``great_expectations_suite`` on ``marts.target_vs_actual`` (blocking, its own step) runs
the suite generated from the marts' declarations (``pipelines/quality/expectations.py``).

The graph is validated when the assets are built, so a model that reads an unknown
table, or a cycle, fails loading the code location with a message naming the file,
line and table.
"""

import json
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import dagster as dg

from pipelines.config import PROJECT_ROOT
from pipelines.quality import expectations as ge
from pipelines.sql import (
    Action,
    CheckResult,
    ModelRun,
    SqlModel,
    iter_run,
    load_models,
    validate_graph,
)
from pipelines.sql.audits import markdown_table
from pipelines.sql.execute import preview
from pipelines.sql.state import ensure_state_tables, model_inputs, plan_build, record_build

MODELS_DIR = PROJECT_ROOT / "dbt_like_sql"
TARGET_VS_ACTUAL = "marts.target_vs_actual"
INDICATOR_VALUES = "marts.indicator_values"
PLAN_TARGETS = "seeds.plan_targets"


def _sql_md(sql: str) -> dg.MetadataValue:
    return dg.MetadataValue.md(f"```sql\n{sql}\n```")


def _definition_schema(model: SqlModel) -> dg.TableSchema:
    """Column schema known before materialisation: the documented columns (types unknown yet)."""
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c, type="unknown", description=d) for c, d in model.columns.items()]
    )


def _runtime_schema(model: SqlModel, columns: Sequence[tuple[str, str]]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c, type=t.lower(), description=model.column_description(c)) for c, t in columns]
    )


def _upstream_keys(
    model: SqlModel, models: Mapping[str, SqlModel], external: Mapping[str, list[dg.AssetKey]]
) -> list[dg.AssetKey]:
    """Assets the model reads, in its body or in its audits (which run when it is built)."""
    keys: list[dg.AssetKey] = []
    for table in sorted(model.reads):
        keys.extend([dg.AssetKey(models[table].key_path)] if table in models else external.get(table, []))
    return list(dict.fromkeys(keys))


def _asset_spec(model: SqlModel, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=model.key_path,
        group_name=model.group,
        kinds={"duckdb"},
        description=model.description,
        deps=deps,
        skippable=True,  # a model blocked by a failed check upstream is not materialised
        code_version=model.data_hash,
        metadata={
            "dagster/column_schema": _definition_schema(model),
            "path": dg.MetadataValue.path(str(model.path)),
            "materialized": model.materialized.value,
            **({"partition_by": model.partition_by} if model.partition_by else {}),
            "grain": ", ".join(model.grain),
            "sql": _sql_md(model.sql),
        },
    )


def _check_specs(model: SqlModel) -> list[dg.AssetCheckSpec]:
    key = dg.AssetKey(model.key_path)
    return [
        dg.AssetCheckSpec(audit.check_name, asset=key, blocking=audit.blocking, description=audit.summary)
        for audit in model.checks
    ]


def _check_result(key: dg.AssetKey, check: CheckResult) -> dg.AssetCheckResult:
    """The Dagster result of a check; blocking checks fail with severity ERROR. An outcome
    recorded by an earlier build has no preview: run its SQL to see the rows."""
    preview_md = check.preview or (
        "_evaluated in an earlier build on the same data: run the SQL below to see the rows_"
        if check.failing_rows else "_no failing rows_"
    )
    metadata = {
        "failing_rows": check.failing_rows,
        "preview": dg.MetadataValue.md(preview_md),
        "sql": _sql_md(check.sql),
    }
    if check.evaluated_earlier is not None:
        metadata["evaluated"] = f"in an earlier build: {check.evaluated_earlier}"
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=check.name,
        passed=check.passed,
        severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _materialize_result(done: ModelRun, first_rows: str, checks: set[dg.AssetCheckKey]) -> dg.MaterializeResult:
    model, table, plan = done.model, done.table, done.plan
    key = dg.AssetKey(model.key_path)
    rebuilt = {"partitions_rebuilt": ", ".join(map(str, plan.changed))} if plan.action is Action.PARTITIONS else {}
    return dg.MaterializeResult(
        asset_key=key,
        metadata={
            "row_count": table.row_count,
            "dagster/row_count": table.row_count,
            "columns": dg.MetadataValue.table_schema(_runtime_schema(model, table.columns)),
            "dagster/column_schema": _runtime_schema(model, table.columns),
            "undocumented_columns": ", ".join(table.undocumented_columns) or "none",
            "build": plan.action.value,
            "build_reason": plan.reason,
            **rebuilt,
            "sql": _sql_md(model.sql),
            "preview": dg.MetadataValue.md(first_rows),
        },
        check_results=[
            _check_result(key, c) for c in done.checks if dg.AssetCheckKey(key, c.name) in checks
        ],
    )


def sql_models_asset(models: Mapping[str, SqlModel], external: Mapping[str, list[dg.AssetKey]]) -> dg.AssetsDefinition:
    """Every model as one subsettable multi-asset, built by one call of the runner."""
    by_key = {dg.AssetKey(m.key_path): key for key, m in models.items()}

    @dg.multi_asset(
        name="sql_models",
        specs=[_asset_spec(m, _upstream_keys(m, models, external)) for m in models.values()],
        check_specs=[spec for m in models.values() for spec in _check_specs(m)],
        can_subset=True,
        required_resource_keys={"warehouse"},
    )
    def sql_models(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        """The SQL models of dbt_like_sql/, built by pipelines.sql.run. A failed blocking
        check fails this step (Dagster raises once the results are reported)."""
        selected = [by_key[k] for k in context.selected_asset_keys]
        checks = set(context.selected_asset_check_keys)
        warehouse = context.resources.warehouse
        if warehouse.settings().engine == "spark":
            yield from _on_spark(context, set(selected), checks)
            return
        with warehouse.connect(context) as con:
            for done in iter_run(con, models, select=selected):
                context.log.info(
                    f"{done.model.key}: {done.action.value} ({done.plan.reason})"
                    + (f"; partitions {done.plan.changed}" if done.action is Action.PARTITIONS else "")
                )
                if done.table is None:
                    continue
                if done.table.undocumented_columns:
                    context.log.warning(
                        f"{done.model.key}: columns without a description: {done.table.undocumented_columns}"
                    )
                yield _materialize_result(done, preview(con, done.model), checks)

    return sql_models


def _on_spark(
    context: dg.AssetExecutionContext, selected: set[str], checks: set[dg.AssetCheckKey]
) -> Iterator[dg.MaterializeResult]:
    """``TGXH_ENGINE=spark``: every model runs on Spark (pipelines/spark/) from the run's
    working file, and the outputs come back into it under the same names; a failed
    blocking check stops the step. The selected models are reported, in dependency order."""
    from pipelines.spark.engine import SparkSettings, build
    from pipelines.spark.models import ordered_models

    warehouse = context.resources.warehouse
    exchange = warehouse.working_path(context.run_id).with_suffix(".spark")
    try:
        with warehouse.connect(context) as con:
            spark_models = ordered_models(MODELS_DIR)
            result = build(con, spark_models, MODELS_DIR, exchange, SparkSettings.from_env())
    finally:
        shutil.rmtree(exchange, ignore_errors=True)
    outcomes: dict[str, list] = {}
    for outcome in result.checks:
        outcomes.setdefault(outcome.model, []).append(outcome)
    for key in [m.key for m in spark_models if m.key in selected]:  # in dependency order, as Dagster requires
        asset_key = dg.AssetKey(key.split("."))
        context.log.info(f"{key}: built on Spark in {result.model_seconds.get(key, 0):.1f} s")
        yield dg.MaterializeResult(
            asset_key=asset_key,
            metadata={"row_count": result.rows[key], "dagster/row_count": result.rows[key], "engine": "spark"},
            check_results=[
                dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=o.check,
                    passed=o.passed,
                    severity=dg.AssetCheckSeverity.ERROR if o.blocking else dg.AssetCheckSeverity.WARN,
                    metadata={"failing_rows": o.bad_rows, "engine": "spark"},
                )
                for o in outcomes.get(key, [])
                if dg.AssetCheckKey(asset_key, o.check) in checks
            ],
        )


GE_SUITE_STATE = "check:marts.target_vs_actual:great_expectations_suite"
"""Key under which the suite's last outcome is recorded in audit.model_versions."""


def _failing_table(results: list[dict]) -> str:
    failing = [r for r in results if not r["success"]]
    if not failing:
        return "all expectations met"
    return markdown_table(
        ["table", "expectation", "column", "where", "unexpected_count", "examples"],
        [
            (r["table"], r["expectation"], r.get("column"), r.get("condition"), r.get("unexpected_count"),
             ", ".join(map(str, r.get("partial_unexpected") or [])) or r.get("observed_value")
             or r.get("exception"))
            for r in failing
        ],
    )


def great_expectations_check(
    models: Mapping[str, SqlModel], plan_targets_keys: Sequence[dg.AssetKey] = ()
) -> dg.AssetChecksDefinition:
    """The Great Expectations suite generated from the marts' declarations, as a blocking
    check on marts.target_vs_actual. When the tables it validates and the suite are
    unchanged since a build that ran it, its recorded outcome is reported again without
    importing Great Expectations (5-10 s)."""
    specs = ge.suite(models)
    tables = sorted(ge.suite_tables(specs))

    @dg.asset_check(
        asset=dg.AssetKey(["marts", "target_vs_actual"]),
        name="great_expectations_suite",
        description="Great Expectations suite on the published marts (docs/contract.md §4), "
        "generated from their grain and audits.",
        blocking=True,
        required_resource_keys={"warehouse"},
        additional_deps=[dg.AssetKey(["marts", "indicator_values"]), *plan_targets_keys],
    )
    def great_expectations_suite(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        warehouse = context.resources.warehouse
        op_context = context.op_execution_context
        with warehouse.connect(op_context) as con:
            ensure_state_tables(con)
            inputs = model_inputs(con, tables, models, None)
            plan = plan_build(con, GE_SUITE_STATE, ge.suite_hash(specs), inputs, incremental=False, exists=True)
        if plan.action is Action.SKIP:
            success, results = plan.checks[0]["success"], plan.checks[0]["results"]
            context.log.info(f"great_expectations_suite: {plan.reason}: outcome of the earlier run reported")
        else:
            outcome = ge.validate_in_child(warehouse.working_path(op_context.run_id), specs)
            with warehouse.connect(op_context) as con:
                success, results = outcome if outcome is not None else ge.validate(con, specs)
                results = json.loads(json.dumps(results, default=str))
                record_build(con, GE_SUITE_STATE, plan, [{"success": success, "results": results}],
                             incremental=False)
        return dg.AssetCheckResult(
            passed=success,
            metadata={
                "expectations": len(results),
                "failed_expectations": sum(not r["success"] for r in results),
                "failing": dg.MetadataValue.md(_failing_table(results)),
                "results": dg.MetadataValue.json(results),
                **({"evaluated": f"in an earlier build: {plan.reason}"} if plan.action is Action.SKIP else {}),
            },
        )

    return great_expectations_suite


def build_model_assets(
    models_dir: Path, external: Mapping[str, Sequence[dg.AssetKey]]
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """The SQL layer (one multi-asset) and the Great Expectations check, for the models
    under ``models_dir``.

    ``external`` maps each table the models may read but do not build (``raw.beneficiaries``,
    ``seeds.plan_targets``, ``audit.rejected_rows`` ...) to the asset keys that produce it
    (an empty list for a table produced outside Dagster). Raises GraphError (file, line and
    table named) when a model reads an unknown table or the models form a cycle.
    """
    models = load_models(Path(models_dir))
    ext = {name.lower(): [dg.AssetKey.from_coercible(k) for k in keys] for name, keys in external.items()}
    validate_graph(models, set(ext))
    checks: list[dg.AssetChecksDefinition] = []
    if TARGET_VS_ACTUAL in models and INDICATOR_VALUES in models:
        checks.append(great_expectations_check(models, ext.get(PLAN_TARGETS, [])))
    return [sql_models_asset(models, ext)], checks
