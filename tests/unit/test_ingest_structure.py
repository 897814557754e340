"""CSV structure (docs/contract.md §2.1): every physical data line of a file is loaded or
rejected; rows with more or fewer cells than the header and records running over
several lines (a quote left open) are rejected with a reason that says so; quotes inside
unquoted cells never stop the build; UTF-16 ("Unicode Text"); line numbers as the
file's own program shows them (CSV line, Excel row)."""

from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.ingest.builders import (
    ingest_one,
    landing,
    ledger,
    raw_rows,
    run,
    write_xlsx,
)

F_HEAD = "facility_id,name,province,year,unit_type\n"


def _rejected(con):
    return con.execute(
        "select file_name, line_number, row_number, reason from audit.rejected_rows order by file_name, line_number"
    ).fetchall()


def test_quotes_inside_unquoted_cells_never_stop_the_build(tmp_path):
    # An unquoted formula holds a comma: one cell too many, the row is rejected with
    # counts; a stray inch mark in a name is a plain character; a quoted formula loads.
    roster = F_HEAD + (
        'F1,=HYPERLINK("http://x","click"),Cà Mau,2024,health\n'
        'F2,Nhà 12" ABC,Cà Mau,2024,health\n'
        'F3,"=HYPERLINK(""http://x"",""click"")",Cà Mau,2024,health\n'
    )
    folder = landing(tmp_path, {"a_roster.csv": roster, "b_roster.csv": F_HEAD + "F9,Trạm 9,Cà Mau,2024,health\n"})
    con = duckdb.connect()
    run(con, "facilities", folder)
    assert raw_rows(con, "facilities", "file_name, facility_id, name") == [
        ("a_roster.csv", "F2", 'Nhà 12" ABC'),
        ("a_roster.csv", "F3", '=HYPERLINK("http://x","click")'),
        ("b_roster.csv", "F9", "Trạm 9"),
    ]
    assert _rejected(con) == [("a_roster.csv", 2, 1, "row has 6 cells, the header has 5")]
    assert ledger(con)[0][:5] == ("a_roster.csv", "loaded", 3, 2, 1)


def test_an_open_quote_swallowing_lines_rejects_each_of_them(tmp_path):
    # Five data lines: the quote opened on line 3 closes on line 5, so lines 3-5 are one
    # record holding line breaks: all three are rejected, none is lost.
    text = F_HEAD + (
        "F1,Trạm 1,Cà Mau,2024,health\n"
        'F2,"Trung tâm ABC,Cà Mau,2024,health\n'
        "F3,Trạm 3,Cà Mau,2024,health\n"
        'F4,Trạm 4",Cà Mau,2024,health\n'
        "F5,Trạm 5,Cà Mau,2024,health\n"
    )
    con, report = ingest_one(tmp_path, "facilities", "roster.csv", text)
    assert raw_rows(con, "facilities", "row_number, facility_id") == [(1, "F1"), (5, "F5")]
    reason = ("a cell holds a line break: the record runs from line 3 to line 5 "
              "(a quote opened on line 3 is closed only there, or never)")
    assert _rejected(con) == [("roster.csv", n, n - 1, reason) for n in (3, 4, 5)]
    assert ledger(con) == [("roster.csv", "loaded", 5, 2, 3, None)]
    assert (report.rows_loaded, report.rows_rejected) == (2, 3)


def test_a_quote_never_closed_rejects_every_line_after_it(tmp_path):
    text = F_HEAD + 'F1,Trạm 1,Cà Mau,2024,health\nF2,"Trạm 2,Cà Mau,2024,health\nF3,Trạm 3,Cà Mau,2024,health\n'
    con, _ = ingest_one(tmp_path, "facilities", "roster.csv", text)
    assert [r[1] for r in _rejected(con)] == [3, 4]
    assert ledger(con) == [("roster.csv", "loaded", 3, 1, 2, None)]


def test_a_file_cut_during_its_upload_does_not_supersede_a_complete_row(tmp_path):
    # The later file's last row is short of cells (the upload stopped there): it is
    # rejected, so the earlier file's complete row is the only one of its key.
    head = "province,year,month,group,in_difficulty,served,monthly_allowance\n"
    folder = landing(tmp_path, {
        "2024_12_a.csv": head + "Cà Mau,2024,12,elderly,40000,38000,37060\n",
        "2024_12_b.csv": head + "Cà Mau,2024,12,disabled,900,800,700\nCà Mau,2024,12,elderly,40000,38",
    })
    con = duckdb.connect()
    run(con, "beneficiaries", folder)
    assert raw_rows(con, "beneficiaries", "file_name, group_code, monthly_allowance") == [
        ("2024_12_a.csv", "elderly", 37060), ("2024_12_b.csv", "disabled", 700)
    ]
    assert _rejected(con) == [("2024_12_b.csv", 3, 2, "row has 6 cells, the header has 7")]


def test_a_row_with_fewer_cells_than_the_header_is_rejected_and_blank_lines_are_not_data(tmp_path):
    text = F_HEAD + "F1,Trạm 1,Cà Mau,2024,health\n\n,,,,\r\nF2,Trạm 2,Cà Mau,2024\r\nF3,Trạm 3,Cà Mau,2024,health"
    con, _ = ingest_one(tmp_path, "facilities", "roster.csv", text)
    assert _rejected(con) == [("roster.csv", 5, 2, "row has 4 cells, the header has 5")]
    assert raw_rows(con, "facilities", "row_number, facility_id") == [(1, "F1"), (3, "F3")]
    assert ledger(con) == [("roster.csv", "loaded", 3, 2, 1, None)]


def test_excel_unicode_text_utf16_tab_separated_is_read(tmp_path):
    text = "Mã cơ sở\tTên cơ sở\tTỉnh/Thành phố\tNăm\tLoại cơ sở\r\nF1\tTrạm 1\tCà Mau\t2024\tCơ sở y tế\r\n"
    con, _ = ingest_one(tmp_path, "facilities", "unicode.txt.csv", text.encode("utf-16"))
    assert raw_rows(con, "facilities", "facility_id, name, unit_type") == [("F1", "Trạm 1", "health")]
    assert ledger(con) == [("unicode.txt.csv", "loaded", 1, 1, 0, "encoding: UTF-16; delimiter: tab")]


def test_line_numbers_are_those_the_files_program_shows(tmp_path):
    # CSV: the physical line, counting title rows, blank lines and the numbering row;
    # XLSX: the Excel row.
    csv_text = "BÁO CÁO,,,,\n\n" + F_HEAD + "(1),(2),(3),(4),(5)\nF1,Trạm 1,Cà Mau,2024,health\n\nF2,Trạm 2,Cà Mau,20x4,health\n"
    con, _ = ingest_one(tmp_path / "csv", "facilities", "roster.csv", csv_text)
    assert _rejected(con) == [("roster.csv", 7, 2, "year: not an integer: '20x4'")]
    rows = [["DANH SÁCH CƠ SỞ"], [], ["facility_id", "name", "province", "year", "unit_type"],
            ["F1", "Trạm 1", "Cà Mau", 2024, "health"], [], ["F2", "Trạm 2", "Cà Mau", "20x4", "health"]]
    book = write_xlsx(tmp_path / "roster.xlsx", rows)
    con, _ = ingest_one(tmp_path / "xlsx", "facilities", "roster.xlsx", book.read_bytes())
    assert _rejected(con) == [("roster.xlsx", 6, 2, "year: not an integer: '20x4'")]


_CELL = st.lists(st.sampled_from(["ab", "Nhà", " ", ",", '"', "'", "=", "\t", ";"]), max_size=5).map("".join)
_LINE = st.lists(_CELL, min_size=1, max_size=7).map(",".join).filter(lambda s: s.strip(' ,"\t') != "")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, max_size=12), final_newline=st.booleans())
def test_every_physical_data_line_is_loaded_or_rejected(tmp_path_factory, lines, final_newline):
    # Any mix of commas, quotes and tabs: the build never stops, and rows_read is the
    # number of data lines under the header, each loaded or rejected.
    body = "\n".join(lines) + ("\n" if final_newline and lines else "")
    con, _ = ingest_one(tmp_path_factory.mktemp("h"), "facilities", "random.csv", F_HEAD + body)
    ((status, read, loaded, rejected),) = con.execute(
        "select status, rows_read, rows_loaded, rows_rejected from audit.ingested_files"
    ).fetchall()
    assert status == "loaded"
    assert read == len(lines) == loaded + rejected
    lines_seen = [n for (n,) in con.execute(
        "select line_number from audit.rejected_rows union all"
        " select row_number + 1 from raw.facilities order by 1").fetchall()]
    assert lines_seen == list(range(2, len(lines) + 2))


def test_a_file_polars_cannot_parse_is_rejected_and_the_others_load(tmp_path, monkeypatch):
    # Whatever polars raises while reading one file, that file is rejected with the
    # reason and the other files of the source still load (the files of a batch read
    # together are then read one by one).
    import polars as pl

    from pipelines.ingest import readers

    real = readers._read_cells

    def failing(raw, delimiter, names):
        if b"F1," in raw:
            raise pl.exceptions.ComputeError("could not parse `Nhà 12\" ABC` as dtype str")
        return real(raw, delimiter, names)

    monkeypatch.setattr(readers, "_read_cells", failing)
    row = F_HEAD + "F1,Trạm 1,Cà Mau,2024,health\n"
    con = duckdb.connect()
    run(con, "facilities", landing(tmp_path, {"a.csv": row, "b.csv": row.replace("F1", "F2")}))
    assert [r[:2] for r in ledger(con)] == [("a.csv", "rejected"), ("b.csv", "loaded")]
    assert ledger(con)[0][5] == 'the file cannot be parsed: could not parse `Nhà 12" ABC` as dtype str'


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(st.lists(st.sampled_from(["ab", "Nhà", " ", "\u00a0", ",", '"', '""', "=", "\t"]), max_size=8).map("".join),
                   max_size=10),
    width=st.integers(1, 4),
)
def test_the_fast_paths_read_each_line_as_the_csv_module_does(lines, width):
    # polars splits the lines without quotes and those whose cells are quoted whole; the
    # csv module reads the others: every line must come out as the csv module alone
    # (a record per line, in order, a quote left open swallowing the lines after it) reads it.
    from pipelines.ingest import readers

    text = "\n".join(lines) + "\n" if lines else ""
    split = readers._split_lines(text, ",", width, 2)
    cells, numbers, structure = split.cells, split.numbers, split.structure
    series = readers._physical_lines(text, text.encode())
    records, problems, _ = readers._quoted_records(series, list(range(len(series))), ",", 2)

    def clean(cell):
        return cell.strip() or None

    expected = [
        ([clean(c) if c is not None else None for c in (records.get(i, []) + [None] * width)[:width]],
         problems.get(i) or readers._width_problem(records.get(i, []), width))
        for i in range(len(series))
    ]
    got = list(zip([list(r) for r in cells.iter_rows()], structure.to_list(), strict=False))
    assert got == expected
    assert numbers.to_list() == list(range(2, 2 + len(series)))
