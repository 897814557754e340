"""The end-of-run summary: how many targets of each plan are achieved, on track,
off track, without data or not measurable, as a table and as fixed-width text."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.reports import fetch_dicts

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "plan_id": pl.String(),
    "province_name": pl.String(),
    "targets": pl.Int64(),
    "achieved": pl.Int64(),
    "on_track": pl.Int64(),
    "off_track": pl.Int64(),
    "no_data": pl.Int64(),
    "not_measurable": pl.Int64(),
}

_COUNT_COLUMNS = ("targets", "achieved", "on_track", "off_track", "no_data", "not_measurable")


def plan_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per plan (every plan of seeds.plans, and any plan only named in
    marts.target_vs_actual), ordered by plan_id, with its number of targets and of:

    - ``achieved``: status achieved;
    - ``on_track``: status on_track;
    - ``off_track``: acceleration_needed, off_track, deteriorating or not_achieved;
    - ``no_data``: no_data or insufficient_data;
    - ``not_measurable``: not_measurable.

    Columns: plan_id, province_name, targets, achieved, on_track, off_track,
    no_data, not_measurable. A status outside CONTRACT §4 counts only in targets.
    """
    rows = fetch_dicts(
        con,
        """
        with ids as (
            select plan_id from seeds.plans
            union
            select plan_id from marts.target_vs_actual
        ),
        counts as (
            select
                plan_id,
                any_value(province_name) as province_name,
                count(*) as targets,
                count(*) filter (where status = 'achieved') as achieved,
                count(*) filter (where status = 'on_track') as on_track,
                count(*) filter (
                    where status in ('acceleration_needed', 'off_track', 'deteriorating', 'not_achieved')
                ) as off_track,
                count(*) filter (where status in ('no_data', 'insufficient_data')) as no_data,
                count(*) filter (where status = 'not_measurable') as not_measurable,
            from marts.target_vs_actual
            group by plan_id
        )
        select
            ids.plan_id,
            coalesce(p.province_name, c.province_name) as province_name,
            coalesce(c.targets, 0) as targets,
            coalesce(c.achieved, 0) as achieved,
            coalesce(c.on_track, 0) as on_track,
            coalesce(c.off_track, 0) as off_track,
            coalesce(c.no_data, 0) as no_data,
            coalesce(c.not_measurable, 0) as not_measurable,
        from ids
        left join seeds.plans as p on p.plan_id = ids.plan_id
        left join counts as c on c.plan_id = ids.plan_id
        order by ids.plan_id
        """,
    )
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row") if rows else pl.DataFrame(schema=SUMMARY_SCHEMA)


def format_summary(df: pl.DataFrame) -> str:
    """The summary as a fixed-width text table (text left-aligned, counts
    right-aligned, a TOTAL line), for the end of ``make run``."""
    title = "Plan targets by status (marts.target_vs_actual)"
    if df.height == 0:
        return f"{title}\n(no plans)\n"
    headers = list(SUMMARY_SCHEMA)
    body = [["" if v is None else str(v) for v in row] for row in df.select(headers).iter_rows()]
    totals = ["TOTAL", ""] + [str(int(df[c].sum())) for c in _COUNT_COLUMNS]
    widths = [max(len(r[i]) for r in [headers, totals, *body]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        text = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(text).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, line(headers), rule, *(line(r) for r in body), rule, line(totals)]) + "\n"


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
