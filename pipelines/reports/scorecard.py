"""The XLSX scorecard: one workbook officials open to see, plan by plan, each
target of the plan documents beside what the warehouse measured.

Sheets: ``Tổng hợp`` (one row per plan, counts per status), one sheet per plan
(its targets, status cells coloured), ``Cảnh báo dữ liệu`` (data-quality
warnings) and ``Chỉ số`` (the indicator catalogue).

Every text cell is written with ``write_string``: a plan title, quote or warning
that starts with ``=``, ``+``, ``-`` or ``@`` stays literal text, never a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.reports import (
    STATUS_ORDER,
    TARGET_HEADINGS,
    TONE_COLOURS,
    load_indicators,
    load_plans,
    load_targets,
    load_warnings,
    phase_text,
    plan_area,
    plan_document,
    status_counts,
    status_label,
    status_tone,
    target_note,
    target_text,
    unit_label,
)

SUMMARY_SHEET = "Tổng hợp"
WARNINGS_SHEET = "Cảnh báo dữ liệu"
CATALOGUE_SHEET = "Chỉ số"

# A plan sheet starts with a title block; its table header is on this row (0-based).
PLAN_HEADER_ROW = 5

# (heading, column width) of a plan sheet's table.
PLAN_COLUMNS: tuple[tuple[str, float], ...] = tuple(
    zip(TARGET_HEADINGS, (34, 11, 9, 16, 11, 9, 11, 9, 12, 18, 30, 70), strict=True)
)

_SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")


def plan_sheet_names(plan_ids: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A worksheet name for each plan_id: Excel's forbidden characters ``[]:*?/\\'``
    replaced by ``_``, at most 31 characters, unique (case-insensitively, as Excel
    compares them) among themselves and the ``reserved`` names; a clash gets a
    ``~2``, ``~3``… suffix within the 31 characters."""
    taken = {name.casefold() for name in reserved}
    names: dict[str, str] = {}
    for plan_id in plan_ids:
        base = _SHEET_NAME_BAD.sub("_", str(plan_id)).strip() or "plan"
        if base.casefold() == "history":  # reserved by Excel
            base = "history_"
        name = base[:_SHEET_NAME_MAX]
        n = 1
        while name.casefold() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.casefold())
        names[plan_id] = name
    return names


class _Formats:
    """The workbook's cell formats, created once."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        border = {"border": 1, "border_color": "#BFBFBF", "valign": "top"}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.info = wb.add_format({"italic": True, "font_color": "#404040"})
        self.header = wb.add_format(
            {
                **border,
                "bold": True,
                "bg_color": "#1F4E79",
                "font_color": "#FFFFFF",
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        self.text = wb.add_format(border)
        self.wrap = wb.add_format({**border, "text_wrap": True})
        self.year = wb.add_format({**border, "num_format": "0", "align": "center"})
        self.int = wb.add_format({**border, "num_format": "#,##0"})
        self.dec = wb.add_format({**border, "num_format": "#,##0.0"})
        self.pct = wb.add_format({**border, "num_format": "0.0"})
        self.count = wb.add_format({**border, "num_format": "0", "align": "center"})
        self.link = wb.add_format({**border, "font_color": "#0563C1", "underline": 1})
        self.status = {
            tone: wb.add_format({**border, "bold": True, "bg_color": bg, "font_color": fg, "text_wrap": True})
            for tone, (bg, fg) in TONE_COLOURS.items()
        }
        self.status_header = {
            tone: wb.add_format(
                {**border, "bold": True, "bg_color": bg, "font_color": fg, "text_wrap": True, "valign": "vcenter"}
            )
            for tone, (bg, fg) in TONE_COLOURS.items()
        }

    def value(self, value: float | None, unit: str | None) -> Format:
        """Percentages with one decimal, whole counts with thousands separators."""
        if unit_label(unit) == "%":
            return self.pct
        if value is not None and float(value).is_integer():
            return self.int
        return self.dec


def _text(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Write text as a string cell (never a formula); NULL -> blank cell."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _number(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Write a number cell; NULL or NaN -> blank cell."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _header(ws: Worksheet, row: int, headings: Iterable[str], fmt: Format) -> None:
    for col, heading in enumerate(headings):
        ws.write_string(row, col, heading, fmt)


def _write_summary(
    ws: Worksheet, fmts: _Formats, plans: list[dict], by_plan: dict[str, list[dict]], sheets: dict[str, str]
) -> None:
    """The "Tổng hợp" sheet: one row per plan with its counts per status and a link to its sheet."""
    fixed = ["Mã kế hoạch", "Tên kế hoạch", "Số văn bản", "Cấp", "Địa bàn", "Số chỉ tiêu"]
    for col, heading in enumerate(fixed):
        ws.write_string(0, col, heading, fmts.header)
    for i, status in enumerate(STATUS_ORDER):
        ws.write_string(0, len(fixed) + i, status_label(status), fmts.status_header[status_tone(status)])
    link_col = len(fixed) + len(STATUS_ORDER)
    ws.write_string(0, link_col, "Trang chi tiết", fmts.header)
    for r, plan in enumerate(plans, start=1):
        targets = by_plan.get(plan["plan_id"], [])
        counts = status_counts(targets)
        level = {"province": "Tỉnh", "district": "Huyện"}.get(plan["plan_level"] or "", plan["plan_level"])
        _text(ws, r, 0, plan["plan_id"], fmts.text)
        _text(ws, r, 1, plan["title_vi"], fmts.wrap)
        _text(ws, r, 2, plan["document_number"], fmts.text)
        _text(ws, r, 3, level, fmts.text)
        _text(ws, r, 4, plan_area(plan), fmts.text)
        _number(ws, r, 5, len(targets), fmts.count)
        for i, status in enumerate(STATUS_ORDER):
            _number(ws, r, len(fixed) + i, counts[status], fmts.count)
        sheet = sheets[plan["plan_id"]]
        # An internal hyperlink (a <hyperlink> element, not a formula) to the plan sheet.
        ws.write_url(r, link_col, f"internal:'{sheet}'!A1", fmts.link, string=sheet)
    ws.set_row(0, 45)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 4, 16)
    ws.set_column(5, link_col - 1, 11)
    ws.set_column(link_col, link_col, 24)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(plans), 1), link_col)


def _write_plan(ws: Worksheet, fmts: _Formats, plan: dict, targets: list[dict]) -> None:
    """One plan's sheet: a title block, then one row per target with its status cell coloured."""
    doc = plan_document(plan)
    _text(ws, 0, 0, plan["title_vi"], fmts.title)
    _text(ws, 1, 0, f"Số văn bản: {doc}" if doc else None, fmts.info)
    _text(ws, 2, 0, f"Cơ quan ban hành: {plan['issuing_authority']}" if plan["issuing_authority"] else None, fmts.info)
    area = plan_area(plan)
    phases = f"; giai đoạn: {plan['phases']}" if plan["phases"] else ""
    _text(ws, 3, 0, f"Địa bàn: {area}{phases}" if area or phases else None, fmts.info)
    basis = f"Căn cứ: {plan['national_basis']}" if plan["national_basis"] else None
    _text(ws, 4, 0, basis, fmts.info)

    head = PLAN_HEADER_ROW
    _header(ws, head, (c[0] for c in PLAN_COLUMNS), fmts.header)
    for col, (_, width) in enumerate(PLAN_COLUMNS):
        ws.set_column(col, col, width)
    for r, t in enumerate(targets, start=head + 1):
        unit = t["unit"]
        _text(ws, r, 0, t["indicator_name"], fmts.wrap)
        _text(ws, r, 1, phase_text(t["phase_start"], t["phase_end"]), fmts.text)
        _number(ws, r, 2, t["target_year"], fmts.year)
        _text(ws, r, 3, target_text(t["comparator"], t["target_value"], unit), fmts.text)
        _number(ws, r, 4, t["actual_value"], fmts.value(t["actual_value"], unit))
        _number(ws, r, 5, t["actual_year"], fmts.year)
        _number(ws, r, 6, t["baseline_value"], fmts.value(t["baseline_value"], unit))
        _number(ws, r, 7, t["baseline_year"], fmts.year)
        _number(ws, r, 8, t["achievement_pct"], fmts.pct)
        _text(ws, r, 9, status_label(t["status"]), fmts.status[status_tone(t["status"])])
        _text(ws, r, 10, target_note(t), fmts.wrap)
        _text(ws, r, 11, t["source_quote"], fmts.wrap)
    if not targets:
        ws.write_string(head + 1, 0, "Kế hoạch chưa có chỉ tiêu định lượng.", fmts.info)
    ws.set_row(head, 32)
    ws.freeze_panes(head + 1, 1)
    last_col = len(PLAN_COLUMNS) - 1
    ws.autofilter(head, 0, head + max(len(targets), 1), last_col)
    ws.repeat_rows(head)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)


def _write_table(
    ws: Worksheet, fmts: _Formats, columns: list[tuple[str, str, float]], rows: list[dict], empty: str
) -> None:
    """A plain table: columns = [(key, heading, width)]; integers as numbers, the rest as text."""
    _header(ws, 0, (c[1] for c in columns), fmts.header)
    for col, (_, _, width) in enumerate(columns):
        ws.set_column(col, col, width)
    for r, row in enumerate(rows, start=1):
        for col, (key, _, _) in enumerate(columns):
            value = row[key]
            if isinstance(value, int) and not isinstance(value, bool):
                _number(ws, r, col, value, fmts.year if key == "year" else fmts.count)
            else:
                _text(ws, r, col, value, fmts.wrap)
    if not rows:
        ws.write_string(1, 0, empty, fmts.info)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def write_scorecard(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Write the XLSX scorecard of every plan to ``path`` and return counts for metadata.

    Reads seeds.plans, seeds.plan_targets, seeds.indicators, marts.target_vs_actual
    and marts.data_quality_warnings. Returns ``{"plans", "targets", "warnings",
    "indicators", "sheets", "status_counts"}`` (sheets = names in workbook order,
    status_counts = targets per status code).
    """
    plans = load_plans(con)
    targets = load_targets(con)
    warnings = load_warnings(con)
    indicators = load_indicators(con)
    by_plan: dict[str, list[dict]] = {}
    for t in targets:
        by_plan.setdefault(t["plan_id"], []).append(t)
    sheets = plan_sheet_names(
        (p["plan_id"] for p in plans), reserved=(SUMMARY_SHEET, WARNINGS_SHEET, CATALOGUE_SHEET)
    )

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # strings_to_* off: even a stray write() could not turn text into a formula or link.
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        fmts = _Formats(wb)
        _write_summary(wb.add_worksheet(SUMMARY_SHEET), fmts, plans, by_plan, sheets)
        for plan in plans:
            _write_plan(wb.add_worksheet(sheets[plan["plan_id"]]), fmts, plan, by_plan.get(plan["plan_id"], []))
        _write_table(
            wb.add_worksheet(WARNINGS_SHEET),
            fmts,
            [
                ("check_name", "Kiểm tra", 26),
                ("source", "Nguồn", 16),
                ("province_code", "Mã tỉnh", 9),
                ("year", "Năm", 8),
                ("indicator_code", "Mã chỉ số", 24),
                ("message", "Nội dung", 90),
            ],
            warnings,
            "Không có cảnh báo.",
        )
        _write_table(
            wb.add_worksheet(CATALOGUE_SHEET),
            fmts,
            [
                ("indicator_code", "Mã chỉ số", 24),
                ("name_vi", "Tên chỉ số", 45),
                ("name_en", "Tên tiếng Anh", 40),
                ("unit", "Đơn vị", 14),
                ("direction", "Chiều hướng", 12),
                ("measure_type", "Loại", 12),
                ("source", "Nguồn số liệu", 16),
                ("definition", "Định nghĩa", 80),
            ],
            indicators,
            "Chưa có danh mục chỉ số.",
        )
    finally:
        wb.close()
    return {
        "plans": len(plans),
        "targets": len(targets),
        "warnings": len(warnings),
        "indicators": len(indicators),
        "sheets": [SUMMARY_SHEET, *(sheets[p["plan_id"]] for p in plans), WARNINGS_SHEET, CATALOGUE_SHEET],
        "status_counts": status_counts(targets),
    }
