"""Reports layer: the scorecards officials read, and publishing the warehouse."""

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg

from pipelines.reports.html import write_html_report
from pipelines.reports.scorecard import write_scorecard
from pipelines.reports.summary import format_summary, plan_summary
from pipelines.resources import WarehouseResource

REPORT_INPUTS = [
    dg.AssetKey(["marts", "target_vs_actual"]),
    dg.AssetKey(["marts", "indicator_values"]),
    dg.AssetKey(["marts", "plan_indicator_series"]),
    dg.AssetKey(["marts", "data_quality_warnings"]),
    dg.AssetKey(["seeds", "plans"]),
    dg.AssetKey(["seeds", "plan_targets"]),
    dg.AssetKey(["seeds", "indicators"]),
]


def _write_staged(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, name: str, writer: Callable[[Path], dict], con
) -> dict:
    """Write a report into this run's staging folder (``.build/<run_id>.reports/``): the
    ``warehouse`` asset moves it into the reports folder right after publishing the
    warehouse, so a build that fails or is killed before publishing never replaces the
    reports of the last published build."""
    staged = warehouse.staged_reports_dir(context)
    tmp = staged / f".{name}.tmp"
    counts = writer(con, tmp)
    os.replace(tmp, staged / name)
    return counts or {}


@dg.asset(
    key=["reports", "scorecard_xlsx"],
    group_name="reports",
    kinds={"xlsx"},
    deps=REPORT_INPUTS,
)
def scorecard_xlsx(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The scorecard workbook (data/reports/scorecard.xlsx, replaced when the build is
    published): a summary sheet, one sheet per plan with target, actual, achievement and
    status coloured by status, the source sentence of each target, and a sheet of
    data-quality warnings. Vietnamese headings."""
    path = warehouse.settings().reports_dir / "scorecard.xlsx"
    with warehouse.connect(context) as con:
        counts = _write_staged(context, warehouse, path.name, write_scorecard, con)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), **counts})


@dg.asset(
    key=["reports", "scorecard_html"],
    group_name="reports",
    kinds={"html"},
    deps=REPORT_INPUTS,
)
def scorecard_html(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The static HTML report (data/reports/scorecard.html, replaced when the build is
    published): per plan, the targets table and a chart per indicator with the yearly
    actuals, the target and the phase ends."""
    path = warehouse.settings().reports_dir / "scorecard.html"
    with warehouse.connect(context) as con:
        counts = _write_staged(context, warehouse, path.name, write_html_report, con)
        summary = format_summary(plan_summary(con))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "summary": dg.MetadataValue.md(f"```\n{summary}\n```"),
            **counts,
        }
    )


def build_publish_asset(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The last step of a build: depends on every other asset, so it only runs when all of
    them materialised and no blocking check failed."""

    @dg.asset(key=["warehouse"], group_name="publish", kinds={"duckdb"}, deps=list(upstream))
    def warehouse_publish(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """Publish the build: move this run's working DuckDB file over TGXH_WAREHOUSE with an
        atomic rename (analysts with the old file open keep a consistent view), record
        the build in audit.builds, then move the staged scorecards into the reports folder."""
        path = warehouse.publish(context)
        return dg.MaterializeResult(
            metadata={"path": dg.MetadataValue.path(str(path)), "build_id": context.run_id}
        )

    return warehouse_publish
