"""deploy/: the services, their settings and the instance load as a server would run them,
in a temporary DAGSTER_HOME (nothing outside tmp_path is written)."""

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.config import PROJECT_ROOT
from pipelines.run_history import delete_old_runs, retention_days

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = ("tgxh-dagster-daemon.service", "tgxh-dagster-webserver.service")
SHARED_SETTINGS = ("concurrency", "telemetry", "nux", "retention")


def _env_template() -> dict[str, str]:
    lines = (DEPLOY / "tgxh.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(DEPLOY / "systemd" / name)
    return unit


@pytest.fixture
def home(tmp_path):
    """A DAGSTER_HOME holding deploy/dagster.yaml, as the install steps make it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
    return home


def test_the_services_run_the_daemon_and_the_ui_with_the_deploy_workspace_and_env_file():
    commands = {}
    for name in UNITS:
        service = _unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/tgxh/tgxh.env"
        argv = shlex.split(service["ExecStart"])
        assert argv[argv.index("-w") + 1] == f"{service['WorkingDirectory']}/deploy/workspace.yaml"
        assert Path(argv[0]).name in os.listdir(Path(sys.executable).parent), argv[0]  # installed in the venv
        commands[Path(argv[0]).name] = argv
    assert commands["dagster-daemon"][1] == "run"
    webserver = commands["dagster-webserver"]
    assert webserver[webserver.index("-h") + 1] == "127.0.0.1"


def test_the_env_template_sets_dagster_home_outside_the_checkout_and_every_setting():
    env = _env_template()
    assert {"DAGSTER_HOME", "TGXH_RAW_DIR", "TGXH_WAREHOUSE", "TGXH_REPORTS_DIR", "TGXH_PII_SALT",
            "TGXH_RUN_HISTORY_DAYS", "TGXH_ALERT_WEBHOOK", "TGXH_SMTP_HOST", "TGXH_SMTP_FROM", "TGXH_SMTP_TO"} <= set(env)
    checkout = _unit(UNITS[0])["Service"]["WorkingDirectory"]
    assert not env["DAGSTER_HOME"].startswith(checkout)
    for name in UNITS:  # the services may write there
        assert env["DAGSTER_HOME"].startswith(tuple(_unit(name)["Service"]["ReadWritePaths"].split()))


def test_the_instance_settings_load_with_monitoring_one_run_at_a_time_and_no_telemetry_or_nux(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert not instance.telemetry_enabled
        assert not instance.nux_enabled
        assert instance.python_log_level == "INFO"
        sensor_days = instance.get_settings("retention")["sensor"]["purge_after_days"]
        assert sensor_days and all(days > 0 for days in sensor_days.values())


def test_the_development_instance_settings_load(tmp_path):
    shutil.copy(PROJECT_ROOT / "pipelines" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert not instance.nux_enabled and not instance.telemetry_enabled
        assert instance.get_settings("retention")["schedule"]["purge_after_days"] > 0


def test_development_and_production_instances_share_their_settings():
    development = yaml.safe_load((PROJECT_ROOT / "pipelines" / "dagster.yaml").read_text())
    production = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    assert {k: development.get(k) for k in SHARED_SETTINGS} == {k: production.get(k) for k in SHARED_SETTINGS}


def test_the_daemon_loads_the_workspace(home, tmp_path):
    """`dagster definitions validate` loads the code location through deploy/workspace.yaml
    with the instance of DAGSTER_HOME and the settings of the env file, from the checkout
    (the services' WorkingDirectory), as the daemon does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGXH_")}
    env.update({k: v for k, v in _env_template().items() if v})
    env.update(DAGSTER_HOME=str(home), TGXH_RAW_DIR=str(tmp_path / "raw"), TGXH_PII_SALT="deploy-test-salt",
               TGXH_WAREHOUSE=str(tmp_path / "w" / "tgxh.duckdb"), TGXH_REPORTS_DIR=str(tmp_path / "reports"))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", str(DEPLOY / "workspace.yaml")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "tgxh" in output and "Validation successful" in output
    assert "TGXH_PII_SALT is not set" not in output


def test_run_history_retention_deletes_finished_runs_older_than_the_setting(tmp_path):
    @dg.op
    def noop():
        pass

    @dg.job
    def night():
        noop()

    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        runs = [night.execute_in_process(instance=instance).run_id for _ in range(2)]
        assert delete_old_runs(instance, days=90) == []
        assert delete_old_runs(instance, days=90, now=datetime.now(UTC) + timedelta(days=91)) == runs
        assert instance.get_runs() == [] and instance.all_logs(runs[0]) == []


@pytest.mark.parametrize("value", ["0", "-3", "a week"])
def test_a_wrong_retention_setting_is_named_with_its_value(value):
    with pytest.raises(ValueError, match=f"^TGXH_RUN_HISTORY_DAYS={value!r}: expected a whole number"):
        retention_days({"TGXH_RUN_HISTORY_DAYS": value})
