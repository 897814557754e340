"""A large CSV file is read, checked and written in chunks (pipelines/ingest/loader.py,
``read_csv_chunks``): the tables must be those of reading the file whole, row for row,
message for message and line for line, whatever the chunk size: the rules that look at
the whole file (duplicate keys, the ``x`` convention of a boolean column) included, and
a file is still written whole or not at all.

The size threshold and the chunk size are parameters of ``ingest_source``: here every
file is read in chunks, of a few characters (each line is its own chunk) up to a few
lines."""

from __future__ import annotations

import duckdb
import pytest

import pipelines.ingest.loader as loader
from pipelines.ingest import ingest_source
from pipelines.ingest.rules import DUPLICATE_KEY
from tests.fixtures.ingest.builders import CORPUS, SALT, assert_reconciled, landing, ledger, rejections
from tests.unit.test_ingest_files import snapshot

CHUNK_SIZES = (1, 40, 200)
"""Characters per chunk: 1 makes each line a chunk of its own."""


def ingest(folder, source: str, chunk_chars: int | None) -> duckdb.DuckDBPyConnection:
    """``folder`` ingested into a fresh warehouse, whole (None) or in chunks of ``chunk_chars``."""
    con = duckdb.connect()
    if chunk_chars is None:
        ingest_source(con, source, folder, SALT)
    else:
        ingest_source(con, source, folder, SALT, chunked_bytes=0, chunk_chars=chunk_chars)
    assert_reconciled(con)
    return con


def assert_same_as_whole(folder, source: str) -> duckdb.DuckDBPyConnection:
    """Every ingestion table is the same read whole and read in chunks of each size;
    returns the warehouse read whole."""
    whole = ingest(folder, source, None)
    expected = snapshot(whole)
    for size in CHUNK_SIZES:
        assert snapshot(ingest(folder, source, size)) == expected, size
    return whole


@pytest.mark.parametrize("source", ["beneficiaries", "facilities", "training"])
def test_the_corpus_reads_the_same_in_chunks(tmp_path, source):
    # encodings (UTF-8 with and without BOM, Windows-1258, UTF-16), delimiters, headers
    # lower down, numbering rows, total rows, duplicate keys, row rules, blank lines,
    # empty and header-only files, the x convention: every table as read whole
    files = {p.name: p for p in (CORPUS / source).iterdir() if p.suffix.lower() == ".csv"}
    whole = assert_same_as_whole(landing(tmp_path, files), source)
    assert whole.execute("select count(*) from audit.ingested_files").fetchone()[0] == len(files)


HEAD = "province,year,month,group,in_difficulty\n"
FILL = 40
FILLER = "".join(f"Cà Mau,{2020 + i // 10},{1 + i % 10},disabled,{i}\n" for i in range(FILL))
"""Rows with keys of their own: the first chunk holds at least the ``HEADER_SCAN_ROWS``
records the header is looked for in, so what a test puts after them is in later chunks."""


def test_structure_errors_quoted_line_breaks_and_duplicates_across_chunks(tmp_path):
    rows = [f"Cà Mau,2024,{m},elderly,{m}\n" for m in range(1, 13)]
    rows[3] = "Cà Mau,2024,4,elderly,4,oops,more\n"  # too many cells
    rows[6] = 'Cà Mau,2024,7,"elderly\nnot closed here",7\n'  # a quoted line break
    rows[9] = 'Cà Mau,2024,10,"el""derly",10\n'
    text = (HEAD + FILLER + "".join(rows) + "Cà Mau,2024,2,elderly,99\nCà Mau,2024,2,elderly,-5\n"
            + 'Ca Mau,2024,11,"open,1\n')
    whole = assert_same_as_whole(landing(tmp_path, {"b.csv": text}), "beneficiaries")
    reasons = whole.execute(
        "select row_number, line_number, column_name, reason from audit.rejected_rows order by row_number"
    ).fetchall()
    key = f"{DUPLICATE_KEY} (province=Cà Mau, year=2024, month=2, group=elderly): also on"
    line_break = f"a cell holds a line break: the record runs from line {FILL + 8} to line {FILL + 9}"
    expected = [
        (2, 3, None, key),
        (4, 5, None, "row has 7 cells, the header has 5"),
        (7, 8, None, line_break),
        (8, 9, None, line_break),
        (11, 12, "group", "group: unknown value: 'el\"derly'"),
        (14, 15, None, key),
        (15, 16, None, key),
        (16, 17, None, "row has 4 cells, the header has 5"),
    ]
    assert [r[:3] for r in reasons] == [(n + FILL, line + FILL, column) for n, line, column, _ in expected]
    assert all(r[3].startswith(e[3]) for r, e in zip(reasons, expected, strict=True)), reasons
    # the key, the other rows (each once) and, after them, the row's other problems
    others = {n - FILL: set(reason.removeprefix(key + " ").split("; ")[0].split(", "))
              for n, _, _, reason in reasons if reason.startswith(key)}
    at = {n: f"line {FILL + n + 1} (row {FILL + n})" for n in (2, 14, 15)}
    assert others == {2: {at[14], at[15]}, 14: {at[2], at[15]}, 15: {at[2], at[14]}}
    assert reasons[6][3].endswith("; in_difficulty (-5) < 0")


def test_a_quote_left_open_at_a_chunk_end_runs_on_into_the_next_chunk(tmp_path):
    # the record opened on line 3 closes on line 6: chunks of one line must be extended
    text = HEAD + FILLER + 'Cà Mau,2024,1,elderly,1\nCà Mau,2024,2,"eld\n\nerly\n",2\nCà Mau,2024,3,elderly,3\n'
    whole = assert_same_as_whole(landing(tmp_path, {"b.csv": text}), "beneficiaries")
    reasons = rejections(whole)
    assert [r[0] - FILL for r in reasons] == [2, 3, 4, 5]
    assert f"runs from line {FILL + 3} to line {FILL + 6}" in reasons[0][2]


def test_the_x_convention_revealed_only_by_a_later_chunk(tmp_path):
    head = "facility_id,name,province,year,unit_type,provides_social_work\n"
    lines = [f"F{i},Cơ sở {i},Cà Mau,2024,sa_elderly,{'' if i < FILL else 'x'}\n" for i in range(FILL + 3)]
    whole = assert_same_as_whole(landing(tmp_path, {"f.csv": head + "".join(lines)}), "facilities")
    values = whole.execute("select provides_social_work from raw.facilities order by row_number").fetchall()
    assert [v for (v,) in values] == [False] * FILL + [True] * 3


def test_utf16_and_windows_1258_files_read_the_same_in_chunks(tmp_path):
    text = HEAD + FILLER + "".join(f"Cà Mau,2019,{m},elderly,{m}\n" for m in range(1, 6)) + "Cà Mau,2019,3,elderly,9\n"
    folder = landing(tmp_path, {"u16.csv": text.encode("utf-16"), "w1258.csv": text.encode("cp1258")})
    whole = assert_same_as_whole(folder, "beneficiaries")
    assert [(name, status, read, msg) for name, status, read, _, _, msg in ledger(whole)] == [
        ("u16.csv", "loaded", FILL + 6, "encoding: UTF-16"), ("w1258.csv", "loaded", FILL + 6, "encoding: Windows-1258"),
    ]


@pytest.mark.parametrize("content", [
    HEAD + "Cà Mau,2024,1,elderly,1\n" + "x" * 40 + "\n" + "Cà Mau,2024,2,elderly,\x002\n",  # binary data
    HEAD + "Cà Mau,2024,1,elderly,1\n" + "Cà Mau,2024,2,elderly," + "9" * (1 << 20) + "\n",  # a line too long
    b"\xef\xbb\xbf" + b"\xff\xfe" * 10,  # a UTF-8 BOM, then neither UTF-8 nor Windows-1258 ... or it is
    b"\xff\xfe" + "province,year\n".encode("utf-16-le") + b"\x00\xd8",  # a broken UTF-16 file
    "\n \n\t\n" * 20,  # blank
    "\n" * 40 + HEAD + "Cà Mau,2024,1,elderly,1\n",  # the header below the rows scanned
])
def test_files_refused_whole_are_refused_in_chunks(tmp_path, content):
    whole = assert_same_as_whole(landing(tmp_path, {"b.csv": content}), "beneficiaries")
    assert ledger(whole)[0][1] == "rejected"


def test_a_crash_mid_file_leaves_nothing_of_it_written(tmp_path, monkeypatch):
    text = HEAD + FILLER + "".join(f"Cà Mau,2024,{m},elderly,{m}\n" for m in range(1, 13))
    folder = landing(tmp_path, {"a.csv": HEAD + "Cà Mau,2023,1,elderly,1\n", "b.csv": text})
    con = duckdb.connect()
    checked = []
    real = loader.apply_rules_batch

    def crash_on_third_chunk(frames, *args, **kwargs):
        if kwargs.get("chunk_of") is not None:
            checked.append(frames[0].height)
            if len(checked) == 3:
                raise RuntimeError("power cut")
        return real(frames, *args, **kwargs)

    monkeypatch.setattr(loader, "apply_rules_batch", crash_on_third_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=100, chunk_chars=40)
    assert len(checked) == 3 and checked[1] > 0
    assert ledger(con) == [("a.csv", "loaded", 1, 1, 0, None)]
    assert con.execute("select file_name, count(*) from raw.beneficiaries group by all").fetchall() == [("a.csv", 1)]
    assert con.execute("select count(*) from audit.rejected_rows").fetchone() == (0,)
    monkeypatch.setattr(loader, "apply_rules_batch", real)
    ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=100, chunk_chars=40)
    assert_reconciled(con)
    assert ledger(con)[1] == ("b.csv", "loaded", FILL + 12, FILL + 12, 0, None)


def test_a_file_read_in_chunks_replaces_its_earlier_version(tmp_path):
    folder = landing(tmp_path, {"b.csv": HEAD + "Cà Mau,2024,1,elderly,1\nCà Mau,2024,1,elderly,2\n"})
    con = duckdb.connect()
    ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=0, chunk_chars=1)
    (folder / "b.csv").write_text(HEAD + "Cà Mau,2024,1,elderly,3\n", encoding="utf-8")
    ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=0, chunk_chars=1)
    assert_reconciled(con)
    assert ledger(con) == [("b.csv", "loaded", 1, 1, 0, None)]
    assert con.execute("select in_difficulty from raw.beneficiaries").fetchall() == [(3,)]


def test_a_crash_while_the_file_is_copied_in_leaves_nothing_of_it_and_no_staging(tmp_path, monkeypatch):
    import tempfile

    folder = landing(tmp_path, {"b.csv": HEAD + FILLER})
    con = duckdb.connect()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def crash(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader._Writer, "_insert_ledger", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=0, chunk_chars=40)
    assert con.execute("select count(*) from raw.beneficiaries").fetchone() == (0,)
    assert con.execute("select count(*) from audit.ingested_files").fetchone() == (0,)
    assert list((tmp_path / "tmp").iterdir()) == []  # the staging database is gone
    assert con.execute("select count(*) from duckdb_databases() where starts_with(database_name, ?)",
                       [loader.STAGE]).fetchone() == (0,)


def test_a_file_changed_between_its_scan_and_its_reading_is_deferred(tmp_path, monkeypatch):
    folder = landing(tmp_path, {"b.csv": HEAD + FILLER})
    real = loader._scan

    def scan_then_append(entry, name, spec):
        item = real(entry, name, spec)
        with (folder / "b.csv").open("a", encoding="utf-8") as fh:  # still being uploaded
            fh.write("Cà Mau,2030,1,elderly,1\n")
        return item

    monkeypatch.setattr(loader, "_scan", scan_then_append)
    con = duckdb.connect()
    report = ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=0, chunk_chars=40)
    assert [(f.status, f.message) for f in report.files] == [("deferred", loader.CHANGED_MESSAGE)]
    assert ledger(con) == [("b.csv", "deferred", 0, 0, 0, loader.CHANGED_MESSAGE)]
    assert con.execute("select count(*) from raw.beneficiaries").fetchone() == (0,)
    monkeypatch.setattr(loader, "_scan", real)
    ingest_source(con, "beneficiaries", folder, SALT, chunked_bytes=0, chunk_chars=40)
    assert ledger(con) == [("b.csv", "loaded", FILL + 1, FILL + 1, 0, None)]
