"""Former home of the build state, now ``pipelines/sql/state.py``. Re-exports the names
other modules still import from here; new code imports from that module."""

from pipelines.sql.state import (
    Action,
    Inputs,
    ensure_state_tables,
    plan_build,
    record_build,
)

SKIP = Action.SKIP

__all__ = ["SKIP", "Inputs", "ensure_state_tables", "plan_build", "record_build"]
