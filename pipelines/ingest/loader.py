"""Ingestion of one source folder into DuckDB (docs/contract.md §2.1 and §4): the ledger
``audit.ingested_files``, its history ``audit.ingested_file_versions``, the rejected rows
``audit.rejected_rows`` and the raw table ``raw.<source>``.

The raw folder is the system of record: a build leaves the tables as a build from an
empty warehouse would on the same folder. What each entry of the folder is follows from
the folder alone, in lexical order of name:

* a name of an upload in progress (``.*``, ``~*``, ``*.part``, ``*.tmp``,
  ``*.crdownload``, ``*.partial``) is not an entry of the folder: not read, no ledger row;
* a subfolder, FIFO, symbolic link (never followed: it could point anywhere on the
  server), a file of another type than .csv/.xlsx or whose name is not valid UTF-8 is
  ``not_read``, with the reason;
* a file whose size or modification time changes between the listing and its reading
  (or that is removed meanwhile), or modified less than ``settle_seconds`` before the
  build started, is ``deferred``: read by a later build, and until then none of its
  rows are in the tables (an earlier version of it leaves them, as it would be absent
  from a build from empty);
* a file with the same bytes (SHA-256) as a file loaded under an earlier name is
  ``skipped_duplicate``;
* any other file is read and checked: ``loaded`` (its rows loaded or rejected) or
  ``rejected`` (it cannot be read at all);
* a name of the ledger that is no longer in the folder leaves: a file that was loaded
  becomes ``withdrawn`` (its rows leave the tables), any other ledger row goes.

The ledger holds one row per name; only the names whose row changes are written, so a
file already ingested in its current bytes costs one hash. A replaced row moves to
``audit.ingested_file_versions`` with the build that replaced it. A build that would
withdraw more than half of the loaded files of a source (an unmounted or mistyped
folder?) raises ``WithdrawalRefused`` before writing anything, unless told to go on.

``audit.ingest_file_state`` repeats (source, name, SHA-256, status) of the ledger: it
is what the SQL models' state reads (pipelines/sql/state.py).

Files are checked and written in batches, a batch in one transaction, so a file is
written whole or not at all (the CSV files of a batch that share a layout are read in one
pass, ``read_files``, and the row rules run once per batch); worker threads read and
check the next batches while the current one is written. A CSV file larger than ``CHUNKED_BYTES`` is read, checked and
staged in chunks (memory follows the chunk, not the file) and written in a transaction of
its own, with the rows, messages and line numbers that reading it whole gives
(``_Writer.stream``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import duckdb
import polars as pl

from models.sources import (
    AUDIT_DESCRIPTIONS,
    AUDIT_TABLES,
    SOURCES,
    Source,
    raw_table_ddl,
    table_ddl,
)
from pipelines.duck import relation_kind, transaction
from pipelines.ingest.province_names import ProvinceResolver, default_resolver
from pipelines.ingest.readers import (
    ROW_NUMBER,
    CsvScan,
    FileRejected,
    RawTable,
    read_csv_chunks,
    read_files,
    unsupported_type,
)
from pipelines.ingest.rules import FileSoFar, Split, apply_rules_batch

log = logging.getLogger(__name__)

LOADED, REJECTED, SKIPPED = "loaded", "rejected", "skipped_duplicate"
DEFERRED, WITHDRAWN, NOT_READ = "deferred", "withdrawn", "not_read"
MAX_REPORTED_REJECTIONS = 10_000
"""``IngestReport.rejections`` keeps at most this many rows (all are in audit.rejected_rows)."""
IN_PROGRESS_PREFIXES = (".", "~")
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
"""Names of uploads in progress (and Office lock files ``~$*``): not entries of a folder."""
ALLOW_WITHDRAWAL = "TGXH_ALLOW_WITHDRAWAL"
"""The setting that lets a build withdraw more than half of a source's loaded files."""
HISTORY = "audit.ingested_file_versions"
LEDGER_COLUMNS = ("source", "file_name", "sha256", "status", "rows_read", "rows_loaded", "rows_rejected", "message")


class WithdrawalRefused(Exception):
    """The build would withdraw more than half of a source's loaded files."""


@dataclass
class FileResult:
    """What happened to one file (the ledger fields, plus whether a ledger row was written)."""

    source: str
    file_name: str
    sha256: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None
    recorded: bool = True
    """False for a file left as it was because its ledger row is unchanged."""


@dataclass
class IngestReport:
    """Result of one ``ingest_source`` call."""

    source: str
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    files_deferred: int = 0
    files_not_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    withdrawn: list[str] = field(default_factory=list)
    """Files withdrawn by this run (loaded earlier, gone from the folder now)."""
    rejections: list[dict] = field(default_factory=list)
    """Rejected rows of this run (source, file_name, row_number, column_name, reason, line_number), capped."""
    files: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult, rejected: pl.DataFrame | None = None) -> None:
        """Count one file's result (and keep its rejected rows, up to the cap)."""
        self.files.append(result)
        if result.status == WITHDRAWN:
            self.withdrawn.append(result.file_name)
            return
        self.files_seen += 1
        if result.status == LOADED:
            self.files_loaded += 1
        elif result.status == REJECTED:
            self.files_rejected += 1
        elif result.status == DEFERRED:
            self.files_deferred += 1
        elif result.status == NOT_READ:
            self.files_not_read += 1
        else:
            self.files_skipped += 1
        self.rows_loaded += result.rows_loaded
        self.rows_rejected += result.rows_rejected
        if rejected is not None and rejected.height:
            room = MAX_REPORTED_REJECTIONS - len(self.rejections)
            if room > 0:
                self.rejections.extend(rejected.head(room).to_dicts())


class _Arrow:
    """Hands a polars frame to DuckDB through the Arrow PyCapsule interface (no pyarrow needed)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema=None):
        return self.frame.__arrow_c_stream__(requested_schema)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` and ``audit`` schemas and the tables of ingestion if missing;
    bring the audit tables of an older warehouse to the current layout (new columns,
    descriptions, one ledger row per file name)."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    columns: dict[str, set[str]] = {}
    for s, t, c in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() where database_name = current_database()"
        " and schema_name in ('raw', 'audit')"
    ).fetchall():
        columns.setdefault(f"{s}.{t}", set()).add(c)
    for spec in SOURCES.values():
        if spec.table not in columns:
            for stmt in raw_table_ddl(spec):
                con.execute(stmt)
    for table, cols in AUDIT_TABLES.items():
        if table in columns:
            for c in cols:
                if c.name not in columns[table]:  # registry names and types, never data
                    con.execute(f'alter table {table} add column "{c.name}" {c.duckdb_type}')
        for stmt in table_ddl(table, cols, AUDIT_DESCRIPTIONS[table]):
            con.execute(stmt)
    if HISTORY not in columns and "audit.ingested_files" in columns:
        _one_row_per_name(con)


def _one_row_per_name(con: duckdb.DuckDBPyConnection) -> None:
    """A ledger written before it kept one row per file name: the rows of earlier versions
    (all but the latest row of each name) move to the history table."""
    with transaction(con):
        con.execute(
            "create temporary table __earlier as select rowid as id from (select rowid, row_number() over"
            " (partition by source, file_name order by rowid desc) as n from audit.ingested_files) where n > 1"
        )
        cols = ", ".join(LEDGER_COLUMNS)
        con.execute(
            f"insert into {HISTORY} ({cols}, replaced_by_build) select {cols}, ? from audit.ingested_files"
            " where rowid in (select id from __earlier)",
            ["(a build before the ledger kept one row per file)"],
        )
        con.execute("delete from audit.ingested_files where rowid in (select id from __earlier)")
        con.execute("drop table __earlier")


# --- the entries of a source folder ---------------------------------------------------

SYMLINK_MESSAGE = (
    "symbolic link: not read (a landing folder must hold the file itself; copy it here instead of linking)"
)
SUBFOLDER_MESSAGE = "subfolder: not read (only the files directly in the source folder are ingested)"
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def is_upload_in_progress(name: str) -> bool:
    """A name that marks a file still being written (see ``IN_PROGRESS_SUFFIXES``)."""
    return name.startswith(IN_PROGRESS_PREFIXES) or name.lower().endswith(IN_PROGRESS_SUFFIXES)


@dataclass(frozen=True)
class Entry:
    """One entry of a source folder as listed at the start of the build."""

    path: Path
    size: int
    mtime_ns: int
    not_read: str | None
    """Why the entry is not read; None for a file to read."""


def _not_read_reason(name: str, st: os.stat_result) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return SYMLINK_MESSAGE
    if stat.S_ISDIR(st.st_mode):
        return SUBFOLDER_MESSAGE
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
        return f"{kind}, not a regular file: not read"
    _, bad_name = _ledger_name(name)
    return bad_name or unsupported_type(name)


def list_entries(folder: Path) -> list[Entry]:
    """The entries of a source folder in lexical order of name (not recursive), without
    the uploads in progress."""
    if not folder.is_dir():
        return []
    entries = []
    with os.scandir(folder) as found:
        for item in found:
            if is_upload_in_progress(item.name):
                continue
            try:
                st = os.lstat(item.path)
            except FileNotFoundError:  # gone since it was listed
                continue
            entries.append(Entry(Path(item.path), st.st_size, st.st_mtime_ns, _not_read_reason(item.name, st)))
    return sorted(entries, key=lambda e: e.path.name)


def lists_unrecorded_names(con: duckdb.DuckDBPyConnection, source: str, folder: Path) -> bool:
    """Whether ``folder`` lists an entry whose ledger name (``_ledger_name``) the source's
    ledger does not hold, uploads in progress aside: ingesting it will record it. A known
    name with other bytes is only seen once the file is hashed (``ingest_source``)."""
    listed = {_ledger_name(e.path.name)[0] for e in list_entries(Path(folder))}
    if not listed:
        return False
    if relation_kind(con, "audit", "ingested_files") is None:
        return True
    known = con.execute("select file_name from audit.ingested_files where source = ?", [source]).fetchall()
    return bool(listed - {name for (name,) in known})


class _Unreadable(Exception):
    """A file that cannot be opened as a regular file."""


class _Changed(Exception):
    """A file changed (or went) while the build read it."""


CHANGED_MESSAGE = "changed while the build read it (still being written?): deferred to the next build"
READ_BLOCK = 1 << 20
"""Bytes read at a time from a file read in chunks."""


def _open_regular_file(path: Path):
    """A regular file opened for reading, without following a symbolic link (so a file
    swapped for a link after listing is not followed either) and without blocking on a
    FIFO, and its (size, mtime) when opened."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            raise _Unreadable(SYMLINK_MESSAGE) from None
        raise _Unreadable(f"cannot open the file: {exc.strerror}") from None
    fh = os.fdopen(fd, "rb")
    before = os.fstat(fh.fileno())
    if not stat.S_ISREG(before.st_mode):
        fh.close()
        raise _Unreadable("not a regular file: not read")
    return fh, (before.st_size, before.st_mtime_ns)


def _read_regular_file(path: Path) -> tuple[bytes, tuple[int, int], tuple[int, int]]:
    """The bytes of a regular file and its (size, mtime) before and after reading."""
    fh, before = _open_regular_file(path)
    with fh:
        data = fh.read()
        after = os.fstat(fh.fileno())
    return data, before, (after.st_size, after.st_mtime_ns)


def _file_blocks(path: Path, listed: tuple[int, int], sha: str | None = None) -> Iterator[bytes]:
    """The bytes of a regular file in blocks of ``READ_BLOCK``; after the last, ``_Changed``
    if its size or modification time is not the ``listed`` one or (``sha``) its SHA-256
    is not that."""
    fh, before = _open_regular_file(path)
    digest = hashlib.sha256() if sha is not None else None
    size = 0
    with fh:
        while block := fh.read(READ_BLOCK):
            size += len(block)
            if digest is not None:
                digest.update(block)
            yield block
        after = os.fstat(fh.fileno())
    if before != listed or (after.st_size, after.st_mtime_ns) != listed or size != listed[0]:
        raise _Changed(CHANGED_MESSAGE)
    if digest is not None and digest.hexdigest() != sha:
        raise _Changed(CHANGED_MESSAGE)


def _ledger_name(name: str) -> tuple[str, str | None]:
    """The file name as stored in the ledger, and why the file is refused if its name is
    not valid UTF-8 (the undecodable bytes are shown as ``\\xNN``)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(name).decode("utf-8", "backslashreplace")
        return shown, "file name is not valid UTF-8 (saved from an old Windows or ZIP tool?): rename the file"
    return name, None


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    con.register("__ingest_frame", _Arrow(frame))
    try:
        con.execute(f"insert into {table} ({cols}) select {cols} from __ingest_frame")
    finally:
        con.unregister("__ingest_frame")


@dataclass
class _Prepared:
    """One folder entry read and hashed (and, unless it is unchanged, processed), with no
    database access: the part of a file's ingestion that can run ahead of the writes."""

    name: str
    sha: str
    data: bytes = b""
    not_read: str | None = None
    unreadable: str | None = None
    deferred: str | None = None
    processed: tuple[FileResult, pl.DataFrame | None, pl.DataFrame | None] | None = None
    chunked: tuple[Path, tuple[int, int], str] | None = None
    """A file read in chunks: its path, listed (size, mtime) and encoding (``_Writer.stream``)."""

    @property
    def readable(self) -> bool:
        return self.not_read is None and self.unreadable is None and self.deferred is None


CHUNKED_BYTES = 64 << 20
"""A CSV file larger than this is read and checked in chunks (see ``_Writer.stream``)."""
CHUNK_CHARS = 16 << 20
"""Characters of a chunk (about: a chunk ends at a line end)."""


def _scan(entry: Entry, name: str, spec: Source) -> _Prepared:
    """Hash a file to read in chunks, making the checks that need its whole bytes
    (``CsvScan``) on the way, without keeping them."""
    listed = (entry.size, entry.mtime_ns)
    digest, scan = hashlib.sha256(), CsvScan()
    try:
        for block in _file_blocks(entry.path, listed):
            digest.update(block)
            scan.feed(block)
    except _Changed as exc:
        return _Prepared(name, digest.hexdigest(), deferred=str(exc))
    item = _Prepared(name, digest.hexdigest())
    try:
        item.chunked = entry.path, listed, scan.encoding()
    except FileRejected as exc:
        item.processed = FileResult(spec.name, name, item.sha, REJECTED, message=str(exc)), None, None
    return item


def _read(entry: Entry, settled_before_ns: int | None, spec: Source, chunked_bytes: int) -> _Prepared:
    """Read and hash an entry (or say why it is not read or deferred); a CSV file larger
    than ``chunked_bytes`` is only hashed and scanned, to be read in chunks."""
    path = entry.path
    name, _ = _ledger_name(path.name)
    if entry.not_read is not None:
        # Nothing of the entry is read: the version recorded is that of its name (and link).
        target = os.fsencode(os.readlink(path)) if path.is_symlink() else b""
        sha = hashlib.sha256(b"not read\0" + os.fsencode(path.name) + b"\0" + target).hexdigest()
        return _Prepared(name, sha, not_read=entry.not_read)
    listed = (entry.size, entry.mtime_ns)
    try:
        if entry.size > chunked_bytes and path.suffix.lower() == ".csv":
            item = _scan(entry, name, spec)
        else:
            data, before, after = _read_regular_file(path)
            item = _Prepared(name, hashlib.sha256(data).hexdigest(), data)
            if before != listed or after != listed or len(data) != entry.size:
                item.deferred = CHANGED_MESSAGE
    except _Unreadable as exc:
        sha = hashlib.sha256(b"unreadable\0" + os.fsencode(path.name)).hexdigest()
        if not os.path.lexists(path):  # removed since the listing: still being moved?
            return _Prepared(name, sha, deferred="removed while the build read it: deferred to the next build")
        return _Prepared(name, sha, unreadable=str(exc))
    if item.deferred is None and settled_before_ns is not None and entry.mtime_ns > settled_before_ns:
        item.deferred = (
            "modified less than TGXH_SETTLE_SECONDS before the build started (still being written?): "
            "deferred to the next build"
        )
    if not item.readable:
        item.data, item.chunked, item.processed = b"", None, None
    return item


def _process_batch(spec: Source, items: list[_Prepared], pii_salt: str, resolver: ProvinceResolver) -> None:
    """Read and check the files of ``items`` (no database access): the files of one layout
    are read together (``read_files``) and the rules run once on all the files that could
    be read (``apply_rules_batch``); sets each item's ``processed`` and drops its bytes."""
    tables = []
    for item, table in zip(items, read_files([(item.name, item.data) for item in items], spec), strict=True):
        if isinstance(table, RawTable):
            tables.append((item, table))
        else:  # a file polars cannot parse stops neither the build nor the source
            message = str(table) if isinstance(table, FileRejected) else _parse_error(table)
            item.processed = FileResult(spec.name, item.name, item.sha, REJECTED, message=message), None, None
        item.data = b""
    splits = apply_rules_batch([table.frame for _, table in tables], spec, resolver, pii_salt)
    # The rows are checked against the raw table's pandera schema once per run, by the
    # ingest asset's blocking ``raw_contract`` check (assets/ingest.py), not file by file.
    for (item, table), split in zip(tables, splits, strict=False):
        loaded, rejected = _file_rows(spec, item.name, split)
        notes = table.notes()
        if table.frame.height == 0:
            notes.insert(0, "no data rows")
        result = FileResult(
            spec.name, item.name, item.sha, LOADED,
            rows_read=table.frame.height,
            rows_loaded=loaded.height,
            rows_rejected=rejected.height,
            message="; ".join(notes) or None,
        )
        item.processed = result, loaded, rejected


def _parse_error(exc: Exception) -> str:
    """The ledger message of a file polars cannot parse."""
    return f"the file cannot be parsed: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"


def _file_rows(spec: Source, name: str, split: Split) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The raw-table rows and the rejected rows of one file (or chunk of a file)."""
    loaded = split.loaded.select(pl.lit(name).alias("file_name"), pl.all())
    rejected = split.rejected.select(
        pl.lit(spec.name).alias("source"),
        pl.lit(name).alias("file_name"),
        "row_number",
        "column_name",
        "reason",
        "line_number",
    )
    return loaded, rejected


@dataclass(frozen=True)
class _Chunking:
    """How a file read in chunks is read and checked."""

    chunk_chars: int
    resolver: ProvinceResolver
    pii_salt: str


STAGE = "__ingest_chunks"
"""Start of the alias of the database where a file read in chunks is staged (``_staging``)."""
REJECTED_COLUMNS = ("source", "file_name", "row_number", "column_name", "reason", "line_number")


@contextmanager
def _staging(con: duckdb.DuckDBPyConnection, spec: Source) -> Iterator[tuple[str, str]]:
    """Two empty tables, for the raw rows and the rejected rows of one file, in a DuckDB
    database of their own in a temporary folder, attached to ``con`` while the block runs
    (then detached and deleted). Rows appended to a table inside one open transaction stay
    in memory until it commits, so a file read in chunks is written there chunk by chunk
    (each insert committed) and copied into the warehouse in one transaction at its end:
    memory follows the chunk, and the file is still written whole or not at all."""
    with tempfile.TemporaryDirectory(prefix="tgxh-ingest-") as folder:
        alias = f"{STAGE}_{uuid.uuid4().hex}"  # connections of one process share their attached databases
        con.execute(f"attach ? as {alias}", [str(Path(folder) / "chunks.duckdb")])
        try:
            loaded, rejected = f"{alias}.loaded", f"{alias}.rejected"
            con.execute(f"create table {loaded} as from {spec.table} limit 0")
            con.execute(f"create table {rejected} as select {', '.join(REJECTED_COLUMNS)} from audit.rejected_rows limit 0")
            yield loaded, rejected
        finally:
            con.execute(f"detach {alias}")


def _load_chunks(con: duckdb.DuckDBPyConnection, spec: Source, item: _Prepared, result: FileResult,
                 chunking: _Chunking, stage: tuple[str, str]) -> None:
    """Read and check a file chunk by chunk into the ``stage`` tables (raw rows, rejected
    rows; see ``_staging``) and fill in ``result``. The two rules that look at the whole
    file (``apply_rules_batch``):

    * a boolean column that marks true with ``x`` first in a later chunk: the chunks
      before it read its empty cells as empty, so the file is read again from its start
      with the convention known (the rows staged so far are dropped);
    * duplicate keys: each chunk gives the hash of its rows' keys; at the end of the file
      the rows whose hash another row has too (usually none) are read again, together,
      and checked as one file, which gives them the messages of reading it whole (the
      key and the other rows); they replace those rows' first versions.
    """
    path, listed, encoding = item.chunked
    name = item.name
    staged_rows, staged_rejections = stage

    def chunks() -> Iterator[RawTable]:
        return read_csv_chunks(_file_blocks(path, listed, item.sha), encoding, spec, chunking.chunk_chars)

    def check(frame: pl.DataFrame, uses_x: set[str], so_far: FileSoFar | None) -> Split:
        (split,) = apply_rules_batch([frame], spec, chunking.resolver, chunking.pii_salt,
                                     x_columns=frozenset(uses_x), chunk_of=so_far)
        return split

    uses_x: set[str] = set()
    while True:
        so_far = FileSoFar(uses_x=set(uses_x), keys=[])
        first: RawTable | None = None
        numbering_skipped, rows_read, loaded, rejected = False, 0, 0, 0
        for i, table in enumerate(chunks()):
            split = check(table.frame, uses_x, so_far)
            new = so_far.uses_x - uses_x
            uses_x |= new
            if new and i > 0:
                break
            rows, rejections = _file_rows(spec, name, split)
            _insert(con, staged_rows, rows)
            _insert(con, staged_rejections, rejections)
            first = first or table
            numbering_skipped = numbering_skipped or table.numbering_row_skipped
            rows_read, loaded, rejected = rows_read + table.frame.height, loaded + rows.height, rejected + rejections.height
        else:
            break
        for staged in stage:
            con.execute(f"delete from {staged}")
    keys = pl.concat(so_far.keys) if so_far.keys else pl.DataFrame(schema={"__hash": pl.UInt64, ROW_NUMBER: pl.Int32})
    candidates = keys.filter(pl.col("__hash").is_duplicated()).select(ROW_NUMBER)
    del keys, so_far
    if candidates.height:
        frame = pl.concat([t.frame.join(candidates, on=ROW_NUMBER, how="semi") for t in chunks()])
        rows, rejections = _file_rows(spec, name, check(frame, uses_x, None))
        con.register("__candidates", _Arrow(candidates))
        try:
            gone = [
                con.execute(f"delete from {staged} where row_number in (select row_number from __candidates)")
                .fetchall()[0][0]
                for staged in stage
            ]
        finally:
            con.unregister("__candidates")
        _insert(con, staged_rows, rows)
        _insert(con, staged_rejections, rejections)
        loaded += rows.height - gone[0]
        rejected += rejections.height - gone[1]
    assert first is not None  # a text has at least one chunk
    first.numbering_row_skipped = numbering_skipped
    notes = first.notes()
    if rows_read == 0:
        notes.insert(0, "no data rows")
    result.rows_read, result.rows_loaded, result.rows_rejected = rows_read, loaded, rejected
    result.message = "; ".join(notes) or None


def _prepare_batch(
    entries: list[Entry], spec: Source, pii_salt: str, resolver: ProvinceResolver,
    in_force: dict[str, str], settled_before_ns: int | None, chunked_bytes: int,
) -> list[_Prepared]:
    """Read and hash ``entries``; process the readable files that ``in_force`` (file name
    -> SHA-256 of its loaded or rejected version in the ledger) does not hold already,
    except those read in chunks (processed as they are written)."""
    items = [_read(entry, settled_before_ns, spec, chunked_bytes) for entry in entries]
    for item in items:
        if in_force.get(item.name) == item.sha:
            item.data = b""  # unchanged: never processed again (see ``_Writer.decide``)
    _process_batch(spec, [i for i in items if i.readable and i.data], pii_salt, resolver)
    return items


@dataclass(frozen=True)
class _Row:
    """A ledger row as the warehouse holds it."""

    sha: str
    status: str
    message: str | None


class _Writer:
    """Decides, in file-name order, what each entry of the folder is and queues the
    writes of the names whose ledger row changes; ``flush`` writes what is queued in one
    transaction. The ledger of the source is read once, so deciding costs no query."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: Source, build_id: str) -> None:
        self.con, self.spec, self.build_id = con, spec, build_id
        rows = con.execute(
            "select file_name, sha256, status, message from audit.ingested_files where source = ?", [spec.name]
        ).fetchall()
        self.ledger: dict[str, _Row] = {name: _Row(sha, status, msg) for name, sha, status, msg in rows}
        self.claimed: dict[str, str] = {}
        """SHA-256 -> the first name loaded with those bytes in this build's order."""
        self._clear()

    def _clear(self) -> None:
        self.replaced: list[str] = []
        self.loaded: list[pl.DataFrame] = []
        self.rejected: list[pl.DataFrame] = []
        self.results: list[FileResult] = []

    def in_force(self) -> dict[str, str]:
        """file name -> SHA-256 of its version loaded or rejected (read and checked)."""
        return {name: row.sha for name, row in self.ledger.items() if row.status in (LOADED, REJECTED)}

    def withdrawals(self, listed: set[str]) -> list[str]:
        """The loaded files of the ledger that are not in ``listed``."""
        return sorted(n for n, row in self.ledger.items() if row.status == LOADED and n not in listed)

    def loaded_files(self) -> int:
        return sum(row.status == LOADED for row in self.ledger.values())

    def _record(self, name: str, result: FileResult | None,
                loaded: pl.DataFrame | None = None, rejected: pl.DataFrame | None = None) -> None:
        """Queue the replacement of ``name``'s ledger row (and rows) by ``result`` (None: none)."""
        if any(r.file_name == name for r in self.results) or name in self.replaced:
            # Two entries with one ledger name (a name that is not UTF-8 is shown with
            # ``\xNN``, which a real name can spell): the first is written before the
            # second replaces it, as if they were in two batches.
            self.flush()
        if name in self.ledger:
            self.replaced.append(name)
            del self.ledger[name]
        if result is None:
            return
        self.ledger[name] = _Row(result.sha256, result.status, result.message)
        self.results.append(result)
        for frames, frame in ((self.loaded, loaded), (self.rejected, rejected)):
            if frame is not None and frame.height:
                frames.append(frame)

    def _unchanged(self, name: str, sha: str, status: str, message: str | None) -> bool:
        return self.ledger.get(name) == _Row(sha, status, message)

    def decide(self, item: _Prepared, process, stream) -> tuple[FileResult, pl.DataFrame | None]:
        """What ``item`` is, its writes queued; ``process(item)`` processes it if that was
        not done ahead, ``stream(item)`` reads, checks and writes a file read in chunks
        (None: it changed meanwhile). Returns its result and its rejected rows."""
        source, name, sha = self.spec.name, item.name, item.sha
        if item.readable and sha in self.claimed:
            status, message = SKIPPED, f"same content (SHA-256) as '{self.claimed[sha]}', already ingested"
        elif item.readable:
            current = self.ledger.get(name)
            if current is not None and current.sha == sha and current.status in (LOADED, REJECTED):
                if current.status == LOADED:
                    self.claimed[sha] = name
                return FileResult(source, name, sha, SKIPPED, recorded=False,
                                  message=f"unchanged since it was last ingested (then: {current.status})"), None
            if item.chunked is not None and item.processed is None:
                outcome = stream(item)
                if outcome is not None:
                    if outcome[0].status == LOADED:
                        self.claimed[sha] = name
                    return outcome
                status, message = DEFERRED, item.deferred
            else:
                if item.processed is None:
                    process(item)
                result, loaded, rejected = item.processed
                if result.status == LOADED:
                    self.claimed[sha] = name
                self._record(name, result, loaded, rejected)
                return result, rejected
        else:
            status = NOT_READ if item.not_read else DEFERRED if item.deferred else REJECTED
            message = item.not_read or item.deferred or item.unreadable
        if self._unchanged(name, sha, status, message):
            return FileResult(source, name, sha, SKIPPED, recorded=False,
                              message=f"unchanged since it was last ingested (then: {status})"), None
        result = FileResult(source, name, sha, status, message=message)
        self._record(name, result)
        return result, None

    def stream(self, item: _Prepared, chunking: _Chunking) -> tuple[FileResult, pl.DataFrame | None] | None:
        """Read and check a file chunk by chunk (see ``_load_chunks``) and write it in one
        transaction of its own (so it is written whole or not at all), with the rows and
        messages reading it whole gives. Returns its result and its first rejected rows; None
        when it changed while it was read (``item.deferred`` then says so)."""
        assert item.chunked is not None
        self.flush()
        name = item.name
        earlier = self.ledger.get(name)
        result = FileResult(self.spec.name, name, item.sha, LOADED)
        try:
            with _staging(self.con, self.spec) as stage:
                _load_chunks(self.con, self.spec, item, result, chunking, stage)
                with transaction(self.con):
                    self._record(name, result)
                    self._delete_replaced()
                    self.con.execute(f"insert into {self.spec.table} from {stage[0]}")
                    columns = ", ".join(REJECTED_COLUMNS)
                    self.con.execute(f"insert into audit.rejected_rows ({columns}) select {columns} from {stage[1]}")
                    self._insert_ledger()
        except (FileRejected, pl.exceptions.PolarsError, _Changed, _Unreadable) as exc:
            self._clear()
            self.ledger.pop(name, None)
            if earlier is not None:
                self.ledger[name] = earlier
            if isinstance(exc, (_Changed, _Unreadable)):
                item.deferred = str(exc) if isinstance(exc, _Changed) else CHANGED_MESSAGE
                return None
            message = str(exc) if isinstance(exc, FileRejected) else _parse_error(exc)
            result = FileResult(self.spec.name, name, item.sha, REJECTED, message=message)
            self._record(name, result)
            return result, None
        self._clear()
        rejected = self.con.sql(
            "select source, file_name, row_number, column_name, reason, line_number from audit.rejected_rows"
            " where source = ? and file_name = ? order by row_number limit ?",
            params=[self.spec.name, name, MAX_REPORTED_REJECTIONS],
        ).pl()
        return result, rejected

    def leave(self, listed: set[str]) -> list[FileResult]:
        """Queue what happens to the names of the ledger that are not in ``listed``: a
        loaded file is withdrawn, any other row goes (to the history)."""
        out = []
        for name, row in sorted(self.ledger.items()):
            if name in listed or row.status == WITHDRAWN:
                continue
            if row.status == LOADED:
                result = FileResult(
                    self.spec.name, name, row.sha, WITHDRAWN,
                    message=f"no longer in the source folder: withdrawn by build {self.build_id}, "
                    "its rows left the tables",
                )
                self._record(name, result)
                out.append(result)
            else:
                self._record(name, None)
        return out

    def flush(self) -> None:
        """Write what is queued, in one transaction: the ledger rows of the names seen
        before go to the history and their rows leave (a scan of the raw table, only for
        those), then the new rows, ledger rows and versions are inserted."""
        if not self.results and not self.replaced:
            return
        with transaction(self.con):
            self._delete_replaced()
            if self.loaded:
                _insert(self.con, self.spec.table, pl.concat(self.loaded, how="vertical"))
            if self.rejected:
                _insert(self.con, "audit.rejected_rows", pl.concat(self.rejected, how="vertical"))
            self._insert_ledger()
        self._clear()

    def _delete_replaced(self) -> None:
        """The ledger rows of the names seen before go to the history and their rows leave
        (a scan of the raw table, only for those)."""
        if not self.replaced:
            return
        con, spec = self.con, self.spec
        names = sorted(set(self.replaced))
        cols = ", ".join(LEDGER_COLUMNS)
        con.execute(
            f"insert into {HISTORY} ({cols}, replaced_by_build) select {cols}, ?"
            " from audit.ingested_files where source = ? and list_contains(?, file_name)",
            [self.build_id, spec.name, names],
        )
        con.execute(f"delete from {spec.table} where list_contains(?, file_name)", [names])
        for table in ("audit.rejected_rows", "audit.ingested_files", "audit.ingest_file_state"):
            con.execute(f"delete from {table} where source = ? and list_contains(?, file_name)",
                        [spec.name, names])

    def _insert_ledger(self) -> None:
        """The ledger rows (and file states) of the results queued."""
        if not self.results:
            return
        ledger = pl.DataFrame(
            [(r.source, r.file_name, r.sha256, r.status, r.rows_read, r.rows_loaded, r.rows_rejected,
              r.message) for r in self.results],
            schema={"source": pl.String, "file_name": pl.String, "sha256": pl.String, "status": pl.String,
                    "rows_read": pl.Int64, "rows_loaded": pl.Int64, "rows_rejected": pl.Int64,
                    "message": pl.String},
            orient="row",
        )
        _insert(self.con, "audit.ingested_files", ledger)
        _insert(self.con, "audit.ingest_file_state", ledger.select("source", "file_name", "sha256", "status"))


BATCH_FILES = 64
BATCH_BYTES = 16 << 20
"""A batch is at most this many files and, beyond its first file, this many bytes: its
files are checked together and written in one transaction."""
READ_AHEAD = 2
"""Batches read and processed ahead of the one being written."""
WORKERS = 2
"""Threads reading and processing batches (polars and DuckDB release the GIL while they work)."""


def _batches(entries: list[Entry]) -> list[list[Entry]]:
    """Consecutive entries grouped into batches (see ``BATCH_FILES``, ``BATCH_BYTES``)."""
    batches: list[list[Entry]] = []
    size = 0
    for entry in entries:
        length = entry.size if entry.not_read is None else 0
        if not batches or len(batches[-1]) >= BATCH_FILES or size + length > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(entry)
        size += length
    return batches


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    folder: Path,
    pii_salt: str,
    *,
    build_id: str = "(no build id)",
    settle_seconds: float = 0,
    allow_withdrawal: bool = False,
    started_at: float | None = None,
    chunked_bytes: int = CHUNKED_BYTES,
    chunk_chars: int = CHUNK_CHARS,
) -> IngestReport:
    """Bring ``raw.<source>`` and the audit tables to the entries of ``folder`` (see the
    module doc). ``build_id`` names the build in the ledger; ``settle_seconds`` defers
    files modified less than that before ``started_at`` (a UNIX time, default now);
    ``allow_withdrawal`` lets the build withdraw more than half of the source's loaded
    files. Creates the schemas and tables if missing. A CSV file larger than
    ``chunked_bytes`` is read in chunks of about ``chunk_chars`` characters.

    Worker threads read and process the next batches of files (polars, no database)
    while this thread writes the current one into DuckDB; what happens to each file is
    still decided in file-name order, here, so the result does not depend on the threads.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not pii_salt:
        raise ValueError("pii_salt must not be empty")
    ensure_tables(con)
    spec = SOURCES[source]
    report = IngestReport(source)
    resolver = default_resolver()
    writer = _Writer(con, spec, build_id)
    entries = list_entries(Path(folder))
    listed = {_ledger_name(e.path.name)[0] for e in entries}
    leaving = writer.withdrawals(listed)
    if not allow_withdrawal and len(leaving) * 2 > writer.loaded_files():
        shown = ", ".join(leaving[:5]) + (f" and {len(leaving) - 5} more" if len(leaving) > 5 else "")
        raise WithdrawalRefused(
            f"{source}: {len(leaving)} of the {writer.loaded_files()} files loaded earlier are no longer in "
            f"{folder} ({shown}); withdrawing more than half of a source at once looks like an unmounted or "
            f"mistyped folder, so nothing was changed or published. If the files were removed on purpose, "
            f"run the build again with {ALLOW_WITHDRAWAL}=1."
        )
    settled_before_ns = (
        int(((time.time() if started_at is None else started_at) - settle_seconds) * 1e9) if settle_seconds > 0 else None
    )
    in_force = writer.in_force()
    batches = iter(_batches(entries))
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"ingest-{source}")

    def process(item: _Prepared) -> None:  # processing that was not done ahead runs on a worker too
        pool.submit(_process_batch, spec, [item], pii_salt, resolver).result()

    chunking = _Chunking(chunk_chars, resolver, pii_salt)

    def stream(item: _Prepared):
        return writer.stream(item, chunking)

    def log_result(result: FileResult) -> None:
        log.info(
            "%s/%s: %s (read %d, loaded %d, rejected %d)%s",
            source, result.file_name, result.status, result.rows_read, result.rows_loaded,
            result.rows_rejected, "" if result.recorded else " [unchanged, not recorded]",
        )

    try:
        ahead: deque[Future[list[_Prepared]]] = deque(
            pool.submit(_prepare_batch, b, spec, pii_salt, resolver, in_force, settled_before_ns, chunked_bytes)
            for b in islice(batches, READ_AHEAD)
        )
        while ahead:
            items = ahead.popleft().result()
            following = next(batches, None)
            if following is not None:
                ahead.append(
                    pool.submit(
                        _prepare_batch, following, spec, pii_salt, resolver, in_force, settled_before_ns, chunked_bytes
                    )
                )
            done = [writer.decide(item, process, stream) for item in items]
            writer.flush()
            for result, rejected in done:
                report.add(result, rejected)
                log_result(result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for result in writer.leave(listed):
        report.add(result)
        log_result(result)
    writer.flush()
    return report
