"""The nightly schedule and the raw-file sensor."""

import os

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.schedules import nightly_build
from pipelines.sensors import raw_files_sensor


def test_nightly_build_at_two_in_vietnam():
    assert nightly_build.cron_schedule == "0 2 * * *"
    assert nightly_build.execution_timezone == "Asia/Ho_Chi_Minh"
    assert nightly_build.job_name == "build_warehouse"


def _tick(instance, resource, cursor):
    # opened as a context manager, as the daemon does (resources are set up and torn down)
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": resource}) as context:
        result = raw_files_sensor(context)
        return result, context.cursor


def test_sensor_requests_a_run_when_a_file_is_added_or_changed(tmp_path):
    raw = tmp_path / "raw"
    for source in ("beneficiaries", "facilities", "training"):
        (raw / source).mkdir(parents=True)
    (raw / "beneficiaries" / "2024_camau.csv").write_text("province,year\n")
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(raw), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")

    first, cursor = _tick(instance, resource, None)
    assert isinstance(first, dg.RunRequest)

    unchanged, cursor2 = _tick(instance, resource, cursor)
    assert isinstance(unchanged, dg.SkipReason)
    assert cursor2 == cursor

    (raw / "training" / "2025_laocai.xlsx").write_bytes(b"new file")
    added, cursor3 = _tick(instance, resource, cursor)
    assert isinstance(added, dg.RunRequest)
    assert "training/2025_laocai.xlsx" in added.tags["tgxh/changed_files"]

    target = raw / "beneficiaries" / "2024_camau.csv"
    target.write_text("province,year\nCà Mau,2024\n")
    os.utime(target, ns=(1, 1))
    changed, _ = _tick(instance, resource, cursor3)
    assert isinstance(changed, dg.RunRequest)
    assert changed.tags["tgxh/changed_files"] == "beneficiaries/2024_camau.csv"
    assert changed.run_key != added.run_key


def test_sensor_skips_when_nothing_landed(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(tmp_path / "empty"), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")
    result, _ = _tick(instance, resource, None)
    assert isinstance(result, dg.SkipReason)
