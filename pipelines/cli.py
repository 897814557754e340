"""Command line helpers: `python -m pipelines.cli summary` prints where the published
warehouse is and the target-vs-actual summary per plan."""

import argparse
import sys
import warnings

import duckdb

from pipelines.config import DevSaltWarning, Settings
from pipelines.reports.summary import format_summary, plan_summary


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
        table = format_summary(plan_summary(con))
        (build_id, published_at), = con.execute(
            "select build_id, published_at from audit.builds order by published_at desc limit 1"
        ).fetchall()
    finally:
        con.close()
    print(f"\nWarehouse: {settings.warehouse}  (build {build_id}, published {published_at:%Y-%m-%d %H:%M %Z})")
    print(f"Reports:   {settings.reports_dir / 'scorecard.xlsx'}")
    print(f"           {settings.reports_dir / 'scorecard.html'}\n")
    print(table)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.cli")
    parser.add_argument("command", choices=["summary"])
    parser.parse_args(argv)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
