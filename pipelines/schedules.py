"""Schedules: the nightly build."""

import dagster as dg

from pipelines.jobs import build_warehouse

nightly_build = dg.ScheduleDefinition(
    name="nightly_build",
    job=build_warehouse,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild and publish the warehouse every night at 02:00 (Vietnam time).",
)
