"""The console of ``make run``: one line per stage of the build, from the run's event stream.

``BuildConsole`` is a Dagster logger: it receives every event of the run (step started,
table materialised, check evaluated, step succeeded or failed) and prints, when a step
ends, one line with what it produced (tables, rows, files, checks) and how long it took.
Warnings are printed as ``warning: <message>``, without Dagster's prefix (time, job, run
id, step) or Python source lines. On a terminal a status line under the last stage shows
the step running and for how long, with the files read so far while a landing folder is
ingested; redirected to a file or a pipe, only the stage lines are written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

from pipelines.alerts import root_cause

INGEST_LOGGER = "pipelines.ingest"
"""The ingestion library logs one INFO record per file read, ``<source>/<file name>: ...``."""
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
FILE_COUNTS = (("files_loaded", "loaded"), ("files_skipped", "unchanged"), ("files_rejected", "rejected"))
ROW_COUNTS = (("rows_loaded", "loaded"), ("rows_rejected", "rejected"))
LABEL_WIDTH = 44


@dataclass
class Stage:
    """What one step of the run did so far."""

    label: str
    started: float
    tables: list[str] = field(default_factory=list)
    rows: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    files_read: int = 0

    def summary(self) -> str:
        """The stage's results: tables and rows, files read, checks."""
        parts = []
        if len(self.tables) > 1:
            parts.append(f"{len(self.tables)} tables")
        if self.rows is not None:
            parts.append(f"{self.rows:,} rows")
        if any(key in self.counts for key, _ in FILE_COUNTS):
            parts.append("files " + ", ".join(f"{self.counts.get(k, 0):,} {word}" for k, word in FILE_COUNTS))
        if any(key in self.counts for key, _ in ROW_COUNTS):
            parts.append("new rows " + ", ".join(f"{self.counts.get(k, 0):,} {word}" for k, word in ROW_COUNTS))
        total = self.checks_passed + len(self.checks_failed)
        if total:
            parts.append(f"checks {self.checks_passed}/{total} passed"
                         + (f" (failed: {', '.join(self.checks_failed)})" if self.checks_failed else ""))
        return "; ".join(parts)


def _label(step_key: str) -> str:
    return step_key.replace("__", "/")


def _seconds(seconds: float) -> str:
    return f"{seconds:6.1f} s" if seconds < 600 else f"{seconds / 60:5.1f} min"


class BuildConsole(logging.Handler):
    """Turns the records of a run into stage lines (see the module docstring).

    ``files_in`` gives, for a source folder name, how many files it holds (the total of the
    ingestion progress); ``live`` shows the status line (on a terminal)."""

    def __init__(self, stream: TextIO, live: bool, files_in: Callable[[str], int] = lambda source: 0):
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.live = live
        self.files_in = files_in
        self.stages: dict[str, Stage] = {}
        self.running: str | None = None
        self.failures: list[str] = []
        self._lock = threading.RLock()
        self._status_shown = False
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- output -----------------------------------------------------------------------
    def write(self, line: str) -> None:
        """Print a line (above the status line, which is redrawn)."""
        with self._lock:
            self._clear_status()
            self.stream.write(line + "\n")
            self._draw_status()
            self.stream.flush()

    def _clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False

    def _draw_status(self) -> None:
        stage = self.stages.get(self.running) if self.running else None
        if not self.live or stage is None:
            return
        elapsed = time.monotonic() - stage.started
        spin = SPINNER[int(elapsed * 4) % len(SPINNER)]
        progress = ""
        if stage.files_read:
            source = stage.label.rsplit("/", 1)[-1]
            total = self.files_in(source)
            progress = f"  {stage.files_read:,}/{total:,} files" if total >= stage.files_read else f"  {stage.files_read:,} files"
        self.stream.write(f"  {spin} {stage.label}{progress}  {elapsed:.0f} s")
        self._status_shown = True

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                self._clear_status()
                self._draw_status()
                self.stream.flush()

    def start(self) -> None:
        if self.live:
            self._ticker = threading.Thread(target=self._tick, name="build-console", daemon=True)
            self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            self._clear_status()
            self.stream.flush()

    # -- events -----------------------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        if meta is None:  # a record of the ingestion library's logger
            if record.levelno >= logging.WARNING:
                self.write(f"warning: {record.getMessage()}")
            else:
                self._file_read(record)
            return
        event: dg.DagsterEvent | None = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                level = "warning" if record.levelno == logging.WARNING else "error"
                where = f"{_label(meta['step_key'])}: " if meta.get("step_key") else ""
                self.write(f"{level}: {where}{meta['orig_message']}")
            return
        with self._lock:
            self._event(event)

    def _file_read(self, record: logging.LogRecord) -> None:
        with self._lock:
            stage = self.stages.get(self.running) if self.running else None
            if stage is not None and record.getMessage().startswith(stage.label.rsplit("/", 1)[-1] + "/"):
                stage.files_read += 1

    def _event(self, event: dg.DagsterEvent) -> None:
        kind = event.event_type
        step = event.step_key
        if kind == dg.DagsterEventType.STEP_START:
            self.stages[step] = Stage(_label(step), time.monotonic())
            self.running = step
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            self._materialized(self.stages[step], event.step_materialization_data.materialization)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            stage = self.stages[step]
            if evaluation.passed:
                stage.checks_passed += 1
            else:
                warn = evaluation.severity == dg.AssetCheckSeverity.WARN
                stage.checks_failed.append(f"{evaluation.check_name}{' (warning)' if warn else ''}")
        elif kind == dg.DagsterEventType.STEP_SUCCESS:
            stage = self.stages[step]
            self.running = None
            self.write(f"✓ {stage.label:<{LABEL_WIDTH}} {_seconds(time.monotonic() - stage.started)}  {stage.summary()}".rstrip())
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            stage = self.stages.get(step) or Stage(_label(step), time.monotonic())
            self.running = None
            error = event.step_failure_data.error
            reason = root_cause(error) if error else "failed"
            self.failures.append(f"{stage.label}: {reason}")
            self.write(f"✗ {stage.label:<{LABEL_WIDTH}} {_seconds(time.monotonic() - stage.started)}  {reason}")

    @staticmethod
    def _materialized(stage: Stage, materialization: dg.AssetMaterialization) -> None:
        stage.tables.append(materialization.asset_key.to_user_string())
        values: Mapping[str, object] = {k: v.value for k, v in materialization.metadata.items()}
        if isinstance(values.get("row_count"), int):
            stage.rows = (stage.rows or 0) + values["row_count"]
        for key, _ in (*FILE_COUNTS, *ROW_COUNTS):
            if isinstance(values.get(key), int):
                stage.counts[key] = stage.counts.get(key, 0) + values[key]


def console_logger(console: BuildConsole) -> dg.LoggerDefinition:
    """A Dagster logger definition that hands every record of the run to ``console``."""

    @dg.logger(description="One line per stage of the build (pipelines.console).")
    def build_console(_init_context) -> logging.Logger:
        log = logging.getLogger("tgxh.console")
        log.setLevel(logging.DEBUG)
        log.propagate = False
        log.handlers = [console]
        return log

    return build_console
