"""Reading a raw file into a frame of text cells under canonical column names
(docs/contract.md §2.1): CSV in UTF-8 / UTF-8 with BOM / Windows-1258 / UTF-16 with a
BOM (Excel's "Unicode Text") with a comma, semicolon or tab delimiter, and the first
sheet of an XLSX workbook. In both, the header row is the first of the first
``HEADER_SCAN_ROWS`` rows that names every required column, and a row of column
numbers right under it is skipped.

Every data row carries ``line_number``, the row as the file's own program shows it
(the CSV physical line, the Excel row). A CSV is accounted for line by line: each
non-blank physical line after the header is one data row, and a row that is not a
well-formed record gets a ``STRUCTURE`` reason that rejects it: more or fewer cells
than the header, or a record that runs over several lines (a cell holding a line
break, usually a quote left open, which swallows the lines after it; each of those
lines is rejected). Lines without a quote character are split by polars; only lines
holding a quote go through Python's ``csv`` module (in Excel's quoting rules, a quote
inside an unquoted cell, ``Nhà 12" ABC``, is a plain character).

A large CSV is read in chunks of lines (``read_csv_chunks``), after ``CsvScan`` made the
checks that need its whole bytes; the rows are those of reading it whole. Several files
are read with ``read_files``: those of one layout whose lines hold no quote (most files)
are split and shaped together, in one pass of polars, with the tables reading each alone
gives (polars costs a fixed time per call, which is most of the time of a small file).

Nothing is typed here: every cell stays text (NFC, stripped, empty -> null).
A file that cannot be read raises ``FileRejected`` with a readable message.

Hostile files are refused before they can exhaust memory: a CSV line longer than
``MAX_LINE_BYTES``, a header row wider than ``MAX_COLUMNS`` cells, and an XLSX whose
ZIP archive would expand beyond ``MAX_XLSX_UNCOMPRESSED_BYTES`` or at a ratio above
``MAX_COMPRESSION_RATIO`` (a zip bomb) are rejected, the last before fastexcel
decompresses anything (tests/unit/test_hostile_files.py).
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

import fastexcel
import polars as pl

from models.sources import Field, Source
from pipelines.ingest.parsing import clean, fold, nfc

HEADER_SCAN_ROWS = 30
DELIMITERS = (",", ";", "\t")
SUPPORTED_SUFFIXES = (".csv", ".xlsx")
ROW_NUMBER = "row_number"
LINE_NUMBER = "line_number"
STRUCTURE = "__structure"
"""Text column of CSV rows: why the line is not a well-formed record (null when it is)."""

# --- limits against hostile files (see the module doc) ---------------------------------
MAX_COLUMNS = 1_000
"""Cells of a header row (up to its last non-empty cell); a source has at most 14 columns."""
MAX_LINE_BYTES = 1 << 20
"""Longest CSV line (1 MiB): a data row is a few hundred bytes."""
MAX_XLSX_UNCOMPRESSED_BYTES = 200 << 20
"""Total size of the parts of an XLSX archive once decompressed (200 MiB)."""
MAX_XLSX_PARTS = 1_000
MAX_COMPRESSION_RATIO = 100
"""Uncompressed / compressed size of one part larger than ``RATIO_CHECK_BYTES``
(worksheet XML compresses about 10:1, a zip bomb about 1000:1)."""
RATIO_CHECK_BYTES = 1 << 20
MAX_IGNORED_LISTED = 20
"""Ignored columns named in the ledger message (the rest are counted)."""


class FileRejected(Exception):
    """The file cannot be ingested at all; ``str(exc)`` is the ledger message."""


@dataclass
class RawTable:
    """The data rows of one file as text, with what was learnt reading it."""

    frame: pl.DataFrame
    """One String column per recognised field (canonical name), ``row_number``,
    ``line_number`` and, for a CSV, ``STRUCTURE``."""
    header_row: int
    """1-based row (record) of the header in the file or sheet."""
    ignored_columns: list[str] = field(default_factory=list)
    numbering_row_skipped: bool = False
    encoding: str | None = None
    delimiter: str | None = None

    def notes(self) -> list[str]:
        """Ledger message parts describing how the file was read."""
        out = []
        if self.encoding in ENCODING_NOTES:
            out.append("encoding: " + ENCODING_NOTES[self.encoding])
        if self.delimiter not in (None, ","):
            out.append("delimiter: " + {";": "semicolon", "\t": "tab"}[self.delimiter])
        if self.header_row != 1:
            out.append(f"header at row {self.header_row}")
        if self.numbering_row_skipped:
            out.append("column-number row skipped")
        if self.ignored_columns:
            shown = [c if len(c) <= 60 else c[:59] + "…" for c in self.ignored_columns[:MAX_IGNORED_LISTED]]
            more = len(self.ignored_columns) - len(shown)
            out.append("ignored columns: " + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
        return out


# --- headers ---------------------------------------------------------------------------

_HEADER_MAPS: dict[str, tuple[Source, dict[str, Field]]] = {}


def header_map(source: Source) -> dict[str, Field]:
    """folded header -> field: the canonical name, the raw column name and every
    Vietnamese header (built once per source)."""
    hit = _HEADER_MAPS.get(source.name)
    if hit is not None and hit[0] is source:
        return hit[1]
    out: dict[str, Field] = {}
    for f in source.fields:
        names = {f.name, *f.headers}
        if f.output_name and f.pii is None:
            names.add(f.output_name)
        for text in names:
            key = fold(text)
            if out.get(key, f) is not f:
                raise ValueError(f"{source.name}: header {text!r} names {out[key].name} and {f.name}")
            out[key] = f
    _HEADER_MAPS[source.name] = (source, out)
    return out


@dataclass
class _Header:
    index: int  # 0-based row index among the scanned rows
    columns: dict[int, Field]  # cell position -> field
    cells: list[str | None]


def _match(row: list[str | None], headers: dict[str, Field]) -> dict[int, Field]:
    folded = ((i, fold(c)) for i, c in enumerate(row) if c)
    return {i: headers[key] for i, key in folded if key in headers}


def _missing(source: Source, matched: dict[int, Field]) -> list[Field]:
    found = {f.name for f in matched.values()}
    return [f for f in source.required if f.name not in found]


def find_header(rows: list[list[str | None]], source: Source) -> tuple[_Header | None, int, str]:
    """First row naming every required column. Returns (header or None, number of
    recognised cells of the best row, message explaining the failure)."""
    headers = header_map(source)
    best: dict[int, Field] = {}
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        matched = _match(row, headers)
        if matched and not _missing(source, matched):
            return _Header(i, matched, row), len(matched), ""
        if len(matched) > len(best):
            best = matched
    if not best:
        expected = ", ".join(f.display for f in source.required)
        return None, 0, (
            f"no header row found in the first {HEADER_SCAN_ROWS} rows (required columns: {expected})"
        )
    missing = _missing(source, best)
    label = "missing required column" if len(missing) == 1 else "missing required columns"
    return None, len(best), f"{label}: " + ", ".join(f.display for f in missing)


def _check_width(header: _Header) -> None:
    """Refuse a header row wider than ``MAX_COLUMNS`` cells (up to its last non-empty cell)."""
    width = max((i + 1 for i, c in enumerate(header.cells) if c), default=0)
    if width > MAX_COLUMNS:
        raise FileRejected(
            f"too many columns: the header row has {width:,} cells (at most {MAX_COLUMNS:,} are accepted)"
        )


def _check_duplicates(header: _Header) -> None:
    by_field: dict[str, list[int]] = {}
    for i, f in header.columns.items():
        by_field.setdefault(f.name, []).append(i)
    for positions in by_field.values():
        if len(positions) > 1:
            f = header.columns[positions[0]]
            cells = ", ".join(f"'{header.cells[i]}'" for i in positions)
            raise FileRejected(f"duplicate column: {f.display} is named by {len(positions)} headers ({cells})")


_NUMBER_CELL = re.compile(r"^\(?([0-9]{1,3}|[A-Za-z])\)?$")


def is_numbering_row(cells: list[str | None], header_width: int) -> bool:
    """A row of column numbers such as ``(1) (2) (3)``, ``1 2 3`` or ``A B 1 2``: at
    least two cells and half of the header's cells filled, all of that form, the
    numbers strictly increasing."""
    filled = [c for c in cells if c is not None]
    if len(filled) < max(2, header_width // 2):
        return False
    numbers = []
    for c in filled:
        m = _NUMBER_CELL.match(c)
        if not m:
            return False
        if m.group(1).isdigit():
            numbers.append(int(m.group(1)))
    return all(a < b for a, b in zip(numbers, numbers[1:], strict=False))


# --- shaping ---------------------------------------------------------------------------

def _shape(cells: pl.DataFrame, lines: pl.Series, header: _Header, source: Source,
           structure: pl.Series | None = None, *, rows_before: int = 0, first_rows: bool = True) -> RawTable:
    """Name the columns, drop blank rows and the numbering row, number the data rows.
    ``cells``: the clean cells (NFC, stripped, empty -> null) of the rows under the
    header, by position; ``lines``: each row's line number; ``structure``: each row's
    structure problem (CSV). For a chunk of a file: ``rows_before`` data rows come
    before it, and ``first_rows`` says whether its first row is the file's first (the
    only one that can be a numbering row)."""
    _check_width(header)
    _check_duplicates(header)
    width = cells.width
    names = [f"__col{i}" for i in range(width)]
    data = cells.rename(dict(zip(cells.columns, names, strict=False))).with_columns(lines.alias(LINE_NUMBER).cast(pl.Int64))
    if structure is not None:
        data = data.with_columns(structure.alias(STRUCTURE))
    data = data.filter(~_blank(names, structure is not None))
    skipped = False
    if first_rows and data.height and (structure is None or data[STRUCTURE][0] is None) and is_numbering_row(
        list(data.select(names).row(0)), _header_width(header)
    ):
        data = data.slice(1)
        skipped = True
    frame = data.select(
        pl.int_range(rows_before + 1, rows_before + pl.len() + 1, dtype=pl.Int32).alias(ROW_NUMBER),
        LINE_NUMBER,
        *_named(names, header, source),
        *([STRUCTURE] if structure is not None else []),
    )
    return RawTable(frame, header_row=header.index + 1, ignored_columns=_ignored(header), numbering_row_skipped=skipped)


def _blank(names: list[str], structure: bool) -> pl.Expr:
    """A row without a cell; with ``structure``, also a well-formed record (a line of a
    malformed record is a data line even when blank)."""
    blank = pl.all_horizontal(pl.col(n).is_null() for n in names) if names else pl.lit(True)
    return blank & pl.col(STRUCTURE).is_null() if structure else blank


def _header_width(header: _Header) -> int:
    """The header's non-empty cells."""
    return sum(1 for c in header.cells if c)


def _ignored(header: _Header) -> list[str]:
    """The header's non-empty cells that name no field."""
    return [c for i, c in enumerate(header.cells) if c and i not in header.columns]


def _fields(header: _Header, source: Source) -> list[tuple[int, Field]]:
    """(cell position, field) of the header's recognised columns, in the source's order."""
    return sorted(header.columns.items(), key=lambda kv: source.fields.index(kv[1]))


def _named(names: list[str], header: _Header, source: Source) -> list[pl.Expr]:
    """The columns ``names`` (by position) that the header names, under the field's name."""
    return [pl.col(names[i]).alias(f.name) for i, f in _fields(header, source) if i < len(names)]


# --- CSV -------------------------------------------------------------------------------

def check_line_lengths(data: bytes) -> None:
    """Refuse a file with a line longer than ``MAX_LINE_BYTES``, before it is decoded
    (a 100 MB line would otherwise be copied several times over while parsing).

    Each step looks for the last newline of the next ``MAX_LINE_BYTES + 1`` bytes, so
    the scan costs about one ``rfind`` per MiB of data."""
    pos, size = 0, len(data)
    while size - pos > MAX_LINE_BYTES:
        nl = data.rfind(b"\n", pos, pos + MAX_LINE_BYTES + 1)
        if nl < 0:
            line = data.count(b"\n", 0, pos) + 1
            raise FileRejected(
                f"line {line:,} is longer than {MAX_LINE_BYTES:,} bytes: not a table of data "
                "(a damaged file, or a binary file named .csv?)"
            )
        pos = nl + 1


ENCODING_NOTES = {"cp1258": "Windows-1258", "utf-16": "UTF-16"}
"""Ledger notes of the encodings other than UTF-8."""


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> NFC text and the encoding used: UTF-16 if the bytes start with its BOM
    (what Excel writes as "Unicode Text"), UTF-8 (a BOM is dropped) if they are valid
    UTF-8, else Windows-1258."""
    text, encoding, _ = _decode(data)
    return text, encoding


def _decode(data: bytes) -> tuple[str, str, bytes | None]:
    """``decode``, and ``data`` itself when it is the UTF-8 of the text after its BOM, if
    any (UTF-8 already in NFC), else None: the caller then need not encode the text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileRejected(f"cannot decode the file: it starts as UTF-16 but is not (byte {exc.start})") from None
        if "\x00" in text:
            raise FileRejected("not a CSV text file: it contains binary data")
        return nfc(text), encoding, None
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1258"), "cp1258"
        except UnicodeDecodeError as exc:
            raise FileRejected(
                f"cannot decode the file: neither UTF-8 nor Windows-1258 (byte {exc.start})"
            ) from None
    # a NUL byte is U+0000 in both encodings; searched in the bytes, which is faster
    if b"\x00" in data:
        raise FileRejected("not a CSV text file: it contains binary data")
    normalised = nfc(text)
    if encoding == "cp1258" or normalised is not text:  # nfc returns its argument when it is NFC
        return normalised, encoding, None
    return text, encoding, data


class _LineFeed:
    """Feeds lines to csv.reader and remembers how many characters were consumed."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def __iter__(self) -> Iterator[str]:
        while self.pos < len(self.text):
            nl = self.text.find("\n", self.pos)
            end = len(self.text) if nl < 0 else nl + 1
            line = self.text[self.pos:end]
            self.pos = end
            yield line


def _head(text: str, delimiter: str) -> tuple[list[list[str | None]], list[int], bool]:
    """The first records (cleaned cells), the text offset after each of them and whether
    the text ran out before ``HEADER_SCAN_ROWS`` records (a longer text could say more).

    Scanning stops at a record the csv module cannot read (a cell over its field
    size limit of 128 KiB): the header, if any, is above it, and polars reads the
    data rows without that limit."""
    feed = _LineFeed(text)
    rows, ends = [], []
    reader = csv.reader(feed, delimiter=delimiter)
    exhausted = False
    while len(rows) < HEADER_SCAN_ROWS:
        try:
            record = next(reader)
        except StopIteration:
            exhausted = True
            break
        except csv.Error:
            break
        rows.append([c.strip() or None for c in record])
        ends.append(feed.pos)
    return rows, ends, exhausted or feed.pos >= len(text)


class _Feed:
    """The lines handed to one ``csv.reader``, a record at a time: ``begin`` starts a
    record at a line; a record left open reads on into the following lines."""

    def __init__(self, lines: pl.Series) -> None:
        self.lines, self.start, self.text, self.consumed = lines, 0, "", 0
        self.exhausted = False
        """Whether a record asked for a line after the last: it is left open at the end."""

    def begin(self, start: int, text: str) -> None:
        self.start, self.text, self.consumed = start, text, 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        index = self.start + self.consumed
        if index >= len(self.lines):
            self.exhausted = True
            raise StopIteration
        self.consumed += 1
        return (self.text if self.consumed == 1 else self.lines[index]) + "\n"


def _quoted_records(lines: pl.Series, quoted: list[int], delimiter: str,
                    first_line: int) -> tuple[dict[int, list[str]], dict[int, str], bool]:
    """Parse the lines holding a quote with the ``csv`` module, in order. Returns the
    cells of those that are a record of one line (by line index), the structure
    problem of every line of a record that runs over several lines (a quote left open
    swallows the lines after it, up to the next quote), and whether the last record is
    left open at the end of ``lines`` (the lines after them would continue it)."""
    records: dict[int, list[str]] = {}
    problems: dict[int, str] = {}
    feed = _Feed(lines)
    reader = csv.reader(feed, delimiter=delimiter)
    following = 0  # first line not yet consumed by a record
    for start, text in zip(quoted, lines.gather(quoted).to_list(), strict=False):
        if start < following:
            continue
        feed.begin(start, text)
        try:
            record = next(reader, None)
            problem = None
        except csv.Error as exc:
            record, problem = None, f"malformed quoting ({exc})"
        consumed = max(feed.consumed, 1)
        if record is not None and consumed == 1:
            records[start] = record
            following = start + 1
            continue
        first, last = first_line + start, first_line + start + consumed - 1
        reason = problem or (
            f"a cell holds a line break: the record runs from line {first} to line {last} "
            f"(a quote opened on line {first} is closed only there, or never)"
        )
        for i in range(start, start + consumed):
            problems[i] = reason
        following = start + consumed
    return records, problems, feed.exhausted


LINE_SPLITTER = "\x1f"
"""Separator that polars splits lines on when reading a text's physical lines (the ASCII
unit separator; a text holding it is split in Python instead)."""
_LINE_SPLITTER_BYTE = LINE_SPLITTER.encode("ascii")


def _read_lines(raw: bytes) -> pl.Series:
    """The physical lines of UTF-8 text without ``LINE_SPLITTER``, as polars splits them."""
    return pl.read_csv(
        raw, has_header=False, separator=LINE_SPLITTER, quote_char=None, schema={"line": pl.String},
        truncate_ragged_lines=True, extra_columns="ignore", raise_if_empty=False,
    ).to_series().fill_null("")


def _read_cells(raw: bytes, delimiter: str, names: list[str]) -> pl.DataFrame:
    """The cells of each line of UTF-8 text split on ``delimiter`` (quotes ignored), by
    position (``names``): the cells beyond them are dropped, the missing ones null."""
    return pl.read_csv(
        raw, has_header=False, separator=delimiter, quote_char=None, schema=dict.fromkeys(names, pl.String),
        truncate_ragged_lines=True, missing_columns="insert", extra_columns="ignore", raise_if_empty=False,
    )


def _physical_lines(rest: str, raw: bytes) -> pl.Series:
    """The physical lines of ``rest`` (``raw`` is its UTF-8), a trailing ``\r`` dropped."""
    if LINE_SPLITTER not in rest:
        return _read_lines(raw)
    lines = pl.Series("line", [rest], dtype=pl.String).str.split("\n").list.explode().str.strip_suffix("\r")
    return lines.slice(0, len(lines) - 1) if rest.endswith("\n") else lines


def _width_problem(cells: list[str], width: int) -> str | None:
    """A record's structure problem: fewer cells than the header, or non-empty cells
    right of its last named cell (empty ones there are harmless: a sheet's used range is
    often wider than its table). None also for a blank record."""
    if not any(c.strip() for c in cells):
        return None
    if len(cells) < width or any(c.strip() for c in cells[width:]):
        return f"row has {len(cells)} cells, the header has {width}"
    return None


_REGEX_DELIMITERS = {",": ",", ";": ";", "\t": "\\t"}


def _fixed(idx: list[int], cells: pl.DataFrame, structure: pl.Series) -> pl.DataFrame:
    """The rows that replace lines ``idx`` (cells by position, clean; structure problem)."""
    return cells.select(
        pl.Series("__idx", idx, dtype=pl.UInt32),
        pl.lit(True).alias("__redo"),
        *(clean(pl.col(n), normalize=False).alias(n + "__q") for n in cells.columns),
        structure.alias(STRUCTURE + "__q"),
    )


def _quoted_lines(lines: pl.Series, has_quote: pl.Series, delimiter: str, width: int,
                  first_line: int) -> tuple[pl.DataFrame, bool]:
    """The rows of the lines holding a quote. A line whose every cell is either quoted
    whole (``"a, b"``, ``"a ""b"" c"``) or holds no quote is a record of that line alone:
    polars parses those, at most ``width`` cells each. The others (a quote inside a
    cell, an open quote, more cells than the header) go to the csv module, in order;
    a record left open there also replaces the lines it swallows. Also returns whether
    the last record is left open at the end of ``lines``."""
    names = [f"c{i}" for i in range(width)]
    d = _REGEX_DELIMITERS[delimiter]
    quoted_cell = '"(?:[^"]|"")*"'
    cell = f'(?:{quoted_cell}|[^"{d}]*)'
    quoted = has_quote.arg_true()
    candidates = pl.DataFrame({"i": quoted, "line": lines.gather(quoted)}).with_columns(
        (pl.col("line").str.replace_all(quoted_cell, "").str.count_matches(delimiter, literal=True) + 1).alias("n")
    ).filter(pl.col("line").str.contains(f"^{cell}(?:{d}{cell})*$") & (pl.col("n") <= width))
    plain = candidates["i"].to_list()
    frames = []
    if plain:
        try:
            parsed = pl.read_csv(
                candidates["line"].str.join("\n").item().encode("utf-8"), has_header=False, separator=delimiter,
                quote_char='"', schema=dict.fromkeys(names, pl.String), truncate_ragged_lines=True,
                missing_columns="insert", extra_columns="ignore", raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            parsed = None
        if parsed is not None and parsed.height == len(plain):
            n = candidates["n"]
            filled = parsed.select(
                ~pl.all_horizontal(clean(pl.col(c), normalize=False).is_null() for c in names)
            ).to_series()
            structure = pl.select(
                pl.when(filled & (n < width)).then(pl.format(f"row has {{}} cells, the header has {width}", n))
            ).to_series()
            frames.append((plain, parsed, structure))
        else:
            plain = []
    done = set(plain)
    records, problems, open_end = _quoted_records(
        lines, [i for i in quoted.to_list() if i not in done], delimiter, first_line
    )
    if frames and problems:  # a record left open swallowed some of those lines
        idx, parsed, structure = frames[0]
        keep = pl.Series([i not in problems for i in idx])
        frames[0] = ([i for i in idx if i not in problems], parsed.filter(keep), structure.filter(keep))
    redo = sorted(records.keys() | problems.keys())
    padding = [None] * width
    cells_of = [(records.get(i, []) + padding)[:width] for i in redo]
    columns = dict(zip(names, zip(*cells_of, strict=False), strict=False)) if redo else dict.fromkeys(names, ())
    structure = pl.Series(
        [problems.get(i) or _width_problem(records.get(i, []), width) for i in redo], dtype=pl.String
    )
    frames.append((redo, pl.DataFrame(columns, schema=dict.fromkeys(names, pl.String)), structure))
    return pl.concat([_fixed(idx, cells, structure) for idx, cells, structure in frames]), open_end


def _padded(lines: pl.Series, delimiter: str) -> bool:
    """Whether a cell of ``lines`` starts or ends with a space: polars reads an empty cell
    as null, so only then do the cells need ``clean``."""
    d = _REGEX_DELIMITERS[delimiter]
    return lines.str.contains(f"(?:^|{d})\\s|\\s(?:{d}|$)").any()


def _with_structure(cells: pl.DataFrame, lines: pl.Series, padded: bool, delimiter: str,
                    unquoted: pl.Series | bool) -> pl.DataFrame:
    """The cells of ``lines`` by position (clean, if ``padded``) with each line's index
    ``__idx`` and its structure problem when it is split on every delimiter: fewer cells
    than the header, or non-empty cells beyond it (the lines holding a quote, not
    ``unquoted``, are settled by ``_quoted_lines``)."""
    names, width = cells.columns, cells.width
    count = lines.str.count_matches(delimiter, literal=True) + 1
    wide = ((count > width) & unquoted).arg_true().to_list()
    wide_filled = [
        i for i, line in zip(wide, lines.gather(wide).to_list(), strict=False)
        if line.split(delimiter, width)[width].replace(delimiter, "").strip()
    ]
    frame = cells.select(clean(pl.col(n), normalize=False) if padded else n for n in names).with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__idx"), count.alias("__count")
    )
    filled = ~pl.all_horizontal(pl.col(n).is_null() for n in names) | pl.col("__idx").is_in(wide_filled)
    short_or_wide = filled & ((pl.col("__count") < width) | pl.col("__idx").is_in(wide_filled))
    message = (  # formatted only when a line needs it (the format costs as much as the split)
        pl.when(short_or_wide).then(pl.format(f"row has {{}} cells, the header has {width}", "__count"))
        if frame.select(short_or_wide.any()).item() else pl.lit(None, pl.String)
    )
    return frame.with_columns(message.alias(STRUCTURE)).drop("__count")


@dataclass
class _Lines:
    """The physical lines of a text as clean cells by position, each line's number and
    its structure problem, how many lines there are and whether the last record is left
    open at the end of the text (a quote still open)."""

    cells: pl.DataFrame
    numbers: pl.Series
    structure: pl.Series
    count: int
    open_end: bool


def _split_lines(rest: str, delimiter: str, width: int, first_line: int, raw: bytes | None = None) -> _Lines:
    """The physical lines of ``rest`` (the text under the header, or a chunk of it) as
    clean cells by position, each line's number and its structure problem (see the
    module doc). ``raw``: the UTF-8 of ``rest`` when the caller has it.

    polars splits every line on the delimiter, quotes ignored; the rows of the lines
    holding a quote are then replaced (``_quoted_lines``)."""
    if raw is None:
        raw = rest.encode("utf-8")
    lines = _physical_lines(rest, raw)
    names = [f"c{i}" for i in range(width)]
    cells = _read_cells(raw, delimiter, names)
    if cells.height != len(lines):  # polars saw other line breaks (a lone \r): split the lines here
        cells = pl.DataFrame({"line": lines}).select(
            pl.col("line").str.split(delimiter).list.get(i, null_on_oob=True).alias(n) for i, n in enumerate(names)
        )
        padded = True
    else:
        padded = _padded(lines, delimiter)
    has_quote = lines.str.contains('"', literal=True)
    frame = _with_structure(cells, lines, padded, delimiter, ~has_quote)
    open_end = False
    if has_quote.any():
        fixed, open_end = _quoted_lines(lines, has_quote, delimiter, width, first_line)
        frame = frame.join(fixed, on="__idx", how="left", maintain_order="left").select(
            "__idx",
            *(pl.when(pl.col("__redo")).then(pl.col(n + "__q")).otherwise(pl.col(n)).alias(n)
              for n in [*names, STRUCTURE]),
        )
    line_numbers = frame.select(pl.col("__idx").cast(pl.Int64) + first_line).to_series()
    return _Lines(frame.select(names), line_numbers, frame[STRUCTURE], len(lines), open_end)


class _NeedMoreText(Exception):
    """The head of a file's text is too short to find the header the whole file would give."""


@dataclass
class _CsvHeader:
    delimiter: str
    header: _Header
    offset: int
    """Text offset of the first line under the header."""
    first_line: int
    """Line number of that line."""
    width: int


def _csv_header(text: str, source: Source, *, whole: bool = True) -> _CsvHeader:
    """The delimiter and header row of a CSV text (see the module doc). With ``whole``
    false, ``text`` is only the head of the file: ``_NeedMoreText`` if the scan of a
    delimiter ran out of it before ``HEADER_SCAN_ROWS`` records."""
    best: tuple[int, str, _Header | None, list[int], str] | None = None
    for delimiter in DELIMITERS:
        if best is not None and best[2] is not None and best[3] and delimiter not in text[:best[3][-1]]:
            continue  # absent from the rows scanned: one cell per row, it cannot beat a complete header
        rows, ends, exhausted = _head(text, delimiter)
        if exhausted and not whole:
            raise _NeedMoreText
        header, score, problem = find_header(rows, source)
        if header is not None:
            score += 1000  # a complete header beats any partial one
        if best is None or score > best[0]:
            best = (score, delimiter, header, ends, problem)
    assert best is not None
    _, delimiter, header, ends, problem = best
    if header is None:
        raise FileRejected(problem)
    offset = ends[header.index]
    first_line = text.count("\n", 0, offset) + 1  # the header's record ends with its newline
    _check_width(header)  # before a frame of that many columns is built
    width = max((i + 1 for i, c in enumerate(header.cells) if c), default=0)
    return _CsvHeader(delimiter, header, offset, first_line, width)


@dataclass
class _CsvText:
    """A CSV file decoded, its header found."""

    text: str
    encoding: str
    head: _CsvHeader
    utf8: bytes | None = None
    """The file's bytes when they are the UTF-8 of ``text`` after its BOM, if any (``_decode``)."""
    bom: int = 0
    """The length of that BOM in ``utf8``: the text's bytes start there."""

    @cached_property
    def utf8_from_header(self) -> tuple[bytes, int]:
        """The text in UTF-8 and the byte where the lines under the header start (worked
        out once: ``_plain`` looks at them, and the file is split from them whether it is
        read alone or with others). The file's own bytes when it held UTF-8 in NFC: not
        sliced, since a slice would copy megabytes."""
        if self.utf8 is None:
            return self.text[self.head.offset:].encode("utf-8"), 0
        return self.utf8, self.bom + len(self.text[:self.head.offset].encode("utf-8"))

    @property
    def utf8_under_header(self) -> bytes:
        """The text under the header, in UTF-8."""
        utf8, start = self.utf8_from_header
        return utf8[start:] if start else utf8


def _all_space(text: str) -> bool:
    """Whether ``text`` is empty or only whitespace (``not text.strip()``, without the copy
    of a whole file's text that ``strip`` makes)."""
    return not text or text.isspace()


def _csv_text(data: bytes, source: Source) -> _CsvText:
    check_line_lengths(data)
    text, encoding, utf8 = _decode(data)
    if _all_space(text):
        raise FileRejected("empty file")
    bom = len(codecs.BOM_UTF8) if utf8 is not None and encoding == "utf-8-sig" else 0
    return _CsvText(text, encoding, _csv_header(text, source), utf8, bom)


def _read_csv_text(csv_text: _CsvText, source: Source) -> RawTable:
    head = csv_text.head
    lines = _split_lines(csv_text.text[head.offset:], head.delimiter, head.width, head.first_line,
                         csv_text.utf8_under_header)
    table = _shape(lines.cells, lines.numbers, head.header, source, lines.structure)
    table.encoding, table.delimiter = csv_text.encoding, head.delimiter
    return table


def read_csv(data: bytes, source: Source) -> RawTable:
    """Read a CSV file (see module doc)."""
    return _read_csv_text(_csv_text(data, source), source)


# --- several CSV files at once ---------------------------------------------------------

@dataclass
class _Plain:
    """A CSV file whose lines under the header need none of the cases that
    ``_split_lines`` settles line by line (``_plain``)."""

    encoding: str
    head: _CsvHeader
    utf8: bytes
    start: int
    """``utf8[start:]`` is the text under the header (a line break at its end or not)."""

    @property
    def rest(self) -> memoryview:
        """The text under the header, in UTF-8, not copied."""
        return memoryview(self.utf8)[self.start:]

    def text(self) -> _CsvText:
        """The file as ``_CsvText``, starting at the line under the header."""
        rest = bytes(self.rest)
        return _CsvText(rest.decode("utf-8"), self.encoding, replace(self.head, offset=0), rest)


def _plain(csv_text: _CsvText) -> _Plain | None:
    """The file as ``_Plain`` if its text under the header holds no quote, no line break
    other than ``\n`` and ``\r\n`` (polars drops the ``\r``), no ``LINE_SPLITTER``, and
    its header no duplicate column (``_shape`` refuses it). None otherwise."""
    try:
        _check_duplicates(csv_text.head.header)
    except FileRejected:
        return None
    # searched in the UTF-8 bytes (these ASCII characters are never part of another's bytes)
    utf8, start = csv_text.utf8_from_header
    if utf8.find(b'"', start) >= 0 or utf8.find(_LINE_SPLITTER_BYTE, start) >= 0 or (
        utf8.find(b"\r", start) >= 0 and utf8.count(b"\r", start) != utf8.count(b"\r\n", start)
    ):
        return None
    return _Plain(csv_text.encoding, csv_text.head, utf8, start)


class _NotTogether(Exception):
    """polars split the lines of files read together otherwise than one row per line."""


_FILE = "__file"


def _read_together(files: list[_Plain], source: Source) -> list[RawTable]:
    """The tables of plain CSV files of one layout (delimiter, header width and the
    columns it names), read as ``read_csv`` reads each, in one pass of polars over all
    their lines: the fixed cost of each polars call is paid once for them all, not per
    file. Lines never cross a file (a line break ends each); line and row numbers are
    counted per file. ``_NotTogether`` if polars split the text otherwise than one row
    per line."""
    head = files[0].head
    delimiter, width = head.delimiter, head.width
    names = [f"c{i}" for i in range(width)]
    # every file's lines end with a line break, so that none runs into the next file's
    open_end = [f.start < len(f.utf8) and not f.utf8.endswith(b"\n") for f in files]
    counts = pl.Series([f.utf8.count(b"\n", f.start) + end for f, end in zip(files, open_end, strict=True)],
                       dtype=pl.Int64)
    raw = b"".join(part for f, end in zip(files, open_end, strict=True) for part in (f.rest, b"\n")[:1 + end])
    lines = _read_lines(raw)
    cells = _read_cells(raw, delimiter, names)
    del raw
    total = int(counts.sum())
    if len(lines) != total or cells.height != total:
        raise _NotTogether
    frame = _with_structure(cells, lines, _padded(lines, delimiter), delimiter, True)
    del lines, cells
    ends = counts.cum_sum()
    file = ends.search_sorted(frame["__idx"].cast(pl.Int64), side="right").alias(_FILE)
    first_lines = pl.Series([f.head.first_line for f in files], dtype=pl.Int64) - (ends - counts)
    data = frame.with_columns(
        file, (pl.col("__idx").cast(pl.Int64) + first_lines.gather(file)).alias(LINE_NUMBER)
    ).filter(~_blank(names, True))
    firsts = data.filter(pl.col(_FILE).is_first_distinct() & pl.col(STRUCTURE).is_null())
    numbering = [
        (f, idx) for f, idx, *row in firsts.select(_FILE, "__idx", *names).iter_rows()
        if is_numbering_row(row, _header_width(files[f].head.header))
    ]
    if numbering:
        data = data.filter(~pl.col("__idx").is_in([idx for _, idx in numbering]))
    frame = data.select(
        _FILE,
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over(_FILE).alias(ROW_NUMBER),
        LINE_NUMBER,
        *_named(names, head.header, source),
        STRUCTURE,
    )
    # the rows are in file order: each file's table is a slice (no copy)
    starts = frame[_FILE].search_sorted(pl.Series(range(len(files) + 1), dtype=frame[_FILE].dtype), side="left")
    frame = frame.drop(_FILE)
    skipped = {f for f, _ in numbering}
    tables = []
    for i, f in enumerate(files):
        table = RawTable(frame.slice(starts[i], starts[i + 1] - starts[i]), header_row=f.head.header.index + 1,
                         ignored_columns=_ignored(f.head.header), numbering_row_skipped=i in skipped)
        table.encoding, table.delimiter = f.encoding, f.head.delimiter
        tables.append(table)
    return tables


def read_files(files: list[tuple[str, bytes]], source: Source) -> list[RawTable | FileRejected | pl.exceptions.PolarsError]:
    """Read several raw files (name, bytes): for each, what ``read_file`` returns or the
    ``FileRejected`` or polars error it raises. The plain CSV files (``_plain``) are read
    together, one pass of polars per layout (delimiter, header width and the columns it
    names: ``_read_together``); the others one by one."""
    out: list[RawTable | FileRejected | pl.exceptions.PolarsError | None] = [None] * len(files)
    layouts: dict[tuple, list[tuple[int, _Plain]]] = {}
    for i, (name, data) in enumerate(files):
        try:
            if unsupported_type(name) is None and data and _suffix(name) == ".csv":
                csv_text = _csv_text(data, source)
                plain = _plain(csv_text)
                if plain is None:
                    out[i] = _read_csv_text(csv_text, source)
                else:
                    head = plain.head
                    key = (head.delimiter, head.width, tuple((p, f.name) for p, f in _fields(head.header, source)))
                    layouts.setdefault(key, []).append((i, plain))
                del csv_text
            else:
                out[i] = read_file(name, data, source)
        except (FileRejected, pl.exceptions.PolarsError) as exc:
            out[i] = exc
    for members in layouts.values():
        try:
            tables = _read_together([plain for _, plain in members], source)
        except (_NotTogether, pl.exceptions.PolarsError):
            tables = []
            for _, plain in members:
                try:
                    tables.append(_read_csv_text(plain.text(), source))
                except (FileRejected, pl.exceptions.PolarsError) as exc:
                    tables.append(exc)
        for (i, _), table in zip(members, tables, strict=True):
            out[i] = table
    return out


# --- CSV in chunks ---------------------------------------------------------------------

def _undefined_bytes(encoding: str) -> re.Pattern[bytes]:
    """The bytes that a single-byte ``encoding`` does not define."""
    undefined = []
    for b in range(256):
        try:
            bytes([b]).decode(encoding)
        except UnicodeDecodeError:
            undefined.append(re.escape(bytes([b])))
    return re.compile(b"[" + b"".join(undefined) + b"]")


_CP1258_UNDEFINED = _undefined_bytes("cp1258")


class CsvScan:
    """The checks that ``read_csv`` makes on a whole file before parsing it, made on its
    bytes fed block by block (while they are hashed), so a file read in chunks is refused
    for the same reason: a line longer than ``MAX_LINE_BYTES`` (the same scan as
    ``check_line_lengths``), bytes that are not text in the encoding ``decode`` would
    pick. ``encoding()`` is that encoding (a codec name) or raises ``FileRejected``."""

    def __init__(self) -> None:
        self.tail, self.lines_before, self.offset = b"", 0, 0
        self.too_long: int | None = None
        self.utf16: bool | None = None
        self.bom = False
        self.decoder = None
        self.utf8_ok, self.cp1258_bad, self.nul = True, None, False
        self.utf16_error: str | None = None

    def feed(self, block: bytes) -> None:
        if self.utf16 is None:
            self.utf16 = block.startswith((b"\xff\xfe", b"\xfe\xff"))
            self.bom = block.startswith(b"\xef\xbb\xbf")
            self.decoder = codecs.getincrementaldecoder("utf-16" if self.utf16 else "utf-8")()
        if self.too_long is None:
            data, pos = self.tail + block, 0
            while len(data) - pos > MAX_LINE_BYTES:
                nl = data.rfind(b"\n", pos, pos + MAX_LINE_BYTES + 1)
                if nl < 0:
                    self.too_long = self.lines_before + data.count(b"\n", 0, pos) + 1
                    break
                pos = nl + 1
            self.lines_before += data.count(b"\n", 0, pos)
            self.tail = data[pos:]
        if self.utf16:
            self._decode_utf16(block)
        else:
            self.nul = self.nul or b"\x00" in block
            if self.utf8_ok:
                try:
                    self.decoder.decode(block)
                except UnicodeDecodeError:
                    self.utf8_ok = False
            if self.cp1258_bad is None and (bad := _CP1258_UNDEFINED.search(block)) is not None:
                self.cp1258_bad = self.offset + bad.start()
        self.offset += len(block)

    def _decode_utf16(self, block: bytes, final: bool = False) -> None:
        if self.utf16_error is not None:
            return
        buffered = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            start = self.offset - buffered + exc.start
            self.utf16_error = f"cannot decode the file: it starts as UTF-16 but is not (byte {start})"
            return
        if "\x00" in text and self.utf16_error is None:
            self.nul = True

    def encoding(self) -> str:
        """The codec to decode the file with."""
        if self.too_long is not None:
            raise FileRejected(
                f"line {self.too_long:,} is longer than {MAX_LINE_BYTES:,} bytes: not a table of data "
                "(a damaged file, or a binary file named .csv?)"
            )
        if self.utf16:
            self._decode_utf16(b"", final=True)
            if self.utf16_error is not None:
                raise FileRejected(self.utf16_error)
            encoding = "utf-16"
        elif self.utf8_ok and self._utf8_final():
            encoding = "utf-8-sig" if self.bom else "utf-8"
        elif self.cp1258_bad is not None:
            raise FileRejected(
                f"cannot decode the file: neither UTF-8 nor Windows-1258 (byte {self.cp1258_bad})"
            )
        else:
            encoding = "cp1258"
        if self.nul:
            raise FileRejected("not a CSV text file: it contains binary data")
        return encoding

    def _utf8_final(self) -> bool:
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True


class _Text:
    """The text of a file decoded from its blocks, taken a chunk at a time."""

    def __init__(self, blocks: Iterable[bytes], encoding: str) -> None:
        self.blocks = iter(blocks)
        # errors cannot happen (``CsvScan`` read these bytes); if the file changed, its hash says so
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.pieces: list[str] = []
        self.size, self.eof = 0, False

    def _more(self) -> str:
        block = next(self.blocks, None)
        if block is None:
            self.eof = True
        piece = self.decoder.decode(block or b"", final=block is None)
        return piece

    @property
    def at_end(self) -> bool:
        return self.eof and not self.size

    def take(self, chars: int) -> str:
        """The next lines, at least ``chars`` characters of them (or the rest of the text)."""
        while self.size < chars and not self.eof:
            piece = self._more()
            self.pieces.append(piece)
            self.size += len(piece)
        text = "".join(self.pieces)
        nl = text.find("\n", chars - 1) if len(text) >= chars else len(text) - 1
        while nl < 0 and not self.eof:  # the line crossing ``chars`` goes on in the next block
            searched = len(text)
            text += self._more()
            nl = text.find("\n", searched)
        end = len(text) if nl < 0 else nl + 1
        rest = text[end:]
        self.pieces, self.size = [rest] if rest else [], len(rest)
        return text[:end]


def read_csv_chunks(blocks: Iterable[bytes], encoding: str, source: Source, chunk_chars: int) -> Iterator[RawTable]:
    """Read a CSV file from its bytes (``blocks``; ``encoding`` from ``CsvScan``) a chunk of
    about ``chunk_chars`` characters at a time: a ``RawTable`` per chunk, with the rows,
    row and line numbers and structure problems that ``read_csv`` gives those lines of
    the whole file. A chunk ends at a line end; the first is extended until the header
    scan has its ``HEADER_SCAN_ROWS`` records, and a chunk whose last record is left open
    by a quote until the record closes (the csv module's field limit closes it, with a
    problem, after 128 KiB). ``FileRejected`` as ``read_csv``."""
    text = _Text(blocks, encoding)
    chunk = nfc(text.take(chunk_chars))
    problem: FileRejected | None = None
    while True:
        try:
            head = _csv_header(chunk, source, whole=text.at_end)
            break
        except _NeedMoreText:
            chunk += nfc(text.take(chunk_chars))
        except FileRejected as exc:
            problem = exc
            break
    if _all_space(chunk):
        while not text.at_end and _all_space(text.take(chunk_chars)):
            pass
        if text.at_end:
            raise FileRejected("empty file")
    if problem is not None:
        raise problem
    rest, first_line, rows_before, first_rows = chunk[head.offset:], head.first_line, 0, True
    del chunk
    while True:
        lines = _split_lines(rest, head.delimiter, head.width, first_line)
        if lines.open_end and not text.at_end:
            rest += nfc(text.take(chunk_chars))
            continue
        table = _shape(lines.cells, lines.numbers, head.header, source, lines.structure,
                       rows_before=rows_before, first_rows=first_rows)
        table.encoding, table.delimiter = encoding, head.delimiter
        yield table
        first_rows = first_rows and table.frame.height == 0 and not table.numbering_row_skipped
        rows_before += table.frame.height
        first_line += lines.count
        if text.at_end:
            return
        rest = nfc(text.take(chunk_chars))


# --- XLSX ------------------------------------------------------------------------------

def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^calamine error:\s*", "", text)


def _diagnose_xlsx(data: bytes, exc: Exception) -> str:
    """Why bytes are not a readable workbook, in words an analyst can act on."""
    if not data.startswith(b"PK\x03\x04"):
        return "the file is not a ZIP archive, as every .xlsx workbook is (is it a CSV or another format renamed?)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return "damaged ZIP archive (truncated or corrupt download?)"
    if bad is not None:
        return f"damaged ZIP archive (corrupt part {bad})"
    if "xl/workbook.xml" not in names:
        return "ZIP archive without a workbook (no xl/workbook.xml)"
    return _first_line(exc)


def _too_big(what: str) -> FileRejected:
    return FileRejected(
        f"not a valid XLSX file: {what} (at most {MAX_XLSX_UNCOMPRESSED_BYTES >> 20} MiB uncompressed, "
        f"compression ratio {MAX_COMPRESSION_RATIO}:1): a zip bomb? Save the data as CSV if it is genuine"
    )


def check_archive(data: bytes) -> None:
    """Refuse a workbook whose ZIP archive would expand beyond the limits of the module
    doc, before fastexcel decompresses anything.

    First the ZIP directory (declared sizes: number of parts, total size, ratio per
    part); then, since a directory can lie, every part is decompressed in 1 MiB
    chunks that are counted and dropped, reading past its declared size, so a part
    larger than declared or than the limit is caught with bounded memory. Bytes that
    are not a ZIP archive pass: fastexcel's error is diagnosed by ``_diagnose_xlsx``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise FileRejected(
                f"not a valid XLSX file: the ZIP archive has {len(parts):,} parts (at most {MAX_XLSX_PARTS:,})"
            )
        total = sum(p.file_size for p in parts)
        if total > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise _too_big(f"the ZIP archive would expand to {total / 2**20:,.0f} MiB")
        for p in parts:
            if p.file_size > RATIO_CHECK_BYTES and p.file_size > MAX_COMPRESSION_RATIO * max(p.compress_size, 1):
                ratio = p.file_size / max(p.compress_size, 1)
                raise _too_big(f"part {p.filename} is compressed {ratio:,.0f}:1")
        budget = MAX_XLSX_UNCOMPRESSED_BYTES
        for p in parts:
            probe = copy.copy(p)
            # Read on past a declared size that lies: zipfile stops at file_size, so leave
            # room for the counting below to reach the limit first.
            probe.file_size = budget + (2 << 20)
            size = 0
            try:
                with archive.open(probe) as part:
                    while chunk := part.read(1 << 20):
                        size += len(chunk)
                        if size > budget or size > MAX_COMPRESSION_RATIO * max(p.compress_size, 1) + RATIO_CHECK_BYTES:
                            raise _too_big(f"part {p.filename} expands beyond what the ZIP directory declares")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                raise FileRejected(f"not a valid XLSX file: damaged ZIP archive (part {p.filename}: {exc})") from None
            if size != p.file_size:
                raise FileRejected(
                    f"not a valid XLSX file: damaged ZIP archive (part {p.filename} holds {size:,} bytes, "
                    f"the directory says {p.file_size:,})"
                )
            budget -= size


def read_xlsx(data: bytes, source: Source) -> RawTable:
    """Read the first sheet of an XLSX workbook, every cell as text (see module doc)."""
    check_archive(data)
    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise FileRejected("empty file: the workbook has no sheet")
        sheet = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
        frame = sheet.to_polars()
    except FileRejected:
        raise
    except Exception as exc:  # fastexcel raises its own errors and ValueError/OSError alike
        raise FileRejected(f"not a valid XLSX file: {_diagnose_xlsx(data, exc)}") from None
    if frame.width == 0 or frame.height == 0:
        raise FileRejected("empty file: the first sheet has no cells")
    frame = frame.with_columns(clean(pl.col(c)).alias(c) for c in frame.columns)
    if frame.select(pl.all_horizontal(pl.all().is_null()).all()).item():
        raise FileRejected("empty file: the first sheet has no cells")
    rows = [list(r) for r in frame.head(HEADER_SCAN_ROWS).iter_rows()]
    header, _, problem = find_header(rows, source)
    if header is None:
        raise FileRejected(problem)
    body = frame.slice(header.index + 1)
    # fastexcel starts the frame at the sheet's row 1, so the Excel row is the position + 1
    rows = pl.int_range(header.index + 2, header.index + 2 + body.height, dtype=pl.Int64, eager=True)
    return _shape(body, rows, header, source)


def _suffix(file_name: str) -> str:
    return "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""


def unsupported_type(file_name: str) -> str | None:
    """Why a file of this name is not read (its extension), or None for .csv and .xlsx."""
    suffix = _suffix(file_name)
    if suffix in SUPPORTED_SUFFIXES:
        return None
    hint = " (save it as .xlsx)" if suffix == ".xls" else ""
    kind = f"'{suffix}'" if suffix else "without extension"
    return f"unsupported file type {kind}: only .csv and .xlsx files are ingested{hint}"


def read_file(file_name: str, data: bytes, source: Source) -> RawTable:
    """Read one raw file by its extension; ``FileRejected`` if it cannot be ingested."""
    problem = unsupported_type(file_name)
    if problem is not None:
        raise FileRejected(problem)
    if not data:
        raise FileRejected("empty file")
    return read_csv(data, source) if _suffix(file_name) == ".csv" else read_xlsx(data, source)
