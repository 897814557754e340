"""The Great Expectations suite on the published marts (docs/contract.md §4), generated
from the marts' grain and audits."""

import json
import shutil
import textwrap

import dagster as dg
import duckdb
import pytest

from assets.models import build_model_assets
from models.tables import MODEL_COLUMNS
from pipelines.config import PROJECT_ROOT
from pipelines.quality.expectations import run_marts_suite
from pipelines.resources import WarehouseResource
from pipelines.sql import load_models

REAL_MODELS = load_models(PROJECT_ROOT / "dbt_like_sql")
PERCENTAGES = next(
    a.where for a in REAL_MODELS["marts.indicator_values"].header.audits if a.name == "percentages_between_0_and_100"
)
"""The real mart's row condition for percentages: the catalogue's measure type, not a name suffix."""
MEASURE_TYPES = {"served_pct": "percentage", "comprehensive_pct": "percentage", "allowance_recipients": "count",
                 "facility_residents_avg": "average"}

TVA_COLUMNS = (
    "target_id integer, plan_id varchar, plan_level varchar, province_code varchar, province_name varchar, "
    "indicator_code varchar, phase_start integer, phase_end integer, target_year integer, "
    "comparator varchar, target_value double, is_conflicting boolean, actual_value double, "
    "actual_year integer, baseline_value double, baseline_year integer, achievement_pct double, "
    "geography_basis varchar, status varchar, progress_ratio double"
)
TVA_ROWS = [
    ("p1", "province", "96", "Cà Mau", "served_pct", 2021, 2025, 2025, ">=", 90.0, False,
     92.0, 2025, 80.0, 2020, 102.2, "same", "achieved", None),
    ("p1", "province", "96", "Cà Mau", "comprehensive_pct", 2026, 2030, 2030, ">=", 50.0, False,
     40.0, 2026, 30.0, 2025, 80.0, "successor", "acceleration_needed", 0.8852),
    ("p2", "district", "87", "Đồng Tháp", "staff_trained_per_year", 2021, 2025, 2025, ">=", 100.0, False,
     None, None, None, None, None, "same", "no_data", None),
]
"""Rows without their target_id, which make_marts numbers from 1."""
IND_COLUMNS = (
    "indicator_code varchar, geography varchar, province_code varchar, province_name varchar, "
    "year integer, numerator double, denominator double, value double"
)
IND_ROWS = [
    ("served_pct", "as_reported", "96", "Cà Mau", 2024, 92.0, 100.0, 92.0),
    ("served_pct", "current", "96", "Cà Mau", 2024, 92.0, 100.0, 92.0),
    ("allowance_recipients", "current", "01", "Hà Nội", 2024, 150000.0, None, 150000.0),
    ("facility_residents_avg", "current", "01", "Hà Nội", 2024, 300.0, 2.0, 150.0),
]


def make_marts(con, tva_rows=TVA_ROWS, ind_rows=IND_ROWS, plan_targets=3):
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists seeds")
    con.execute(f"create or replace table marts.target_vs_actual ({TVA_COLUMNS})")
    con.executemany(
        f"insert into marts.target_vs_actual values ({', '.join('?' * 20)})",
        [(i, *row) for i, row in enumerate(tva_rows, start=1)],
    )
    con.execute(f"create or replace table marts.indicator_values ({IND_COLUMNS})")
    con.executemany(f"insert into marts.indicator_values values ({', '.join('?' * 8)})", ind_rows)
    con.execute("create or replace table seeds.plan_targets (target_id integer)")
    con.executemany("insert into seeds.plan_targets values (?)", [(i,) for i in range(plan_targets)])
    con.execute("create or replace table seeds.indicators (indicator_code varchar, measure_type varchar)")
    con.executemany("insert into seeds.indicators values (?, ?)", list(MEASURE_TYPES.items()))


@pytest.fixture()
def con():
    c = duckdb.connect()
    yield c
    c.close()


def failures(results):
    return {(r["table"], r["expectation"], r["column"]): r for r in results if not r["success"]}


def test_suite_passes_on_valid_marts(con):
    make_marts(con)
    success, results = run_marts_suite(con)
    assert failures(results) == {}
    assert success
    tables = {r["table"] for r in results}
    assert tables == {"marts.target_vs_actual", "marts.indicator_values"}
    assert len(results) >= 20  # 5 + 4 key columns, sets, ranges, regex, row count, progress rule


def test_bad_status_fails_naming_the_expectation(con):
    rows = list(TVA_ROWS)
    rows[0] = rows[0][:17] + ("achieved_maybe", None)
    make_marts(con, tva_rows=rows)
    success, results = run_marts_suite(con)
    assert not success
    failed = failures(results)
    key = ("marts.target_vs_actual", "expect_column_values_to_be_in_set", "status")
    assert set(failed) == {key}
    assert failed[key]["unexpected_count"] == 1
    assert failed[key]["partial_unexpected"] == ["achieved_maybe"]


def test_percentage_of_120_fails_but_a_count_above_100_does_not(con):
    rows = IND_ROWS + [("comprehensive_pct", "current", "96", "Cà Mau", 2024, 120.0, 100.0, 120.0)]
    make_marts(con, ind_rows=rows)
    success, results = run_marts_suite(con)
    assert not success
    failed = failures(results)
    key = ("marts.indicator_values", "expect_column_values_to_be_between", "value")
    assert set(failed) == {key}  # allowance_recipients = 150000 is not a percentage: fine
    assert failed[key]["partial_unexpected"] == [120.0]
    assert failed[key]["kwargs"]["max_value"] == 100
    assert failed[key]["condition"] == PERCENTAGES


def test_other_rules_fail_where_they_should(con):
    tva = list(TVA_ROWS)
    tva[0] = tva[0][:18] + (1.2,)  # achieved with a progress ratio: ratio only for progress statuses
    tva[2] = tva[2][:8] + ("≥",) + tva[2][9:]  # comparator not in the set
    ind = IND_ROWS + [("served_pct", "current", "1", "Hà Nội", 2024, 1.0, 2.0, 50.0)]  # code not 2 digits
    ind += [("allowance_recipients", "current", "02", "Hà Giang", 2024, -1.0, None, -1.0)]  # negative count
    make_marts(con, tva_rows=tva, ind_rows=ind, plan_targets=4)  # one target missing from the mart
    success, results = run_marts_suite(con)
    assert not success
    assert set(failures(results)) == {
        ("marts.target_vs_actual", "expect_column_values_to_be_null", "progress_ratio"),
        ("marts.target_vs_actual", "expect_column_values_to_be_in_set", "comparator"),
        ("marts.target_vs_actual", "expect_table_row_count_to_equal", None),
        ("marts.indicator_values", "expect_column_values_to_match_regex", "province_code"),
        ("marts.indicator_values", "expect_column_values_to_be_between", "value"),
    }


def test_missing_table_fails(con):
    make_marts(con)
    con.execute("drop table marts.indicator_values")
    success, results = run_marts_suite(con)
    assert not success
    assert [(r["expectation"], r["table"]) for r in results if not r["success"]] == [
        ("table_exists", "marts.indicator_values")
    ]


MART_SQL = """
/* @model
grain: [{grain}]
description: {name} copied from the test's input.
{audits}*/
select * from raw.{name}
"""


def _header_audits(name: str) -> str:
    """The ``audits:`` block of the real mart's header, as written there."""
    header = (PROJECT_ROOT / "dbt_like_sql" / "marts" / f"{name}.sql").read_text(encoding="utf-8").split("*/")[0]
    return header[header.index("\naudits:\n") + 1:]


def _check_env(tmp_path, monkeypatch):
    """Models copying the two marts from raw tables (a percentage of 120 among them), the
    SQL layer and the suite's check, and a resource on a published file holding the inputs.
    The copies hold the test's columns, not the data model's (models/tables.py)."""
    for name in ("target_vs_actual", "indicator_values"):
        monkeypatch.delitem(MODEL_COLUMNS, f"marts.{name}")
    models = tmp_path / "models"
    (models / "marts").mkdir(parents=True)
    for name, grain in (("target_vs_actual", "plan_id, indicator_code, phase_start"),
                        ("indicator_values", "indicator_code, geography, province_code, year")):
        (models / "marts" / f"{name}.sql").write_text(
            textwrap.dedent(MART_SQL).lstrip().format(name=name, grain=grain, audits=_header_audits(name)),
            encoding="utf-8",
        )
    published = tmp_path / "w.duckdb"
    con = duckdb.connect(str(published))
    make_marts(con, ind_rows=IND_ROWS + [("served_pct", "as_reported", "01", "Hà Nội", 2024, 6.0, 5.0, 120.0)])
    con.execute("create schema raw")
    con.execute("create table raw.target_vs_actual as select * from marts.target_vs_actual")
    con.execute("create table raw.indicator_values as select * from marts.indicator_values")
    con.execute("drop schema marts cascade")
    con.close()

    external = {"raw.target_vs_actual": [], "raw.indicator_values": [], "seeds.plan_targets": [],
                "seeds.indicators": []}
    assets, checks = build_model_assets(models, external)
    res = WarehouseResource(raw_dir=str(tmp_path / "raw"), warehouse=str(published), pii_salt="t")
    return [*assets, *checks], res


def _suite_evaluation(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}["great_expectations_suite"]


def test_great_expectations_asset_check(tmp_path, monkeypatch):
    """The check on marts.target_vs_actual runs the suite and shows the failing expectations."""
    defs, res = _check_env(tmp_path, monkeypatch)
    result = dg.materialize(defs, resources={"warehouse": res}, raise_on_error=False)
    evaluation = _suite_evaluation(result)
    assert not evaluation.passed
    assert evaluation.metadata["failed_expectations"].value == 1
    assert "expect_column_values_to_be_between" in evaluation.metadata["failing"].value
    assert "120" in evaluation.metadata["failing"].value
    assert PERCENTAGES in evaluation.metadata["failing"].value
    # the same declaration, evaluated by the runner in the model's step, as a warning
    in_step = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    pct = in_step[("marts/indicator_values", "percentages_between_0_and_100")]
    assert not pct.passed and pct.severity == dg.AssetCheckSeverity.WARN
    assert pct.metadata["failing_rows"].value == 1


def test_the_suite_is_not_validated_again_on_unchanged_marts(tmp_path, monkeypatch):
    from pipelines.quality import expectations

    defs, res = _check_env(tmp_path, monkeypatch)
    first = dg.materialize(defs, resources={"warehouse": res}, raise_on_error=False)
    shutil.copy(res.working_path(first.run_id), tmp_path / "w.duckdb")  # as publishing does

    def must_not_run(*args, **kwargs):
        raise AssertionError("the suite ran again on unchanged marts")

    monkeypatch.setattr(expectations, "validate", must_not_run)
    monkeypatch.setattr(expectations, "validate_in_child", must_not_run)
    evaluation = _suite_evaluation(dg.materialize(defs, resources={"warehouse": res}, raise_on_error=False))
    assert not evaluation.passed and evaluation.metadata["failed_expectations"].value == 1
    assert "in an earlier build" in evaluation.metadata["evaluated"].value


def test_the_child_process_validates_like_the_suite_in_process(tmp_path):
    from pipelines.quality import expectations

    path = tmp_path / "w.duckdb"
    rows = list(TVA_ROWS)
    rows[0] = rows[0][:17] + ("achieved_maybe", None)  # one failing expectation
    with duckdb.connect(str(path)) as con:
        make_marts(con, tva_rows=rows)
        success, results = run_marts_suite(con)
    assert not success
    suite = expectations.suite(REAL_MODELS)
    assert expectations.start_child() and not expectations.start_child()  # one child at a time
    assert expectations.validate_in_child(path, suite) == (success, json.loads(json.dumps(results, default=str)))
    assert expectations.validate_in_child(path, suite) is None  # used up: the caller validates itself
    expectations.start_child()
    assert expectations.validate_in_child(tmp_path / "missing.duckdb", suite) is None  # child failed
