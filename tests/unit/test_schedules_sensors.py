"""The nightly schedule and the raw-file sensor."""

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


def _publish(resource, instance):
    """A real build of the ingest assets, published: the ledger the sensor compares with."""
    from assets.ingest import ingest_assets
    from assets.reports import build_publish_asset

    keys = [k for a in ingest_assets for k in a.keys]
    result = dg.materialize([*ingest_assets, build_publish_asset(keys)], resources={"warehouse": resource},
                            instance=instance, raise_on_error=False)
    assert result.success
    return result.run_id


def _folder(tmp_path):
    raw = tmp_path / "raw"
    for source in ("beneficiaries", "facilities", "training"):
        (raw / source).mkdir(parents=True)
    (raw / "beneficiaries" / "2024_camau.csv").write_text(
        "province,year,group,in_difficulty,served\nCà Mau,2024,elderly,100,50\n", encoding="utf-8")
    return raw


def test_sensor_follows_the_published_ledger_not_its_own_memory(tmp_path):
    raw = _folder(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(raw), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")

    # nothing published yet: a build is requested, with the folder and warehouse as tags
    first, cursor = _tick(instance, resource, None)
    assert isinstance(first, dg.RunRequest)
    assert first.tags["tgxh/raw_dir"] == str(raw) and first.tags["tgxh/warehouse"] == str(tmp_path / "w.duckdb")
    # that build failed or was killed (nothing published): the next tick asks again
    instance.add_run(dg.DagsterRun(job_name="build_warehouse", tags=first.tags, status=dg.DagsterRunStatus.FAILURE))
    again, cursor = _tick(instance, resource, cursor)
    assert isinstance(again, dg.RunRequest) and again.run_key != first.run_key

    build_id = _publish(resource, instance)
    # a daemon started on a warehouse that matches its folder launches nothing, first tick included
    for c in (None, cursor):
        skipped, cursor = _tick(instance, resource, c)
        assert isinstance(skipped, dg.SkipReason) and build_id in skipped.skip_message

    # uploads in progress are not a change
    for name in (".2025.csv", "~$2025.xlsx", "2025.csv.part", "2025.tmp", "2025.xlsx.crdownload", "x.partial"):
        (raw / "training" / name).write_bytes(b"half")
    uploads, cursor = _tick(instance, resource, cursor)
    assert isinstance(uploads, dg.SkipReason), uploads.tags

    # a file changed (same size and name, other bytes), added, or removed: a build each
    target = raw / "beneficiaries" / "2024_camau.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("100,50", "100,60"), encoding="utf-8")
    changed, cursor = _tick(instance, resource, cursor)
    assert isinstance(changed, dg.RunRequest)
    assert changed.tags["tgxh/changed_files"] == "beneficiaries/2024_camau.csv"
    _publish(resource, instance)
    published, cursor = _tick(instance, resource, cursor)
    assert isinstance(published, dg.SkipReason), published.tags
    target.unlink()
    removed, cursor = _tick(instance, resource, cursor)
    assert isinstance(removed, dg.RunRequest) and removed.tags["tgxh/changed_files"] == "beneficiaries/2024_camau.csv"


def test_sensor_retries_a_failing_folder_a_few_times_then_waits_for_a_change(tmp_path):
    from pipelines.sensors import MAX_ATTEMPTS

    raw = _folder(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(raw), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")
    keys = []
    for _ in range(MAX_ATTEMPTS):
        request, _ = _tick(instance, resource, None)
        assert isinstance(request, dg.RunRequest)
        keys.append(request.run_key)
        # the requested build ran and failed
        instance.add_run(dg.DagsterRun(job_name="build_warehouse", tags=request.tags,
                                       status=dg.DagsterRunStatus.FAILURE))
    assert len(set(keys)) == MAX_ATTEMPTS
    stopped, _ = _tick(instance, resource, None)
    assert isinstance(stopped, dg.SkipReason) and "did not publish" in stopped.skip_message
    (raw / "training" / "2025.csv").write_text("x\n")  # a fix lands: a build again
    assert isinstance(_tick(instance, resource, None)[0], dg.RunRequest)


def test_sensor_waits_while_a_build_is_in_progress(tmp_path):
    raw = _folder(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(raw), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")
    instance.add_run(dg.DagsterRun(job_name="build_warehouse", status=dg.DagsterRunStatus.STARTED))
    result, _ = _tick(instance, resource, None)
    assert isinstance(result, dg.SkipReason) and "in progress" in result.skip_message


def test_sensor_skips_a_raw_folder_that_cannot_be_right(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(raw_dir=str(tmp_path / "empty"), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")
    result, _ = _tick(instance, resource, None)
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message == f"TGXH_RAW_DIR={tmp_path / 'empty'}: no such folder"
