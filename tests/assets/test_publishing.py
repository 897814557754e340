"""Atomic publishing: a build writes a working file and publishes it by rename only when
every blocking check passed; a failed or killed build leaves the published file as it was."""


import hashlib

import dagster as dg
import duckdb

from assets.reports import build_publish_asset
from pipelines.resources import WarehouseResource


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
    # Working files of finished runs are gone: nothing is left to clean by hand.
    assert list((tmp_path / "w" / ".build").iterdir()) == []


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
