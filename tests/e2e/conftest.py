"""What the end-to-end tests that run Dagster's own processes share: a Dagster home with
the shipped instance settings, and commands started in process groups of their own that
are always stopped, children included, when the test ends."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT


@pytest.fixture(scope="module")
def dagster_home(tmp_path_factory) -> Path:
    """An empty DAGSTER_HOME holding the shipped pipelines/dagster.yaml (one run at a
    time, run monitoring), as `make dev` and the daemon use it."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copyfile(PROJECT_ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def process_group():
    """``start(args, grace=..., **popen_args)`` runs a command as the leader of a new
    process group (a daemon or webserver starts children of its own). At the end of the
    test every group started is sent SIGTERM, then SIGKILL if its leader has not exited
    ``grace`` seconds later."""
    started: list[tuple[subprocess.Popen, float]] = []

    def start(args: list[str], grace: float, **popen_args) -> subprocess.Popen:
        proc = subprocess.Popen(args, start_new_session=True, **popen_args)
        started.append((proc, grace))
        return proc

    yield start
    for proc, grace in reversed(started):
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
