"""The report assets on a warehouse holding the reports fixture: a build publishes the
XLSX, the HTML and the PDF printed by Chromium side by side, dated by the build; without
Chromium the PDF is left out with a warning and the rest still publishes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import openpyxl
import pytest

import assets.reports as report_assets
from assets.reports import build_publish_asset, scorecard_html, scorecard_xlsx
from pipelines.reports.scorecard import SUMMARY_SHEET
from pipelines.resources import WarehouseResource
from tests.fixtures.reports_fixture import build_reports_warehouse


def _materialize(tmp_path):
    warehouse = tmp_path / "w" / "tgxh.duckdb"
    warehouse.parent.mkdir()
    con = duckdb.connect(str(warehouse))
    build_reports_warehouse(con)
    con.close()
    resource = WarehouseResource(
        raw_dir=str(tmp_path / "raw"), warehouse=str(warehouse), pii_salt="test", reports_dir=str(tmp_path / "reports")
    )
    publish = build_publish_asset([scorecard_xlsx.key, scorecard_html.key])
    before = datetime.now(UTC)
    result = dg.materialize([scorecard_xlsx, scorecard_html, publish], resources={"warehouse": resource})
    return result, tmp_path / "reports", before


def _html_metadata(result) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == scorecard_html.key]
    return event.materialization.metadata


def test_a_build_publishes_xlsx_html_and_pdf_dated_by_the_build(tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed (apt-get install -y chromium): the PDF is not printed")
    result, reports, before = _materialize(tmp_path)
    assert result.success
    assert sorted(p.name for p in reports.iterdir()) == ["scorecard.html", "scorecard.pdf", "scorecard.xlsx"]
    assert (reports / "scorecard.pdf").read_bytes()[:5] == b"%PDF-"
    assert _html_metadata(result)["pdf"].value == str(reports / "scorecard.pdf")
    # Dated by this build, not by the fixture's older audit.builds row.
    built = openpyxl.load_workbook(reports / "scorecard.xlsx")[SUMMARY_SHEET]["A3"].value
    vn_now = before.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=7)
    assert abs(built - vn_now) < timedelta(minutes=10)


def test_without_chromium_the_pdf_is_left_out_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(report_assets, "find_chromium", lambda: None)
    result, reports, _ = _materialize(tmp_path)
    assert result.success
    assert sorted(p.name for p in reports.iterdir()) == ["scorecard.html", "scorecard.xlsx"]
    assert _html_metadata(result)["pdf"].value.startswith("no PDF: Chromium is not installed")
