"""The Spark engine on Spark: the sample gives the same marts on both engines
(``make spark-check``), a model with an override runs, the checks run on Spark and a
failed blocking check publishes nothing. Skipped only when pyspark is not installed
(``uv sync --group spark``)."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed: uv sync --group spark")

from models.tables import MODEL_COLUMNS, Column
from pipelines.config import PROJECT_ROOT
from pipelines.spark.check import compare_table, run_check
from pipelines.spark.engine import SparkBuildError, SparkSettings, build
from pipelines.spark.models import ordered_models

LOCAL = SparkSettings("local[2]")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """``make spark-check``'s work on the sample: its folder (``duckdb.duckdb`` and
    ``spark.duckdb``) and what it printed."""
    folder = tmp_path_factory.mktemp("spark_check")
    out = io.StringIO()
    equal = run_check(PROJECT_ROOT / "data" / "raw", folder, out=out)
    return folder, equal, out.getvalue()


def test_the_sample_gives_equal_marts_on_both_engines(checked):
    tmp_path, equal, printed = checked
    assert equal, printed
    assert printed.rstrip().endswith("equal")
    with duckdb.connect(str(tmp_path / "spark.duckdb"), read_only=True) as con:
        (rows,) = con.execute("select count(*) from marts.indicator_values").fetchone()
        (comment,) = con.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'target_vs_actual'"
        ).fetchone()
    assert rows > 100 and comment


def _model(root: Path, schema: str, name: str, header: str, body: str) -> None:
    path = root / schema / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"/* @model\n{header}\n*/\n{body}\n", encoding="utf-8")


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema seeds")
    con.execute(
        "create table raw.readings as select * from (values ('a', 2024, 5), ('a', 2025, 7), ('b', 2025, 1)) "
        "as t(unit, year, amount)"
    )
    con.execute("create table seeds.rates as select * from (values (2023, 1.5), (2025, 2.0)) as t(year, rate)")
    return con


def test_models_with_an_override_run_on_spark_and_come_back_typed_and_documented(tmp_path, monkeypatch):
    monkeypatch.setitem(MODEL_COLUMNS, "staging.readings", (Column("amount", "BIGINT", "the amount read"),))
    root = tmp_path / "models"
    _model(root, "staging", "readings", "grain: [unit, year]\ndescription: One row per unit and year.\n"
           "audits:\n  - name: small_amount\n    description: amounts above 6 are unusual\n"
           "    sql: select * from staging.readings where amount > 6",
           "select unit, year, cast(amount as bigint) as amount from raw.readings")
    # ASOF JOIN: DuckDB only; the override says the same in Spark SQL
    _model(root, "marts", "valued", "grain: [unit, year]\ndescription: Amounts at the latest known rate.",
           "select r.unit, r.year, r.amount * s.rate as value from staging.readings as r "
           "asof join seeds.rates as s on r.year >= s.year")
    con = _warehouse(tmp_path / "w.duckdb")
    with pytest.raises(SparkBuildError, match=r"valued\.sql: Spark failed on the model .*spark/marts/valued\.sql"):
        build(con, ordered_models(root), root, tmp_path / "exchange", LOCAL)
    assert con.execute("select count(*) from duckdb_tables() where schema_name in ('staging', 'marts')").fetchone() == (0,)

    (root / "spark" / "marts").mkdir(parents=True)
    (root / "spark" / "marts" / "valued.sql").write_text(
        "select unit, year, value from (\n"
        "    select r.unit, r.year, r.amount * s.rate as value,\n"
        "        row_number() over (partition by r.unit, r.year order by s.year desc) as latest\n"
        "    from staging.readings as r join seeds.rates as s on s.year <= r.year\n"
        ") as candidates where latest = 1\n",
        encoding="utf-8",
    )
    result = build(con, ordered_models(root), root, tmp_path / "exchange", LOCAL)
    assert con.execute("select unit, year, value from marts.valued order by all").fetchall() == [
        ("a", 2024, 7.5), ("a", 2025, 14.0), ("b", 2025, 2.0)]
    assert result.rows == {"staging.readings": 3, "marts.valued": 3}
    assert {(c.check, c.bad_rows) for c in result.checks if c.model == "staging.readings"} == {
        ("unique_grain", 0), ("not_null_grain", 0), ("small_amount", 1)}
    assert con.execute(
        "select data_type, comment from duckdb_columns() where schema_name = 'staging' and table_name = 'readings' and column_name = 'amount'"
    ).fetchone() == ("BIGINT", "the amount read")
    assert [p.name for p in (tmp_path / "exchange" / "inputs" / "raw" / "readings").iterdir()] != []
    assert sorted(p.name for p in (tmp_path / "exchange" / "inputs" / "raw" / "readings").iterdir()) == [
        "year=2024", "year=2025"]


def test_a_failed_blocking_check_on_spark_publishes_nothing(tmp_path):
    root = tmp_path / "models"
    _model(root, "staging", "units", "grain: [unit]\ndescription: One row per unit (it is not).",
           "select unit, amount from raw.readings")
    con = _warehouse(tmp_path / "w.duckdb")
    with pytest.raises(SparkBuildError, match=r"staging\.units: blocking check\(s\) failed on Spark: unique_grain \(2 bad rows\)"):
        build(con, ordered_models(root), root, tmp_path / "exchange", LOCAL)
    assert con.execute("select count(*) from duckdb_tables() where schema_name = 'staging'").fetchone() == (0,)


def test_a_build_with_tgxh_engine_spark_publishes_the_marts_spark_computed(checked, tmp_path, monkeypatch):
    """The whole job (ingestion, seeds, the SQL step, reports, publishing) with
    TGXH_ENGINE=spark publishes the same marts.indicator_values as the DuckDB engine."""
    import dagster as dg

    from pipelines.definitions import defs

    for name, value in {"TGXH_RAW_DIR": str(PROJECT_ROOT / "data" / "raw"), "TGXH_ENGINE": "spark",
                        "TGXH_WAREHOUSE": str(tmp_path / "w" / "tgxh.duckdb"), "TGXH_SPARK_MASTER": "local[2]",
                        "TGXH_REPORTS_DIR": str(tmp_path / "reports")}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "w").mkdir()
    result = defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    engines = {
        e.asset_key.to_user_string(): e.materialization.metadata["engine"].value
        for e in result.get_asset_materialization_events() if "engine" in e.materialization.metadata
    }
    assert engines.get("marts/indicator_values") == "spark"
    grain = {m.key: m.grain for m in ordered_models(PROJECT_ROOT / "dbt_like_sql")}
    with duckdb.connect(str(tmp_path / "w" / "tgxh.duckdb"), read_only=True) as published, \
            duckdb.connect(str(checked[0] / "duckdb.duckdb"), read_only=True) as on_duckdb:
        for table in ("marts.indicator_values", "marts.target_vs_actual"):
            assert compare_table(on_duckdb, published, table, grain[table]) == []
    assert not list((tmp_path / "w" / ".build").glob("*.spark"))  # the exchange folder is removed
