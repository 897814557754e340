"""Configuration (docs/contract.md §1): defaults, environment overrides, read at run time."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest

from pipelines.config import (
    DEV_PII_SALT,
    PROJECT_ROOT,
    ConfigError,
    DevSaltWarning,
    Settings,
    _warn_dev_salt,
    check,
)
from pipelines.resources import WarehouseResource


def test_defaults_are_the_contract_paths_under_the_project():
    _warn_dev_salt.cache_clear()  # the warning is given once per process
    with pytest.warns(DevSaltWarning):
        s = Settings.from_env(environ={})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ... and not again
        Settings.from_env(environ={})
    assert s.raw_dir == PROJECT_ROOT / "data" / "raw"
    assert s.warehouse == PROJECT_ROOT / "data" / "warehouse" / "tgxh.duckdb"
    assert s.reports_dir == PROJECT_ROOT / "data" / "reports"
    assert s.pii_salt == DEV_PII_SALT


def test_environment_overrides_defaults(tmp_path):
    env = {"TGXH_RAW_DIR": str(tmp_path / "raw"), "TGXH_WAREHOUSE": str(tmp_path / "w.duckdb"), "TGXH_PII_SALT": "s3cret"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a real salt gives no warning
        s = Settings.from_env(environ=env)
    assert (s.raw_dir, s.warehouse, s.pii_salt) == (tmp_path / "raw", tmp_path / "w.duckdb", "s3cret")


def test_relative_paths_are_resolved_against_the_project():
    s = Settings.from_env(environ={"TGXH_RAW_DIR": "elsewhere/raw", "TGXH_PII_SALT": "x"})
    assert s.raw_dir == PROJECT_ROOT / "elsewhere" / "raw"


def test_explicit_values_win_over_environment(tmp_path):
    s = Settings.from_env(raw_dir=str(tmp_path), environ={"TGXH_RAW_DIR": "/nope", "TGXH_PII_SALT": "x"})
    assert s.raw_dir == tmp_path


def test_resource_reads_environment_when_used_not_when_imported(tmp_path, monkeypatch):
    import pipelines.definitions as definitions  # importing must not freeze the configuration

    monkeypatch.setenv("TGXH_WAREHOUSE", str(tmp_path / "late.duckdb"))
    monkeypatch.setenv("TGXH_PII_SALT", "late-salt")
    resource = definitions.defs.resources["warehouse"]
    assert isinstance(resource, WarehouseResource)
    assert resource.settings().warehouse == tmp_path / "late.duckdb"
    assert resource.settings().pii_salt == "late-salt"


# --- configurations that cannot be right: one line, the variable, its value, the problem ---


def _precheck(env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m pipelines.config`` as ``make run`` calls it before the build."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TGXH_")}
    return subprocess.run([sys.executable, "-m", "pipelines.config"], cwd=PROJECT_ROOT, env={**full, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def _raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / "training").mkdir(parents=True)
    return raw


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "TGXH_RAW_DIR={raw}: no such folder"),
        ("file", "TGXH_RAW_DIR={raw}: not a folder"),
        ("empty", "TGXH_RAW_DIR={raw}: holds none of the source folders beneficiaries/, facilities/, training/"),
    ],
)
def test_a_raw_folder_that_cannot_be_right_is_one_line(tmp_path, case, expected):
    raw = tmp_path / "raw"
    if case == "file":
        raw.write_text("x")
    elif case == "empty":
        (raw / "Beneficiaries_old").mkdir(parents=True)
    warehouse = tmp_path / "w.duckdb"
    out = _precheck({"TGXH_RAW_DIR": str(raw), "TGXH_WAREHOUSE": str(warehouse)})
    assert out.returncode == 2
    assert out.stderr == f"error: {expected.format(raw=raw)}\n"
    assert not warehouse.exists()


def test_a_warehouse_folder_that_cannot_be_written_is_one_line(tmp_path):
    raw = _raw(tmp_path)
    cases = {
        "/proc/x.duckdb": "TGXH_WAREHOUSE=/proc/x.duckdb: its folder /proc is not writable",
        str(tmp_path / "no" / "such" / "w.duckdb"): f"TGXH_WAREHOUSE={tmp_path}/no/such/w.duckdb: its folder "
        f"{tmp_path}/no/such does not exist",
        str(tmp_path): f"TGXH_WAREHOUSE={tmp_path}: is a folder, not a file",
    }
    for value, expected in cases.items():
        out = _precheck({"TGXH_RAW_DIR": str(raw), "TGXH_WAREHOUSE": value})
        assert out.returncode == 2, value
        assert out.stderr.startswith(f"error: {expected}") and out.stderr.count("\n") == 1, out.stderr
    assert not (tmp_path / "no").exists()


def test_a_good_configuration_passes_and_creates_the_warehouse_folder(tmp_path):
    raw = _raw(tmp_path)
    out = _precheck({"TGXH_RAW_DIR": str(raw), "TGXH_WAREHOUSE": str(tmp_path / "w" / "tgxh.duckdb")})
    assert (out.returncode, out.stderr) == (0, "")
    assert (tmp_path / "w").is_dir()


def test_a_corrupt_published_warehouse_is_named_with_what_to_do(tmp_path):
    raw = _raw(tmp_path)
    warehouse = tmp_path / "tgxh.duckdb"
    warehouse.write_bytes(b"garbage" * 1000)
    out = _precheck({"TGXH_RAW_DIR": str(raw), "TGXH_WAREHOUSE": str(warehouse)})
    assert out.returncode == 2
    assert out.stderr.startswith(f"error: TGXH_WAREHOUSE={warehouse}: the published warehouse cannot be opened (")
    assert out.stderr.rstrip().endswith("rebuild it from the raw folder with `make rebuild`")
    rebuild = _precheck({"TGXH_RAW_DIR": str(raw), "TGXH_WAREHOUSE": str(warehouse), "TGXH_REBUILD": "1"})
    assert rebuild.returncode == 0  # a rebuild replaces it


def test_the_checks_raise_config_errors_in_process(tmp_path):
    settings = Settings.from_env(environ={"TGXH_RAW_DIR": str(tmp_path / "nope"), "TGXH_PII_SALT": "x",
                                          "TGXH_WAREHOUSE": str(tmp_path / "w.duckdb")})
    with pytest.raises(ConfigError, match="^TGXH_RAW_DIR=.*nope: no such folder$"):
        check(settings)


def test_flags_are_read_from_the_environment():
    s = Settings.from_env(environ={"TGXH_PII_SALT": "x", "TGXH_WAIT_FOR_BUILD": "1", "TGXH_REBUILD": "yes"})
    assert (s.wait_for_build, s.rebuild) == (True, True)
    s = Settings.from_env(environ={"TGXH_PII_SALT": "x"})
    assert (s.wait_for_build, s.rebuild) == (False, False)


def test_a_build_launched_by_the_daemon_or_the_ui_stops_on_a_bad_raw_folder(tmp_path, monkeypatch):
    """Builds that do not pass through ``make run`` (the daemon, the UI) check the same at
    their first step: the step fails with the one line, nothing is published."""
    import dagster as dg

    from pipelines.definitions import defs

    monkeypatch.setenv("TGXH_RAW_DIR", str(tmp_path / "nonexistent"))
    monkeypatch.setenv("TGXH_WAREHOUSE", str(tmp_path / "w" / "tgxh.duckdb"))
    monkeypatch.setenv("TGXH_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("TGXH_PII_SALT", "x")
    result = defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    failures = [e.step_failure_data.error for e in result.all_events if e.is_step_failure]
    assert failures
    for error in failures:
        assert error.cls_name == "Failure"
        assert error.message.splitlines()[-1].endswith(f"TGXH_RAW_DIR={tmp_path / 'nonexistent'}: no such folder")
    assert not (tmp_path / "w" / "tgxh.duckdb").exists() and not (tmp_path / "reports").exists()
    assert list((tmp_path / "w").iterdir()) == []  # no working file, no lock left


@pytest.mark.parametrize("value", ["ten", "-5", "nan"])
def test_a_settle_time_that_is_not_seconds_is_a_one_line_error(value):
    with pytest.raises(ConfigError, match=rf"^TGXH_SETTLE_SECONDS='{value}': not a number of seconds"):
        Settings.from_env(environ={"TGXH_SETTLE_SECONDS": value, "TGXH_PII_SALT": "s"})
    assert Settings.from_env(environ={"TGXH_SETTLE_SECONDS": "2.5", "TGXH_PII_SALT": "s"}).settle_seconds == 2.5


@pytest.mark.parametrize("value", ["lots", "2 parsecs"])
def test_a_memory_limit_duckdb_cannot_read_is_a_one_line_error(value):
    with pytest.raises(ConfigError, match=rf"^TGXH_MEMORY_LIMIT='{value}': not a memory size DuckDB reads"):
        Settings.from_env(environ={"TGXH_MEMORY_LIMIT": value, "TGXH_PII_SALT": "s"})
    assert Settings.from_env(environ={"TGXH_PII_SALT": "s"}).memory_limit == "2GB"
    assert Settings.from_env(environ={"TGXH_MEMORY_LIMIT": "512MiB", "TGXH_PII_SALT": "s"}).memory_limit == "512MiB"


def test_the_memory_limit_reaches_a_builds_connections(monkeypatch, tmp_path):
    from pipelines.resources import WarehouseResource

    monkeypatch.setenv("TGXH_MEMORY_LIMIT", "700MB")
    resource = WarehouseResource(warehouse=str(tmp_path / "w.duckdb"), pii_salt="s")
    assert resource.duckdb_config("run")["memory_limit"] == "700MB"
    assert WarehouseResource(warehouse=str(tmp_path / "w.duckdb"), pii_salt="s",
                             memory_limit="1GB").duckdb_config("run")["memory_limit"] == "1GB"
