"""Ingestion of one source folder into DuckDB (CONTRACT §2, brief "Warehouse tables
produced by ingestion"): the ledger ``audit.ingested_files``, the rejected rows
``audit.rejected_rows`` and the raw table ``raw.<source>``.

Per file, in lexical order of file name, in one transaction each:

* a file name whose current bytes (SHA-256) were already processed is skipped
  silently, so re-running on the same folder changes nothing;
* the same bytes as a file currently loaded under another name -> a
  ``skipped_duplicate`` ledger row, no data;
* otherwise the file is read and checked, and its loaded rows, rejected rows and
  ledger row are written together; rows of an earlier version of the same file
  name (raw and rejected) are replaced. A file that cannot be read gets a
  ``rejected`` ledger row with the reason.

The bookkeeping table ``audit.ingest_file_state`` remembers the current version of
each file name (the contract's ledger has no ordering column).

A landing folder holds the files themselves: a symbolic link is never followed (it
could point anywhere on the server) and a file whose name is not valid UTF-8 cannot be
named in the ledger faithfully; both get a ``rejected`` ledger row saying why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

import duckdb
import polars as pl

from models.sources import AUDIT_TABLES, SOURCES, Source, raw_table_ddl, table_ddl
from pipelines.ingest.provinces import ProvinceResolver, default_resolver
from pipelines.ingest.readers import FileRejected, read_file
from pipelines.ingest.rules import apply_rules
from pipelines.sql_models import transaction

log = logging.getLogger(__name__)

LOADED, REJECTED, SKIPPED = "loaded", "rejected", "skipped_duplicate"
MAX_REPORTED_REJECTIONS = 10_000
"""``IngestReport.rejections`` keeps at most this many rows (all are in audit.rejected_rows)."""


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
    """False for a file skipped silently because this very version was already processed."""


@dataclass
class IngestReport:
    """Result of one ``ingest_source`` call."""

    source: str
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    """Rejected rows of this run (source, file_name, row_number, column_name, reason), capped."""
    files: list[FileResult] = field(default_factory=list)

    def add(self, result: FileResult, rejected: pl.DataFrame | None = None) -> None:
        """Count one file's result (and keep its rejected rows, up to the cap)."""
        self.files.append(result)
        self.files_seen += 1
        if result.status == LOADED:
            self.files_loaded += 1
        elif result.status == REJECTED:
            self.files_rejected += 1
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

    def __arrow_c_stream__(self, requested_schema=None):  # noqa: ANN001 - Arrow protocol
        return self.frame.__arrow_c_stream__(requested_schema)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` and ``audit`` schemas and the tables of ingestion if missing."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    existing = {
        f"{s}.{t}"
        for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
    }
    for spec in SOURCES.values():
        if spec.table not in existing:
            for stmt in raw_table_ddl(spec):
                con.execute(stmt)
    for table, columns in AUDIT_TABLES.items():
        if table not in existing:
            for stmt in table_ddl(table, columns):
                con.execute(stmt)


def list_files(folder: Path) -> list[Path]:
    """The files of a landing folder in lexical order of name: not recursive; hidden
    files (``.*``) and Office lock files (``~$*``) are not files of the folder.
    Symbolic links are listed (wherever they point) so that they are rejected, not read."""
    if not folder.is_dir():
        return []
    return sorted(
        (
            p for p in folder.iterdir()
            if (p.is_symlink() or p.is_file()) and not p.name.startswith((".", "~$"))
        ),
        key=lambda p: p.name,
    )


SYMLINK_MESSAGE = (
    "symbolic link: not read (a landing folder must hold the file itself; copy it here instead of linking)"
)


class _Unreadable(Exception):
    """A landing-folder entry that is not read (symbolic link, not a regular file)."""


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file, opened without following a symbolic link (so a file
    swapped for a link after listing is not followed either) and without blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():
            raise _Unreadable(SYMLINK_MESSAGE) from None
        raise _Unreadable(f"cannot open the file: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise _Unreadable("not a regular file: not read")
        return fh.read()


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


def _loaded_elsewhere(con: duckdb.DuckDBPyConnection, source: str, sha: str, name: str) -> str | None:
    row = con.execute(
        "select file_name from audit.ingest_file_state"
        " where source = ? and sha256 = ? and status = ? and file_name <> ?"
        " order by file_name limit 1",
        [source, sha, LOADED, name],
    ).fetchone()
    return row[0] if row else None


def _write(
    con: duckdb.DuckDBPyConnection,
    spec: Source,
    result: FileResult,
    loaded: pl.DataFrame | None,
    rejected: pl.DataFrame | None,
    replaces: bool,
) -> None:
    """All writes of one file in one transaction: replace the file name's earlier rows
    (``replaces``: the name has an earlier version), insert the new rows and the ledger
    row, record the file's current version."""
    with transaction(con):
        if replaces:  # a scan of the raw table: only for a file name seen before
            con.execute(f"delete from {spec.table} where file_name = ?", [result.file_name])
            con.execute(
                "delete from audit.rejected_rows where source = ? and file_name = ?",
                [spec.name, result.file_name],
            )
        if loaded is not None:
            _insert(con, spec.table, loaded)
        if rejected is not None:
            _insert(con, "audit.rejected_rows", rejected)
        con.execute(
            "insert into audit.ingested_files (source, file_name, sha256, status, rows_read,"
            " rows_loaded, rows_rejected, message) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [result.source, result.file_name, result.sha256, result.status, result.rows_read,
             result.rows_loaded, result.rows_rejected, result.message],
        )
        if replaces:
            con.execute(
                "delete from audit.ingest_file_state where source = ? and file_name = ?",
                [spec.name, result.file_name],
            )
        con.execute(
            "insert into audit.ingest_file_state (source, file_name, sha256, status) values (?, ?, ?, ?)",
            [spec.name, result.file_name, result.sha256, result.status],
        )


def _process(
    spec: Source, name: str, data: bytes, sha: str, pii_salt: str, resolver: ProvinceResolver
) -> tuple[FileResult, pl.DataFrame | None, pl.DataFrame | None]:
    """Read and check one file; no database access."""
    try:
        table = read_file(name, data, spec)
    except FileRejected as exc:
        return FileResult(spec.name, name, sha, REJECTED, message=str(exc)), None, None
    split = apply_rules(table.frame, spec, resolver, pii_salt)
    # The rows are checked against the raw table's pandera schema once per run, by the
    # ingest asset's blocking ``raw_contract`` check (assets/ingest.py), not file by file.
    loaded = split.loaded.select(pl.lit(name).alias("file_name"), pl.all())
    rejected = split.rejected.select(
        pl.lit(spec.name).alias("source"),
        pl.lit(name).alias("file_name"),
        "row_number",
        "column_name",
        "reason",
    )
    notes = table.notes()
    if table.frame.height == 0:
        notes.insert(0, "no data rows")
    result = FileResult(
        spec.name, name, sha, LOADED,
        rows_read=table.frame.height,
        rows_loaded=loaded.height,
        rows_rejected=rejected.height,
        message="; ".join(notes) or None,
    )
    return result, loaded, rejected


@dataclass
class _Prepared:
    """One landing-folder entry read, hashed and (unless it is unchanged) processed, with
    no database access: the part of a file's ingestion that can run ahead of the writes."""

    name: str
    sha: str
    refused: str | None
    data: bytes
    processed: tuple[FileResult, pl.DataFrame | None, pl.DataFrame | None] | None = None


def _prepare(
    path: Path, spec: Source, pii_salt: str, resolver: ProvinceResolver, known: dict[str, str] | None
) -> _Prepared:
    """Read and hash ``path``; process it too unless ``known`` (file name -> SHA-256 last
    ingested) says this very version was ingested already (``known=None``: never)."""
    name, refused = _ledger_name(path.name)
    data = b""
    if refused is None:
        try:
            data = _read_regular_file(path)
        except _Unreadable as exc:
            refused = str(exc)
    if refused is not None:
        # Nothing of the file is read: the version recorded is that of the link or name.
        target = os.fsencode(os.readlink(path)) if path.is_symlink() else b""
        sha = hashlib.sha256(b"not read\0" + os.fsencode(path.name) + b"\0" + target).hexdigest()
    else:
        sha = hashlib.sha256(data).hexdigest()
    prepared = _Prepared(name, sha, refused, data)
    if refused is None and known is not None and known.get(name) != sha:
        prepared.processed = _process(spec, name, data, sha, pii_salt, resolver)
        prepared.data = b""
    return prepared


def _apply(
    con: duckdb.DuckDBPyConnection,
    spec: Source,
    prepared: _Prepared,
    process,
) -> tuple[FileResult, pl.DataFrame | None]:
    """Decide what a prepared file is (unchanged, refused, duplicate, loaded) against the
    database and write it; ``process()`` processes the file if that was not done ahead."""
    source, name, sha = spec.name, prepared.name, prepared.sha
    state = con.execute(
        "select sha256, status from audit.ingest_file_state where source = ? and file_name = ?",
        [source, name],
    ).fetchone()
    replaces = state is not None
    if state is not None and state[0] == sha and (
        state[1] != SKIPPED or _loaded_elsewhere(con, source, sha, name) is not None
    ):
        return FileResult(source, name, sha, SKIPPED, recorded=False,
                          message=f"unchanged since it was last ingested (then: {state[1]})"), None
    if prepared.refused is not None:
        result = FileResult(source, name, sha, REJECTED, message=prepared.refused)
        _write(con, spec, result, None, None, replaces)
        return result, None
    other = _loaded_elsewhere(con, source, sha, name)
    if other is not None:
        result = FileResult(source, name, sha, SKIPPED,
                            message=f"same content (SHA-256) as '{other}', already ingested")
        _write(con, spec, result, None, None, replaces)
        return result, None
    result, loaded, rejected = prepared.processed or process()
    _write(con, spec, result, loaded, rejected, replaces)
    return result, rejected


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    pii_salt: str,
    resolver: ProvinceResolver | None = None,
) -> tuple[FileResult, pl.DataFrame | None]:
    """Ingest one file of ``source`` (tables must exist). Returns its result and its rejected rows."""
    spec = SOURCES[source]
    resolver = resolver or default_resolver()
    prepared = _prepare(path, spec, pii_salt, resolver, known=None)
    return _apply(
        con, spec, prepared,
        lambda: _process(spec, prepared.name, prepared.data, prepared.sha, pii_salt, resolver),
    )


READ_AHEAD = 4
"""Files read and processed ahead of the one being written."""
WORKERS = 2
"""Threads reading and processing files (polars and DuckDB release the GIL while they work)."""


def ingest_source(con: duckdb.DuckDBPyConnection, source: str, folder: Path, pii_salt: str) -> IngestReport:
    """Ingest every ``.csv``/``.xlsx`` file of ``folder`` (not recursive) into
    ``raw.<source>``, in lexical order of file name (see module doc).

    Files with another extension are recorded as rejected; hidden files and Office
    lock files (``~$``) are ignored. Creates the schemas and tables if missing.

    Worker threads read and process the next files (polars, no database) while this
    thread writes the current one into DuckDB; what happens to each file is still decided
    and written in file-name order, here, so the result does not depend on the threads.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not pii_salt:
        raise ValueError("pii_salt must not be empty")
    ensure_tables(con)
    spec = SOURCES[source]
    report = IngestReport(source)
    resolver = default_resolver()
    known = dict(con.execute(
        "select file_name, sha256 from audit.ingest_file_state where source = ?", [source]
    ).fetchall())
    paths = iter(list_files(Path(folder)))
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"ingest-{source}")
    try:
        ahead: deque[Future[_Prepared]] = deque(
            pool.submit(_prepare, p, spec, pii_salt, resolver, known) for p in islice(paths, READ_AHEAD)
        )
        while ahead:
            prepared = ahead.popleft().result()
            following = next(paths, None)
            if following is not None:
                ahead.append(pool.submit(_prepare, following, spec, pii_salt, resolver, known))
            # Processing that was not done ahead runs on a worker too.
            result, rejected = _apply(
                con, spec, prepared,
                lambda p=prepared: pool.submit(
                    _process, spec, p.name, p.data, p.sha, pii_salt, resolver
                ).result(),
            )
            report.add(result, rejected)
            log.info(
                "%s/%s: %s (read %d, loaded %d, rejected %d)%s",
                source, result.file_name, result.status, result.rows_read, result.rows_loaded,
                result.rows_rejected, "" if result.recorded else " [unchanged, not recorded]",
            )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return report


def report_dict(report: IngestReport) -> dict:
    """The report as plain data (e.g. for Dagster metadata)."""
    return asdict(report)
