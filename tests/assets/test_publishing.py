"""Atomic publishing: a build writes a working file and publishes it by rename only when
every blocking check passed; a failed or killed build leaves the published file as it was."""


import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.reports import build_publish_asset
from pipelines.resources import WarehouseResource, fail_dead_runs


def _graph(value: int, check_passes: bool):
    @dg.asset(key=["marts", "thing"])
    def thing(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect(context) as con:
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.thing as select ? as v", [value])

    @dg.asset_check(asset=thing, blocking=True)
    def thing_is_valid() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=check_passes)

    return [thing, build_publish_asset([dg.AssetKey(["marts", "thing"])])], [thing_is_valid]


def _build(resource, value, check_passes, instance):
    assets, checks = _graph(value, check_passes)
    return dg.materialize(
        [*assets, *checks], resources={"warehouse": resource}, instance=instance, raise_on_error=False
    )


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _value(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select v from marts.thing").fetchone()[0]
    finally:
        con.close()


def test_good_build_publishes_and_failed_check_leaves_file_byte_identical(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(tmp_path / "raw"), warehouse=str(tmp_path / "w" / "tgxh.duckdb"), pii_salt="t")
    published = tmp_path / "w" / "tgxh.duckdb"

    first = _build(resource, 1, True, instance)
    assert first.success
    assert _value(published) == 1
    before = _digest(published)

    failed = _build(resource, 2, False, instance)
    assert not failed.success
    assert _digest(published) == before  # byte-identical: the failed build never touched it
    assert _value(published) == 1

    third = _build(resource, 3, True, instance)
    assert third.success
    assert _value(published) == 3
    # Working files of finished runs are gone: nothing is left to clean by hand. The last
    # run's lock stays until its process (here pytest's) exits.
    assert [p.name for p in (tmp_path / "w" / ".build").iterdir()] == [f"{third.run_id}.lock"]


def test_reader_keeps_its_view_while_a_build_publishes(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(warehouse=str(tmp_path / "tgxh.duckdb"), pii_salt="t")
    assert _build(resource, 1, True, instance).success
    reader = duckdb.connect(str(tmp_path / "tgxh.duckdb"), read_only=True)
    try:
        assert _build(resource, 2, True, instance).success
        assert reader.execute("select v from marts.thing").fetchone()[0] == 1  # the old, consistent view
    finally:
        reader.close()
    assert _value(tmp_path / "tgxh.duckdb") == 2


def test_stale_working_file_of_a_killed_run_is_removed_by_the_next_build(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(warehouse=str(tmp_path / "tgxh.duckdb"), pii_salt="t")
    build_dir = tmp_path / ".build"
    build_dir.mkdir()
    stale = build_dir / "0000dead-run-that-was-killed.duckdb"
    stale.write_bytes(b"half a database")
    assert _build(resource, 1, True, instance).success
    assert not stale.exists()
    assert _value(tmp_path / "tgxh.duckdb") == 1


def test_build_records_its_id_in_audit_builds(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(warehouse=str(tmp_path / "tgxh.duckdb"), pii_salt="t")
    result = _build(resource, 1, True, instance)
    con = duckdb.connect(str(tmp_path / "tgxh.duckdb"), read_only=True)
    try:
        assert con.execute("select build_id from audit.builds").fetchall() == [(result.run_id,)]
    finally:
        con.close()


def _graph_with(value: int, during=None):
    """The graph of ``_graph`` whose asset calls ``during()`` while the run works."""

    @dg.asset(key=["marts", "thing"])
    def thing(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect(context) as con:
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.thing as select ? as v", [value])
        if during is not None:
            during()

    return [thing, build_publish_asset([dg.AssetKey(["marts", "thing"])])]


def _builds(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [b for (b,) in con.execute("select build_id from audit.builds order by published_at").fetchall()]
    finally:
        con.close()


FAILING_RUN = """
import sys
import dagster as dg
sys.path.insert(0, sys.argv[2])
from test_publishing import _build
from pipelines.resources import WarehouseResource, fail_dead_runs
resource = WarehouseResource(warehouse=sys.argv[1], pii_salt="t")
result = _build(resource, 1, False, dg.DagsterInstance.ephemeral())
print("FAILED" if not result.success else "PASSED")
"""


def test_a_failed_run_leaves_no_working_file_when_its_process_ends(tmp_path):
    """``make run`` and the run workers of the daemon and the UI run one build per process."""
    warehouse = tmp_path / "tgxh.duckdb"
    out = subprocess.run(
        [sys.executable, "-c", FAILING_RUN, str(warehouse), str(Path(__file__).parent)],
        cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert out.stdout.strip() == "FAILED", out.stderr[-3000:]
    assert (tmp_path / ".build").is_dir() and list((tmp_path / ".build").iterdir()) == []
    assert not warehouse.exists()
    assert (tmp_path / ".tgxh.duckdb.lock").read_bytes() == b""  # released, no owner left


KILLED_AFTER_PUBLISHING = """
import os, signal, sys
import dagster as dg
sys.path.insert(0, sys.argv[2])
from test_publishing import _build
from pipelines.resources import WarehouseResource, fail_dead_runs
publish = WarehouseResource.publish
def publish_then_die(self, context):
    publish(self, context)
    os.kill(os.getpid(), signal.SIGKILL)  # published; Dagster has not recorded the success
WarehouseResource.publish = publish_then_die
_build(WarehouseResource(warehouse=sys.argv[1], pii_salt="t"), 1, True, dg.DagsterInstance.get())
"""


def test_a_run_killed_after_publishing_is_marked_failed_not_left_started(tmp_path):
    """The publication is complete, the run's working files are gone, but its process died
    before Dagster recorded the run's end: its lock, kept until the process exits, shows it
    dead, so the sensor (and the next build) mark it failed instead of leaving it started
    for ever in front of a queue that runs one build at a time."""
    warehouse, home = tmp_path / "tgxh.duckdb", tmp_path / "home"
    home.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_PUBLISHING, str(warehouse), str(Path(__file__).parent)],
        cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2]), "DAGSTER_HOME": str(home)},
    )
    assert out.returncode == -signal.SIGKILL, out.stderr[-3000:]
    assert _value(warehouse) == 1
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.STARTED
        assert [p.name for p in (tmp_path / ".build").iterdir()] == [f"{run.run_id}.lock"]
        assert fail_dead_runs(instance, warehouse) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        (message,) = [e.message for e in instance.all_logs(run.run_id) if e.dagster_event
                      and e.dagster_event.event_type == dg.DagsterEventType.RUN_FAILURE]
        assert "after it had published" in message
        # the next build removes the dead run's lock
        nxt = _build(WarehouseResource(warehouse=str(warehouse), pii_salt="t"), 2, True, instance)
        assert nxt.success and _value(warehouse) == 2
        assert [p.name for p in (tmp_path / ".build").iterdir()] == [f"{nxt.run_id}.lock"]
    finally:
        instance.dispose()


def test_a_build_that_changes_nothing_publishes_nothing(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(warehouse=str(tmp_path / "tgxh.duckdb"), pii_salt="t")
    first = _build(resource, 1, True, instance)
    before = _digest(tmp_path / "tgxh.duckdb")
    again = _build(resource, 1, True, instance)
    assert again.success
    assert _digest(tmp_path / "tgxh.duckdb") == before  # untouched
    assert _builds(tmp_path / "tgxh.duckdb") == [first.run_id]  # no new audit.builds row
    changed = _build(resource, 2, True, instance)
    assert _builds(tmp_path / "tgxh.duckdb") == [first.run_id, changed.run_id]
    assert _value(tmp_path / "tgxh.duckdb") == 2


def test_a_build_never_publishes_over_a_newer_publication(tmp_path):
    """A slow build whose warehouse was published by someone else meanwhile (a build that
    did not take the lock: another host on a network share, a backup restored by hand)
    stops and leaves the newer publication as it is."""
    instance = dg.DagsterInstance.ephemeral()
    published = tmp_path / "tgxh.duckdb"
    resource = WarehouseResource(warehouse=str(published), pii_salt="t")
    assert _build(resource, 1, True, instance).success
    newer = tmp_path / "newer.duckdb"

    def publish_meanwhile():
        con = duckdb.connect(str(newer))
        con.execute("create schema marts; create table marts.thing as select 99 as v")
        con.close()
        newer.replace(published)

    slow = dg.materialize(_graph_with(2, publish_meanwhile), resources={"warehouse": resource},
                          instance=instance, raise_on_error=False)
    assert not slow.success
    failure = next(e for e in slow.all_events if e.is_step_failure)
    assert "was published by another build after this one started" in failure.step_failure_data.error.message
    assert _value(published) == 99


def test_the_published_file_opens_in_an_older_duckdb_and_marts_are_exported(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    published = tmp_path / "tgxh.duckdb"
    resource = WarehouseResource(warehouse=str(published), pii_salt="t")
    first = _build(resource, 7, True, instance)
    cli = Path(sys.executable).parent / "duckdb"
    assert cli.exists() and shutil.which(str(cli))
    out = subprocess.run([str(cli), "-csv", "-noheader", str(published), "-c", "select v from marts.thing"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert (out.returncode, out.stdout.strip()) == (0, "7"), out.stderr
    exports = tmp_path / "exports"
    assert exports.is_symlink()
    assert pl.read_parquet(exports / "thing.parquet")["v"].to_list() == [7]
    csv = (exports / "thing.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and csv.decode("utf-8-sig").splitlines() == ["v", "7"]
    second = _build(resource, 8, True, instance)
    assert pl.read_parquet(exports / "thing.parquet")["v"].to_list() == [8]
    assert sorted(p.name for p in (tmp_path / ".exports").iterdir()) == [second.run_id]
    assert first.run_id != second.run_id


def test_a_warehouse_in_the_newest_storage_format_is_rewritten_readable(tmp_path):
    published = tmp_path / "tgxh.duckdb"
    con = duckdb.connect(str(published))  # what earlier versions of the project published
    con.execute("create schema marts; create table marts.thing as select 1 as v")
    con.close()
    cli = Path(sys.executable).parent / "duckdb"
    old = subprocess.run([str(cli), str(published), "-c", "select 1"], capture_output=True, text=True, timeout=60, check=False)
    assert old.returncode != 0  # the older client cannot open it: the scenario holds
    resource = WarehouseResource(warehouse=str(published), pii_salt="t")
    assert _build(resource, 2, True, dg.DagsterInstance.ephemeral()).success
    out = subprocess.run([str(cli), "-csv", "-noheader", str(published), "-c", "select v from marts.thing"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert (out.returncode, out.stdout.strip()) == (0, "2"), out.stderr


def test_a_corrupt_published_file_is_named_with_what_to_do_and_rebuild_replaces_it(tmp_path, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    published = tmp_path / "tgxh.duckdb"
    published.write_bytes(b"this is not a database" * 1000)
    resource = WarehouseResource(warehouse=str(published), pii_salt="t")
    failed = _build(resource, 1, True, instance)
    assert not failed.success
    message = next(e for e in failed.all_events if e.is_step_failure).step_failure_data.error.message
    assert f"TGXH_WAREHOUSE={published}: the published warehouse cannot be opened" in message
    assert "make rebuild" in message and ".build" not in message
    monkeypatch.setenv("TGXH_REBUILD", "1")
    rebuilt = _build(resource, 1, True, instance)
    assert rebuilt.success
    assert _value(published) == 1 and _builds(published) == [rebuilt.run_id]


def test_a_publication_cut_before_its_end_is_completed_by_the_next_build(tmp_path):
    """Killed between the warehouse's rename and its reports: the next build, with nothing
    new, still publishes, so the reports and exports catch up with the warehouse."""
    instance = dg.DagsterInstance.ephemeral()
    published = tmp_path / "tgxh.duckdb"
    resource = WarehouseResource(warehouse=str(published), pii_salt="t")
    first = _build(resource, 1, True, instance)
    marker = tmp_path / ".tgxh.duckdb.published"
    assert marker.read_text() == first.run_id
    marker.unlink()  # what a kill right after the rename leaves: no completed publication recorded
    again = _build(resource, 1, True, instance)
    assert _builds(published) == [first.run_id, again.run_id]
    assert marker.read_text() == again.run_id
