"""The end-of-run summary (``make run``): the date of the data and of the last
successful build (with the stale-build warning), then how many targets of each plan
have each status, with the same Vietnamese labels and the same counting as the
scorecards (``not_achieved`` apart from ``off_track``, ``insufficient_data`` apart from
``no_data``).

``summary_text`` puts the sections together; each section is its own function, so
another listing (withdrawn files, for one) is one more section."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from pipelines.reports import (
    STATUS_ORDER,
    Freshness,
    plan_short_name,
    status_counts,
    status_label,
)
from pipelines.reports.queries import load_freshness, load_plans, load_targets

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "plan_id": pl.String(),
    "plan_name": pl.String(),
    "province_name": pl.String(),
    "targets": pl.Int64(),
    **{status: pl.Int64() for status in STATUS_ORDER},
}

TITLE = "Chỉ tiêu kế hoạch theo đánh giá (marts.target_vs_actual)"
TARGETS_LABEL = "Số chỉ tiêu"
TOTAL_LABEL = "Tổng"


def plan_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per plan (every plan of seeds.plans, and any plan only named in
    marts.target_vs_actual), ordered by plan_id: its short name (``Cà Mau 2017–2030``,
    as its scorecard sheet), province, number of targets and one column per status code
    of docs/contract.md §4 counting its targets, read and counted as the scorecards
    read and count them. A status outside the contract counts only in ``targets``."""
    by_plan: dict[str, list[dict]] = {}
    for t in load_targets(con):
        by_plan.setdefault(t["plan_id"], []).append(t)
    rows = []
    for plan in load_plans(con):
        targets = by_plan.get(plan["plan_id"], [])
        counts = status_counts(targets)
        rows.append(
            (plan["plan_id"], plan_short_name(plan), plan["province_name"], len(targets),
             *(counts[s] for s in STATUS_ORDER))
        )
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row") if rows else pl.DataFrame(schema=SUMMARY_SCHEMA)


def _two_lines(name: str) -> tuple[str, str]:
    """A plan's short name over two header lines: ``Cà Mau`` / ``2017–2030``."""
    head, _, tail = name.rpartition(" ")
    return (head, tail) if head else ("", tail)


def format_summary(df: pl.DataFrame) -> str:
    """The summary as a fixed-width text table: one row per status (Vietnamese label,
    in the scorecards' order), one column per plan headed by its short name, a total
    column, and the number of targets under a rule."""
    if df.height == 0:
        return f"{TITLE}\n(chưa có kế hoạch nào)\n"
    names = [_two_lines(n) for n in df["plan_name"]]
    headers = [("", ""), *names, ("", TOTAL_LABEL)]
    body = [
        [status_label(s), *(str(v) for v in df[s]), str(int(df[s].sum()))] for s in STATUS_ORDER
    ]
    totals = [TARGETS_LABEL, *(str(v) for v in df["targets"]), str(int(df["targets"].sum()))]
    widths = [
        max(len(c) for c in [*headers[i], *(row[i] for row in [*body, totals])]) for i in range(len(headers))
    ]

    def line(cells: list[str]) -> str:
        text = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(text).rstrip()

    rule = "  ".join("-" * w for w in widths)
    head = [line([h[0] for h in headers]), line([h[1] for h in headers])]
    return "\n".join([TITLE, *head, rule, *(line(r) for r in body), rule, line(totals)]) + "\n"


def format_freshness(fresh: Freshness) -> str:
    """The data date, the last successful build and, when it is more than two days old,
    the warning in capitals, one per line."""
    return "\n".join(fresh.lines()) + "\n"


def summary_text(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> str:
    """What ``make run`` prints at the end, read from the published warehouse: the
    freshness lines, the status table and the files withdrawn from the raw folder."""
    sections = [format_freshness(load_freshness(con, now=now)), format_summary(plan_summary(con)), format_withdrawn(con)]
    return "\n".join(section for section in sections if section)


def format_withdrawn(con: duckdb.DuckDBPyConnection) -> str:
    """The files withdrawn from the raw folder (ledger status ``withdrawn``: loaded by an
    earlier build, gone now, their rows out of the tables), one per line with the build
    that noticed it; empty when there are none or the warehouse has no ledger."""
    if not con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'ingested_files'"
    ).fetchone()[0]:
        return ""
    rows = con.execute(
        "select source, file_name, message from audit.ingested_files where status = 'withdrawn'"
        " order by source, file_name"
    ).fetchall()
    if not rows:
        return ""
    lines = [f"Files withdrawn from the raw folder (audit.ingested_files): {len(rows)}"]
    lines += [f"  {source}/{name}: {message}" for source, name, message in rows]
    return "\n".join(lines) + "\n"
