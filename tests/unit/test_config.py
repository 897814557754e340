"""Configuration (CONTRACT §1): defaults, environment overrides, read at run time."""

from __future__ import annotations

import warnings

import pytest

from pipelines.config import DEV_PII_SALT, PROJECT_ROOT, DevSaltWarning, Settings, _warn_dev_salt
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


@pytest.mark.parametrize("value", ["ten", "-5", "nan"])
def test_a_settle_time_that_is_not_seconds_is_a_one_line_error(value):
    from pipelines.config import ConfigError

    with pytest.raises(ConfigError, match=rf"^TGXH_SETTLE_SECONDS='{value}' is not a number of seconds"):
        Settings.from_env(environ={"TGXH_SETTLE_SECONDS": value, "TGXH_PII_SALT": "s"})
    assert Settings.from_env(environ={"TGXH_SETTLE_SECONDS": "2.5", "TGXH_PII_SALT": "s"}).settle_seconds == 2.5
