"""One build at a time per warehouse (docs/contract.md §1), with real processes: a second
build stops at once naming the running one, or waits for it when asked, and then builds
on the publication it waited for (the slower build never publishes over the newer one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines.config import PROJECT_ROOT

WORKER = r"""
import json, os, sys, time
from pathlib import Path
import dagster as dg
from assets.reports import build_publish_asset
from pipelines.resources import WarehouseResource

value, gate = int(sys.argv[1]), sys.argv[2]

@dg.asset(key=["marts", "thing"])
def thing(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect(context) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.thing as select ? as v", [value])
    if gate:
        Path(gate + ".started").write_text(context.run_id)
        deadline = time.monotonic() + 300
        while not Path(gate).exists() and time.monotonic() < deadline:
            time.sleep(0.05)

result = dg.materialize([thing, build_publish_asset([dg.AssetKey(["marts", "thing"])])],
                        resources={"warehouse": WarehouseResource()}, raise_on_error=False)
failures = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
print("RESULT " + json.dumps({"run_id": result.run_id, "success": result.success, "failures": failures}), flush=True)
sys.exit(0 if result.success else 1)
"""
TIMEOUT = 300  # seconds any one process may take on a loaded machine (a bound, not a measure)


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TGXH_")}
    return {**base, "PYTHONPATH": str(PROJECT_ROOT), "TGXH_WAREHOUSE": str(tmp / "w" / "tgxh.duckdb"),
            "TGXH_RAW_DIR": str(tmp / "raw"), "TGXH_PII_SALT": "t", "DAGSTER_HOME": str(tmp / "home"), **extra}


def _start(tmp: Path, value: int, gate: str = "", **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(value), gate], cwd=PROJECT_ROOT,
                            env=_env(tmp, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen) -> tuple[int, dict, str]:
    out, err = proc.communicate(timeout=TIMEOUT)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert lines, err[-3000:]
    return proc.returncode, json.loads(lines[-1][len("RESULT "):]), err


def _wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_second_build_stops_naming_the_running_one_or_waits_for_it(tmp_path):
    (tmp_path / "raw" / "training").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    (tmp_path / "w").mkdir()
    gate = str(tmp_path / "go")
    slow = _start(tmp_path, 1, gate)
    try:
        _wait_for(lambda: Path(gate + ".started").exists() or slow.poll() is not None, "the slow build to start")
        assert slow.poll() is None, slow.communicate()
        slow_id = Path(gate + ".started").read_text()

        # a second build (the UI, the daemon) stops at once, naming the running build
        code, second, _ = _result(_start(tmp_path, 2))
        assert code == 1 and not second["success"]
        assert any(f"build {slow_id} (started 20" in m and "TGXH_WAIT_FOR_BUILD=1" in m for m in second["failures"])
        # make run's pre-check says the same in one line
        pre = subprocess.run([sys.executable, "-m", "pipelines.config"], cwd=PROJECT_ROOT, env=_env(tmp_path),
                             capture_output=True, text=True, timeout=TIMEOUT, check=False)
        assert pre.returncode == 2 and pre.stderr.count("\n") == 1
        assert pre.stderr.startswith(f"error: build {slow_id} (started 20")

        # asked to wait, a third build waits, then builds on the slow build's publication
        waiting = _start(tmp_path, 3, TGXH_WAIT_FOR_BUILD="1")
        lines: list[str] = []
        _wait_for(lambda: lines.append(waiting.stderr.readline()) or f"waiting for build {slow_id}" in lines[-1],
                  "the third build to wait")
        assert not (tmp_path / "w" / "tgxh.duckdb").exists()  # nothing published while both wait
        Path(gate).touch()
        code, slow_result, _ = _result(slow)
        assert (code, slow_result["success"]) == (0, True)
        code, third, _ = _result(waiting)
        assert (code, third["success"]) == (0, True), third
    finally:
        Path(gate).touch()
        for proc in (slow,):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    con = duckdb.connect(str(tmp_path / "w" / "tgxh.duckdb"), read_only=True)
    try:
        value = con.execute("select v from marts.thing").fetchone()[0]
        builds = [b for (b,) in con.execute("select build_id from audit.builds order by published_at").fetchall()]
    finally:
        con.close()
    assert value == 3 and builds == [slow_id, third["run_id"]]
