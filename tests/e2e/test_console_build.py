"""`make run`'s build command on the shipped sample, as the Makefile runs it: a process of
its own, its console read back."""

import os
import re
import subprocess
import sys

from pipelines.config import PROJECT_ROOT

RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_make_runs_build_prints_a_line_per_stage_and_publishes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGXH_", "DAGSTER_HOME"))}
    env.update(TGXH_RAW_DIR=str(PROJECT_ROOT / "data" / "raw"), TGXH_WAREHOUSE=str(tmp_path / "w" / "tgxh.duckdb"),
               TGXH_REPORTS_DIR=str(tmp_path / "reports"))
    (tmp_path / "w").mkdir()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "build"], cwd=PROJECT_ROOT, env=env,
                          check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Building {tmp_path / 'w' / 'tgxh.duckdb'} from {PROJECT_ROOT / 'data' / 'raw'}"
    assert lines[-1].startswith(f"Published {tmp_path / 'w' / 'tgxh.duckdb'} in ")
    stages = lines[1:-1]
    assert stages and all(re.match(r"(✓ \S+ +\d+\.\d s|warning: )", line) for line in stages), stages
    assert {"raw/beneficiaries", "raw/facilities", "raw/training", "warehouse"} <= {
        line.split()[1] for line in stages if line.startswith("✓")}
    # the development salt is in use: said once, in one line, without Python's source line
    assert done.stderr.splitlines() == [
        "warning: TGXH_PII_SALT is not set: using the fixed development salt; set a secret salt for real personal data"]
    assert not RUN_ID.search(done.stdout + done.stderr)
    assert (tmp_path / "w" / "tgxh.duckdb").exists()
    # `make run` then prints the summary: the data and build dates before the scorecards' status table
    summary = subprocess.run([sys.executable, "-m", "pipelines.cli", "summary"], cwd=PROJECT_ROOT, env=env,
                             check=False, capture_output=True, text=True, timeout=300)
    assert summary.returncode == 0, summary.stderr
    # the sample's data run to September 2026 (rosters and the ratios counted on them are whole years)
    assert "Số liệu đến tháng 9/2026" in summary.stdout, summary.stdout
    assert "Đạt" in summary.stdout and "Không đạt" in summary.stdout, summary.stdout
    # every scorecard published with the build is named (the PDF only where Chromium printed it)
    reports = tmp_path / "reports"
    published = sorted(p.name for p in reports.iterdir())
    assert {"scorecard.xlsx", "scorecard.html"} <= set(published)
    named = [line.split()[-1] for line in summary.stdout.splitlines()[:6] if line.strip().endswith(tuple(published))]
    assert named == [str(reports / f"scorecard.{kind}") for kind in ("xlsx", "html", "pdf") if f"scorecard.{kind}" in published]
