"""The warehouse resource: where a build writes, and how it is published.

A build never writes into the published file. Each run works in its own file
``<warehouse dir>/.build/<run_id>.duckdb``, created as a copy of the published
warehouse (so ingestion stays incremental), and the ``publish`` asset moves it over
``TGXH_WAREHOUSE`` with one atomic rename once every blocking check has passed.
Readers that have the published file open keep their consistent view; a failed or
killed run leaves the published file untouched, and its working file is removed
by the next run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import Settings

BUILD_DIR_NAME = ".build"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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

    def _prepare_working_file(self, context: dg.OpExecutionContext | dg.AssetExecutionContext) -> Path:
        settings = self.settings()
        path = self.working_path(context.run_id)
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_working_files(context, path.parent)
        tmp = path.with_suffix(".copying")
        if settings.warehouse.exists():
            shutil.copyfile(settings.warehouse, tmp)
            os.replace(tmp, path)
        return path

    @staticmethod
    def _remove_stale_working_files(context, build_dir: Path) -> None:
        """Delete working files of runs that are no longer in progress (killed or failed)."""
        for f in build_dir.iterdir():
            run_id = f.name.split(".")[0]
            if run_id == context.run_id:
                continue
            run = context.instance.get_run_by_id(run_id) if context.instance else None
            if run is None or run.is_finished:
                f.unlink(missing_ok=True)

    @contextmanager
    def connect(self, context) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to this run's working file."""
        con = duckdb.connect(str(self._prepare_working_file(context)))
        try:
            yield con
        finally:
            con.close()

    def publish(self, context) -> Path:
        """Record the build and move the working file over the published warehouse atomically."""
        settings = self.settings()
        path = self._prepare_working_file(context)
        con = duckdb.connect(str(path))
        try:
            con.execute("create schema if not exists audit")
            con.execute(
                "create table if not exists audit.builds ("
                " build_id varchar primary key, published_at timestamptz, raw_dir varchar)"
            )
            con.execute(
                "insert or replace into audit.builds values (?, ?, ?)",
                [context.run_id, datetime.now(timezone.utc), str(settings.raw_dir)],
            )
            con.execute("checkpoint")
        finally:
            con.close()
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, settings.warehouse)
        _fsync_dir(settings.warehouse.parent)
        return settings.warehouse
