"""The raw folder is the system of record (docs/contract.md §2.1, §4): withdrawn files and
the guard against withdrawing half a source, uploads in progress, deferred files, entries
that are not read, the ledger's one row per file name with its history, and an
incremental ingestion equal to one from empty on the same folder (on the sample data
and on random folders changed over several runs)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.config import PROJECT_ROOT
from pipelines.ingest import WithdrawalRefused, ensure_tables, ingest_source, loader
from pipelines.reports.summary import format_withdrawn
from pipelines.sql.state import external_partitions, external_version
from tests.fixtures.ingest.builders import (
    SALT,
    assert_reconciled,
    history,
    landing,
    ledger,
    raw_rows,
)

SOURCES = ("beneficiaries", "facilities", "training")
HEAD = "province,year,group,in_difficulty\n"


def _file(year: int, value: int, bad: bool = False) -> str:
    return HEAD + f"Cà Mau,{year},elderly,{value}\nCà Mau,{year},disabled,{value + 1}\n" + (
        f"Ca Mua,{year},elderly,1\n" if bad else ""
    )


def _ingest(con, folder: Path, **kwargs):
    report = ingest_source(con, "beneficiaries", folder, SALT, **kwargs)
    assert_reconciled(con)
    return report


def _tables(con) -> dict[str, list[tuple]]:
    """What a build from empty must equal: the raw tables, the rejected rows and the
    ledger rows of the files in the folder (a withdrawn file is only known to a warehouse
    that had loaded it)."""
    out = {f"raw.{s}": sorted(con.execute(f"select * from raw.{s}").fetchall(), key=repr) for s in SOURCES}
    out["audit.rejected_rows"] = sorted(con.execute("select * from audit.rejected_rows").fetchall(), key=repr)
    for table in ("audit.ingested_files", "audit.ingest_file_state"):
        out[table] = sorted(
            con.execute(f"select * from {table} where status <> 'withdrawn'").fetchall(), key=repr
        )
    return out


def test_a_file_gone_from_the_folder_is_withdrawn_and_its_rows_leave(tmp_path):
    folder = landing(tmp_path, {"a.csv": _file(2022, 10), "b.csv": _file(2023, 20, bad=True), "c.csv": _file(2024, 30)})
    con = duckdb.connect()
    _ingest(con, folder, build_id="run-1")
    (folder / "b.csv").unlink()
    report = _ingest(con, folder, build_id="run-2")
    assert report.withdrawn == ["b.csv"]
    assert sorted({r[0] for r in raw_rows(con, "beneficiaries", "file_name")}) == ["a.csv", "c.csv"]
    assert con.execute("select count(*) from audit.rejected_rows").fetchone() == (0,)
    message = "no longer in the source folder: withdrawn by build run-2, its rows left the tables"
    assert ledger(con)[1] == ("b.csv", "withdrawn", 0, 0, 0, message)
    assert history(con) == [("b.csv", "loaded", 3, 2, 1, None)]
    assert con.execute("select replaced_by_build from audit.ingested_file_versions").fetchall() == [("run-2",)]
    assert format_withdrawn(con) == (
        "Files withdrawn from the raw folder (audit.ingested_files): 1\n"
        f"  beneficiaries/b.csv: {message}\n"
    )
    # a later build leaves the withdrawn row as it is; the file coming back loads again
    _ingest(con, folder, build_id="run-3")
    assert ledger(con)[1][:2] == ("b.csv", "withdrawn")
    (folder / "b.csv").write_text(_file(2023, 20, bad=True), encoding="utf-8")
    _ingest(con, folder, build_id="run-4")
    assert ledger(con)[1][:5] == ("b.csv", "loaded", 3, 2, 1)
    assert format_withdrawn(con) == ""


def test_a_withdrawal_changes_the_versions_the_sql_models_read(tmp_path):
    # pipelines/sql/state.py derives the raw tables' versions from the ingestion state:
    # a withdrawal must change them, so that the models are rebuilt.
    folder = landing(tmp_path, {"a.csv": _file(2022, 10), "b.csv": _file(2023, 20), "c.csv": _file(2024, 30)})
    con = duckdb.connect()
    _ingest(con, folder)
    before = (external_version(con, "raw.beneficiaries"), external_version(con, "audit.ingested_files"),
              external_partitions(con, "raw.beneficiaries", "year"))
    (folder / "b.csv").unlink()
    _ingest(con, folder)
    after = (external_version(con, "raw.beneficiaries"), external_version(con, "audit.ingested_files"),
             external_partitions(con, "raw.beneficiaries", "year"))
    assert after[0] != before[0] and after[1] != before[1]
    assert set(before[2]) - set(after[2]) == {2023}
    assert {y: after[2][y] for y in (2022, 2024)} == {y: before[2][y] for y in (2022, 2024)}


def test_withdrawing_more_than_half_of_a_source_stops_unless_allowed(tmp_path):
    folder = landing(tmp_path, {"a.csv": _file(2022, 10), "b.csv": _file(2023, 20), "c.csv": _file(2024, 30)})
    con = duckdb.connect()
    _ingest(con, folder)
    before = _tables(con), ledger(con)
    (folder / "a.csv").unlink()
    (folder / "b.csv").unlink()
    with pytest.raises(WithdrawalRefused, match="2 of the 3 files loaded earlier are no longer in") as refused:
        _ingest(con, folder)
    assert "TGXH_ALLOW_WITHDRAWAL=1" in str(refused.value) and "a.csv, b.csv" in str(refused.value)
    assert (_tables(con), ledger(con)) == before  # nothing changed
    report = _ingest(con, folder, allow_withdrawal=True)
    assert report.withdrawn == ["a.csv", "b.csv"]
    assert {r[0] for r in raw_rows(con, "beneficiaries", "file_name")} == {"c.csv"}


def test_an_empty_or_missing_folder_withdraws_nothing_without_the_setting(tmp_path):
    folder = landing(tmp_path, {"a.csv": _file(2022, 10)})
    con = duckdb.connect()
    _ingest(con, folder)
    shutil.rmtree(folder)
    with pytest.raises(WithdrawalRefused, match="1 of the 1 files"):
        _ingest(con, folder)
    assert len(raw_rows(con, "beneficiaries", "file_name")) == 2


def test_the_same_bytes_under_an_earlier_name_take_over_as_from_empty(tmp_path):
    # From empty, the first name (lexical order) with given bytes is loaded and the later
    # ones are duplicates; an incremental build on the same folder must agree.
    folder = landing(tmp_path, {"b.csv": _file(2024, 5)})
    con = duckdb.connect()
    _ingest(con, folder)
    (folder / "a.csv").write_text(_file(2024, 5), encoding="utf-8")
    _ingest(con, folder)
    assert [r[:2] for r in ledger(con)] == [("a.csv", "loaded"), ("b.csv", "skipped_duplicate")]
    assert {r[0] for r in raw_rows(con, "beneficiaries", "file_name")} == {"a.csv"}
    (folder / "a.csv").unlink()
    _ingest(con, folder, allow_withdrawal=True)  # the only loaded file: more than half of the source
    assert [r[:2] for r in ledger(con)] == [("a.csv", "withdrawn"), ("b.csv", "loaded")]
    assert {r[0] for r in raw_rows(con, "beneficiaries", "file_name")} == {"b.csv"}


def test_uploads_in_progress_are_not_read_nor_in_the_ledger(tmp_path):
    names = [".a.csv", "~a.csv", "~$a.xlsx", "a.csv.part", "a.csv.tmp", "a.csv.crdownload", "a.csv.partial", "A.CSV.PART"]
    folder = landing(tmp_path, {name: _file(2024, 5) for name in names} | {"b.csv": _file(2023, 1)})
    con = duckdb.connect()
    report = _ingest(con, folder)
    assert [r[:2] for r in ledger(con)] == [("b.csv", "loaded")]
    assert [f.file_name for f in report.files] == ["b.csv"]


def test_entries_that_are_not_read_get_a_ledger_row_with_the_reason(tmp_path):
    folder = landing(tmp_path, {"a.csv": _file(2024, 5), "notes.docx": b"PK\x03\x04"})
    (folder / "archive").mkdir()
    os.mkfifo(folder / "pipe.csv")
    (folder / "link.csv").symlink_to(folder / "a.csv")
    con = duckdb.connect()
    report = _ingest(con, folder)
    assert ledger(con) == [
        ("a.csv", "loaded", 2, 2, 0, None),
        ("archive", "not_read", 0, 0, 0, "subfolder: not read (only the files directly in the source folder are ingested)"),
        ("link.csv", "not_read", 0, 0, 0, loader.SYMLINK_MESSAGE),
        ("notes.docx", "not_read", 0, 0, 0, "unsupported file type '.docx': only .csv and .xlsx files are ingested"),
        ("pipe.csv", "not_read", 0, 0, 0, "a FIFO, not a regular file: not read"),
    ]
    assert report.files_not_read == 4
    # nothing changed: nothing is written again
    again = _ingest(con, folder)
    assert not any(f.recorded for f in again.files)


def test_a_file_that_changes_between_listing_and_reading_is_deferred(tmp_path, monkeypatch):
    folder = landing(tmp_path, {"a.csv": _file(2024, 5), "b.csv": _file(2023, 1)})
    real = loader.list_entries

    def listing_then_upload_goes_on(path):
        entries = real(path)
        with open(folder / "a.csv", "a", encoding="utf-8") as fh:
            fh.write("Cà Mau,2024,children,7\n")
        return entries

    monkeypatch.setattr(loader, "list_entries", listing_then_upload_goes_on)
    con = duckdb.connect()
    report = _ingest(con, folder)
    message = "changed while the build read it (still being written?): deferred to the next build"
    assert ledger(con)[0][:2] + ledger(con)[0][5:] == ("a.csv", "deferred", message)
    assert report.files_deferred == 1
    assert {r[0] for r in raw_rows(con, "beneficiaries", "file_name")} == {"b.csv"}
    monkeypatch.setattr(loader, "list_entries", real)
    _ingest(con, folder)
    assert ledger(con)[0][:5] == ("a.csv", "loaded", 3, 3, 0)


def test_a_file_removed_between_listing_and_reading_is_deferred(tmp_path, monkeypatch):
    folder = landing(tmp_path, {"a.csv": _file(2024, 5), "b.csv": _file(2023, 1)})
    real = loader.list_entries

    def listing_then_removal(path):
        entries = real(path)
        (folder / "a.csv").unlink()
        return entries

    monkeypatch.setattr(loader, "list_entries", listing_then_removal)
    con = duckdb.connect()
    _ingest(con, folder)
    assert [r[:2] for r in ledger(con)] == [("a.csv", "deferred"), ("b.csv", "loaded")]
    assert ledger(con)[0][5] == "removed while the build read it: deferred to the next build"


def test_files_younger_than_the_settle_time_are_deferred(tmp_path):
    folder = landing(tmp_path, {"a.csv": _file(2024, 5), "b.csv": _file(2023, 1)})
    start = (folder / "a.csv").stat().st_mtime
    os.utime(folder / "b.csv", (start - 600, start - 600))
    con = duckdb.connect()
    _ingest(con, folder, settle_seconds=300, started_at=start + 10)
    assert [r[:2] for r in ledger(con)] == [("a.csv", "deferred"), ("b.csv", "loaded")]
    assert "TGXH_SETTLE_SECONDS" in ledger(con)[0][5]
    _ingest(con, folder, settle_seconds=300, started_at=start + 400)
    assert [r[:2] for r in ledger(con)] == [("a.csv", "loaded"), ("b.csv", "loaded")]


def test_a_ledger_of_an_older_warehouse_keeps_one_row_per_file_name(tmp_path):
    # Before the history table, every version of a file had its own ledger row.
    con = duckdb.connect()
    ensure_tables(con)
    con.execute("drop table audit.ingested_file_versions")
    con.execute("alter table audit.rejected_rows drop column line_number")
    rows = [("beneficiaries", "a.csv", "1" * 64, "loaded", 3, 3, 0, None),
            ("beneficiaries", "a.csv", "2" * 64, "loaded", 2, 2, 0, None),
            ("beneficiaries", "b.csv", "3" * 64, "rejected", 0, 0, 0, "empty file")]
    con.executemany("insert into audit.ingested_files values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    ensure_tables(con)
    assert ledger(con) == [("a.csv", "loaded", 2, 2, 0, None), ("b.csv", "rejected", 0, 0, 0, "empty file")]
    assert history(con) == [("a.csv", "loaded", 3, 3, 0, None)]
    assert "line_number" in {c for (c,) in con.execute(
        "select column_name from duckdb_columns() where table_name = 'rejected_rows'").fetchall()}


def test_every_audit_table_and_column_is_described(tmp_path):
    con = duckdb.connect()
    ensure_tables(con)
    tables = con.execute("select table_name, comment from duckdb_tables() where schema_name = 'audit'").fetchall()
    assert {t for t, _ in tables} >= {"ingested_files", "rejected_rows", "ingest_file_state", "ingested_file_versions"}
    assert all(comment for _, comment in tables), tables
    missing = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name in ('audit', 'raw')"
        " and (comment is null or comment = '')"
    ).fetchall()
    assert missing == []


def _sample_folder(tmp_path: Path, names: dict[str, list[str]] | None = None) -> Path:
    """A raw folder holding the sample's files (all, or ``names`` per source)."""
    root = tmp_path / "raw"
    for source in SOURCES:
        (root / source).mkdir(parents=True, exist_ok=True)
        for path in sorted((PROJECT_ROOT / "data" / "raw" / source).iterdir()):
            if names is None or path.name in names[source]:
                shutil.copyfile(path, root / source / path.name)
    return root


def _build(con, root: Path, build_id: str) -> None:
    for source in SOURCES:
        ingest_source(con, source, root / source, SALT, build_id=build_id, allow_withdrawal=True)
    assert_reconciled(con)


def _from_empty(root: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    _build(con, root, "from-empty")
    return _tables(con)


def test_incremental_ingestion_of_the_sample_equals_ingestion_from_empty(tmp_path):
    # First half of each source's files, then all of them with one replaced and one
    # removed: the warehouse equals one built from empty on the final folder.
    sample = {s: sorted(p.name for p in (PROJECT_ROOT / "data" / "raw" / s).iterdir()) for s in SOURCES}
    root = _sample_folder(tmp_path / "inc", {s: names[: len(names) // 2 + 1] for s, names in sample.items()})
    con = duckdb.connect()
    _build(con, root, "build-1")
    root = _sample_folder(tmp_path / "inc")
    beneficiaries = root / "beneficiaries"
    first, second = sorted(p for p in beneficiaries.iterdir() if p.suffix == ".csv")[:2]
    data = first.read_bytes().rstrip(b"\r\n")
    first.write_bytes(data[: data.rfind(b"\n") + 1])  # resubmitted without its last row
    second.unlink()
    _build(con, root, "build-2")
    assert _tables(con) == _from_empty(root)
    assert ("beneficiaries", second.name, "withdrawn") in con.execute(
        "select source, file_name, status from audit.ingested_files").fetchall()


_CONTENTS = [
    _file(2022, 10), _file(2022, 11), _file(2023, 20, bad=True), _file(2024, 30),
    HEAD + "Cà Mau,2024,elderly,1\nCà Mau,2024,elderly,2\n",  # duplicate key
    HEAD + 'Cà Mau,"2024,elderly,1\nCà Mau,2024,disabled,2\n',  # a quote left open
    "province,group\nCà Mau,elderly\n",  # cannot be read: no year column
    "ghi chú",
]
_NAMES = ["a.csv", "b.csv", "c.csv", "d.csv", "e.txt"]
_STEP = st.lists(
    st.tuples(st.sampled_from(_NAMES), st.one_of(st.none(), st.sampled_from(range(len(_CONTENTS))))),
    min_size=1, max_size=4,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, min_size=1, max_size=4))
def test_incremental_ingestion_equals_ingestion_from_empty_on_random_folders(tmp_path_factory, steps):
    # Each step adds, replaces (content index) or removes (None) files, then a build runs;
    # after every build the warehouse equals one built from empty on the same folder
    # (identical contents under two names, resubmissions, withdrawals, unreadable files).
    tmp = tmp_path_factory.mktemp("inc")
    root = tmp / "raw"
    for source in SOURCES:
        (root / source).mkdir(parents=True)
    folder = root / "beneficiaries"
    con = duckdb.connect()
    for number, step in enumerate(steps):
        for name, content in step:
            if content is None:
                (folder / name).unlink(missing_ok=True)
            else:
                (folder / name).write_text(_CONTENTS[content], encoding="utf-8")
        _build(con, root, f"build-{number}")
        assert _tables(con) == _from_empty(root), step
