"""The warehouse resource: where a build writes, and how it is published.

A build never writes into the published file. Each run works in its own file
``<warehouse dir>/.build/<run_id>.duckdb``, created as a copy of the published
warehouse (so ingestion stays incremental), and the ``publish`` asset moves it over
``TGXH_WAREHOUSE`` with one atomic rename once every blocking check has passed.
Readers that have the published file open keep their consistent view; a failed or
killed run leaves the published file untouched, and its working file is removed
by the next run.

The scorecards are written into ``<warehouse dir>/.build/<run_id>.reports/`` and moved
into the reports folder by ``publish`` right after the warehouse, so a build that fails
or is killed before publishing leaves the reports of the last published build too.

A run holds an exclusive ``flock`` on ``.build/<run_id>.lock`` from its first step
until it publishes (or its process ends): the kernel releases it when the process dies,
even by SIGKILL, which a persistent Dagster instance cannot see (a killed run stays
"started" there). A working file whose lock nobody holds is stale.

``audit.builds`` records each publication with a checksum of the published marts
(``marts_checksum``), computed inside the file being published, so a reader can check in
one transaction that the latest build row and the marts it reads belong together.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import Settings
from pipelines.sql_models import sql_string_literal

BUILD_DIR_NAME = ".build"
CHECKSUM_TABLES = ("marts.indicator_values", "marts.target_vs_actual")
"""The published marts of CONTRACT §4 whose checksum ``audit.builds`` records."""
BUILDS_COMMENTS = {
    "build_id": "Dagster run id of the build.",
    "published_at": "When the build was published (UTC).",
    "raw_dir": "Landing folders the build read (TGXH_RAW_DIR).",
    "marts_checksum": "<table>=<rows>:<md5 of its rows as text, sorted> of marts.indicator_values and "
    "marts.target_vs_actual as published by this build, joined by ;.",
}
"""Column comments of ``audit.builds``."""

try:  # POSIX; elsewhere stale working files are recognised by the run status alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_HELD_LOCKS: dict[str, int] = {}
"""run_id -> file descriptor of the lock this process holds for that run."""


def table_checksum(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``<rows>:<md5>`` of a table: the MD5 of its rows rendered as text, sorted, one per
    line (the same rows give the same checksum whatever their physical order)."""
    schema, name = table.split(".")
    rows, digest = con.execute(
        f'select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), \'\'))'
        f' from "{schema}"."{name}" as t'  # names from CHECKSUM_TABLES, never from data
    ).fetchone()
    return f"{rows}:{digest}"


def marts_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """``<table>=<rows>:<md5>`` for each table of ``CHECKSUM_TABLES`` present, joined by ``;``."""
    present = {
        f"{s}.{t}"
        for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
    }
    return ";".join(f"{t}={table_checksum(con, t)}" for t in CHECKSUM_TABLES if t in present)


def _hold_lock(build_dir: Path, run_id: str) -> None:
    """Take (once per process) the exclusive lock that marks ``run_id`` as alive."""
    if fcntl is None or run_id in _HELD_LOCKS:
        return
    fd = os.open(build_dir / f"{run_id}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    _HELD_LOCKS[run_id] = fd


def _release_lock(build_dir: Path, run_id: str) -> None:
    fd = _HELD_LOCKS.pop(run_id, None)
    (build_dir / f"{run_id}.lock").unlink(missing_ok=True)
    if fd is not None:
        os.close(fd)


def _lock_is_held(lock: Path) -> bool:
    """Whether a live process holds the lock file of a run (this process excluded)."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the lock if it was just taken
    return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _move(src: Path, dst: Path) -> None:
    """Rename ``src`` over ``dst`` atomically, also across file systems (copy next to
    ``dst`` first, then rename)."""
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f".{dst.name}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        src.unlink()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


WORKING_FILE_CONFIG = {"checkpoint_threshold": "1GB"}
"""DuckDB settings of a run's working file (see ``WarehouseResource.connect``)."""


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse of one run. Unset fields fall back to CONTRACT §1's variables."""

    raw_dir: str | None = None
    warehouse: str | None = None
    pii_salt: str | None = None
    reports_dir: str | None = None

    def settings(self) -> Settings:
        return Settings.from_env(self.raw_dir, self.warehouse, self.pii_salt, self.reports_dir)

    def working_path(self, run_id: str) -> Path:
        return self.settings().warehouse.parent / BUILD_DIR_NAME / f"{run_id}.duckdb"

    def staged_reports_dir(self, context) -> Path:
        """Where this run writes its reports; ``publish`` moves them into the reports folder."""
        self._prepare_working_file(context)
        path = self.working_path(context.run_id).with_suffix(".reports")
        path.mkdir(exist_ok=True)
        return path

    def _prepare_working_file(self, context: dg.OpExecutionContext | dg.AssetExecutionContext) -> Path:
        settings = self.settings()
        path = self.working_path(context.run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        _hold_lock(path.parent, context.run_id)
        if path.exists():
            return path
        self._remove_stale_working_files(context, path.parent)
        tmp = path.with_suffix(".copying")
        if settings.warehouse.exists():
            shutil.copyfile(settings.warehouse, tmp)
            os.replace(tmp, path)
        return path

    @staticmethod
    def _is_stale(context, build_dir: Path, run_id: str) -> bool:
        """A run whose files may go: a run of this process (runs of one process follow one
        another), a run whose lock no live process holds, or, without a lock file, a run
        the instance does not know or knows as finished."""
        if run_id in _HELD_LOCKS:
            return True
        lock = build_dir / f"{run_id}.lock"
        if fcntl is not None and lock.exists():
            return not _lock_is_held(lock)
        run = context.instance.get_run_by_id(run_id) if context.instance else None
        return run is None or run.is_finished

    @classmethod
    def _remove_stale_working_files(cls, context, build_dir: Path) -> None:
        """Delete what runs that are no longer in progress (killed or failed) left in
        ``.build``: working files, partial copies, write-ahead logs, staged reports, locks."""
        verdicts: dict[str, bool] = {}
        for f in sorted(build_dir.iterdir(), key=lambda f: f.suffix == ".lock"):  # locks last
            run_id = f.name.split(".")[0]
            if run_id == context.run_id:
                continue
            if run_id not in verdicts:
                verdicts[run_id] = cls._is_stale(context, build_dir, run_id)
            if verdicts[run_id]:
                if f.suffix == ".lock":
                    _release_lock(build_dir, run_id)
                else:
                    _remove(f)

    @contextmanager
    def connect(self, context) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to this run's working file.

        The working file is private to the run and only its published copy has to be
        durable, so DuckDB checkpoints when the connection closes rather than every
        16 MB of write-ahead log (ingestion commits once per batch of files: 600 MB of
        CSV at national scale)."""
        con = duckdb.connect(str(self._prepare_working_file(context)), config=WORKING_FILE_CONFIG)
        try:
            yield con
        finally:
            con.close()

    def publish(self, context) -> Path:
        """Record the build and move the working file over the published warehouse
        atomically, then the staged reports into the reports folder."""
        settings = self.settings()
        path = self._prepare_working_file(context)
        con = duckdb.connect(str(path))
        try:
            con.execute("create schema if not exists audit")
            con.execute(
                "create table if not exists audit.builds ("
                " build_id varchar primary key, published_at timestamptz, raw_dir varchar)"
            )
            # Warehouses published before the checksum existed gain the column.
            con.execute("alter table audit.builds add column if not exists marts_checksum varchar")
            for column, text in BUILDS_COMMENTS.items():
                con.execute(f"comment on column audit.builds.{column} is {sql_string_literal(text)}")
            con.execute("comment on table audit.builds is 'One row per published build.'")
            con.execute(
                "insert or replace into audit.builds (build_id, published_at, raw_dir, marts_checksum)"
                " values (?, ?, ?, ?)",
                [context.run_id, datetime.now(timezone.utc), str(settings.raw_dir), marts_checksum(con)],
            )
            con.execute("checkpoint")
        finally:
            con.close()
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, settings.warehouse)
        _fsync_dir(settings.warehouse.parent)
        staged = path.with_suffix(".reports")
        if staged.is_dir():
            settings.reports_dir.mkdir(parents=True, exist_ok=True)
            for report in sorted(staged.iterdir()):
                if not report.name.startswith("."):  # not a half-written temporary file
                    _move(report, settings.reports_dir / report.name)
            _remove(staged)
        _release_lock(path.parent, context.run_id)
        return settings.warehouse

