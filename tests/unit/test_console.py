"""The console of `make run` (`python -m pipelines.cli build`): one line per stage with
counts and time, warnings without Dagster's prefix or Python source lines, no run id, a
progress line on a terminal, and one line and exit status 1 when the build fails."""

import io
import logging
import re
import warnings

import dagster as dg
import pytest

import pipelines.definitions
from pipelines import cli
from pipelines.console import INGEST_LOGGER, BuildConsole

RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class DevWarning(UserWarning):
    pass


@dg.asset(key=["raw", "beneficiaries"], check_specs=[dg.AssetCheckSpec("contract", asset=["raw", "beneficiaries"])])
def beneficiaries(context: dg.AssetExecutionContext):
    warnings.warn("TGXH_PII_SALT is not set", DevWarning, stacklevel=1)
    context.log.warning("2 rows rejected in b01.csv")
    logging.getLogger(INGEST_LOGGER + ".loader").info("beneficiaries/b01.csv: loaded (read 3, loaded 3)")
    return dg.MaterializeResult(
        metadata={"row_count": 1234, "files_loaded": 2, "files_skipped": 1, "files_rejected": 0,
                  "rows_loaded": 5, "rows_rejected": 2},
        check_results=[dg.AssetCheckResult(check_name="contract", passed=True)],
    )


@dg.multi_asset(specs=[dg.AssetSpec(["marts", "a"], deps=[beneficiaries.key]), dg.AssetSpec(["marts", "b"])])
def marts():
    yield dg.MaterializeResult(asset_key=["marts", "a"], metadata={"row_count": 10})
    yield dg.MaterializeResult(asset_key=["marts", "b"], metadata={"row_count": 20})


@dg.asset(key=["warehouse"], deps=[["marts", "a"], ["marts", "b"]])
def publish():
    pass


@dg.asset(key=["marts", "a"], deps=[beneficiaries.key])
def broken_marts():
    raise ValueError("marts.a: column year not found")


def _definitions(*assets) -> dg.Definitions:
    job = dg.define_asset_job(cli.JOB, selection=dg.AssetSelection.all())
    return dg.Definitions(assets=list(assets), jobs=[job], executor=dg.in_process_executor)


@pytest.fixture
def build(monkeypatch, tmp_path, capsys):
    """Run `python -m pipelines.cli build` in this process on a small job; returns
    (exit status, stdout, stderr)."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("TGXH_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("TGXH_WAREHOUSE", str(tmp_path / "w" / "tgxh.duckdb"))
    monkeypatch.setenv("TGXH_PII_SALT", "t")
    (tmp_path / "raw" / "beneficiaries").mkdir(parents=True)
    for name in ("b01.csv", "b02.csv", "b03.csv"):
        (tmp_path / "raw" / "beneficiaries" / name).write_text("x")

    def run(*assets):
        monkeypatch.setattr(pipelines.definitions, "defs", _definitions(*assets))
        status = cli.main(["build"])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_one_line_per_stage_with_its_counts(build):
    status, out, _ = build(beneficiaries, marts, publish)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Building ") and lines[-1].startswith("Published ")
    stages = [line for line in lines if line.startswith("✓ ")]
    assert [line.split()[1] for line in stages] == ["raw/beneficiaries", "marts", "warehouse"]
    assert re.search(r"\d+\.\d s  1,234 rows; files 2 loaded, 1 unchanged, 0 rejected; "
                     r"new rows 5 loaded, 2 rejected; checks 1/1 passed$", stages[0])
    assert stages[1].endswith("2 tables; 30 rows")


def test_warnings_are_one_line_without_prefix_source_or_run_id(build):
    status, out, err = build(beneficiaries, marts, publish)
    assert status == 0
    assert "warning: raw/beneficiaries: 2 rows rejected in b01.csv" in out.splitlines()
    assert err.splitlines() == ["warning: TGXH_PII_SALT is not set"]
    assert not RUN_ID.search(out + err)
    assert "DEBUG" not in out + err and "warnings.warn" not in err and "dagster -" not in out + err


def test_a_failed_build_is_one_line_and_exit_status_1(build):
    status, out, err = build(beneficiaries, broken_marts, publish)
    assert status == 1
    assert [line.split()[:2] for line in out.splitlines() if line[:1] in "✓✗"] == [
        ["✓", "raw/beneficiaries"], ["✗", "marts/a"]]
    assert err.splitlines()[-1].startswith("build failed after ")
    assert err.splitlines()[-1].endswith(
        "nothing published: marts/a: ValueError: marts.a: column year not found")
    assert "Traceback" not in out + err and not RUN_ID.search(out + err)


def test_a_code_location_that_cannot_load_is_one_line(monkeypatch, capsys):
    def broken():
        raise ValueError("dbt_like_sql/marts/x.sql, line 3: unknown header key 'grian'")

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(cli, "_files_in", lambda settings: broken())
    assert cli.main(["build"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "build failed, nothing published: dbt_like_sql/marts/x.sql, line 3: unknown header key 'grian'")


def test_the_progress_line_shows_the_running_step_and_the_files_read_on_a_terminal():
    stream = io.StringIO()
    console = BuildConsole(stream, live=True, files_in={"beneficiaries": 40}.get)
    job = _definitions(beneficiaries).resolve_job_def(cli.JOB)
    start = dg.DagsterEvent(event_type_value="STEP_START", job_name=job.name, step_key="raw__beneficiaries")
    console._event(start)
    for n in range(3):
        console._file_read(logging.makeLogRecord({"msg": f"beneficiaries/b{n:02}.csv: loaded"}))
    console._file_read(logging.makeLogRecord({"msg": "facilities/f01.csv: loaded"}))  # not this step's
    console.emit(logging.makeLogRecord({"msg": "beneficiaries/b09.csv: read twice", "levelno": logging.WARNING}))
    assert stream.getvalue().startswith("warning: beneficiaries/b09.csv: read twice\n")
    assert re.search(r"raw/beneficiaries  3/40 files  \d+ s$", stream.getvalue())
    console.stop()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_without_a_terminal_no_progress_line_is_drawn():
    stream = io.StringIO()
    console = BuildConsole(stream, live=False)
    console._event(dg.DagsterEvent(event_type_value="STEP_START", job_name="j", step_key="raw__training"))
    console.write("warning: something")
    assert stream.getvalue() == "warning: something\n"


def test_summary_still_answers(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TGXH_WAREHOUSE", str(tmp_path / "none.duckdb"))
    assert cli.main(["summary"]) == 1
    assert "No published warehouse" in capsys.readouterr().err
