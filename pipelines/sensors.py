"""The raw-file sensor: a build starts whenever the raw folder differs from what the
published warehouse ingested (docs/contract.md §2.1: the raw folder is the system of record).

Each tick compares the source folders (every entry but uploads in progress, with the
SHA-256 of each file) with the ledger of the published file (``audit.ingest_file_state``,
read-only). So a build that failed or was killed is requested again, a fix in the folder
starts the recovery build, and a daemon started on a warehouse that matches its folder
launches nothing. The cursor only caches the hashes by size and modification time, so a
file is hashed again only when it changed.

A folder state is requested at most ``MAX_ATTEMPTS`` times (builds that keep failing on
the same files stop being retried until the folder changes). The sensor also marks as
failed the started runs whose process died (``fail_dead_runs``), so that a killed build
never holds back the builds after it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import lock
from pipelines.config import SOURCES, ConfigError, Settings
from pipelines.jobs import build_warehouse
from pipelines.resources import WarehouseResource, fail_dead_runs

IN_PROGRESS_PREFIXES = (".", "~")
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
MAX_ATTEMPTS = 3
RUNNING = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING,
]


def in_progress(name: str) -> bool:
    """An upload still being written (docs/contract.md §2.1): never read, never requested."""
    return name.startswith(IN_PROGRESS_PREFIXES) or name.lower().endswith(IN_PROGRESS_SUFFIXES)


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def folder_state(settings: Settings, cache: dict[str, list]) -> tuple[dict[str, str | None], dict[str, list]]:
    """``source/name`` -> SHA-256 of every regular file of the source folders (``None`` for
    an entry that is not one: a subfolder, a FIFO, a symbolic link), uploads in progress
    left out; and the new hash cache (``name -> [size, mtime_ns, sha256]``)."""
    state: dict[str, str | None] = {}
    new_cache: dict[str, list] = {}
    for source in SOURCES:
        folder = settings.source_dir(source)
        if not folder.is_dir():
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if in_progress(entry.name):
                    continue
                name = f"{source}/{entry.name}"
                if not entry.is_file(follow_symlinks=False):
                    state[name] = None
                    continue
                st = entry.stat(follow_symlinks=False)
                cached = cache.get(name)
                if cached and cached[:2] == [st.st_size, st.st_mtime_ns]:
                    sha = cached[2]
                else:
                    try:
                        sha = _sha256(Path(entry.path))
                    except OSError:  # removed or unreadable meanwhile: the build will say why
                        continue
                new_cache[name] = [st.st_size, st.st_mtime_ns, sha]
                state[name] = sha
    return state, new_cache


def published_state(warehouse: Path) -> tuple[str | None, dict[str, tuple[str | None, str]]]:
    """The latest published build id and the ledger of the published warehouse:
    ``source/name`` -> (SHA-256, status) of every file but withdrawn ones (nothing when
    there is no published warehouse, or it has no ledger)."""
    if not warehouse.exists():
        return None, {}
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:  # corrupt: the build says so, with what to do
        return None, {}
    try:
        present = {
            f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        }
        build_id = None
        if "audit.builds" in present:
            row = con.execute("select build_id from audit.builds order by published_at desc limit 1").fetchone()
            build_id = row[0] if row else None
        ledger = {}
        if "audit.ingest_file_state" in present:
            for source, name, sha, status in con.execute(
                "select source, file_name, sha256, status from audit.ingest_file_state where status <> 'withdrawn'"
            ).fetchall():
                if not in_progress(name):  # a ledger row of an upload in progress is no part of the record
                    ledger[f"{source}/{name}"] = (sha, status)
    finally:
        con.close()
    return build_id, ledger


def differences(state: dict[str, str | None], ledger: dict[str, tuple[str | None, str]]) -> list[str]:
    """Names whose entry differs between the folder and the published ledger: added,
    gone, other bytes, or deferred by the last build."""
    out = []
    for name in sorted(state.keys() | ledger.keys()):
        if name not in state or name not in ledger:
            out.append(name)
            continue
        sha, status = ledger[name]
        if status == "deferred" or (state[name] is not None and sha is not None and sha != state[name]):
            out.append(name)
    return out


def build_raw_files_sensor(job: dg.UnresolvedAssetJobDefinition, minimum_interval_seconds: int = 60):
    """The raw-file sensor of ``job`` (a job of the warehouse resource's build)."""

    @dg.sensor(
        name="raw_files_sensor",
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts a build when the raw landing folders differ from what the published "
        "warehouse ingested (a file added, changed or removed, or deferred by the last build).",
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        settings = warehouse.settings()
        dead = fail_dead_runs(context.instance, settings.warehouse)
        if dead:
            context.log.info(f"marked failed, their process having died: {', '.join(dead)}")
        try:
            settings.check_raw_dir()
        except ConfigError as exc:
            return dg.SkipReason(str(exc))
        state, cache = folder_state(settings, json.loads(context.cursor) if context.cursor else {})
        context.update_cursor(json.dumps(cache, sort_keys=True))
        build_id, ledger = published_state(settings.warehouse)
        changed = differences(state, ledger)
        if not changed:
            return dg.SkipReason(f"the raw folder is what the published warehouse ingested (build {build_id})")
        running = context.instance.get_runs(dg.RunsFilter(job_name=job.name, statuses=RUNNING), limit=1)
        if running:
            return dg.SkipReason(f"build {running[0].run_id} is in progress")
        owner = lock.running_build(settings.warehouse)
        if owner is not None:
            return dg.SkipReason(f"{owner.describe()} is running on {settings.warehouse}")
        key = hashlib.sha256(json.dumps([state, build_id], sort_keys=True).encode()).hexdigest()[:16]
        attempts = context.instance.get_runs_count(dg.RunsFilter(tags={"tgxh/raw_state": key}))
        if attempts >= MAX_ATTEMPTS:
            return dg.SkipReason(
                f"{attempts} builds of this raw folder did not publish it; the next build starts when the "
                "folder changes, at the nightly schedule, or by hand (make run)"
            )
        return dg.RunRequest(
            run_key=f"{key}-{attempts + 1}",
            tags={
                "tgxh/raw_state": key,
                "tgxh/changed_files": ", ".join(changed)[:1000],
                "tgxh/raw_dir": str(settings.raw_dir),
                "tgxh/warehouse": str(settings.warehouse),
            },
        )

    return raw_files_sensor


raw_files_sensor = build_raw_files_sensor(build_warehouse)
