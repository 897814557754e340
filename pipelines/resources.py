"""The warehouse resource: where a build writes, and how it is published.

A build's first step checks the configuration (docs/contract.md §1: the raw folder, the
warehouse's folder) and takes the warehouse's lock (``pipelines/lock.py``: one build at a
time, however it was started; a second one stops naming the running build, or waits for
it with ``TGXH_WAIT_FOR_BUILD=1``). Errors a user can cause end the step with a
``dagster.Failure`` whose description is one line naming the variable or the file.

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
until its process ends: the kernel releases it when the process dies, even by SIGKILL,
which a persistent Dagster instance cannot see (a killed run stays "started" there). A
working file whose lock nobody holds is stale, and a started run whose lock nobody holds
is dead, even one killed after it published (its other files are gone by then) and before
Dagster recorded its success.

``audit.builds`` records each publication with a checksum of the published marts
(``marts_checksum``), computed inside the file being published, so a reader can check in
one transaction that the latest build row and the marts it reads belong together, and a
checksum of the build's content (``content_checksum``): a build whose content equals the
latest publication's publishes nothing (no ``audit.builds`` row, the file untouched),
provided that publication went through to its end, reports included (a build killed
between the warehouse's rename and its reports is published again by the next one).

A build never publishes over a newer publication: the identity of the published file
(inode, size, modification time) when the build started is kept in
``.build/<run_id>.base``, and ``publish`` stops if the file is another one by then.

The published file is written with DuckDB storage version v1.4.0 (docs/contract.md §1),
so DuckDB clients from 1.4 on open it. With it, the marts are exported as Parquet and
CSV (UTF-8 with BOM, for Excel) into ``<warehouse dir>/exports``, a symbolic link
switched to the new build's folder by one rename right after the warehouse's.

A run's files in ``.build`` are removed when it publishes (all but its lock, removed when
its process exits), or else when its process exits (``make run``, and the run worker of
the daemon and the UI, run one build per process); a run killed with SIGKILL leaves them
to the next build, which marks the run failed.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from models.sources import state_table_ddl
from pipelines import lock
from pipelines.config import ConfigError, Settings
from pipelines.duck import quote_identifier, relation_columns
from pipelines.jobs import build_warehouse

BUILD_DIR_NAME = ".build"
EXPORTS_DIR_NAME = "exports"
"""``<warehouse dir>/exports``: a symbolic link to the published build's exports folder."""
EXPORTS_STORE = ".exports"
"""``<warehouse dir>/.exports/<run_id>/``: the exports of each publication."""
STORAGE_VERSION = "v1.4.0"
"""DuckDB storage version of the published file (readable from DuckDB 1.4 on)."""
CHECKSUM_TABLES = ("marts.indicator_values", "marts.target_vs_actual")
"""The published marts of docs/contract.md §4 whose checksum ``audit.builds`` records."""
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
        f' from {quote_identifier(schema)}.{quote_identifier(name)} as t'
    ).fetchone()
    return f"{rows}:{digest}"


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where database_name = current_database() order by all"
        ).fetchall()
    ]


CONTENT_SCHEMAS = ("marts", "seeds", "audit")
NOT_CONTENT = ("audit.builds", "audit.rejected_rows")


def content_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """``<table>=<rows>:<md5>`` of every table of ``CONTENT_SCHEMAS`` but ``NOT_CONTENT``:
    what a build publishes. The raw, staging and intermediate tables are left out (large at
    national scale): the ledger and the model versions in ``audit`` change with them."""
    tables = [t for t in _tables(con) if t.split(".")[0] in CONTENT_SCHEMAS and t not in NOT_CONTENT]
    return ";".join(f"{t}={table_checksum(con, t)}" for t in tables)


def marts_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """``<table>=<rows>:<md5>`` for each table of ``CHECKSUM_TABLES`` present, joined by ``;``."""
    present = set(_tables(con))
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


def _identity(path: Path) -> str:
    """Which file ``path`` is now: inode, size and modification time, or ``absent``."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _create_empty(path: Path) -> None:
    """An empty DuckDB file with the published storage version (it keeps it when reopened)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach ? as new_file (storage_version '{STORAGE_VERSION}')", [str(path)])
    finally:
        con.close()


def _storage_version(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchone()
    finally:
        con.close()
    return tags.get("storage_version", "")


def _rewrite_compatible(path: Path) -> None:
    """Rewrite ``path`` with ``STORAGE_VERSION`` (a warehouse first published by an older
    version of this project, in the writer's newest storage format)."""
    tmp = path.with_suffix(".compatible")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute("attach ? as old_file (read_only)", [str(path)])
        con.execute(f"attach ? as new_file (storage_version '{STORAGE_VERSION}')", [str(tmp)])
        con.execute("copy from database old_file to new_file")
    finally:
        con.close()
    os.replace(tmp, path)


def _export_marts(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Every table of ``marts`` as ``<table>.parquet`` and ``<table>.csv`` (UTF-8 with BOM,
    so Excel shows the Vietnamese names)."""
    folder.mkdir(parents=True, exist_ok=True)
    for (table,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database()"
        " and schema_name = 'marts' order by all"
    ).fetchall():
        rel = con.table(f"marts.{quote_identifier(table)}")
        rel.write_parquet(str(folder / f"{table}.parquet"))
        rel.pl().write_csv(folder / f"{table}.csv", include_bom=True)


def _switch_exports(warehouse_dir: Path, run_id: str) -> None:
    """Point ``exports`` at this run's exports by one rename, then drop the older ones."""
    link = warehouse_dir / EXPORTS_DIR_NAME
    if link.is_dir() and not link.is_symlink():  # a folder someone made by hand: replaced
        shutil.rmtree(link)
    tmp = warehouse_dir / f".{EXPORTS_DIR_NAME}.{run_id}.link"
    tmp.unlink(missing_ok=True)
    os.symlink(Path(EXPORTS_STORE) / run_id, tmp)
    os.replace(tmp, link)
    for old in (warehouse_dir / EXPORTS_STORE).iterdir():
        if old.name != run_id:
            _remove(old)


def _report_dead(instance: dg.DagsterInstance | None, run_id: str, warehouse: Path) -> None:
    """Mark a run whose process died as failed, so a queue that runs one build at a time
    (``max_concurrent_runs: 1``) is not blocked by it."""
    run = instance.get_run_by_id(run_id) if instance is not None else None
    if run is not None and not run.is_finished:
        if _completed_build(warehouse) == run_id:
            ended = (f"The build's process ended (killed or crashed) after it had published {warehouse}, "
                     "reports and exports included, and before the run was recorded as finished; ")
        else:
            ended = "The build's process ended without finishing the run (killed or crashed); "
        instance.report_run_failed(run, message=ended + "marked failed so that later builds are not held back by it.")


def fail_dead_runs(instance: dg.DagsterInstance, warehouse: Path) -> list[str]:
    """Mark as failed the started runs whose lock (``.build/<run_id>.lock``) no live
    process holds: their process died. Returns their run ids."""
    build_dir = warehouse.parent / BUILD_DIR_NAME
    if fcntl is None or not build_dir.is_dir():
        return []
    dead = []
    for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        lock_file = build_dir / f"{run.run_id}.lock"
        if run.run_id not in _HELD_LOCKS and lock_file.exists() and not _lock_is_held(lock_file):
            _report_dead(instance, run.run_id, warehouse)
            dead.append(run.run_id)
    return dead


def _completed_marker(warehouse: Path) -> Path:
    """``<warehouse dir>/.<name>.published``: the build whose publication (warehouse,
    exports and reports) went through to its end."""
    return warehouse.parent / f".{warehouse.name}.published"


def _completed_build(warehouse: Path) -> str | None:
    try:
        return _completed_marker(warehouse).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _job_name(context) -> str | None:
    """The job of the run, ``None`` for an asset invoked directly (in tests)."""
    try:
        return context.job_name
    except dg.DagsterError:  # not set when an asset is invoked directly
        return None


def in_build(context) -> bool:
    """Whether the step belongs to a run of the build job (which reads the raw folder)."""
    return _job_name(context) == build_warehouse.name


def _end_run(warehouse: Path, run_id: str, keep_run_lock: bool = False) -> None:
    """Remove the run's files from ``.build`` and release the warehouse's lock, and the
    run's own lock unless ``keep_run_lock`` (at publishing: it then shows whether the
    run's process is alive until that process exits)."""
    build_dir = warehouse.parent / BUILD_DIR_NAME
    if build_dir.is_dir():
        for f in build_dir.iterdir():
            if f.name.split(".")[0] == run_id and f.suffix != ".lock":
                _remove(f)
        if not keep_run_lock:
            _release_lock(build_dir, run_id)
    lock.release(warehouse, run_id)


_ENDED_AT_EXIT: set[str] = set()
"""Runs whose files this process removes when it exits."""


WORKING_FILE_CONFIG = {"checkpoint_threshold": "1GB"}
"""DuckDB settings of a run's working file (see ``WarehouseResource.connect``)."""

class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse of one run. Unset fields fall back to docs/contract.md §1's variables.

    The steps of a run share one process (the in-process executor)."""

    raw_dir: str | None = None
    warehouse: str | None = None
    pii_salt: str | None = None
    reports_dir: str | None = None
    memory_limit: str | None = None
    """DuckDB's ``memory_limit`` (``'2GB'``, ``'80%'``...) on a run's connections, else
    ``TGXH_MEMORY_LIMIT`` (default 2GB): beyond it DuckDB spills the intermediate results of
    big joins, windows and aggregations into ``.build/<run_id>.tmp/``, so a build's memory
    is bounded whatever the history holds."""

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

    def _start(self, context, settings: Settings) -> None:
        """Checks and lock at a build's first step (each later step repeats them cheaply)."""
        try:
            settings.check_warehouse_dir()
            if in_build(context):
                settings.check_raw_dir()
            lock.acquire(
                settings.warehouse, context.run_id, wait=settings.wait_for_build,
                on_wait=lambda owner: context.log.info(
                    f"waiting for {owner.describe() if owner else 'another build'} to finish"
                ),
            )
        except (ConfigError, lock.BuildRunning) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None

    def _prepare_working_file(self, context: dg.OpExecutionContext | dg.AssetExecutionContext) -> Path:
        settings = self.settings()
        self._start(context, settings)
        path = self.working_path(context.run_id)
        path.parent.mkdir(exist_ok=True)
        _hold_lock(path.parent, context.run_id)
        if context.run_id not in _ENDED_AT_EXIT:
            # a run's process (make run, the daemon's or the UI's run worker) ends with the
            # run: what a failed run left goes then
            _ENDED_AT_EXIT.add(context.run_id)
            atexit.register(_end_run, settings.warehouse, context.run_id)
        if path.exists():
            return path
        self._remove_stale_working_files(context, settings.warehouse)
        path.with_suffix(".base").write_text(_identity(settings.warehouse))
        if context.instance is not None and context.instance.get_run_by_id(context.run_id) is not None:
            context.instance.add_run_tags(
                context.run_id, {"tgxh/raw_dir": str(settings.raw_dir), "tgxh/warehouse": str(settings.warehouse)}
            )
        tmp = path.with_suffix(".copying")
        if settings.warehouse.exists() and not settings.rebuild:
            try:
                settings.check_published()
            except ConfigError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from None
            shutil.copyfile(settings.warehouse, tmp)
        else:
            _create_empty(tmp)
        os.replace(tmp, path)
        return path

    @staticmethod
    def _is_stale(context, build_dir: Path, run_id: str) -> bool:
        """A run whose files may go: a run of this process (runs of one process follow one
        another), a run whose lock no live process holds, or, without a lock file, a run
        the instance does not know or knows as finished."""
        if run_id in _HELD_LOCKS:
            return True
        lock_file = build_dir / f"{run_id}.lock"
        if fcntl is not None and lock_file.exists():
            return not _lock_is_held(lock_file)
        run = context.instance.get_run_by_id(run_id) if context.instance else None
        return run is None or run.is_finished

    @classmethod
    def _remove_stale_working_files(cls, context, warehouse: Path) -> None:
        """Delete what runs that are no longer in progress (killed or failed) left in
        ``.build``: working files, partial copies, write-ahead logs, staged reports, locks;
        a run the instance still lists as in progress is marked failed."""
        build_dir = warehouse.parent / BUILD_DIR_NAME
        verdicts: dict[str, bool] = {}
        for f in sorted(build_dir.iterdir(), key=lambda f: f.suffix == ".lock"):  # locks last
            run_id = f.name.split(".")[0]
            if run_id == context.run_id:
                continue
            if run_id not in verdicts:
                verdicts[run_id] = cls._is_stale(context, build_dir, run_id)
                if verdicts[run_id] and run_id not in _HELD_LOCKS:
                    _report_dead(context.instance, run_id, warehouse)
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
        path = self._prepare_working_file(context)
        try:
            con = duckdb.connect(str(path), config=self.duckdb_config(context.run_id))
        except duckdb.ParserException as exc:  # a setting DuckDB cannot read, e.g. memory_limit='lots'
            raise dg.Failure(description=f"warehouse resource: memory_limit={self.memory_limit!r}: {exc}",
                             allow_retries=False) from None
        try:
            yield con
        finally:
            con.close()

    def duckdb_config(self, run_id: str) -> dict[str, str]:
        """DuckDB settings of a run's connections: the working file's, the memory limit,
        and the run's spill folder (removed with the run's other files)."""
        spill = self.working_path(run_id).with_suffix(".tmp")
        limit = self.memory_limit or self.settings().memory_limit
        return {**WORKING_FILE_CONFIG, "memory_limit": limit, "temp_directory": str(spill)}

    def publish(self, context) -> Path:
        """Record the build and move the working file over the published warehouse
        atomically, then the exports and the staged reports; publish nothing when the
        content equals the latest publication's."""
        settings = self.settings()
        path = self._prepare_working_file(context)
        base = path.with_suffix(".base").read_text()
        if _identity(settings.warehouse) != base:
            raise dg.Failure(
                description=f"The warehouse {settings.warehouse} was published by another build after this one "
                "started: not publishing over the newer publication; start this build again.",
                allow_retries=False,
            )
        exports = settings.warehouse.parent / EXPORTS_STORE / context.run_id
        con = duckdb.connect(str(path), config=self.duckdb_config(context.run_id))
        try:
            con.execute("create schema if not exists audit")
            # Warehouses published before the checksums existed gain the columns.
            if relation_columns(con, "audit", "builds"):
                con.execute("alter table audit.builds add column if not exists marts_checksum varchar")
                con.execute("alter table audit.builds add column if not exists content_checksum varchar")
            for statement in state_table_ddl("audit.builds"):
                con.execute(statement)
            content = content_checksum(con)
            latest = con.execute(
                "select build_id, published_at, content_checksum from audit.builds order by published_at desc limit 1"
            ).fetchone()
            unchanged = (
                latest is not None and latest[2] == content and not settings.rebuild
                and _completed_build(settings.warehouse) == latest[0]
            )
            if unchanged:
                context.log.info(
                    f"Nothing changed since build {latest[0]} (published {latest[1]:%Y-%m-%d %H:%M %Z}): "
                    f"{settings.warehouse} is left as it is."
                )
            else:
                self._record_build(context, con, settings, content, exports)
        finally:
            con.close()
        if not unchanged:
            self._replace_published(context, settings, path)
            _write_atomically(_completed_marker(settings.warehouse), context.run_id)
        # The run's lock stays until the process exits: a kill between here and Dagster's
        # record of the run's success leaves it, and the next build marks the run failed.
        _end_run(settings.warehouse, context.run_id, keep_run_lock=True)
        return settings.warehouse

    @staticmethod
    def _record_build(context, con, settings: Settings, content: str, exports: Path) -> None:
        """The build's ``audit.builds`` row, then the exports of its marts."""
        con.execute(
            "insert or replace into audit.builds (build_id, published_at, raw_dir, marts_checksum, content_checksum)"
            " values (?, ?, ?, ?, ?)",
            [context.run_id, datetime.now(UTC), str(settings.raw_dir), marts_checksum(con), content],
        )
        con.execute("checkpoint")
        _export_marts(con, exports)

    @staticmethod
    def _replace_published(context, settings: Settings, path: Path) -> None:
        """Move the working file (in the published storage version) over the published one,
        then switch the exports and move the staged reports."""
        if not _storage_version(path).startswith(STORAGE_VERSION):
            _rewrite_compatible(path)
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(path, settings.warehouse)
        _fsync_dir(settings.warehouse.parent)
        _switch_exports(settings.warehouse.parent, context.run_id)
        staged = path.with_suffix(".reports")
        if staged.is_dir():
            settings.reports_dir.mkdir(parents=True, exist_ok=True)
            for report in sorted(staged.iterdir()):
                if not report.name.startswith("."):  # not a half-written temporary file
                    _move(report, settings.reports_dir / report.name)
            _remove(staged)
