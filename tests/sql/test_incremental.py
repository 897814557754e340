"""Builds that only do what their new inputs require (pipelines/sql/state.py): an
incremental build gives exactly the tables a build from empty gives, rebuilds only the
partitions (years) whose files changed, and skips models whose inputs did not change.

Real ingestion of generated files (benchmarks/generate.py, two provinces merging on
1 July 2025) and the real models, without Dagster: ``pipelines.sql.run`` is what the SQL
layer's step runs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets._common import replace_table
from benchmarks import generate as gen
from models.seeds import load_seeds
from models.tables import calendar
from pipelines.geo import province_table
from pipelines.ingest import ingest_source
from pipelines.sql import load_models, parse_model_text, run
from pipelines.sql.state import (
    Action,
    Inputs,
    ensure_state_tables,
    plan_build,
    record_build,
)

REPO = Path(__file__).resolve().parents[2]
MODELS = load_models(REPO / "dbt_like_sql")
BUILD, PARTITIONS_ONLY, SKIP = Action.BUILD, Action.PARTITIONS, Action.SKIP
CFG = gen.Config(scale=0.05, first_year=2023, last_year=2025, provinces=("62", "51"), corrections=0.0)
SALT = "incremental-test"
BENEFICIARY_CHAIN = [k for k, m in MODELS.items() if m.materialized == "incremental"]


def build(con: duckdb.DuckDBPyConnection, raw: Path) -> dict[str, tuple[str, list[int]]]:
    """Ingest, load the seeds and build every model, as the job does; model -> (action, partitions)."""
    for source in ("beneficiaries", "facilities", "training"):
        ingest_source(con, source, raw / source, SALT)
    for name, frame in {**load_seeds(REPO / "data" / "seeds"), "provinces": province_table(), "calendar": calendar()}.items():
        replace_table(con, "seeds", name, frame)
    actions = {}
    for done in run(con, MODELS):
        assert not done.blocking_failures, f"{done.model.key}: blocking checks failed: {done.blocking_failures}"
        actions[done.model.key] = (done.action, done.plan.changed)
    return actions


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every model table, rows sorted."""
    return {key: sorted(con.execute(f"select * from {MODELS[key].relation}").fetchall(), key=repr) for key in MODELS}


def assert_same_as_from_empty(con: duckdb.DuckDBPyConnection, raw: Path, same_history: bool = False) -> None:
    """Every model table equals a build from empty on the same files; with ``same_history``
    (no file was resubmitted, so the ledgers are equal too) so does the recorded state."""
    fresh = duckdb.connect()
    build(fresh, raw)
    got, want = tables(con), tables(fresh)
    for key in MODELS:
        assert got[key] == want[key], f"{key} differs from a build from empty"
    if not same_history:  # the ledger keeps earlier versions of resubmitted files
        return
    for state in ("audit.model_versions", "audit.model_partitions"):
        query = f"select * from {state} order by all"
        assert con.execute(query).fetchall() == fresh.execute(query).fetchall(), state


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    gen.generate(CFG, root)
    return root


def test_the_incremental_chain_is_the_beneficiary_chain():
    assert sorted(BENEFICIARY_CHAIN) == [
        "intermediate.int_beneficiaries_levelled",
        "intermediate.int_beneficiary_area_years",
        "intermediate.int_level_differences",
        "staging.stg_beneficiaries",
    ]
    assert all(MODELS[k].partition_by == "year" for k in BENEFICIARY_CHAIN)


def test_a_second_build_on_the_same_files_skips_every_model(raw):
    con = duckdb.connect()
    first = build(con, raw)
    assert {a for a, _ in first.values()} == {BUILD}
    before = tables(con)
    second = build(con, raw)
    assert {a for a, _ in second.values()} == {SKIP}
    assert tables(con) == before


def test_a_new_month_rebuilds_only_its_year_and_equals_a_build_from_empty(raw):
    con = duckdb.connect()
    build(con, raw)
    gen.increment(raw)  # January 2026: one new file
    actions = build(con, raw)
    for key in BENEFICIARY_CHAIN:
        assert actions[key] == (PARTITIONS_ONLY, [2026]), key
    for key in ("staging.stg_facilities", "staging.stg_training", "intermediate.int_facility_areas",
                "intermediate.int_training_completions"):
        assert actions[key][0] == SKIP, key
    assert actions["marts.indicator_values"][0] == BUILD
    assert_same_as_from_empty(con, raw, same_history=True)


def test_a_correction_of_an_old_year_rebuilds_that_year_and_equals_a_build_from_empty(raw):
    con = duckdb.connect()
    build(con, raw)
    folder = raw / "beneficiaries"
    original = folder / "ben_2024m01-12_62_kon-tum.csv"
    frame = pl.read_csv(original, infer_schema=False)
    # a later file supersedes one district's March figures, and a resubmitted file drops a month
    correction = frame.filter((pl.col("month") == "3") & (pl.col("district") == frame["district"][0]))
    correction = correction.with_columns(pl.lit("7").alias("in_difficulty"), pl.lit(None).alias("served"))
    correction.write_csv(folder / "ben_2024m03-03_62_kon-tum_v2.csv")
    quang_ngai_2025 = folder / "ben_2025m07-12_51_quang-ngai.csv"
    pl.read_csv(quang_ngai_2025, infer_schema=False).filter(pl.col("month") != "12").write_csv(quang_ngai_2025)
    actions = build(con, raw)
    for key in BENEFICIARY_CHAIN:
        assert actions[key] == (PARTITIONS_ONLY, [2024, 2025]), key
    assert_same_as_from_empty(con, raw)


def test_a_year_whose_rows_disappear_is_deleted(raw):
    con = duckdb.connect()
    build(con, raw)
    folder = raw / "beneficiaries"
    for path in folder.glob("ben_2024*.csv"):  # resubmitted without their rows
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    actions = build(con, raw)
    assert actions["staging.stg_beneficiaries"] == (PARTITIONS_ONLY, [2024])
    assert con.execute("select count(*) from staging.stg_beneficiaries where year = 2024").fetchall() == [(0,)]
    assert_same_as_from_empty(con, raw)


# --- the plan alone --------------------------------------------------------------------

def _plan(con, file_hash="f1", whole=None, partitioned=None, incremental=True, exists=True):
    inputs = Inputs(whole=dict(whole or {"seeds.x": "v1"}), partitioned=dict(partitioned or {}))
    return plan_build(con, "m.model", file_hash, inputs, incremental, exists)


def test_plan_compares_file_whole_inputs_and_partitions():
    con = duckdb.connect()
    ensure_state_tables(con)
    parts = {"raw.b": {2024: "a", 2025: "b"}}
    first = _plan(con, partitioned=parts)
    assert first.action == BUILD and first.reason == "first build"
    record_build(con, "m.model", first, [{"name": "warn", "passed": False}], incremental=True)

    same = _plan(con, partitioned=parts)
    assert same.action == SKIP and same.checks == [{"name": "warn", "passed": False}]
    assert _plan(con, partitioned=parts, exists=False).action == BUILD  # table dropped
    one = _plan(con, partitioned={"raw.b": {2024: "a", 2025: "c"}})
    assert (one.action, one.changed) == (PARTITIONS_ONLY, [2025])
    new_year = _plan(con, partitioned={"raw.b": {2024: "a", 2025: "b", 2026: "d"}})
    assert (new_year.action, new_year.changed) == (PARTITIONS_ONLY, [2026])
    gone = _plan(con, partitioned={"raw.b": {2024: "a"}})
    assert (gone.action, gone.changed) == (PARTITIONS_ONLY, [2025])
    # a changed file or input read whole changes every partition: a whole build
    assert _plan(con, file_hash="f2", partitioned=parts).action == BUILD
    assert _plan(con, whole={"seeds.x": "v2"}, partitioned=parts).action == BUILD
    # a table model rebuilds whole whenever anything changed
    record_build(con, "m.model", _plan(con, incremental=False), [], incremental=False)
    assert _plan(con, incremental=False).action == SKIP
    assert _plan(con, incremental=False, whole={"seeds.x": "v3"}).action == BUILD


def test_partition_by_must_be_a_grain_column_of_an_incremental_model():
    body = "select 1 as year, 2 as n"
    ok = "/* @model\nmaterialized: incremental\npartition_by: year\ngrain: [year]\ndescription: d\n*/\n" + body
    assert parse_model_text(ok, Path("m.sql"), "s").partition_by == "year"
    for header, message in (
        ("materialized: incremental\ngrain: [year]", "'partition_by' is required"),
        ("partition_by: year\ngrain: [year]", "'partition_by' is required"),
        ("materialized: incremental\npartition_by: n\ngrain: [year]", "must be one of the grain columns"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_model_text(f"/* @model\n{header}\ndescription: d\n*/\n{body}", Path("m.sql"), "s")
