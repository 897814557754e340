"""Dagster assets and checks generated from the SQL models in ``dbt_like_sql/``.

``build_model_assets`` turns each model file into one asset keyed ``[schema, name]``
(see ``pipelines/sql_models.py`` for the file format), plus checks:

- ``unique_grain`` and ``not_null_grain`` on every model (blocking);
- one check per header audit (blocking with severity ERROR when ``blocking: true``,
  else severity WARN);
- ``great_expectations_suite`` on ``marts.target_vs_actual`` (blocking), when both
  published marts exist as models.

The graph is validated when the assets are built, so a model that reads an unknown
table, or a cycle, fails loading the code location with a message naming the file,
line and table.
"""


import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.config import PROJECT_ROOT
from pipelines.sql_models import (
    Audit,
    SqlModel,
    grain_duplicates_sql,
    grain_nulls_sql,
    load_models,
    markdown_table,
    materialize,
    preview,
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
    docs = {c.lower(): d for c, d in model.columns.items()}
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c, type=t.lower(), description=docs.get(c.lower())) for c, t in columns]
    )


def _upstream_keys(
    model: SqlModel, models: Mapping[str, SqlModel], external: Mapping[str, list[dg.AssetKey]]
) -> list[dg.AssetKey]:
    keys: list[dg.AssetKey] = []
    for table in sorted(model.depends_on):
        if table in models:
            keys.append(dg.AssetKey(models[table].key_path))
        else:
            keys.extend(external.get(table, []))
    return list(dict.fromkeys(keys))


def _model_asset(model: SqlModel, deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """One asset that materialises ``model`` in the run's working warehouse."""

    @dg.asset(
        key=dg.AssetKey(model.key_path),
        group_name=model.group,
        kinds={"duckdb"},
        description=model.description,
        deps=deps,
        required_resource_keys={"warehouse"},
        code_version=model.file_hash,
        metadata={
            "dagster/column_schema": _definition_schema(model),
            "path": dg.MetadataValue.path(str(model.path)),
            "materialized": model.materialized,
            "grain": ", ".join(model.grain),
            "sql": _sql_md(model.sql),
        },
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        with context.resources.warehouse.connect(context) as con:
            result = materialize(con, model)
            first_rows = preview(con, model)
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
                "sql": _sql_md(result.sql),
                "preview": dg.MetadataValue.md(first_rows),
            }
        )

    return _asset


def _sql_check(
    model: SqlModel,
    name: str,
    description: str,
    bad_rows_sql: str,
    blocking: bool,
    additional_deps: Sequence[dg.AssetKey] = (),
) -> dg.AssetChecksDefinition:
    """A check that passes when ``bad_rows_sql`` returns no row."""
    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=dg.AssetKey(model.key_path),
        name=name,
        description=description,
        blocking=blocking,
        required_resource_keys={"warehouse"},
        additional_deps=list(additional_deps) or None,
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with context.resources.warehouse.connect(context.op_execution_context) as con:
            failing, columns, rows = run_check_query(con, bad_rows_sql)
        return dg.AssetCheckResult(
            passed=failing == 0,
            severity=severity,
            metadata={
                "failing_rows": failing,
                "preview": dg.MetadataValue.md(markdown_table(columns, rows)),
                "sql": _sql_md(bad_rows_sql),
            },
        )

    return _check


def _audit_check(
    model: SqlModel,
    audit: Audit,
    models: Mapping[str, SqlModel],
    external: Mapping[str, list[dg.AssetKey]],
) -> dg.AssetChecksDefinition:
    deps: list[dg.AssetKey] = []
    for table in sorted(audit.depends_on - {model.key}):
        deps.extend([dg.AssetKey(models[table].key_path)] if table in models else external.get(table, []))
    deps = [k for k in dict.fromkeys(deps) if k != dg.AssetKey(model.key_path)]
    return _sql_check(model, audit.name, audit.description, audit.sql, audit.blocking, deps)


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def great_expectations_check(plan_targets_keys: Sequence[dg.AssetKey] = ()) -> dg.AssetChecksDefinition:
    """The Great Expectations suite of ``pipelines.expectations`` as a blocking check on marts.target_vs_actual."""

    @dg.asset_check(
        asset=dg.AssetKey(["marts", "target_vs_actual"]),
        name="great_expectations_suite",
        description="Great Expectations suite on the published marts (CONTRACT §4).",
        blocking=True,
        required_resource_keys={"warehouse"},
        additional_deps=[dg.AssetKey(["marts", "indicator_values"]), *plan_targets_keys],
    )
    def great_expectations_suite(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from pipelines.expectations import run_marts_suite

        with context.resources.warehouse.connect(context.op_execution_context) as con:
            success, results = run_marts_suite(con)
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
        assets.append(_model_asset(model, _upstream_keys(model, models, ext)))
        grain = ", ".join(model.grain)
        checks.append(
            _sql_check(model, "unique_grain", f"No two rows share the grain ({grain}).",
                       grain_duplicates_sql(model), blocking=True)
        )
        checks.append(
            _sql_check(model, "not_null_grain", f"No grain column ({grain}) is NULL.",
                       grain_nulls_sql(model), blocking=True)
        )
        checks.extend(_audit_check(model, audit, models, ext) for audit in model.audits)
    if TARGET_VS_ACTUAL in models and INDICATOR_VALUES in models:
        checks.append(great_expectations_check(ext.get(PLAN_TARGETS, [])))
    return assets, checks
