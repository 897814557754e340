"""Great Expectations suite on the two published marts of CONTRACT §4.

``run_marts_suite(con)`` reads ``marts.target_vs_actual``, ``marts.indicator_values``
and the row count of ``seeds.plan_targets`` from a DuckDB connection, validates them
with Great Expectations (1.x API, ephemeral context, pandas datasource) and returns
``(success, results)``, one result dict per expectation.

Great Expectations takes seconds to import (5-10 s: pandas, scipy, SQLAlchemy, Altair),
so it is imported inside the function. ``start_child()`` starts a child process that
imports it as soon as a run knows it will need the suite (new data was ingested), on the
other core while the run ingests and builds the models, and ``validate_in_child`` has the
child validate the working file when the check runs (a thread would not help: the import
holds the interpreter lock).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

TARGET_VS_ACTUAL = "marts.target_vs_actual"
INDICATOR_VALUES = "marts.indicator_values"
PLAN_TARGETS = "seeds.plan_targets"

JUDGED_STATUSES = ("achieved", "not_achieved")
PROGRESS_STATUSES = ("on_track", "acceleration_needed", "off_track", "deteriorating")
OTHER_STATUSES = ("insufficient_data", "no_data", "not_measurable")
STATUSES = JUDGED_STATUSES + PROGRESS_STATUSES + OTHER_STATUSES
COMPARATORS = (">=", ">", "<=", "=")
GEOGRAPHY_BASES = ("same", "successor")
PLAN_LEVELS = ("province", "district")
GEOGRAPHIES = ("as_reported", "current")

TARGET_KEYS = ("plan_id", "indicator_code", "phase_start", "phase_end", "target_year")
INDICATOR_KEYS = ("indicator_code", "geography", "province_code", "year")
PCT_FLAG = "_is_percentage"  # helper column added to the validated frame, never to the table


def _table_suite(gx, name: str, expectations: list) -> Any:
    suite = gx.ExpectationSuite(name=name)
    for e in expectations:
        suite.add_expectation(e)
    return suite


def _target_vs_actual_expectations(gx, plan_target_rows: int | None) -> list:
    from great_expectations.expectations.row_conditions import Column

    E = gx.expectations
    row_count = [] if plan_target_rows is None else [E.ExpectTableRowCountToEqual(value=plan_target_rows)]
    return [
        *[E.ExpectColumnValuesToNotBeNull(column=c) for c in TARGET_KEYS],
        E.ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUSES)),
        E.ExpectColumnValuesToNotBeNull(column="status"),
        E.ExpectColumnValuesToBeInSet(column="comparator", value_set=list(COMPARATORS)),
        E.ExpectColumnValuesToBeInSet(column="geography_basis", value_set=list(GEOGRAPHY_BASES)),
        E.ExpectColumnValuesToBeInSet(column="plan_level", value_set=list(PLAN_LEVELS)),
        *row_count,
        E.ExpectColumnValuesToBeNull(
            column="progress_ratio",
            row_condition=Column("status").is_not_in(list(PROGRESS_STATUSES)),
        ),
    ]


def _indicator_values_expectations(gx) -> list:
    from great_expectations.expectations.row_conditions import Column

    E = gx.expectations
    return [
        *[E.ExpectColumnValuesToNotBeNull(column=c) for c in INDICATOR_KEYS],
        E.ExpectCompoundColumnsToBeUnique(column_list=list(INDICATOR_KEYS)),
        E.ExpectColumnValuesToBeInSet(column="geography", value_set=list(GEOGRAPHIES)),
        E.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, max_value=100, row_condition=Column(PCT_FLAG) == True  # noqa: E712
        ),
        E.ExpectColumnValuesToBeBetween(
            column="value", min_value=0, row_condition=Column(PCT_FLAG) == False  # noqa: E712
        ),
        E.ExpectColumnValuesToMatchRegex(column="province_code", regex=r"^\d{2}$"),
    ]


def _read(con: duckdb.DuckDBPyConnection, table: str):
    schema, name = table.split(".")
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
        "union all select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
        [schema, name, schema, name],
    ).fetchall()
    if not any(n for (n,) in exists):
        return None
    from pipelines.sql_models import qualified_name

    # in a fixed order, so that the examples of unexpected values are the same in every
    # build (the outcome is recorded and reported again while the tables do not change)
    return con.execute(f"select * from {qualified_name(schema, name)} order by all").df()


def _missing(table: str) -> dict[str, Any]:
    return {
        "expectation": "table_exists",
        "table": table,
        "column": None,
        "success": False,
        "unexpected_count": None,
        "partial_unexpected": [],
        "observed_value": "missing",
        "condition": None,
        "exception": f"table {table} does not exist",
    }


def _describe_condition(condition: Any) -> str | None:
    """A readable row condition: ``status NOT_IN [...]``, ``indicator_code ends with _pct``."""
    if condition is None:
        return None
    if isinstance(condition, dict) and {"column", "operator"} <= set(condition):
        column = condition["column"]
        name = column.get("name") if isinstance(column, dict) else str(column)
        param = condition.get("parameter")
        if name == PCT_FLAG:
            return "indicator_code ends with _pct" if param else "indicator_code does not end with _pct"
        return f"{name} {condition['operator']} {param}"
    return str(condition)


def _result_dict(table: str, res: Any) -> dict[str, Any]:
    config = res.expectation_config
    kwargs = dict(config.kwargs)
    result = res.result or {}
    exception = None
    info = getattr(res, "exception_info", None) or {}
    if isinstance(info, dict):
        if info.get("raised_exception"):
            exception = info.get("exception_message")
        else:  # several metrics can fail: {metric_id: {...}}
            for v in info.values():
                if isinstance(v, dict) and v.get("raised_exception"):
                    exception = v.get("exception_message")
                    break
    condition = kwargs.get("row_condition")
    detail = {
        k: kwargs[k]
        for k in ("value_set", "min_value", "max_value", "regex", "value", "column_list")
        if kwargs.get(k) is not None
    }
    return {
        "expectation": config.type,
        "table": table,
        "column": kwargs.get("column"),
        "success": bool(res.success),
        "unexpected_count": result.get("unexpected_count"),
        "partial_unexpected": list(result.get("partial_unexpected_list") or [])[:10],
        "observed_value": result.get("observed_value"),
        "condition": _describe_condition(condition),
        "kwargs": detail,
        "exception": exception,
    }


_child: subprocess.Popen | None = None


def start_child() -> bool:
    """Start (once) a child process that imports Great Expectations at once, on the other
    core, then waits for the path of a DuckDB file to validate (see ``validate_in_child``).
    Returns True when this call started it."""
    global _child
    if _child is not None and _child.poll() is None:
        return False
    _child = subprocess.Popen(
        [sys.executable, "-m", "pipelines.expectations"],
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return True


def validate_in_child(database: Path, timeout: float = 600) -> tuple[bool, list[dict[str, Any]]] | None:
    """Run the suite on ``database`` (no connection to it may be open for writing) in the
    child started by ``start_child``; None when there is no child or it failed (the caller
    then runs ``run_marts_suite`` itself, which reports any error)."""
    global _child
    child, _child = _child, None
    if child is None or child.poll() is not None:
        return None
    try:
        out, _ = child.communicate(str(database) + "\n", timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return None
    if child.returncode != 0 or not out.strip():
        return None
    answer = json.loads(out.strip().splitlines()[-1])
    return bool(answer["success"]), answer["results"]


def _serve() -> int:
    """The child: import Great Expectations, read a database path, print the outcome as
    JSON. Exits quietly when the parent goes away without asking (stdin closed)."""
    import great_expectations  # noqa: F401 - the point of the child: import while the parent works

    path = sys.stdin.readline().strip()
    if not path:
        return 0
    with duckdb.connect(path, read_only=True) as con:
        success, results = run_marts_suite(con)
    print(json.dumps({"success": success, "results": results}, default=str))
    return 0


def run_marts_suite(con: duckdb.DuckDBPyConnection) -> tuple[bool, list[dict[str, Any]]]:
    """Validate the published marts; ``(all expectations met, one dict per expectation)``.

    Each dict has ``expectation`` (GE type, e.g. ``expect_column_values_to_be_in_set``),
    ``table``, ``column``, ``success``, ``unexpected_count``, ``partial_unexpected``
    (up to 10 offending values), ``observed_value``, ``condition`` (the row condition,
    if any), ``kwargs`` and ``exception``. A missing table is a failed ``table_exists``.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    tva = _read(con, TARGET_VS_ACTUAL)
    ind = _read(con, INDICATOR_VALUES)
    targets = _read(con, PLAN_TARGETS)

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        ),
    )
    source = context.data_sources.add_pandas("marts")
    results: list[dict[str, Any]] = []

    def validate(table: str, frame, expectations: list) -> None:
        asset = source.add_dataframe_asset(name=table.replace(".", "__"))
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": frame}
        )
        outcome = batch.validate(_table_suite(gx, table, expectations))
        results.extend(_result_dict(table, r) for r in outcome.results)

    if tva is None:
        results.append(_missing(TARGET_VS_ACTUAL))
    if targets is None:
        results.append(_missing(PLAN_TARGETS))
    if tva is not None:
        expected_rows = None if targets is None else len(targets)
        validate(TARGET_VS_ACTUAL, tva, _target_vs_actual_expectations(gx, expected_rows))

    if ind is None:
        results.append(_missing(INDICATOR_VALUES))
    else:
        frame = ind.copy()
        codes = frame["indicator_code"] if "indicator_code" in frame else None
        frame[PCT_FLAG] = (
            codes.astype("string").str.endswith("_pct").fillna(False).astype(bool)
            if codes is not None
            else False
        )
        validate(INDICATOR_VALUES, frame, _indicator_values_expectations(gx))

    return all(r["success"] for r in results), results


if __name__ == "__main__":
    raise SystemExit(_serve())
