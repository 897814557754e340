"""Ingestion of one source folder into DuckDB (CONTRACT §2, brief "Warehouse tables
produced by ingestion"): the ledger ``audit.ingested_files``, the rejected rows
``audit.rejected_rows`` and the raw table ``raw.<source>``.

Per file, in lexical order of file name (files are checked and written in batches, a
batch in one transaction, so a file is written whole or not at all):

* a file name whose current bytes (SHA-256) were already processed is skipped
  silently, so re-running on the same folder changes nothing;
* the same bytes as a file currently loaded under another name -> a
  ``skipped_duplicate`` ledger row, no data;
* otherwise the file is read and checked, and its loaded rows, rejected rows and
  ledger row are written in the same transaction; rows of an earlier version of the same file
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
from pipelines.ingest.rules import apply_rules_batch
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


def _process_batch(spec: Source, items: list[_Prepared], pii_salt: str, resolver: ProvinceResolver) -> None:
    """Read and check the files of ``items`` (no database access): the rules run once on
    all the files that could be read (``apply_rules_batch``); sets each item's
    ``processed`` and drops its bytes."""
    tables = []
    for item in items:
        try:
            tables.append((item, read_file(item.name, item.data, spec)))
        except FileRejected as exc:
            item.processed = FileResult(spec.name, item.name, item.sha, REJECTED, message=str(exc)), None, None
        item.data = b""
    splits = apply_rules_batch([table.frame for _, table in tables], spec, resolver, pii_salt)
    # The rows are checked against the raw table's pandera schema once per run, by the
    # ingest asset's blocking ``raw_contract`` check (assets/ingest.py), not file by file.
    for (item, table), split in zip(tables, splits):
        loaded = split.loaded.select(pl.lit(item.name).alias("file_name"), pl.all())
        rejected = split.rejected.select(
            pl.lit(spec.name).alias("source"),
            pl.lit(item.name).alias("file_name"),
            "row_number",
            "column_name",
            "reason",
        )
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


@dataclass
class _Prepared:
    """One landing-folder entry read, hashed and (unless it is unchanged) processed, with
    no database access: the part of a file's ingestion that can run ahead of the writes."""

    name: str
    sha: str
    refused: str | None
    data: bytes
    processed: tuple[FileResult, pl.DataFrame | None, pl.DataFrame | None] | None = None


def _read(path: Path) -> _Prepared:
    """Read and hash ``path`` (or say why it is not read)."""
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
    return _Prepared(name, sha, refused, data)


def _prepare_batch(
    paths: list[Path], spec: Source, pii_salt: str, resolver: ProvinceResolver, known: dict[str, str]
) -> list[_Prepared]:
    """Read and hash ``paths``; process those that ``known`` (file name -> SHA-256 last
    ingested) does not say were ingested already in this very version."""
    items = [_read(path) for path in paths]
    _process_batch(
        spec, [i for i in items if i.refused is None and known.get(i.name) != i.sha], pii_salt, resolver
    )
    return items


class _Writer:
    """Decides, in file-name order, what each prepared file is (unchanged, refused,
    duplicate, loaded) and queues its writes; ``flush`` writes what is queued in one
    transaction. The current version of every file name of the source is kept in memory
    (read once from ``audit.ingest_file_state``), so deciding costs no query."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: Source) -> None:
        self.con, self.spec = con, spec
        rows = con.execute(
            "select file_name, sha256, status from audit.ingest_file_state where source = ?", [spec.name]
        ).fetchall()
        self.state: dict[str, tuple[str, str]] = {name: (sha, status) for name, sha, status in rows}
        self.loaded_by_sha: dict[str, set[str]] = {}
        for name, (sha, status) in self.state.items():
            if status == LOADED:
                self.loaded_by_sha.setdefault(sha, set()).add(name)
        self._clear()

    def _clear(self) -> None:
        self.replaced: list[str] = []
        self.loaded: list[pl.DataFrame] = []
        self.rejected: list[pl.DataFrame] = []
        self.results: list[FileResult] = []

    def known(self) -> dict[str, str]:
        """file name -> SHA-256 of its current version."""
        return {name: sha for name, (sha, _) in self.state.items()}

    def _loaded_elsewhere(self, sha: str, name: str) -> str | None:
        others = self.loaded_by_sha.get(sha, set()) - {name}
        return min(others) if others else None

    def _record(self, result: FileResult, loaded: pl.DataFrame | None, rejected: pl.DataFrame | None) -> None:
        name = result.file_name
        if any(r.file_name == name for r in self.results):
            # Two entries with one ledger name (a name that is not UTF-8 is shown with
            # ``\xNN``, which a real name can spell): the first is written before the
            # second replaces it, as if they were in two batches.
            self.flush()
        previous = self.state.get(name)
        if previous is not None:
            self.replaced.append(name)
            if previous[1] == LOADED:
                self.loaded_by_sha[previous[0]].discard(name)
        self.state[name] = (result.sha256, result.status)
        if result.status == LOADED:
            self.loaded_by_sha.setdefault(result.sha256, set()).add(name)
        self.results.append(result)
        for frames, frame in ((self.loaded, loaded), (self.rejected, rejected)):
            if frame is not None and frame.height:
                frames.append(frame)

    def decide(self, prepared: _Prepared, process) -> tuple[FileResult, pl.DataFrame | None]:
        """What ``prepared`` is, its writes queued; ``process(prepared)`` processes it if
        that was not done ahead. Returns its result and its rejected rows."""
        source, name, sha = self.spec.name, prepared.name, prepared.sha
        state = self.state.get(name)
        if state is not None and state[0] == sha and (
            state[1] != SKIPPED or self._loaded_elsewhere(sha, name) is not None
        ):
            return FileResult(source, name, sha, SKIPPED, recorded=False,
                              message=f"unchanged since it was last ingested (then: {state[1]})"), None
        if prepared.refused is not None:
            result = FileResult(source, name, sha, REJECTED, message=prepared.refused)
            self._record(result, None, None)
            return result, None
        other = self._loaded_elsewhere(sha, name)
        if other is not None:
            result = FileResult(source, name, sha, SKIPPED,
                                message=f"same content (SHA-256) as '{other}', already ingested")
            self._record(result, None, None)
            return result, None
        if prepared.processed is None:
            process(prepared)
        result, loaded, rejected = prepared.processed
        self._record(result, loaded, rejected)
        return result, rejected

    def flush(self) -> None:
        """Write what is queued, in one transaction: replace the earlier rows of file names
        seen before (a scan of the raw table, only for those), insert the new rows, the
        ledger rows and the files' current versions."""
        if not self.results:
            return
        con, spec = self.con, self.spec
        with transaction(con):
            if self.replaced:
                names = sorted(set(self.replaced))
                con.execute(f"delete from {spec.table} where list_contains(?, file_name)", [names])
                con.execute(
                    "delete from audit.rejected_rows where source = ? and list_contains(?, file_name)",
                    [spec.name, names],
                )
                con.execute(
                    "delete from audit.ingest_file_state where source = ? and list_contains(?, file_name)",
                    [spec.name, names],
                )
            if self.loaded:
                _insert(con, spec.table, pl.concat(self.loaded, how="vertical"))
            if self.rejected:
                _insert(con, "audit.rejected_rows", pl.concat(self.rejected, how="vertical"))
            ledger = pl.DataFrame(
                [(r.source, r.file_name, r.sha256, r.status, r.rows_read, r.rows_loaded, r.rows_rejected, r.message)
                 for r in self.results],
                schema={"source": pl.String, "file_name": pl.String, "sha256": pl.String, "status": pl.String,
                        "rows_read": pl.Int64, "rows_loaded": pl.Int64, "rows_rejected": pl.Int64,
                        "message": pl.String},
                orient="row",
            )
            _insert(con, "audit.ingested_files", ledger)
            _insert(con, "audit.ingest_file_state", ledger.select("source", "file_name", "sha256", "status"))
        self._clear()


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
    writer = _Writer(con, spec)
    result = writer.decide(_read(path), lambda item: _process_batch(spec, [item], pii_salt, resolver))
    writer.flush()
    return result


BATCH_FILES = 64
BATCH_BYTES = 16 << 20
"""A batch is at most this many files and, beyond its first file, this many bytes: its
files are checked together and written in one transaction."""
READ_AHEAD = 2
"""Batches read and processed ahead of the one being written."""
WORKERS = 2
"""Threads reading and processing batches (polars and DuckDB release the GIL while they work)."""


def _batches(paths: list[Path]) -> list[list[Path]]:
    """Consecutive files grouped into batches (see ``BATCH_FILES``, ``BATCH_BYTES``)."""
    batches: list[list[Path]] = []
    size = 0
    for path in paths:
        try:
            length = path.lstat().st_size
        except OSError:
            length = 0
        if not batches or len(batches[-1]) >= BATCH_FILES or size + length > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += length
    return batches


def ingest_source(con: duckdb.DuckDBPyConnection, source: str, folder: Path, pii_salt: str) -> IngestReport:
    """Ingest every ``.csv``/``.xlsx`` file of ``folder`` (not recursive) into
    ``raw.<source>``, in lexical order of file name (see module doc).

    Files with another extension are recorded as rejected; hidden files and Office
    lock files (``~$``) are ignored. Creates the schemas and tables if missing.

    Worker threads read and process the next batches of files (polars, no database)
    while this thread writes the current one into DuckDB; what happens to each file is
    still decided in file-name order, here, so the result does not depend on the threads.
    A batch is written in one transaction, so each file is written whole or not at all.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not pii_salt:
        raise ValueError("pii_salt must not be empty")
    ensure_tables(con)
    spec = SOURCES[source]
    report = IngestReport(source)
    resolver = default_resolver()
    writer = _Writer(con, spec)
    known = writer.known()
    batches = iter(_batches(list_files(Path(folder))))
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"ingest-{source}")

    def process(item: _Prepared) -> None:  # processing that was not done ahead runs on a worker too
        pool.submit(_process_batch, spec, [item], pii_salt, resolver).result()

    try:
        ahead: deque[Future[list[_Prepared]]] = deque(
            pool.submit(_prepare_batch, b, spec, pii_salt, resolver, known) for b in islice(batches, READ_AHEAD)
        )
        while ahead:
            items = ahead.popleft().result()
            following = next(batches, None)
            if following is not None:
                ahead.append(pool.submit(_prepare_batch, following, spec, pii_salt, resolver, known))
            done = [(writer.decide(item, process)) for item in items]
            writer.flush()
            for result, rejected in done:
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
