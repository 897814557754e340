"""The ingest assets: metadata, the blocking contract check and the warning on rejections."""

import dagster as dg
import duckdb
import polars as pl

from assets.ingest import _contract_check, _keys_repeated, build_ingest_asset
from assets.reports import build_publish_asset
from models.schemas import empty_raw_frame
from pipelines.ingest import IngestReport
from pipelines.ingest.loader import FileResult
from pipelines.resources import WarehouseResource

GOOD = "province,year,group,in_difficulty,served\nCà Mau,2019,elderly,100,60\nKon Tum,2019,Người cao tuổi,50,20\n"
BAD_ROW = "province,year,group,in_difficulty,served\nCà Mau,2020,elderly,100,120\n"


def _materialize(tmp_path, files, publish=False):
    raw = tmp_path / "raw" / "beneficiaries"
    raw.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (raw / name).write_text(text, encoding="utf-8")
    resource = WarehouseResource(raw_dir=str(tmp_path / "raw"), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")
    ingest = build_ingest_asset("beneficiaries")
    assets = [ingest, build_publish_asset(list(ingest.keys))] if publish else [ingest]
    return dg.materialize(assets, resources={"warehouse": resource},
                          instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _checks(result):
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_clean_folder_passes_both_checks_and_reports_counts(tmp_path):
    result = _materialize(tmp_path, {"a.csv": GOOD})
    assert result.success
    checks = _checks(result)
    assert checks["raw_contract"].passed and checks["raw_contract"].metadata["rows_checked"].value == 2
    assert checks["no_rejected_rows"].passed
    (mat,) = result.get_asset_materialization_events()
    meta = mat.materialization.metadata
    assert (meta["files_loaded"].value, meta["rows_loaded"].value, meta["rows_rejected"].value) == (1, 2, 0)


def test_rejected_row_fails_the_warning_check_but_not_the_build(tmp_path):
    result = _materialize(tmp_path, {"a.csv": GOOD, "b.csv": BAD_ROW})
    assert result.success
    checks = _checks(result)
    assert checks["raw_contract"].passed
    warning = checks["no_rejected_rows"]
    assert not warning.passed and warning.severity == dg.AssetCheckSeverity.WARN
    assert "served (120) > in_difficulty (100)" in warning.metadata["preview"].value


def test_contract_check_fails_on_rows_breaking_the_schema():
    # A row that slipped past the row rules (served > in_difficulty) is caught by the check.
    con = duckdb.connect()
    base = {c: None for c in empty_raw_frame("beneficiaries").columns}
    base.update(file_name="x.csv", row_number=1, province_code="96", province_list="old", province_remapped=False,
                year=2019, group_code="elderly", in_difficulty=10, served=20)
    bad = pl.DataFrame([base], schema=empty_raw_frame("beneficiaries").schema)
    con.execute("create schema raw")
    con.register("bad", bad)
    con.execute("create table raw.beneficiaries as select * from bad")
    report = IngestReport(source="beneficiaries", files=[FileResult("beneficiaries", "x.csv", "0", "loaded")])
    result = _contract_check(con, "beneficiaries", report)
    assert not result.passed
    assert result.metadata["rows_checked"].value == 1


def test_contract_check_fails_on_a_key_repeated_within_a_file_not_across_files():
    # The key's uniqueness is checked in DuckDB on the stored rows, per file.
    con = duckdb.connect()
    base = {c: None for c in empty_raw_frame("beneficiaries").columns}
    base.update(file_name="x.csv", row_number=1, province_code="96", province_list="old", province_remapped=False,
                year=2019, month=3, group_code="elderly", in_difficulty=10, served=5)
    rows = [base, {**base, "file_name": "y.csv"}, {**base, "row_number": 2, "month": 4}]
    frame = pl.DataFrame(rows, schema=empty_raw_frame("beneficiaries").schema)
    con.execute("create schema raw")
    con.register("rows", frame)
    con.execute("create table raw.beneficiaries as select * from rows")
    report = IngestReport(source="beneficiaries", files=[FileResult("beneficiaries", n, "0", "loaded")
                                                         for n in ("x.csv", "y.csv")])
    assert _contract_check(con, "beneficiaries", report).passed
    con.execute("update raw.beneficiaries set month = 3 where file_name = 'x.csv' and row_number = 2")
    result = _contract_check(con, "beneficiaries", report)
    assert not result.passed and result.metadata["rows_checked"].value == 3
    assert "x.csv" in result.metadata["failures"].value and "y.csv" not in result.metadata["failures"].value
    (case,) = _keys_repeated(con, "beneficiaries", ["x.csv", "y.csv"]).to_dicts()
    assert case["check"] == "keys unique within the file" and case["failure_case"] == "x.csv, 96, , , 2019, 3, elderly"


def test_a_bug_in_the_row_rules_is_caught_by_the_blocking_contract_check(tmp_path, monkeypatch):
    # Files are not validated one by one: rows that break the raw table's contract (here a
    # province code that exists in no list) are caught once per run by raw_contract,
    # which is blocking, so nothing downstream runs and nothing is published.
    import pipelines.ingest.loader as loader

    real = loader.apply_rules_batch

    def broken(*args, **kwargs):
        splits = real(*args, **kwargs)
        for split in splits:
            split.loaded = split.loaded.with_columns(pl.lit("XX").alias("province_code"))
        return splits

    monkeypatch.setattr(loader, "apply_rules_batch", broken)
    result = _materialize(tmp_path, {"a.csv": GOOD})
    check = _checks(result)["raw_contract"]
    assert not check.passed and check.metadata["rows_checked"].value == 2
    assert "province_code" in check.metadata["failures"].value
    spec = next(s for s in build_ingest_asset("beneficiaries").check_specs if s.name == "raw_contract")
    assert spec.blocking


def test_a_run_that_loads_no_file_checks_no_rows_and_does_not_import_pandera():
    # pandera costs 0.1-0.4 s to import: a nightly run without new files of a source skips it
    import subprocess
    import sys

    from pipelines.config import PROJECT_ROOT

    code = (
        "import sys, duckdb\n"
        "from assets.ingest import _contract_check\n"
        "from pipelines.ingest import IngestReport\n"
        "from pipelines.ingest.loader import FileResult\n"
        "report = IngestReport('beneficiaries', files=[FileResult('beneficiaries', 'a.csv', '0', 'skipped_duplicate',"
        " recorded=False)])\n"
        "result = _contract_check(duckdb.connect(), 'beneficiaries', report)\n"
        "assert result.passed and result.metadata['rows_checked'].value == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandera', 'pandas')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert out.stdout.strip() == "[]"


def test_rows_still_rejected_in_the_ledger_keep_the_warning_on_in_later_builds(tmp_path):
    # The second build reads nothing new, but the rejected row is still in force.
    assert _materialize(tmp_path, {"a.csv": GOOD, "b.csv": BAD_ROW}, publish=True).success
    later = _materialize(tmp_path, {}, publish=True)
    assert later.success
    warning = _checks(later)["no_rejected_rows"]
    assert not warning.passed and warning.metadata["rows_rejected"].value == 1
    assert "served (120) > in_difficulty (100)" in warning.metadata["preview"].value
    # once the file is corrected, the warning clears
    (tmp_path / "raw" / "beneficiaries" / "b.csv").write_text(GOOD.replace("2019", "2020"), encoding="utf-8")
    assert _checks(_materialize(tmp_path, {}, publish=True))["no_rejected_rows"].passed


def test_a_build_withdrawing_most_of_a_source_fails_naming_the_setting_and_publishes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("TGXH_ALLOW_WITHDRAWAL", raising=False)
    assert _materialize(tmp_path, {"a.csv": GOOD, "b.csv": BAD_ROW}, publish=True).success
    published = (tmp_path / "w.duckdb").read_bytes()
    for name in ("a.csv", "b.csv"):
        (tmp_path / "raw" / "beneficiaries" / name).unlink()
    refused = _materialize(tmp_path, {}, publish=True)
    assert not refused.success
    (failure,) = [e for e in refused.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "TGXH_ALLOW_WITHDRAWAL=1" in failure.step_failure_data.user_failure_data.description
    assert (tmp_path / "w.duckdb").read_bytes() == published
    monkeypatch.setenv("TGXH_ALLOW_WITHDRAWAL", "1")
    allowed = _materialize(tmp_path, {}, publish=True)
    assert allowed.success
    (mat, _) = allowed.get_asset_materialization_events()
    assert mat.materialization.metadata["files_withdrawn"].value == ["a.csv", "b.csv"]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("select count(*) from raw.beneficiaries").fetchone() == (0,)


def test_a_file_with_more_rows_than_a_contract_batch_is_checked_in_row_ranges(tmp_path, monkeypatch):
    # the contract check reads a large file back a range of rows at a time (bounded
    # memory); keys repeated across two ranges are still caught, by a query on the file
    import assets.ingest as ingest_assets
    from pipelines.ingest import ingest_source

    monkeypatch.setattr(ingest_assets, "CONTRACT_BATCH_ROWS", 2)
    folder = tmp_path / "beneficiaries"
    folder.mkdir()
    rows = "".join(f"Cà Mau,2019,{m},elderly,{m}\n" for m in range(1, 6))
    (folder / "a.csv").write_text("province,year,month,group,in_difficulty\n" + rows, encoding="utf-8")
    (folder / "b.csv").write_text(GOOD, encoding="utf-8")
    con = duckdb.connect()
    report = ingest_source(con, "beneficiaries", folder, "t")
    assert [b.files for b in ingest_assets._file_batches(report)] == [["a.csv"]] * 3 + [["b.csv"]]
    result = _contract_check(con, "beneficiaries", report)
    assert result.passed and result.metadata["rows_checked"].value == 7
    con.execute("update raw.beneficiaries set month = 1 where file_name = 'a.csv' and row_number = 4")
    result = _contract_check(con, "beneficiaries", report)
    assert not result.passed and result.metadata["rows_checked"].value == 7
    assert "a.csv" in result.metadata["failures"].value
    (case,) = _keys_repeated(con, "beneficiaries", ["a.csv", "b.csv"]).to_dicts()
    assert case["check"] == "keys unique within the file" and case["failure_case"].startswith("a.csv, ")


def test_great_expectations_child_starts_before_reading_when_the_folder_lists_new_names(tmp_path, monkeypatch):
    """Its import (seconds) overlaps the reading only if it starts first: new names are
    known from the listing; a folder already ingested starts nothing; an upload in
    progress is no new file."""
    import assets.ingest as ingest_module

    calls = []

    def ingest_spy(*args, **kwargs):
        calls.append("ingest")
        return real_ingest(*args, **kwargs)

    real_ingest = ingest_module.ingest_source
    monkeypatch.setattr(ingest_module, "ingest_source", ingest_spy)
    monkeypatch.setattr(ingest_module, "start_expectations_child", lambda: calls.append("child"))

    assert _materialize(tmp_path, {"a.csv": GOOD}, publish=True).success
    assert calls == ["child", "ingest", "child"]  # before reading; again (a no-op) once recorded

    calls.clear()
    assert _materialize(tmp_path, {"~$b.csv": GOOD}, publish=True).success  # same folder, an upload in progress added
    assert calls == ["ingest"]

    calls.clear()
    assert _materialize(tmp_path, {"c.csv": BAD_ROW}, publish=True).success
    assert calls[0] == "child"
