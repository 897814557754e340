"""A crash never blocks the nights after it: under a real Dagster daemon with the shipped
instance settings (pipelines/dagster.yaml: one run at a time, run monitoring), a
sensor-launched build whose process group is killed with SIGKILL is marked failed, and
the sensor's next build publishes. Then the sensor launches nothing more: the published
warehouse matches the raw folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import PROJECT_ROOT

TIMEOUT = 240  # seconds to wait for each event on a loaded machine (a bound, not a measure)


def _wait_for(predicate, what: str, daemon: subprocess.Popen):
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = predicate()
        if value:
            return value
        assert daemon.poll() is None, "the daemon exited"
        assert time.monotonic() < deadline, f"timed out waiting for {what}: " + (
            Path(daemon.args[-1]).parent / "daemon.log").read_text()[-3000:]
        time.sleep(0.5)


def test_a_killed_sensor_run_is_failed_and_the_next_build_publishes(tmp_path, dagster_home, process_group):
    home, raw, gate = dagster_home, tmp_path / "raw", tmp_path / "gate"
    (tmp_path / "w").mkdir()
    (raw / "training").mkdir(parents=True)
    (raw / "training" / "2025.csv").write_text("person_id,course\n1,a\n", encoding="utf-8")
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_file:\n"
        f"      relative_path: {PROJECT_ROOT / 'tests' / 'fixtures' / 'daemon' / 'location.py'}\n"
        f"      working_directory: {PROJECT_ROOT}\n"
    )
    warehouse = tmp_path / "w" / "tgxh.duckdb"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TGXH_")},
           "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT), "TGXH_RAW_DIR": str(raw),
           "TGXH_WAREHOUSE": str(warehouse), "TGXH_PII_SALT": "t", "TGXH_TEST_GATE": str(gate)}
    log = open(tmp_path / "daemon.log", "w")  # noqa: SIM115 - closed at the end of the test
    daemon = process_group(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(workspace)],
        grace=60, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        marker = _wait_for(lambda: next(iter(tmp_path.glob("gate.*")), None), "the sensor's first build", daemon)
        killed_run = marker.name.split(".", 1)[1]
        pid, pgid = map(int, marker.read_text().split())
        # Dagster's default run launcher starts the run worker in the daemon's process
        # group: kill the worker's own group when it has one, else the worker alone
        if pgid in (os.getpgid(0), os.getpgid(daemon.pid)):
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(pgid, signal.SIGKILL)
        gate.touch()  # the next build goes through

        def succeeded():
            runs = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
            return runs[0] if runs else None

        good = _wait_for(succeeded, "a later build to succeed", daemon)
        assert instance.get_run_by_id(killed_run).status == dg.DagsterRunStatus.FAILURE
        assert good.tags["tgxh/raw_dir"] == str(raw) and good.tags["tgxh/warehouse"] == str(warehouse)
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            assert con.execute("select build_id from audit.builds").fetchall() == [(good.run_id,)]
        finally:
            con.close()

        # the folder now matches the publication: the sensor's later ticks launch nothing
        def skipped_after_success():
            state = next(s for s in instance.all_instigator_state() if s.name == "raw_files_sensor")
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
            return ticks and ticks[0].status.value == "SKIPPED" and ticks[0].timestamp > good_end

        good_end = instance.get_run_record_by_id(good.run_id).end_time
        _wait_for(skipped_after_success, "a sensor tick after the build", daemon)
        assert len(instance.get_runs()) == 2
    finally:
        gate.touch()  # a build still waiting goes through; the daemon is stopped by process_group
        log.close()
        instance.dispose()
