"""Run-history retention: Dagster keeps every run and its event log (about 1.5 MB per build)
for ever, and its instance settings only purge sensor and schedule ticks. The
``run_history_retention`` sensor deletes finished runs (with their events and captured
logs) older than ``TGXH_RUN_HISTORY_DAYS`` days (default 90), read when it runs. The
warehouse's own record of builds (``audit.builds``) is not touched."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import dagster as dg

DEFAULT_DAYS = 90
BATCH = 200
"""Runs deleted per evaluation at most, so a long backlog is cleared over several ticks."""
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def retention_days(environ: Mapping[str, str] | None = None) -> int:
    """``TGXH_RUN_HISTORY_DAYS``: a whole number of days, at least 1."""
    env = os.environ if environ is None else environ
    text = (env.get("TGXH_RUN_HISTORY_DAYS") or "").strip() or str(DEFAULT_DAYS)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"TGXH_RUN_HISTORY_DAYS={text!r}: expected a whole number of days, at least 1")
    return int(text)


def delete_old_runs(instance: dg.DagsterInstance, days: int, now: datetime | None = None) -> list[str]:
    """Delete up to ``BATCH`` finished runs created more than ``days`` days before ``now``,
    their event logs and captured logs; return their ids."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=FINISHED, created_before=cutoff), limit=BATCH, ascending=True
    )
    deleted = []
    for record in records:
        run_id = record.dagster_run.run_id
        instance.delete_run(run_id)
        instance.compute_log_manager.delete_logs(prefix=[run_id])
        deleted.append(run_id)
    return deleted


@dg.sensor(
    name="run_history_retention",
    minimum_interval_seconds=6 * 3600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Deletes finished runs older than TGXH_RUN_HISTORY_DAYS days (default 90) from "
    "Dagster's history, with their event and captured logs.",
)
def run_history_retention(context: dg.SensorEvaluationContext):
    days = retention_days()
    deleted = delete_old_runs(context.instance, days)
    return dg.SkipReason(f"deleted {len(deleted)} finished runs older than {days} days")
