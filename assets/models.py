"""Dagster assets and checks generated from the SQL models in ``dbt_like_sql/``.

``build_model_assets`` turns each model file into one asset keyed ``[schema, name]``
(see ``pipelines/sql_models.py`` for the file format) with its checks, evaluated in the
model's own step right after it is materialised:

- ``unique_grain`` and ``not_null_grain`` on every model (blocking);
- one check per header audit (blocking with severity ERROR when ``blocking: true``,
  else severity WARN);

and ``great_expectations_suite`` on ``marts.target_vs_actual`` (blocking, its own step),
when both published marts exist as models.

A step does only the work its inputs require (``pipelines/model_state.py``): a model whose
inputs have the versions it was last built from is not rebuilt and its recorded check
outcomes are reported again; an incremental model rebuilds only its changed partitions
and checks its grain on them.

The graph is validated when the assets are built, so a model that reads an unknown
table, or a cycle, fails loading the code location with a message naming the file,
line and table.
"""


import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.config import PROJECT_ROOT
from pipelines.model_state import PARTITIONS_ONLY, SKIP, BuildPlan, model_inputs, plan_build, record_build
from pipelines.sql_models import (
    ModelResult,
    SqlModel,
    describe,
    grain_duplicates_sql,
    grain_nulls_sql,
    load_models,
    markdown_table,
    materialize,
    materialize_partitions,
    partition_filter,
    preview,
    result_columns,
    run_check_query,
    topological_order,
    validate_graph,
)

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
    """Assets the model reads, in its body or in its audits (which run in the model's step)."""
    tables = set(model.depends_on).union(*(audit.depends_on for audit in model.audits)) - {model.key}
    keys: list[dg.AssetKey] = []
    for table in sorted(tables):
        if table in models:
            keys.append(dg.AssetKey(models[table].key_path))
        else:
            keys.extend(external.get(table, []))
    return list(dict.fromkeys(keys))


def _check_specs(model: SqlModel) -> list[dg.AssetCheckSpec]:
    """The grain checks and header audits of a model, evaluated in the model's own step."""
    key = dg.AssetKey(model.key_path)
    grain = ", ".join(model.grain)
    return [
        dg.AssetCheckSpec("unique_grain", asset=key, blocking=True,
                          description=f"No two rows share the grain ({grain})."),
        dg.AssetCheckSpec("not_null_grain", asset=key, blocking=True,
                          description=f"No grain column ({grain}) is NULL."),
        *(
            dg.AssetCheckSpec(audit.name, asset=key, blocking=audit.blocking, description=audit.description)
            for audit in model.audits
        ),
    ]


def _check_queries(model: SqlModel, partitions: list[int] | None = None) -> list[tuple[str, str, bool]]:
    """(check name, query returning the bad rows, blocking) for every check of a model;
    the grain checks only over ``partitions`` when given (the rest was checked before)."""
    where = partition_filter(model, partitions) if partitions is not None else None
    return [
        ("unique_grain", grain_duplicates_sql(model, where), True),
        ("not_null_grain", grain_nulls_sql(model, where), True),
        *((audit.name, audit.sql, audit.blocking) for audit in model.audits),
    ]


def _evaluate_check(con, name: str, bad_rows_sql: str, blocking: bool) -> dict:
    """Run one check: passes when ``bad_rows_sql`` returns no row."""
    failing, columns, rows = run_check_query(con, bad_rows_sql)
    return {"name": name, "passed": failing == 0, "blocking": blocking, "failing_rows": failing,
            "preview": markdown_table(columns, rows), "sql": bad_rows_sql}


def _check_result(outcome: dict, replayed_from: str | None = None) -> dg.AssetCheckResult:
    """The Dagster result of a check outcome; blocking checks fail with severity ERROR.
    A recorded outcome (``replayed_from``) has no preview: run its SQL to see the rows."""
    preview = outcome.get("preview") or (
        "_evaluated in an earlier build on the same data: run the SQL below to see the rows_"
        if outcome["failing_rows"] else "_no failing rows_"
    )
    metadata = {
        "failing_rows": outcome["failing_rows"],
        "preview": dg.MetadataValue.md(preview),
        "sql": _sql_md(outcome["sql"]),
    }
    if replayed_from is not None:
        metadata["evaluated"] = f"in an earlier build: {replayed_from}"
    return dg.AssetCheckResult(
        check_name=outcome["name"],
        passed=outcome["passed"],
        severity=dg.AssetCheckSeverity.ERROR if outcome["blocking"] else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def build_model(con, model: SqlModel, models: Mapping[str, SqlModel]) -> tuple[BuildPlan, ModelResult, list[dict]]:
    """Build a model as far as its inputs changed, evaluate its checks, record the build."""
    inputs = model_inputs(con, sorted(model.reads), models, model.partition_by)
    exists = bool(result_columns(con, model.schema, model.name))
    plan = plan_build(con, model.key, model.build_hash, inputs, model.materialized == "incremental", exists)
    if plan.action == SKIP:
        result = describe(con, model)
        queries = {name: sql for name, sql, _ in _check_queries(model)}
        return plan, result, [{**o, "sql": queries.get(o["name"], "")} for o in plan.checks]
    if plan.action == PARTITIONS_ONLY:
        result = materialize_partitions(con, model, plan.changed)
        outcomes = [_evaluate_check(con, *q) for q in _check_queries(model, plan.changed)]
    else:
        result = materialize(con, model)
        outcomes = [_evaluate_check(con, *q) for q in _check_queries(model)]
    # Recorded without the preview (its rows need not come in the same order every time)
    # and the SQL (restricted to the partitions rebuilt): the same data gives the same record.
    recorded = [{k: v for k, v in o.items() if k not in ("preview", "sql")} for o in outcomes]
    record_build(con, model.key, plan, recorded, model.materialized == "incremental")
    return plan, result, outcomes


def _model_asset(model: SqlModel, deps: list[dg.AssetKey], models: Mapping[str, SqlModel]) -> dg.AssetsDefinition:
    """One asset that materialises ``model`` in the run's working warehouse and evaluates
    its checks in the same step (one step per model keeps orchestration overhead low)."""

    @dg.asset(
        key=dg.AssetKey(model.key_path),
        group_name=model.group,
        kinds={"duckdb"},
        description=model.description,
        deps=deps,
        check_specs=_check_specs(model),
        required_resource_keys={"warehouse"},
        code_version=model.file_hash,
        metadata={
            "dagster/column_schema": _definition_schema(model),
            "path": dg.MetadataValue.path(str(model.path)),
            "materialized": model.materialized,
            **({"partition_by": model.partition_by} if model.partition_by else {}),
            "grain": ", ".join(model.grain),
            "sql": _sql_md(model.sql),
        },
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        with context.resources.warehouse.connect(context) as con:
            plan, result, outcomes = build_model(con, model, models)
            first_rows = preview(con, model)
        context.log.info(
            f"{model.key}: {plan.action} ({plan.reason})"
            + (f"; partitions {plan.changed}" if plan.action == PARTITIONS_ONLY else "")
        )
        replayed = plan.reason if plan.action == SKIP else None
        check_results = [_check_result(o, replayed) for o in outcomes]
        if result.undocumented_columns:
            context.log.warning(
                f"{model.key}: columns without a description in the header: {result.undocumented_columns}"
            )
        return dg.MaterializeResult(
            metadata={
                "row_count": result.row_count,
                "dagster/row_count": result.row_count,
                "columns": dg.MetadataValue.table_schema(_runtime_schema(model, result.columns)),
                "dagster/column_schema": _runtime_schema(model, result.columns),
                "undocumented_columns": ", ".join(result.undocumented_columns) or "none",
                "build": plan.action,
                "build_reason": plan.reason,
                **({"partitions_rebuilt": ", ".join(map(str, plan.changed))} if plan.action == PARTITIONS_ONLY else {}),
                "sql": _sql_md(result.sql),
                "preview": dg.MetadataValue.md(first_rows),
            },
            check_results=check_results,
        )

    return _asset


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


GE_SUITE_STATE = "check:marts.target_vs_actual:great_expectations_suite"
"""Key under which the suite's last outcome is recorded in audit.model_versions."""


def _suite_hash() -> str:
    """Hash of the suite's definition (pipelines/expectations.py)."""
    return hashlib.sha256((PROJECT_ROOT / "pipelines" / "expectations.py").read_bytes()).hexdigest()[:16]


def great_expectations_check(
    models: Mapping[str, SqlModel], plan_targets_keys: Sequence[dg.AssetKey] = ()
) -> dg.AssetChecksDefinition:
    """The Great Expectations suite of ``pipelines.expectations`` as a blocking check on
    marts.target_vs_actual. When the tables it validates are unchanged since a build
    that ran it, its recorded outcome is reported again (Great Expectations alone takes
    5-10 s to import)."""

    @dg.asset_check(
        asset=dg.AssetKey(["marts", "target_vs_actual"]),
        name="great_expectations_suite",
        description="Great Expectations suite on the published marts (CONTRACT §4).",
        blocking=True,
        required_resource_keys={"warehouse"},
        additional_deps=[dg.AssetKey(["marts", "indicator_values"]), *plan_targets_keys],
    )
    def great_expectations_suite(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from pipelines.expectations import run_marts_suite, validate_in_child

        warehouse = context.resources.warehouse
        op_context = context.op_execution_context
        with warehouse.connect(op_context) as con:
            inputs = model_inputs(con, [TARGET_VS_ACTUAL, INDICATOR_VALUES, PLAN_TARGETS], models, None)
            plan = plan_build(con, GE_SUITE_STATE, _suite_hash(), inputs, incremental=False, exists=True)
        if plan.action == SKIP:
            success, results = plan.checks[0]["success"], plan.checks[0]["results"]
            context.log.info(f"great_expectations_suite: {plan.reason}: outcome of the earlier run reported")
        else:
            outcome = validate_in_child(warehouse.working_path(op_context.run_id))
            with warehouse.connect(op_context) as con:
                success, results = outcome if outcome is not None else run_marts_suite(con)
                record_build(con, GE_SUITE_STATE, plan, [{"success": success, "results": _json_safe(results)}],
                             incremental=False)
        failing = [r for r in results if not r["success"]]
        table = markdown_table(
            ["table", "expectation", "column", "where", "unexpected_count", "examples"],
            [
                (r["table"], r["expectation"], r.get("column"), r.get("condition"), r.get("unexpected_count"),
                 ", ".join(map(str, r.get("partial_unexpected") or [])) or r.get("observed_value")
                 or r.get("exception"))
                for r in failing
            ],
        )
        return dg.AssetCheckResult(
            passed=success,
            metadata={
                "expectations": len(results),
                "failed_expectations": len(failing),
                "failing": dg.MetadataValue.md(table if failing else "all expectations met"),
                "results": dg.MetadataValue.json(_json_safe(results)),
                **({"evaluated": f"in an earlier build: {plan.reason}"} if plan.action == SKIP else {}),
            },
        )

    return great_expectations_suite


def build_model_assets(
    models_dir: Path, external: Mapping[str, Sequence[dg.AssetKey]]
) -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    """Assets and checks for every SQL model under ``models_dir``.

    ``external`` maps each table the models may read but do not build (``raw.beneficiaries``,
    ``seeds.plan_targets``, ``audit.rejected_rows`` ...) to the asset keys that produce it
    (an empty list for a table produced outside Dagster). Raises GraphError (file, line and
    table named) when a model reads an unknown table or the models form a cycle.
    """
    models = load_models(Path(models_dir))
    ext = {
        name.lower(): [dg.AssetKey.from_coercible(k) for k in keys] for name, keys in external.items()
    }
    validate_graph(models, set(ext))
    assets: list[dg.AssetsDefinition] = []
    checks: list[dg.AssetChecksDefinition] = []
    for key in topological_order(models):
        model = models[key]
        assets.append(_model_asset(model, _upstream_keys(model, models, ext), models))
    if TARGET_VS_ACTUAL in models and INDICATOR_VALUES in models:
        checks.append(great_expectations_check(models, ext.get(PLAN_TARGETS, [])))
    return assets, checks
