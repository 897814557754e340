"""End to end: the real job on the shipped sample data, into a temporary warehouse."""

import csv

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.seeds import SEED_TABLES
from pipelines.config import PROJECT_ROOT
from pipelines.definitions import defs
from sample_data.files import build_records

RAW = PROJECT_ROOT / "data" / "raw"


def _build(instance):
    result = defs.resolve_job_def("build_warehouse").execute_in_process(instance=instance, raise_on_error=False)
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("build")
    mp = pytest.MonkeyPatch()
    mp.setenv("TGXH_RAW_DIR", str(RAW))
    mp.setenv("TGXH_WAREHOUSE", str(tmp / "w" / "tgxh.duckdb"))
    mp.setenv("TGXH_REPORTS_DIR", str(tmp / "reports"))
    mp.setenv("TGXH_PII_SALT", "e2e-salt")
    instance = dg.DagsterInstance.ephemeral()
    first = _build(instance)
    yield {"tmp": tmp, "first": first, "instance": instance, "warehouse": tmp / "w" / "tgxh.duckdb"}
    mp.undo()


def _con(built):
    return duckdb.connect(str(built["warehouse"]), read_only=True)


def test_build_succeeds_publishes_and_writes_reports(built):
    assert built["first"].success
    assert built["warehouse"].exists()
    assert (built["tmp"] / "reports" / "scorecard.xlsx").stat().st_size > 10_000
    assert (built["tmp"] / "reports" / "scorecard.html").stat().st_size > 10_000
    with _con(built) as con:
        assert con.execute("select build_id from audit.builds").fetchall() == [(built["first"].run_id,)]


def test_only_the_intended_bad_rows_are_rejected(built):
    with open(RAW / "expected_rejections.csv", encoding="utf-8") as fh:
        expected = sorted((r["source"], r["file_name"], int(r["row_number"]), r["reason_contains"]) for r in csv.DictReader(fh))
    with _con(built) as con:
        got = con.execute("select source, file_name, row_number, reason from audit.rejected_rows order by all").fetchall()
    assert [(s, f, n) for s, f, n, _ in got] == [(s, f, n) for s, f, n, _ in expected]
    for (_, _, _, reason), (_, _, _, fragment) in zip(got, expected, strict=False):
        assert fragment in reason.lower()


def test_every_file_reconciles(built):
    with _con(built) as con:
        files = con.execute("select file_name, status, rows_read, rows_loaded, rows_rejected from audit.ingested_files").fetchall()
    data_files = sorted(p.name for source in ("beneficiaries", "facilities", "training") for p in (RAW / source).iterdir())
    assert sorted(f for f, *_ in files) == data_files
    for name, status, read, loaded, rejected in files:
        assert status == "loaded", name
        assert read == loaded + rejected, name


def test_loaded_rows_match_the_generator(built):
    records = build_records()
    with _con(built) as con:
        for source in ("beneficiaries", "facilities", "training"):
            (n,), = con.execute(f"select count(*) from raw.{source}").fetchall()
            assert n == len(records[source]), source


def test_real_figures_of_ca_mau_2016(built):
    # The plan document: 34,363 monthly-allowance recipients at the end of 2016.
    with _con(built) as con:
        (value,), = con.execute(
            "select value from marts.indicator_values where indicator_code = 'allowance_recipients' "
            "and geography = 'as_reported' and province_code = '96' and year = 2016").fetchall()
    assert value == 34363


def test_one_row_per_target_with_a_status(built):
    targets = pl.read_csv(PROJECT_ROOT / "data" / "seeds" / "plan_targets.csv")
    with _con(built) as con:
        got = con.execute("select target_id, status from marts.target_vs_actual").fetchall()
    assert sorted(t for t, _ in got) == sorted(targets["target_id"].to_list())
    assert all(s for _, s in got)


def test_no_personal_data_in_any_table(built):
    person_ids = {r["person_id"] for r in build_records()["training"]}
    names = {r["full_name"] for r in build_records()["training"] if r.get("full_name")}
    assert person_ids and names
    with _con(built) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        for schema, table in tables:
            frame = con.sql(f'select * from "{schema}"."{table}"').pl()
            text = " ".join(str(v) for col in frame.columns for v in frame[col].to_list())
            leaked = [p for p in person_ids if p in text] + [n for n in names if n in text]
            assert not leaked, f"{schema}.{table} contains personal data"


def test_second_build_changes_nothing_and_publishes_nothing(built):
    with _con(built) as con:
        before = con.execute("select source, file_name, sha256, status from audit.ingested_files order by all").fetchall()
        raw_before = con.execute("select (select count(*) from raw.beneficiaries), (select count(*) from raw.facilities), (select count(*) from raw.training)").fetchall()
        tva_before = con.execute("select * from marts.target_vs_actual order by target_id").fetchall()
    second = _build(built["instance"])
    assert second.success
    with _con(built) as con:
        assert con.execute("select source, file_name, sha256, status from audit.ingested_files order by all").fetchall() == before
        assert con.execute("select (select count(*) from raw.beneficiaries), (select count(*) from raw.facilities), (select count(*) from raw.training)").fetchall() == raw_before
        assert con.execute("select * from marts.target_vs_actual order by target_id").fetchall() == tva_before
        # a build that changes nothing publishes nothing: still the first build's publication
        assert con.execute("select build_id from audit.builds").fetchall() == [(built["first"].run_id,)]
    # the seed files are unchanged: validated and loaded by the first build only, the same rows reported
    loaded = {}
    for run in (built["first"], second):
        for event in run.get_asset_materialization_events():
            key = event.materialization.asset_key.path
            if key[0] == "seeds" and key[1] in SEED_TABLES:  # the seed files (not the provinces asset's tables)
                meta = event.materialization.metadata
                loaded.setdefault(run.run_id, {})[key[1]] = (meta["loaded"].value, meta["row_count"].value)
    first, again = loaded[built["first"].run_id], loaded[second.run_id]
    # the Great Expectations child starts at the build's first step when new files wait
    # (its import then overlaps the seeds and the reading), and not when none does
    started = {
        run.run_id: [e.user_message for e in built["instance"].all_logs(run.run_id)
                     if e.step_key == "plan_seeds" and "Great Expectations child" in (e.user_message or "")]
        for run in (built["first"], second)
    }
    assert started == {
        built["first"].run_id: ["new files in beneficiaries, facilities, training: the Great Expectations child imports meanwhile"],
        second.run_id: [],
    }
    assert {v[0] for v in first.values()} == {"now"}
    assert {v[0] for v in again.values()} == {"in an earlier build: files unchanged"}
    assert {k: v[1] for k, v in again.items()} == {k: v[1] for k, v in first.items()} and len(first) == 3


def test_seed_version_changes_with_any_seed_file(tmp_path, monkeypatch):
    import shutil

    import assets.seeds as seeds_assets

    copy = tmp_path / "seeds"
    shutil.copytree(seeds_assets.SEEDS_DIR, copy)
    monkeypatch.setattr(seeds_assets, "SEEDS_DIR", copy)
    before = seeds_assets._seeds_hash()
    for name in seeds_assets.SEED_TABLES:
        path = copy / f"{name}.csv"
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert seeds_assets._seeds_hash() != before, name
        path.write_bytes(original)
    assert seeds_assets._seeds_hash() == before
