"""The Spark engine without Spark: the models' Spark SQL (transpiled, or an override),
the engine setting, the export of the inputs and the comparison of the check."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from pipelines.config import ConfigError, Settings
from pipelines.spark.check import compare_table
from pipelines.spark.engine import (
    SparkBuildError,
    SparkSettings,
    checks_query,
    export_inputs,
    input_tables,
)
from pipelines.spark.models import (
    Model,
    SparkModelError,
    ordered_models,
    overrides,
    spark_body,
    to_spark,
)

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "dbt_like_sql"


def _write_model(root: Path, schema: str, name: str, body: str, grain: str = "[k]") -> None:
    path = root / schema / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"/* @model\ngrain: {grain}\ndescription: test model\n*/\n{body}\n", encoding="utf-8")


def test_every_model_of_the_project_has_a_spark_query():
    models = ordered_models(MODELS)
    overridden = overrides(MODELS, models)
    assert len(models) == len(list(MODELS.glob("*/*.sql")))
    for model in models:
        assert isinstance(sqlglot.parse_one(spark_body(model, overridden), read="spark"), exp.Query), model.key


def test_the_inputs_are_the_raw_tables_seeds_and_the_ledger():
    assert input_tables(ordered_models(MODELS)) == [
        "audit.ingested_files", "raw.beneficiaries", "raw.facilities", "raw.training",
        "seeds.calendar", "seeds.indicators", "seeds.plan_targets", "seeds.plans", "seeds.provinces",
    ]


def test_qualify_is_kept_so_select_star_keeps_its_width():
    # sqlglot's generic rewrite of QUALIFY adds a helper column to "select c.*"; Spark 4 runs QUALIFY itself
    sql = (
        "select c.* from t as c where c.n = 1 union all "
        "select c.* from t as c where c.n > 1 qualify row_number() over (partition by c.k order by c.f desc) = 1"
    )
    out = to_spark(sql)
    assert "QUALIFY ROW_NUMBER() OVER (PARTITION BY c.k ORDER BY c.f DESC" in out
    assert "_w" not in out and out.count("SELECT c.*") == 2


def test_duckdb_hints_on_common_table_expressions_are_left_out():
    # Spark SQL does not parse [NOT] MATERIALIZED (stg_beneficiaries uses it on DuckDB)
    out = to_spark("with k as not materialized (select 1 as a), m as materialized (select 2 as b) select * from k, m")
    assert out == "WITH k AS (SELECT 1 AS a), m AS (SELECT 2 AS b) SELECT * FROM k, m"


def test_duckdb_idioms_become_spark_sql():
    out = to_spark("select province_code::varchar as p, sum(x) filter (where y) as s, from raw.t group by all")
    assert out == "SELECT CAST(province_code AS STRING) AS p, SUM(x) FILTER(WHERE y) AS s FROM raw.t GROUP BY ALL"


def test_an_override_replaces_the_transpiled_body(tmp_path):
    _write_model(tmp_path, "marts", "m", "select 1 as k")
    _write_model(tmp_path, "marts", "other", "select 2 as k")
    (tmp_path / "spark" / "marts").mkdir(parents=True)
    (tmp_path / "spark" / "marts" / "m.sql").write_text("-- Spark has no X\nselect 42 as k;\n", encoding="utf-8")
    models = ordered_models(tmp_path)
    overridden = overrides(tmp_path, models)
    by_key = {m.key: m for m in models}
    assert spark_body(by_key["marts.m"], overridden) == "-- Spark has no X\nselect 42 as k"
    assert spark_body(by_key["marts.other"], overridden) == "SELECT 2 AS k"


def test_an_override_of_no_model_is_an_error(tmp_path):
    _write_model(tmp_path, "marts", "m", "select 1 as k")
    (tmp_path / "spark" / "marts").mkdir(parents=True)
    stray = tmp_path / "spark" / "marts" / "renamed.sql"
    stray.write_text("select 1 as k", encoding="utf-8")
    with pytest.raises(SparkModelError, match=r"renamed\.sql: Spark override of marts\.renamed, which is not a model"):
        overrides(tmp_path, ordered_models(tmp_path))


def test_an_empty_override_is_an_error(tmp_path):
    _write_model(tmp_path, "marts", "m", "select 1 as k")
    (tmp_path / "spark" / "marts").mkdir(parents=True)
    (tmp_path / "spark" / "marts" / "m.sql").write_text(" ;\n", encoding="utf-8")
    with pytest.raises(SparkModelError, match="empty Spark override"):
        overrides(tmp_path, ordered_models(tmp_path))


def test_sql_that_cannot_be_transpiled_names_the_file_and_the_override():
    model = Model(schema="marts", name="m", path=Path("dbt_like_sql/marts/m.sql"), sql="select (", description="d", grain=("k",))
    with pytest.raises(SparkModelError, match=r"dbt_like_sql/marts/m\.sql \(body\): cannot be transpiled .*spark/marts/m\.sql"):
        spark_body(model, {})


def test_the_checks_of_a_model_are_one_spark_query():
    model = next(m for m in ordered_models(MODELS) if m.key == "marts.data_quality_warnings")
    sql = checks_query(model)
    names = [a.name for a in model.audits]
    assert names[:2] == ["unique_grain", "not_null_grain"] and len(names) > 2  # the grain, then the audits
    assert sql.count("UNION ALL") + sql.count("union all") == len(names) - 1
    for name in names:
        assert f"'{name}' as check_name" in sql
    assert "PARTITION BY `check_name`, `subject`" in sql


def test_engine_setting_defaults_to_duckdb_and_accepts_spark():
    assert Settings.from_env(environ={"TGXH_PII_SALT": "x"}).engine == "duckdb"
    assert Settings.from_env(environ={"TGXH_PII_SALT": "x", "TGXH_ENGINE": "spark"}).engine == "spark"


def test_an_unknown_engine_is_a_one_line_error():
    with pytest.raises(ConfigError) as err:
        Settings.from_env(environ={"TGXH_PII_SALT": "x", "TGXH_ENGINE": "postgres"})
    assert str(err.value) == "TGXH_ENGINE='postgres': not an engine: use duckdb or spark"


def test_spark_connect_wins_over_a_master():
    assert SparkSettings.from_env({}) == SparkSettings("local[*]", None)
    assert SparkSettings.from_env({"TGXH_SPARK_MASTER": "spark://h:7077"}).master == "spark://h:7077"
    both = SparkSettings.from_env({"TGXH_SPARK_MASTER": "spark://h:7077", "TGXH_SPARK_REMOTE": "sc://h:15002"})
    assert both.remote == "sc://h:15002"


def test_raw_tables_are_exported_partitioned_by_year(tmp_path):
    con = duckdb.connect()
    con.execute("create schema raw; create schema seeds")
    con.execute("create table raw.facilities as select * from (values ('a', 2024), ('b', 2025), ('c', 2025)) t(id, year)")
    con.execute("create table seeds.plans as select 'p' as plan_id, 2025 as year")
    out = export_inputs(con, ["raw.facilities", "seeds.plans"], tmp_path)
    assert sorted(p.name for p in out["raw.facilities"].iterdir()) == ["year=2024", "year=2025"]
    assert [p.name for p in out["seeds.plans"].iterdir()] == ["data.parquet"]
    back = con.execute(
        "select id, year from read_parquet(?, hive_partitioning = true) order by id", [f"{out['raw.facilities']}/*/*.parquet"]
    ).fetchall()
    assert back == [("a", 2024), ("b", 2025), ("c", 2025)]


def _db(path: Path, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create table marts.t (k varchar, v double, n integer)")
    con.executemany("insert into marts.t values (?, ?, ?)", rows)
    return con


@pytest.mark.parametrize(
    ("right", "expected"),
    [
        ([("a", 1.0 + 1e-13, None), ("b", None, 2)], []),
        ([("a", 1.000001, None), ("b", None, 2)], ["marts.t ('a',): v: duckdb 1.0 vs spark 1.000001"]),
        ([("a", 1.0, 0), ("b", None, 2)], ["marts.t ('a',): n: duckdb None vs spark 0"]),
        ([("a", 1.0, None)], ["marts.t ('b',): row only on duckdb"]),
        ([("a", 1.0, None), ("b", None, 2), ("c", 0.0, 0)], ["marts.t ('c',): row only on spark"]),
    ],
)
def test_the_comparison_finds_every_kind_of_difference(tmp_path, right, expected):
    left = _db(tmp_path / "l.duckdb", [("a", 1.0, None), ("b", None, 2)])
    other = _db(tmp_path / "r.duckdb", right)
    assert [str(d) for d in compare_table(left, other, "marts.t", ("k",))] == expected


def test_the_comparison_reports_different_column_types(tmp_path):
    left = _db(tmp_path / "l.duckdb", [("a", 1.0, 1)])
    other = duckdb.connect(str(tmp_path / "r.duckdb"))
    other.execute("create schema marts; create table marts.t as select 'a' as k, 1.0::double as v, 1::bigint as n")
    (diff,) = compare_table(left, other, "marts.t", ("k",))
    assert "columns differ" in str(diff) and "BIGINT" in str(diff)


def test_the_comparison_reports_a_grain_that_is_not_unique(tmp_path):
    left = _db(tmp_path / "l.duckdb", [("a", 1.0, 1)])
    other = _db(tmp_path / "r.duckdb", [("a", 1.0, 1), ("a", 2.0, 1)])
    (diff,) = compare_table(left, other, "marts.t", ("k",))
    assert "not unique: duckdb 1 rows for 1 keys, spark 2 rows for 1 keys" in str(diff)


def test_a_missing_java_is_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pyspark", reason="pyspark is not installed: uv sync --group spark")
    from pipelines.spark import check

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java here
    monkeypatch.setattr(check, "prepare_inputs", lambda raw, path: duckdb.connect(str(path)).close())
    monkeypatch.setattr("pipelines.spark.models.build_on_duckdb", lambda con, root: None)
    assert check.main(["--workdir", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert err == "spark-check: Spark needs Java 17 on this machine: install a JDK 17 (java on PATH, or JAVA_HOME)\n"


def test_an_empty_raw_table_is_exported_as_one_file_with_its_columns(tmp_path):
    con = duckdb.connect()
    con.execute("create schema raw; create table raw.training (record_id varchar, year integer)")
    out = export_inputs(con, ["raw.training"], tmp_path)
    assert [p.name for p in out["raw.training"].iterdir()] == ["data.parquet"]
    assert con.execute("describe select * from read_parquet(?)", [str(out["raw.training"] / "data.parquet")]).fetchall()[1][:2] == (
        "year", "INTEGER")


def test_a_missing_input_table_is_named(tmp_path):
    with pytest.raises(SparkBuildError, match=r"input table raw\.training is missing from the DuckDB file"):
        export_inputs(duckdb.connect(), ["raw.training"], tmp_path)

