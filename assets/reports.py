"""Reports layer: the scorecards officials read, and publishing the warehouse."""

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.reports.html import write_html_report
from pipelines.reports.pdf import PdfError, find_chromium, print_pdf
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
    dg.AssetKey(["seeds", "provinces"]),
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
    data-quality warnings and the indicator catalogue, all in Vietnamese, printable (A4
    landscape, fit to width). It is dated by this build: it is published with it."""
    path = warehouse.settings().report_path("xlsx")
    built_at = datetime.now(UTC)
    with warehouse.connect(context) as con:
        counts = _write_staged(
            context, warehouse, path.name, lambda c, p: write_scorecard(c, p, built_at=built_at), con
        )
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
    actuals, the target and the phase ends; readable at phone width. Beside it,
    scorecard.pdf: the same report printed by headless Chromium (left out, with a
    warning, where no Chromium is installed or it fails)."""
    path = warehouse.settings().report_path("html")
    built_at = datetime.now(UTC)
    with warehouse.connect(context) as con:
        counts = _write_staged(
            context, warehouse, path.name, lambda c, p: write_html_report(c, p, built_at=built_at), con
        )
        summary = format_summary(plan_summary(con))
    pdf = _print_staged_pdf(context, warehouse, path)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "pdf": pdf,
            "summary": dg.MetadataValue.md(f"```\n{summary}\n```"),
            **counts,
        }
    )


def _print_staged_pdf(context: dg.AssetExecutionContext, warehouse: WarehouseResource, html_path: Path) -> str:
    """Print the staged HTML report to scorecard.pdf beside it; returns the published
    path, or why there is no PDF (logged as a warning: the XLSX and HTML still publish)."""
    chromium = find_chromium()
    if chromium is None:
        reason = "no PDF: Chromium is not installed (Debian: apt-get install chromium)"
        context.log.warning(reason)
        return reason
    staged = warehouse.staged_reports_dir(context)
    published = warehouse.settings().report_path("pdf")
    pdf_name = published.name
    tmp = staged / f".{pdf_name}.tmp"
    try:
        print_pdf(staged / html_path.name, tmp, chromium)
    except PdfError as exc:
        context.log.warning(f"no PDF: {exc}")
        return f"no PDF: {exc}"
    os.replace(tmp, staged / pdf_name)
    return str(published)


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
