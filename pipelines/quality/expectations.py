"""The Great Expectations suite on the published marts (docs/contract.md §4), generated
from the declarations the runner checks: each mart's grain and audits
(``pipelines/sql/audits.py``), declared in the marts' headers.

``suite(models)`` translates the declarations into a list of plain expectation specs
(no Great Expectations import); ``validate(con, suite)`` reads the tables from DuckDB,
validates them with Great Expectations (1.x API, ephemeral context, pandas datasource)
and returns ``(success, results)``, one result dict per expectation. A built-in audit's
``where`` becomes a boolean column computed by DuckDB from the same SQL, used as the
expectation's row condition. Audits with no single-table expectation (``relationships``,
written-out SQL) are checked by the runner only.

Great Expectations takes seconds to import (5-10 s: pandas, scipy, SQLAlchemy, Altair),
so it is imported inside ``validate``. ``start_child()`` starts a child process that
imports it as soon as a run knows it will need the suite (new data was ingested), on the
other core while the run ingests and builds the models, and ``validate_in_child`` has the
child validate the working file when the check runs (a thread would not help: the import
holds the interpreter lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from pipelines.duck import qualified_name, quote_identifier, relation_kind
from pipelines.optional_modules import absent
from pipelines.sql import audits as a
from pipelines.sql.model import SqlModel

TARGET_VS_ACTUAL = "marts.target_vs_actual"
INDICATOR_VALUES = "marts.indicator_values"
SUITE_TABLES = (TARGET_VS_ACTUAL, INDICATOR_VALUES)


def _expectations(audit: Any) -> list[tuple[str, dict[str, Any]]]:
    """(Great Expectations class name, kwargs) for one declaration."""
    if isinstance(audit, a.UniqueValues):
        if len(audit.columns) == 1:
            return [("ExpectColumnValuesToBeUnique", {"column": audit.columns[0]})]
        return [("ExpectCompoundColumnsToBeUnique", {"column_list": list(audit.columns)})]
    if isinstance(audit, a.NotNull):
        return [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in audit.columns]
    if isinstance(audit, a.IsNull):
        return [("ExpectColumnValuesToBeNull", {"column": c}) for c in audit.columns]
    if isinstance(audit, a.AcceptedValues):
        return [("ExpectColumnValuesToBeInSet", {"column": audit.column, "value_set": list(audit.values)})]
    if isinstance(audit, a.AcceptedRange):
        bounds = {k: v for k, v in (("min_value", audit.min_value), ("max_value", audit.max_value)) if v is not None}
        return [("ExpectColumnValuesToBeBetween", {"column": audit.column, **bounds})]
    if isinstance(audit, a.MatchRegex):
        return [("ExpectColumnValuesToMatchRegex", {"column": audit.column, "regex": audit.pattern})]
    if isinstance(audit, a.RowCount):
        return [("ExpectTableRowCountToEqual", {"rows_of": audit.equal_to_rows_of})]
    return []  # relationships and written-out SQL: no single-table expectation


def suite(models: Mapping[str, SqlModel]) -> list[dict[str, Any]]:
    """The expectations of the published marts: ``{table, audit, type, kwargs, where}`` each."""
    specs = []
    for table in SUITE_TABLES:
        if table not in models:
            continue
        for audit in models[table].checks:
            for kind, kwargs in _expectations(audit):
                specs.append({"table": table, "audit": audit.check_name, "type": kind, "kwargs": kwargs,
                              "where": getattr(audit, "where", None)})
    return specs


def suite_hash(specs: list[dict[str, Any]]) -> str:
    """Hash of the suite: its specs and this adapter's code."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(json.dumps(specs, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()[:16]


def suite_tables(specs: list[dict[str, Any]]) -> set[str]:
    """Tables the suite reads (the marts and the tables their row counts are compared with)."""
    return {s["table"] for s in specs} | {s["kwargs"]["rows_of"] for s in specs if "rows_of" in s["kwargs"]}


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return relation_kind(con, *table.split(".")) is not None


def _read(con: duckdb.DuckDBPyConnection, table: str, flags: Mapping[str, str]):
    """The table as a pandas frame, with a boolean column per row condition (computed by
    DuckDB), in a fixed order so that the examples of unexpected values are the same in
    every build (the outcome is recorded and reported again while the tables do not change)."""
    extra = "".join(f", coalesce(({where}), false) as {quote_identifier(flag)}" for flag, where in flags.items())
    return con.execute(f"select *{extra} from {qualified_name(*table.split('.'))} order by all").df()


def _missing(table: str) -> dict[str, Any]:
    return {
        "expectation": "table_exists", "table": table, "column": None, "success": False,
        "unexpected_count": None, "partial_unexpected": [], "observed_value": "missing",
        "condition": None, "kwargs": {}, "exception": f"table {table} does not exist",
    }


def _exception(res: Any) -> str | None:
    info = getattr(res, "exception_info", None) or {}
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return info.get("exception_message")
    for v in info.values():  # several metrics can fail: {metric_id: {...}}
        if isinstance(v, dict) and v.get("raised_exception"):
            return v.get("exception_message")
    return None


def _condition(kwargs: Mapping[str, Any], flags: Mapping[str, str]) -> str | None:
    """The SQL of an expectation's row condition (the ``where`` its flag column was computed from)."""
    condition = kwargs.get("row_condition")
    if condition is None:
        return None
    found = re.search(r"_where_\d+_", json.dumps(condition, default=str))
    return flags.get(found.group(0)) if found else str(condition)


def _result_dict(table: str, res: Any, flags: Mapping[str, str]) -> dict[str, Any]:
    kwargs = dict(res.expectation_config.kwargs)
    result = res.result or {}
    detail = {
        k: kwargs[k]
        for k in ("value_set", "min_value", "max_value", "regex", "value", "column_list")
        if kwargs.get(k) is not None
    }
    return {
        "expectation": res.expectation_config.type,
        "table": table,
        "column": kwargs.get("column"),
        "success": bool(res.success),
        "unexpected_count": result.get("unexpected_count"),
        "partial_unexpected": list(result.get("partial_unexpected_list") or [])[:10],
        "observed_value": result.get("observed_value"),
        "condition": _condition(kwargs, flags),
        "kwargs": detail,
        "exception": _exception(res),
    }


def _context(gx):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        ),
    )


def _expectation(gx, con: duckdb.DuckDBPyConnection, spec: dict[str, Any], flag: str):
    """The Great Expectations object of one spec; a row count is read now."""
    from great_expectations.expectations.row_conditions import Column

    kwargs = dict(spec["kwargs"])
    if "rows_of" in kwargs:
        (rows,), = con.execute(f"select count(*) from {qualified_name(*kwargs.pop('rows_of').split('.'))}").fetchall()
        kwargs["value"] = int(rows)
    if spec["where"]:
        kwargs["row_condition"] = Column(flag) == True  # noqa: E712 - builds a GE row condition, not a comparison
    return getattr(gx.expectations, spec["type"])(**kwargs)


def _validate_table(gx, source, con: duckdb.DuckDBPyConnection, table: str, specs: list[dict[str, Any]]) -> list[dict]:
    flags = {f"_where_{i}_": s["where"] for i, s in enumerate(specs) if s["where"]}
    gx_suite = gx.ExpectationSuite(name=table)
    for i, spec in enumerate(specs):
        gx_suite.add_expectation(_expectation(gx, con, spec, f"_where_{i}_"))
    batch = source.add_dataframe_asset(name=table.replace(".", "__")).add_batch_definition_whole_dataframe(
        "whole").get_batch(batch_parameters={"dataframe": _read(con, table, flags)})
    return [_result_dict(table, r, flags) for r in batch.validate(gx_suite).results]


def validate(con: duckdb.DuckDBPyConnection, specs: list[dict[str, Any]]) -> tuple[bool, list[dict[str, Any]]]:
    """Validate the tables of ``specs``; ``(all expectations met, one dict per expectation)``.

    Each dict has ``expectation`` (GE type, e.g. ``expect_column_values_to_be_in_set``),
    ``table``, ``column``, ``success``, ``unexpected_count``, ``partial_unexpected``
    (up to 10 offending values), ``observed_value``, ``condition`` (the SQL of the row
    condition, if any), ``kwargs`` and ``exception``. A missing table is a failed ``table_exists``.
    """
    import great_expectations as gx

    source = _context(gx).data_sources.add_pandas("marts")
    missing = sorted(t for t in suite_tables(specs) if not _exists(con, t))
    results = [_missing(t) for t in missing]
    for table in dict.fromkeys(s["table"] for s in specs):
        if table not in missing:
            mine = [s for s in specs if s["table"] == table and s["kwargs"].get("rows_of") not in missing]
            results += _validate_table(gx, source, con, table, mine)
    return all(r["success"] for r in results), results


def run_marts_suite(con: duckdb.DuckDBPyConnection, models: Mapping[str, SqlModel] | None = None):
    """The suite of ``models`` (default: the project's models and mart audits) validated on ``con``."""
    if models is None:
        from pipelines.config import PROJECT_ROOT
        from pipelines.sql.model import load_models

        models = load_models(PROJECT_ROOT / "dbt_like_sql")
    return validate(con, suite(models))


_child: subprocess.Popen | None = None

UNUSED_BACKENDS = ("pyspark", "sqlalchemy")
"""Installed for other parts of the project (the Spark engine; Dagster's storage), and
imported by Great Expectations when present (a third of its import time), though the
suite validates pandas frames only: the child hides them."""


def start_child() -> bool:
    """Start (once) a child process that imports Great Expectations at once, on the other
    core, then waits for a DuckDB file and a suite to validate (see ``validate_in_child``).
    Returns True when this call started it."""
    global _child
    if _child is not None and _child.poll() is None:
        return False
    _child = subprocess.Popen(
        [sys.executable, "-m", "pipelines.quality.expectations"],
        cwd=Path(__file__).resolve().parents[2],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return True


def validate_in_child(
    database: Path, specs: list[dict[str, Any]], timeout: float = 600
) -> tuple[bool, list[dict[str, Any]]] | None:
    """Validate ``specs`` on ``database`` (no connection to it may be open for writing) in
    the child started by ``start_child``; None when there is no child or it failed (the
    caller then runs ``validate`` itself, which reports any error)."""
    global _child
    child, _child = _child, None
    if child is None or child.poll() is not None:
        return None
    try:
        out, _ = child.communicate(json.dumps({"database": str(database), "suite": specs}) + "\n", timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return None
    if child.returncode != 0 or not out.strip():
        return None
    answer = json.loads(out.strip().splitlines()[-1])
    return bool(answer["success"]), answer["results"]


def _serve() -> int:
    """The child: import Great Expectations, read a request (database and suite), print the
    outcome as JSON. Exits quietly when the parent goes away without asking (stdin closed)."""
    with absent(*UNUSED_BACKENDS):  # seen as not installed: Great Expectations skips its integrations
        import great_expectations  # noqa: F401 - the point of the child: import while the parent works

        line = sys.stdin.readline().strip()
        if not line:
            return 0
        request = json.loads(line)
        with duckdb.connect(request["database"], read_only=True) as con:
            success, results = validate(con, request["suite"])
    print(json.dumps({"success": success, "results": results}, default=str))
    return 0


if __name__ == "__main__":
    status = _serve()
    # The answer is printed and the database closed; the parent waits for this process to
    # end. os._exit skips the interpreter's final garbage collection over every object of
    # Great Expectations and pandas: about 1 s of each build's suite step.
    sys.stdout.flush()
    os._exit(status)
