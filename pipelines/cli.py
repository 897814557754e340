"""Command line of the warehouse.

``python -m pipelines.cli build`` runs the job ``build_warehouse`` in this process (the run
is recorded in ``DAGSTER_HOME`` when it is set, so it shows in the Dagster UI) and prints
one line per stage (``pipelines.console``) instead of Dagster's log; it exits 1 with a
one-line message when the build fails. ``python -m pipelines.cli summary`` prints where
the published warehouse is and the target-vs-actual summary per plan.
"""

import argparse
import logging
import os
import sys
import time
import warnings

import duckdb

from pipelines.config import REPORT_KINDS, SOURCES, DevSaltWarning, Settings
from pipelines.reports.summary import summary_text

JOB = "build_warehouse"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warning: <message>``, without the file, line and source line Python adds."""
    print(f"warning: {message}", file=sys.stderr if file is None else file)


def _files_in(settings: Settings):
    """How many entries each landing folder holds (the total of the ingestion progress)."""
    counts = {}
    for source in SOURCES:
        try:
            counts[source] = sum(1 for _ in settings.source_dir(source).iterdir())
        except OSError:
            counts[source] = 0
    return lambda source: counts.get(source, 0)


def build() -> int:
    """Run the build in this process; 0 when it published, 1 (with a one-line message) when not."""
    import dagster as dg

    from pipelines.console import INGEST_LOGGER, BuildConsole, console_logger
    from pipelines.definitions import defs

    started = time.monotonic()
    settings = Settings.from_env()
    console = BuildConsole(sys.stdout, live=sys.stdout.isatty(), files_in=_files_in(settings))
    job = defs.resolve_job_def(JOB).with_logger_defs({"build_console": console_logger(console)})
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    ingest_log = logging.getLogger(INGEST_LOGGER)
    ingest_log.addHandler(console)
    previous_level = ingest_log.level
    ingest_log.setLevel(logging.INFO)
    print(f"Building {settings.warehouse} from {settings.raw_dir}")
    console.start()
    try:
        with instance:
            result = job.execute_in_process(
                instance=instance, run_config={"loggers": {"build_console": {}}}, raise_on_error=False
            )
    finally:
        console.stop()
        ingest_log.removeHandler(console)
        ingest_log.setLevel(previous_level)
    elapsed = time.monotonic() - started
    if result.success:
        print(f"Published {settings.warehouse} in {elapsed:.1f} s")
        return 0
    reason = console.failures[0] if console.failures else _run_failure(result)
    print(f"build failed after {elapsed:.1f} s, nothing published: {reason}", file=sys.stderr)
    return 1


def _run_failure(result) -> str:
    """The reason a run failed outside any step (e.g. its resources could not start)."""
    event = result.get_run_failure_event()
    return next((line for line in (event.message or "").splitlines() if line.strip()), "the run failed")


def summary() -> int:
    """Print the published warehouse's path, its reports and the per-plan status counts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DevSaltWarning)  # the summary reads no personal data
        settings = Settings.from_env()
    if not settings.warehouse.exists():
        print(f"No published warehouse at {settings.warehouse}: run `make run` first.", file=sys.stderr)
        return 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        table = summary_text(con)
        (build_id, published_at), = con.execute(
            "select build_id, published_at from audit.builds order by published_at desc limit 1"
        ).fetchall()
    finally:
        con.close()
    print(f"\nWarehouse: {settings.warehouse}  (build {build_id}, published {published_at:%Y-%m-%d %H:%M %Z})")
    published = [p for p in map(settings.report_path, REPORT_KINDS) if p.exists()]
    for i, path in enumerate(published):
        print(f"{'Reports:' if i == 0 else '':<11}{path}")
    print()
    print(table)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.cli")
    parser.add_argument("command", choices=["build", "summary"],
                        help="build: build and publish the warehouse; summary: print the published summary")
    args = parser.parse_args(argv)
    if args.command == "summary":
        return summary()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        # pandera imports pyspark when it is installed (the optional spark group); its
        # FutureWarning about pandas is nothing an operator can act on
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
        try:
            return build()
        except (ValueError, OSError) as exc:  # settings or a model file that cannot be right
            print(f"build failed, nothing published: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
