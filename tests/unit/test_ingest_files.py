"""The file lifecycle of ingestion (docs/contract.md §2.1): which files of a landing
folder are read and in what order, resubmitted files, identical bytes under
another name, re-runs, one transaction per batch of files (a file is written whole
or not at all), batches equal to files checked one by one, and the report."""

from __future__ import annotations

import shutil

import duckdb
import pytest

import pipelines.ingest.loader as loader
from models.sources import SOURCES
from pipelines.ingest import ingest_source
from tests.fixtures.ingest.builders import CORPUS, SALT, history, landing, ledger, raw_rows, rejections, run

HEAD = "province,year,group,in_difficulty\n"
V1 = HEAD + "Cà Mau,2024,elderly,100\nCà Mau,2024,disabled,50\nCa Mua,2024,elderly,1\n"
V2 = HEAD + "Cà Mau,2024,elderly,110\nCà Mau,2024,children,-1\n"


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every ingestion table, sorted."""
    out = {}
    for table in ("raw.beneficiaries", "raw.facilities", "raw.training", "audit.ingested_files",
                  "audit.rejected_rows", "audit.ingest_file_state", "audit.ingested_file_versions"):
        out[table] = sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
    return out


def test_folder_listing_order_extensions_hidden_and_lock_files(tmp_path):
    folder = landing(tmp_path, {
        "b_2024.CSV": HEAD + "Cà Mau,2024,disabled,5\n",
        "a_2024.csv": HEAD + "Cà Mau,2024,elderly,4\n",
        "c_ghi_chu.txt": "ghi chú",
        "d_cu.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        ".~lock.a_2024.csv#": "lock",
        ".DS_Store": b"\x00\x00",
        "~$bao_cao.xlsx": b"\x00lock",
    })
    (folder / "archive").mkdir()
    (folder / "archive" / "old.csv").write_text(HEAD + "Cà Mau,2020,elderly,1\n", encoding="utf-8")
    con = duckdb.connect()
    report = run(con, "beneficiaries", folder)
    assert ledger(con) == [
        ("a_2024.csv", "loaded", 1, 1, 0, None),
        ("archive", "not_read", 0, 0, 0, "subfolder: not read (only the files directly in the source folder are ingested)"),
        ("b_2024.CSV", "loaded", 1, 1, 0, None),
        ("c_ghi_chu.txt", "not_read", 0, 0, 0, "unsupported file type '.txt': only .csv and .xlsx files are ingested"),
        ("d_cu.xls", "not_read", 0, 0, 0,
         "unsupported file type '.xls': only .csv and .xlsx files are ingested (save it as .xlsx)"),
    ]
    assert [f.file_name for f in report.files] == ["a_2024.csv", "archive", "b_2024.CSV", "c_ghi_chu.txt", "d_cu.xls"]
    assert (report.files_seen, report.files_loaded, report.files_not_read, report.files_rejected) == (5, 2, 3, 0)
    assert raw_rows(con, "beneficiaries", "file_name, year, in_difficulty") == [
        ("a_2024.csv", 2024, 4), ("b_2024.CSV", 2024, 5)
    ]


def test_resubmitted_file_replaces_its_rows_and_keeps_its_ledger_history(tmp_path):
    con = duckdb.connect()
    folder = landing(tmp_path, {"huyen_a.csv": V1})
    run(con, "beneficiaries", folder)
    (folder / "huyen_a.csv").write_text(V2, encoding="utf-8")
    report = run(con, "beneficiaries", folder)
    assert raw_rows(con, "beneficiaries", "file_name, row_number, group_code, in_difficulty") == [
        ("huyen_a.csv", 1, "elderly", 110)
    ]
    assert rejections(con) == [(2, "in_difficulty", "in_difficulty (-1) < 0")]
    # one ledger row per file name; the earlier version is in the history
    assert ledger(con) == [("huyen_a.csv", "loaded", 2, 1, 1, None)]
    assert history(con) == [("huyen_a.csv", "loaded", 3, 2, 1, None)]
    assert report.rejections == [{
        "source": "beneficiaries", "file_name": "huyen_a.csv", "row_number": 2,
        "column_name": "in_difficulty", "reason": "in_difficulty (-1) < 0", "line_number": 3,
    }]
    # reverting to the first version brings its rows back
    (folder / "huyen_a.csv").write_text(V1, encoding="utf-8")
    run(con, "beneficiaries", folder)
    assert raw_rows(con, "beneficiaries", "row_number, group_code, in_difficulty") == [
        (1, "elderly", 100), (2, "disabled", 50)
    ]
    assert rejections(con) == [(3, "province", "unknown province 'Ca Mua' (closest: Cà Mau)")]
    assert ledger(con) == [("huyen_a.csv", "loaded", 3, 2, 1, None)]
    assert [r[2:4] for r in history(con)] == [(3, 2), (2, 1)]


def test_resubmitted_file_that_cannot_be_read_removes_the_old_rows(tmp_path):
    # The warehouse holds what the folder holds: a rebuild from scratch would not load them.
    con = duckdb.connect()
    folder = landing(tmp_path, {"huyen_a.csv": V1})
    run(con, "beneficiaries", folder)
    (folder / "huyen_a.csv").write_text("province,group\nCà Mau,elderly\n", encoding="utf-8")
    run(con, "beneficiaries", folder)
    assert raw_rows(con, "beneficiaries", "row_number") == []
    assert rejections(con) == []
    assert ledger(con) == [("huyen_a.csv", "rejected", 0, 0, 0, "missing required column: year (Năm)")]


def test_same_bytes_under_another_name_are_skipped_once(tmp_path):
    con = duckdb.connect()
    folder = landing(tmp_path, {"a.csv": V1, "b_copy.csv": V1})
    report = run(con, "beneficiaries", folder)
    assert ledger(con) == [
        ("a.csv", "loaded", 3, 2, 1, None),
        ("b_copy.csv", "skipped_duplicate", 0, 0, 0, "same content (SHA-256) as 'a.csv', already ingested"),
    ]
    assert (report.files_loaded, report.files_skipped, report.rows_loaded) == (1, 1, 2)
    assert raw_rows(con, "beneficiaries", "file_name, row_number") == [("a.csv", 1), ("a.csv", 2)]
    # a later run neither loads nor records the copy again
    report = run(con, "beneficiaries", folder)
    assert len(ledger(con)) == 2
    assert [(f.file_name, f.status, f.recorded) for f in report.files] == [
        ("a.csv", "skipped_duplicate", False), ("b_copy.csv", "skipped_duplicate", False)
    ]
    # once the original changes, the copy's bytes are no longer in the warehouse: load them
    (folder / "a.csv").write_text(V2, encoding="utf-8")
    run(con, "beneficiaries", folder)
    assert ledger(con) == [
        ("a.csv", "loaded", 2, 1, 1, None),
        ("b_copy.csv", "loaded", 3, 2, 1, None),
    ]
    assert raw_rows(con, "beneficiaries", "file_name, row_number, in_difficulty") == [
        ("a.csv", 1, 110), ("b_copy.csv", 1, 100), ("b_copy.csv", 2, 50)
    ]


def test_rerun_on_the_same_folder_changes_nothing(tmp_path):
    folder = tmp_path / "all"
    shutil.copytree(CORPUS / "beneficiaries", folder)
    con = duckdb.connect()
    first = run(con, "beneficiaries", folder)
    before = snapshot(con)
    assert first.files_seen == len(list(folder.iterdir()))
    assert first.rows_loaded > 50 and first.rows_rejected > 40
    second = run(con, "beneficiaries", folder)
    assert snapshot(con) == before
    assert (second.files_seen, second.files_skipped, second.files_loaded, second.rows_loaded) == (
        first.files_seen, first.files_seen, 0, 0
    )
    assert second.rejections == [] and not any(f.recorded for f in second.files)


def _failing_rejected_rows_insert(monkeypatch, file_name):
    real_insert = loader._insert

    def failing_insert(con_, table, frame):
        if table == "audit.rejected_rows" and file_name in frame["file_name"].to_list():
            raise OSError("disk full")
        real_insert(con_, table, frame)

    monkeypatch.setattr(loader, "_insert", failing_insert)
    return real_insert


def test_a_crash_inside_a_batch_leaves_no_trace_of_its_files(tmp_path, monkeypatch):
    # a.csv and b.csv are one batch, written in one transaction: nothing of either is left
    con = duckdb.connect()
    folder = landing(tmp_path, {"a.csv": V1, "b.csv": V2})
    real_insert = _failing_rejected_rows_insert(monkeypatch, "b.csv")
    with pytest.raises(OSError, match="disk full"):
        ingest_source(con, "beneficiaries", folder, SALT)
    assert ledger(con) == [] and raw_rows(con, "beneficiaries", "file_name, row_number") == []
    assert con.execute("select count(*) from audit.rejected_rows").fetchall() == [(0,)]
    assert con.execute("select count(*) from audit.ingest_file_state").fetchall() == [(0,)]
    monkeypatch.setattr(loader, "_insert", real_insert)
    run(con, "beneficiaries", folder)
    assert [r[:2] for r in ledger(con)] == [("a.csv", "loaded"), ("b.csv", "loaded")]


def test_a_crash_inside_a_file_leaves_no_trace_of_that_file(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "BATCH_FILES", 1)  # one file per batch: a.csv is written first
    con = duckdb.connect()
    folder = landing(tmp_path, {"a.csv": V1, "b.csv": V2})
    real_insert = _failing_rejected_rows_insert(monkeypatch, "b.csv")
    with pytest.raises(OSError, match="disk full"):
        ingest_source(con, "beneficiaries", folder, SALT)
    # a.csv committed whole; b.csv: no raw rows, no rejected rows, no ledger row
    assert [r[0] for r in ledger(con)] == ["a.csv"]
    assert raw_rows(con, "beneficiaries", "file_name, row_number") == [("a.csv", 1), ("a.csv", 2)]
    assert [r[0] for r in con.execute("select distinct file_name from audit.rejected_rows").fetchall()] == ["a.csv"]
    monkeypatch.setattr(loader, "_insert", real_insert)
    run(con, "beneficiaries", folder)
    assert [r[:2] for r in ledger(con)] == [("a.csv", "loaded"), ("b.csv", "loaded")]
    assert raw_rows(con, "beneficiaries", "file_name, row_number") == [("a.csv", 1), ("a.csv", 2), ("b.csv", 1)]


def test_arguments_are_checked_and_a_missing_folder_ingests_nothing(tmp_path):
    con = duckdb.connect()
    with pytest.raises(ValueError, match="unknown source 'benefits'"):
        ingest_source(con, "benefits", tmp_path, SALT)
    with pytest.raises(ValueError, match="pii_salt"):
        ingest_source(con, "training", tmp_path, "")
    report = ingest_source(con, "training", tmp_path / "nowhere", SALT)
    assert (report.files_seen, report.files) == (0, [])
    # the tables exist all the same, with the registry's columns
    for source in SOURCES.values():
        cols = [r[0] for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ?"
            " order by column_index", [source.name]).fetchall()]
        assert cols == [c.name for c in source.raw_columns]
    cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'audit' and table_name = 'ingested_files'"
        " order by column_index").fetchall()]
    assert cols == ["source", "file_name", "sha256", "status", "rows_read", "rows_loaded", "rows_rejected", "message"]
    cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'audit' and table_name = 'rejected_rows'"
        " order by column_index").fetchall()]
    assert cols == ["source", "file_name", "row_number", "column_name", "reason", "line_number"]


def test_sources_keep_separate_ledgers(tmp_path):
    # The same bytes in two sources' folders are two different files.
    text = "facility_id,name,province,year,unit_type\nCM-01,Trung tâm A,Cà Mau,2024,sa_elderly\n"
    con = duckdb.connect()
    run(con, "facilities", landing(tmp_path, {"x.csv": text, "y.csv": text}, "f1"))
    assert [r[:2] for r in ledger(con)] == [("x.csv", "loaded"), ("y.csv", "skipped_duplicate")]
    con.execute("create table t as select 1")  # unrelated tables do not disturb ensure_tables
    run(con, "beneficiaries", landing(tmp_path, {"x.csv": text}, "b"))
    assert ledger(con)[0] == (
        "x.csv", "rejected", 0, 0, 0,
        "missing required column: group (Nhóm đối tượng)",
    )


def _corpus_folder(tmp_path, source):
    folder = tmp_path / source
    shutil.copytree(CORPUS / source, folder)
    return folder


@pytest.mark.parametrize("source", list(SOURCES))
def test_files_checked_in_batches_give_what_files_checked_one_by_one_give(tmp_path, monkeypatch, source):
    # The whole corpus of a source as one batch, and one file per batch: same tables,
    # same ledger (in the same order), same report.
    folder = _corpus_folder(tmp_path, source)
    results = []
    for batch_files in (1, loader.BATCH_FILES):
        monkeypatch.setattr(loader, "BATCH_FILES", batch_files)
        con = duckdb.connect()
        report = run(con, source, folder)
        order = con.execute("select file_name, status from audit.ingested_files").fetchall()
        results.append((snapshot(con), order, report))
    assert len(loader._batches(loader.list_entries(folder))) == 1
    assert results[0] == results[1]


def test_rules_that_look_at_a_whole_file_look_at_each_file_of_a_batch(tmp_path):
    # The x convention (an empty cell is false where the column marks true with x) and the
    # duplicate keys are decided per file, also when the files are checked together.
    head = "facility_id,name,province,year,unit_type,meets_accessibility\n"
    folder = landing(tmp_path, {
        "a.csv": head + "F1,Trung tâm A,Cà Mau,2024,sa_comprehensive,x\nF2,Trung tâm B,Cà Mau,2024,sa_comprehensive,\n",
        "b.csv": head + "F1,Trung tâm A,Cà Mau,2024,sa_comprehensive,có\nF2,Trung tâm B,Cà Mau,2024,sa_comprehensive,\n",
        "c.csv": head + "F3,Trung tâm C,Cà Mau,2024,sa_comprehensive,x\nF3,Trung tâm C,Cà Mau,2024,sa_comprehensive,x\n",
    })
    assert len(loader._batches(loader.list_entries(folder))) == 1
    con = duckdb.connect()
    run(con, "facilities", folder)
    assert raw_rows(con, "facilities", "file_name, facility_id, meets_accessibility") == [
        ("a.csv", "F1", True), ("a.csv", "F2", False), ("b.csv", "F1", True), ("b.csv", "F2", None),
    ]
    assert rejections(con) == [
        (1, None, "duplicate key in file (facility_id=F3, year=2024): also on line 3 (row 2)"),
        (2, None, "duplicate key in file (facility_id=F3, year=2024): also on line 2 (row 1)"),
    ]
    assert rejections(con, "c.csv") == rejections(con)


def test_batches_hold_at_most_batch_files_and_beyond_their_first_file_batch_bytes(tmp_path, monkeypatch):
    folder = landing(tmp_path, {f"{i}.csv": "x" * size for i, size in enumerate([10, 10, 10, 30, 5, 5, 5, 5])})
    monkeypatch.setattr(loader, "BATCH_BYTES", 25)
    monkeypatch.setattr(loader, "BATCH_FILES", 3)
    names = [[e.path.name for e in batch] for batch in loader._batches(loader.list_entries(folder))]
    assert names == [["0.csv", "1.csv"], ["2.csv"], ["3.csv"], ["4.csv", "5.csv", "6.csv"], ["7.csv"]]
