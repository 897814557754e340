"""The CSV files of a batch that share a layout are read together (readers.read_files):
every table, row, line number, message and ledger row is what reading each file alone
gives, whatever the batch mixes: delimiters, header orders and languages, line endings,
quotes left open at the end of a file, blank and numbering rows, short and wide rows."""

from __future__ import annotations

import unicodedata

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.sources import SOURCES
from pipelines.ingest import readers
from tests.fixtures.ingest.builders import SALT, landing, write_xlsx

FACILITIES = SOURCES["facilities"]
ENGLISH = ["facility_id", "name", "province", "year", "unit_type"]
VIETNAMESE = ["Mã cơ sở", "Tên cơ sở", "Tỉnh/Thành phố", "Năm", "Loại cơ sở"]
ROW = ["F{n}", "Trạm {n}", "Cà Mau", "2024", "health"]


def _alone(files: list[tuple[str, bytes]]) -> list:
    """What ``read_file`` gives each file (or the error it raises)."""
    out = []
    for name, data in files:
        try:
            out.append(readers.read_file(name, data, FACILITIES))
        except (readers.FileRejected, pl.exceptions.PolarsError) as exc:
            out.append(exc)
    return out


def _same(got, expected) -> None:
    assert type(got) is type(expected)
    if not isinstance(expected, readers.RawTable):
        assert str(got) == str(expected)
        return
    assert got.frame.schema == expected.frame.schema
    assert got.frame.equals(expected.frame), (got.frame, expected.frame)
    assert (got.header_row, got.ignored_columns, got.numbering_row_skipped, got.encoding, got.delimiter, got.notes()) == (
        expected.header_row, expected.ignored_columns, expected.numbering_row_skipped, expected.encoding,
        expected.delimiter, expected.notes())


class _Spy:
    """Counts the files read together (the batched path really runs)."""

    def __init__(self, monkeypatch) -> None:
        self.files = 0
        real = readers._read_together

        def spy(files, source):
            self.files += len(files)
            return real(files, source)

        monkeypatch.setattr(readers, "_read_together", spy)


def _csv(header: list[str], rows: list[str], delimiter: str = ",", eol: str = "\n") -> bytes:
    return (eol.join([delimiter.join(header), *rows]) + eol).encode("utf-8")


def _row(n: int, order: list[int], delimiter: str = ",") -> str:
    return delimiter.join(ROW[i].format(n=n) for i in order)


MIXED = {
    # comma, English header
    "a.csv": _csv(ENGLISH, [_row(1, [0, 1, 2, 3, 4]), "", _row(2, [0, 1, 2, 3, 4]) + ",extra", "F3,short"]),
    # a quote left open at the end of the file: it must not swallow the next file's lines
    "b.csv": _csv(ENGLISH, [_row(4, [0, 1, 2, 3, 4]), 'F5,"Trạm 5,Cà Mau,2024,health']),
    "c.csv": _csv(ENGLISH, [_row(6, [0, 1, 2, 3, 4]), _row(7, [0, 1, 2, 3, 4])]),
    # semicolon, another header order, a numbering row, CRLF
    "d.csv": _csv([ENGLISH[i] for i in (4, 3, 2, 1, 0)], ["(1);(2);(3);(4);(5)", _row(8, [4, 3, 2, 1, 0], ";")],
                  ";", "\r\n"),
    # Vietnamese header in the same order as a.csv (same layout), padded cells, no final newline
    "e.csv": _csv(VIETNAMESE, [" F9 , Trạm 9,Cà Mau ,2024,health", "", "  ,  ,"])[:-1],
    # a lone \r, a title row above the header, an ignored column
    "f.csv": ("Danh sách\n" + ",".join([*ENGLISH, "ghi chú"]) + "\nF10,Trạm\r10,Cà Mau,2024,health,x\n").encode(),
    # two columns naming one field, a file with only its header, an empty file, Windows-1258
    "g.csv": _csv([*ENGLISH, "Mã cơ sở"], [_row(11, [0, 1, 2, 3, 4]) + ",F11"]),
    "h.csv": _csv(ENGLISH, []),
    "i.csv": b"",
    "j.csv": unicodedata.normalize("NFD", _csv(ENGLISH, [_row(12, [0, 1, 2, 3, 4])]).decode()).encode("cp1258"),
    # tab, a duplicate key
    "k.csv": _csv(ENGLISH, [_row(13, [0, 1, 2, 3, 4], "\t"), _row(13, [0, 1, 2, 3, 4], "\t")], "\t"),
    "l.csv": _csv(ENGLISH, ["", "1,2,3,4,5", _row(14, [0, 1, 2, 3, 4])]),
    # one layout, headers of 6 and 8 filled cells: three numbers are a numbering row under the first only
    "n.csv": _csv([*ENGLISH, "", "", "x"], ["(1),(2),(3),,,,,", _row(16, [0, 1, 2, 3, 4]) + ",,,"]),
    "o.csv": _csv([*ENGLISH, "y", "z", "x"], ["(1),(2),(3),,,,,", _row(17, [0, 1, 2, 3, 4]) + ",,,"]),
    # UTF-8 not in NFC (read as its NFC text), UTF-8 with a BOM (the bytes under the header
    # are taken from the file as they are: where they start)
    "p.csv": unicodedata.normalize("NFD", _csv(VIETNAMESE, [_row(18, [0, 1, 2, 3, 4])]).decode()).encode(),
    "q.csv": b"\xef\xbb\xbf" + _csv(VIETNAMESE, [_row(19, [0, 1, 2, 3, 4]), _row(20, [0, 1, 2, 3, 4])]),
}


def test_a_mixed_batch_reads_as_each_file_alone(monkeypatch):
    spy = _Spy(monkeypatch)
    files = list(MIXED.items())
    got = readers.read_files(files, FACILITIES)
    assert spy.files >= 10  # the plain files (all but b, f, g, i) were read together
    for (name, _), table, expected in zip(files, got, _alone(files), strict=True):
        try:
            _same(table, expected)
        except AssertionError as exc:
            raise AssertionError(name) from exc
    decomposed = got[list(MIXED).index("p.csv")].frame
    assert decomposed["name"].to_list() == [unicodedata.normalize("NFC", "Trạm 18")]


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        table: con.execute(f"select * from {table} order by all").fetchall()
        for table in ("raw.facilities", "audit.rejected_rows", "audit.ingested_files", "audit.ingest_file_state",
                      "audit.ingested_file_versions")
    }


def test_a_mixed_folder_ingests_as_one_file_per_call(tmp_path, monkeypatch):
    # The same folder ingested in one call (the batch reads its plain files together)
    # and file by file, each in a call of its own with every file read alone: the tables
    # are equal row for row.
    from pipelines.ingest import ingest_source

    files = dict(MIXED)
    write_xlsx(tmp_path / "m.xlsx", [ENGLISH, [ROW[i].format(n=15) for i in range(5)]])
    files["m.xlsx"] = (tmp_path / "m.xlsx").read_bytes()
    spy = _Spy(monkeypatch)
    together = duckdb.connect()
    ingest_source(together, "facilities", landing(tmp_path, files), SALT)
    assert spy.files >= 10

    monkeypatch.setattr(readers, "_plain", lambda csv_text: None)
    expected: dict[str, list[tuple]] = {}
    for name, data in files.items():
        alone = duckdb.connect()
        ingest_source(alone, "facilities", landing(tmp_path, {name: data}, folder=f"alone-{name}"), SALT)
        for table, rows in _tables(alone).items():
            expected.setdefault(table, []).extend(rows)
    got = _tables(together)
    assert got == {table: sorted(rows) for table, rows in expected.items()}
    assert len(got["raw.facilities"]) >= 10 and len(got["audit.rejected_rows"]) >= 5


_PLAIN = ["F1", "Trạm", "Cà Mau", "2024", "health", "", " ", "\u00a0", ",", ";", "\t", "(1)", "x"]
_SPECIAL = ['"', "\r"]
"""Tokens that send a file down the path of one file at a time."""


@st.composite
def _file(draw, layout: tuple[str, list[int]]) -> tuple[str, bytes]:
    delimiter, order = layout
    names = draw(st.sampled_from([ENGLISH, VIETNAMESE]))
    # ignored columns: headers of 8 cells with 6 or 8 of them filled are one layout
    extra = draw(st.sampled_from([[], ["ghi chú"], ["", "", "x"], ["y", "z", "x"]]))
    numbering = draw(st.sampled_from([[], [delimiter.join(f"({i})" for i in range(1, 4))],
                                      [delimiter.join(f"({i})" for i in range(1, 6))]]))
    tokens = draw(st.sampled_from([_PLAIN, _PLAIN, _PLAIN + _SPECIAL]))
    lines = draw(st.lists(
        st.one_of(
            st.lists(st.sampled_from(tokens), max_size=8).map(delimiter.join),
            st.integers(1, 99).map(lambda n: _row(n, order, delimiter)),
            st.integers(2, 6).map(lambda n: delimiter.join(f"({i})" for i in range(1, n + 1))),
        ),
        max_size=8,
    ))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join([delimiter.join([names[i] for i in order] + extra), *numbering, *lines])
    return f"{draw(st.integers(0, 99)):02d}.csv", (text + draw(st.sampled_from([eol, ""]))).encode("utf-8")


_LAYOUTS = st.tuples(st.sampled_from([",", ";", "\t"]), st.sampled_from([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(_LAYOUTS, min_size=1, max_size=2).flatmap(
    lambda layouts: st.lists(st.sampled_from(layouts).flatmap(_file), min_size=1, max_size=6)))
def test_any_batch_reads_as_each_file_alone(files):
    # A batch of files of one or two layouts, each line made of the tokens that matter
    # to splitting (delimiters, spaces, quotes, \r), numbering rows first or later.
    for table, expected in zip(readers.read_files(files, FACILITIES), _alone(files), strict=True):
        _same(table, expected)
