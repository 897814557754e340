"""Sensors: a build starts when a raw file is added or changed."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from pipelines.config import SOURCES
from pipelines.jobs import build_warehouse
from pipelines.resources import WarehouseResource


def raw_files_state(warehouse: WarehouseResource) -> dict[str, list[int]]:
    """Every file of the landing folders with its size and modification time (ns)."""
    settings = warehouse.settings()
    state: dict[str, list[int]] = {}
    for source in SOURCES:
        folder = settings.source_dir(source)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                state[f"{source}/{path.name}"] = [stat.st_size, stat.st_mtime_ns]
    return state


@dg.sensor(
    name="raw_files_sensor",
    job=build_warehouse,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a build when a file is added to or changed in a raw landing folder.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    """Compare the landing folders with the state seen last time (the cursor)."""
    state = raw_files_state(warehouse)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(name for name, sig in state.items() if previous.get(name) != sig)
    if not changed:
        return dg.SkipReason("no raw file added or changed")
    context.update_cursor(json.dumps(state, sort_keys=True))
    run_key = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key,
        tags={"tgxh/changed_files": ", ".join(changed)[:1000]},
    )
