"""The XLSX scorecard: one workbook officials open, and print, to see plan by plan each
target of the plan documents beside what the warehouse measured.

Sheets: ``Tổng hợp`` (the date of the data and of the last successful build, then one
row per plan with its counts per status), one sheet per plan named by its area and
years (``Cà Mau 2017–2030``: its targets, status cells coloured), ``Cảnh báo dữ liệu``
(data-quality warnings) and ``Chỉ số`` (the indicator catalogue). Everything is in
Vietnamese.

Every sheet prints on A4 landscape, fit to the page width, its table header repeated on
each page, the data and build dates in the page header and page numbers in the footer.
Text wraps and each row is as high as its longest cell needs. Numbers are number cells
whose formats carry the Vietnamese locale (``[$-42A]``: LibreOffice shows ``45,2``; Excel
uses the reader's own separators) and the unit (``45,2%``, ``80 người/năm``); a year
known only in part reads ``2026 (9 tháng)`` and a value across the 2025 merger carries
``*``, explained under the table.

When the last successful build is more than two days old the summary sheet says so in
red; when the workbook is opened more than two days after its build, a conditional
format (``TODAY()``) turns the same warning on, so a stale copy warns by itself.

Every text cell is written with ``write_string``: a plan title, quote or warning
that starts with ``=``, ``+``, ``-`` or ``@`` stays literal text, never a formula.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.reports import (
    MERGER_MARK,
    MERGER_NOTE,
    STATUS_ORDER,
    TARGET_HEADINGS,
    TONE_COLOURS,
    VN_TZ,
    Freshness,
    annual_change_unit,
    crosses_merger,
    months_text,
    phase_text,
    phases_text,
    plan_area,
    plan_document,
    plan_short_name,
    status_counts,
    status_label,
    status_tone,
    target_note,
    target_text,
    unit_label,
)
from pipelines.reports.html import STALE_AT_VIEW_TEXT, TITLE
from pipelines.reports.queries import (
    CATALOGUE_COLUMNS,
    catalogue_rows,
    load_freshness,
    load_plans,
    load_targets,
    warning_table,
)

SUMMARY_SHEET = "Tổng hợp"
WARNINGS_SHEET = "Cảnh báo dữ liệu"
CATALOGUE_SHEET = "Chỉ số"

# The summary sheet: title, data date, build date (A3 holds it as a date, its label in
# the number format), the stale warning (row 4), a blank row, then its table header on
# this row (0-based).
SUMMARY_HEADER_ROW = 5
BUILD_DATE_CELL = "A3"
STALE_CELL_ROW = 3
BUILD_DATE_FORMAT = '"Cập nhật lần cuối (lần dựng thành công gần nhất): "dd/mm/yyyy hh:mm" (giờ Việt Nam)"'

# A plan sheet starts with a title block; its table header is on this row (0-based).
PLAN_HEADER_ROW = 7

# (heading, column width) of a plan sheet's table.
PLAN_COLUMNS: tuple[tuple[str, float], ...] = tuple(
    zip(TARGET_HEADINGS, (26, 10, 8, 12, 11, 10, 10, 8, 10, 13, 11, 11, 34, 40), strict=True)
)
SUMMARY_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Kế hoạch", 40),
    ("Số văn bản", 13),
    ("Cấp", 6),
    ("Địa bàn", 16),
    ("Số chỉ tiêu", 8),
    *((status_label(s), 9) for s in STATUS_ORDER),
    ("Trang chi tiết", 18),
    ("Mã kế hoạch", 30),
)

LOCALE = "[$-42A]"  # Vietnamese
LINE_HEIGHT = 15.0  # points per line of 11-pt text
MAX_ROW_HEIGHT = 409.0  # Excel's limit

_SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")


def plan_sheet_names(plans: Iterable[dict[str, Any]], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A short Vietnamese worksheet name for each plan (by plan_id): its area and years,
    Excel's forbidden characters ``[]:*?/\\'`` replaced by ``_``, at most 31 characters,
    unique (case-insensitively, as Excel compares them) among themselves and the
    ``reserved`` names; a clash gets a ``~2``, ``~3``… suffix within the 31 characters."""
    taken = {name.casefold() for name in reserved}
    names: dict[str, str] = {}
    for plan in plans:
        base = _SHEET_NAME_BAD.sub("_", plan_short_name(plan)).strip() or "plan"
        if base.casefold() == "history":  # reserved by Excel
            base = "history_"
        name = base[:_SHEET_NAME_MAX]
        n = 1
        while name.casefold() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.casefold())
        names[plan["plan_id"]] = name
    return names


def _quoted(text: str) -> str:
    """Text as a literal inside a number format."""
    return '"' + text.replace('"', "") + '"'


def value_format(value: float | None, unit: str | None, suffix: str = "") -> str:
    """Number format of a measured value with its unit: ``[$-42A]0.0"%"``,
    ``[$-42A]#,##0" người/năm"`` (one decimal where the value has one)."""
    label = unit_label(unit)
    if label == "%":
        return f"{LOCALE}0.0{_quoted('%' + suffix)}"
    number = "#,##0" if value is None or float(value).is_integer() else "#,##0.0"
    return f"{LOCALE}{number}{_quoted((' ' + label if label else '') + suffix)}"


def change_format(actual: float | None, unit: str | None) -> str:
    """Number format of a required annual change, signed: ``+4,8%/năm``."""
    label = annual_change_unit(actual, unit)
    text = _quoted(label if label.startswith("%") else " " + label)
    return f"{LOCALE}+0.0{text};-0.0{text};0{text}"


def year_format(months: int | None) -> str:
    """``2026 (9 tháng)`` for a year known in part, ``2026`` otherwise."""
    partial = months_text(months)
    return f"0{_quoted(f' ({partial})')}" if partial else "0"


def row_height(cells: Sequence[tuple[str, float]]) -> float:
    """Points a row needs so that every wrapped cell shows whole: the most lines any
    (text, column width) needs when its words wrap at the column's width."""
    lines = 1
    for text, width in cells:
        per_line = max(int(width * 1.05) - 1, 1)
        n = sum(max(len(textwrap.wrap(part, per_line, break_long_words=True)), 1) for part in text.split("\n"))
        lines = max(lines, n)
    return min(lines * LINE_HEIGHT + 3, MAX_ROW_HEIGHT)


class _Formats:
    """The workbook's cell formats, created once (number formats on demand)."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.border = {"border": 1, "border_color": "#BFBFBF", "valign": "top", "text_wrap": True}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.info = wb.add_format({"italic": True, "font_color": "#404040"})
        self.info_wrap = wb.add_format({"italic": True, "font_color": "#404040", "text_wrap": True, "valign": "top"})
        self.build_date = wb.add_format({"italic": True, "font_color": "#404040", "align": "left",
                                         "num_format": BUILD_DATE_FORMAT})
        self.stale = wb.add_format({"bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006", "text_wrap": True,
                                    "valign": "top"})
        # The stale warning before TODAY() shows it: white on white (nothing to read).
        self.stale_hidden = wb.add_format({"font_color": "#FFFFFF", "text_wrap": True, "valign": "top"})
        self.stale_shown = wb.add_format({"bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.header = wb.add_format(
            {**self.border, "bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "valign": "vcenter"}
        )
        self.text = wb.add_format(self.border)
        self.link = wb.add_format({**self.border, "font_color": "#0563C1", "underline": 1})
        self.status = {
            tone: wb.add_format({**self.border, "bold": True, "bg_color": bg, "font_color": fg})
            for tone, (bg, fg) in TONE_COLOURS.items()
        }
        self.status_header = {
            tone: wb.add_format({**self.border, "bold": True, "bg_color": bg, "font_color": fg, "valign": "vcenter"})
            for tone, (bg, fg) in TONE_COLOURS.items()
        }
        self._numbers: dict[str, Format] = {}

    def number(self, num_format: str) -> Format:
        """A bordered number cell with ``num_format`` (right-aligned, not wrapped)."""
        if num_format not in self._numbers:
            self._numbers[num_format] = self.wb.add_format(
                {**self.border, "text_wrap": False, "num_format": num_format}
            )
        return self._numbers[num_format]


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


def _header(ws: Worksheet, row: int, columns: Sequence[tuple[str, float]], fmt: Format) -> None:
    for col, (heading, width) in enumerate(columns):
        ws.write_string(row, col, heading, fmt)
        ws.set_column(col, col, width)
    ws.set_row(row, row_height([(h, w) for h, w in columns]))


def _header_footer_text(text: str) -> str:
    """Text for an Excel page header/footer: ``&`` doubled, at most 100 characters."""
    return text.replace("&", "&&")[:100]


def _print_setup(ws: Worksheet, header_row: int, fresh: Freshness) -> None:
    """A4 landscape, fit to one page wide, the table header repeated on every page, the
    data and build dates in the page header and page numbers in the footer."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.set_header(
        f"&L&8{_header_footer_text(fresh.data_text())}&R&8{_header_footer_text(fresh.build_text())}"
    )
    ws.set_footer("&C&8Trang &P/&N")


def _write_freshness(ws: Worksheet, fmts: _Formats, fresh: Freshness, last_col: int) -> None:
    """Rows 1–4 of the summary sheet: data date, build date (a date cell) and the stale
    warning, visible now if the build is already stale, else turned on by TODAY()."""
    _text(ws, 1, 0, fresh.data_text(), fmts.info)
    # A number does not spill into its neighbours: the date cell spans the first columns.
    if fresh.built_at is not None:
        ws.merge_range(2, 0, 2, 4, None, fmts.build_date)
        ws.write_datetime(BUILD_DATE_CELL, fresh.built_at.astimezone(VN_TZ).replace(tzinfo=None), fmts.build_date)
    else:
        _text(ws, 2, 0, fresh.build_text(), fmts.info)
    stale = fresh.warning_text()
    if stale:
        ws.merge_range(STALE_CELL_ROW, 0, STALE_CELL_ROW, last_col, stale, fmts.stale)
    else:
        ws.merge_range(STALE_CELL_ROW, 0, STALE_CELL_ROW, last_col, STALE_AT_VIEW_TEXT, fmts.stale_hidden)
        ws.conditional_format(
            STALE_CELL_ROW, 0, STALE_CELL_ROW, last_col,
            {"type": "formula", "criteria": f"=TODAY()-${BUILD_DATE_CELL[0]}${BUILD_DATE_CELL[1:]}>2",
             "format": fmts.stale_shown},
        )
    ws.set_row(STALE_CELL_ROW, 2 * LINE_HEIGHT + 3)


def _write_summary(
    ws: Worksheet,
    fmts: _Formats,
    plans: list[dict],
    by_plan: dict[str, list[dict]],
    sheets: dict[str, str],
    fresh: Freshness,
) -> None:
    """The "Tổng hợp" sheet: the dates, then one row per plan with its counts per status
    and a link to its sheet."""
    head = SUMMARY_HEADER_ROW
    last_col = len(SUMMARY_COLUMNS) - 1
    _text(ws, 0, 0, TITLE, fmts.title)
    _write_freshness(ws, fmts, fresh, last_col)
    _header(ws, head, SUMMARY_COLUMNS, fmts.header)
    first_status = 5
    for i, status in enumerate(STATUS_ORDER):
        ws.write_string(head, first_status + i, status_label(status), fmts.status_header[status_tone(status)])
    count = fmts.number("0")
    for r, plan in enumerate(plans, start=head + 1):
        targets = by_plan.get(plan["plan_id"], [])
        counts = status_counts(targets)
        level = {"province": "Tỉnh", "district": "Huyện"}.get(plan["plan_level"] or "", plan["plan_level"])
        area = plan_area(plan)
        _text(ws, r, 0, plan["title_vi"], fmts.text)
        _text(ws, r, 1, plan["document_number"], fmts.text)
        _text(ws, r, 2, level, fmts.text)
        _text(ws, r, 3, area, fmts.text)
        _number(ws, r, 4, len(targets), count)
        for i, status in enumerate(STATUS_ORDER):
            _number(ws, r, first_status + i, counts[status], count)
        sheet = sheets[plan["plan_id"]]
        # An internal hyperlink (a <hyperlink> element, not a formula) to the plan sheet.
        ws.write_url(r, last_col - 1, f"internal:'{sheet}'!A1", fmts.link, string=sheet)
        _text(ws, r, last_col, plan["plan_id"], fmts.text)
        ws.set_row(
            r,
            row_height([(plan["title_vi"] or "", 40), (area, 16), (sheet, 18), (plan["document_number"] or "", 13)]),
        )
    ws.freeze_panes(head + 1, 1)
    ws.autofilter(head, 0, head + max(len(plans), 1), last_col)
    _print_setup(ws, head, fresh)


def _write_plan(ws: Worksheet, fmts: _Formats, plan: dict, targets: list[dict], fresh: Freshness) -> None:
    """One plan's sheet: a title block, then one row per target with its status cell coloured."""
    doc = plan_document(plan)
    last_col = len(PLAN_COLUMNS) - 1
    _text(ws, 0, 0, plan["title_vi"], fmts.title)
    _text(ws, 1, 0, f"Số văn bản: {doc}" if doc else None, fmts.info)
    _text(ws, 2, 0, f"Cơ quan ban hành: {plan['issuing_authority']}" if plan["issuing_authority"] else None, fmts.info)
    area = plan_area(plan)
    phases = f"; giai đoạn: {phases_text(plan['phases'])}" if plan["phases"] else ""
    _text(ws, 3, 0, f"Địa bàn: {area}{phases}" if area or phases else None, fmts.info)
    _text(ws, 4, 0, f"Căn cứ: {plan['national_basis']}" if plan["national_basis"] else None, fmts.info)
    _text(ws, 5, 0, f"{fresh.data_text()}. {fresh.build_text()}.", fmts.info)
    stale = fresh.warning_text()
    if stale:
        ws.merge_range(6, 0, 6, last_col, stale, fmts.stale)

    head = PLAN_HEADER_ROW
    _header(ws, head, PLAN_COLUMNS, fmts.header)
    widths = [w for _, w in PLAN_COLUMNS]
    for r, t in enumerate(targets, start=head + 1):
        unit = t["unit"]
        mark = f" {MERGER_MARK}" if crosses_merger(t) else ""
        note = target_note(t)
        _text(ws, r, 0, t["indicator_name"], fmts.text)
        _text(ws, r, 1, phase_text(t["phase_start"], t["phase_end"]), fmts.text)
        _number(ws, r, 2, t["target_year"], fmts.number("0"))
        _text(ws, r, 3, target_text(t["comparator"], t["target_value"], unit), fmts.text)
        _number(ws, r, 4, t["actual_value"], fmts.number(value_format(t["actual_value"], unit, mark)))
        _number(ws, r, 5, t["actual_year"], fmts.number(year_format(t["actual_months"])))
        _number(ws, r, 6, t["baseline_value"], fmts.number(value_format(t["baseline_value"], unit)))
        _number(ws, r, 7, t["baseline_year"], fmts.number("0"))
        _number(ws, r, 8, t["achievement_pct"], fmts.number(f"{LOCALE}0.0"))
        _text(ws, r, 9, status_label(t["status"]), fmts.status[status_tone(t["status"])])
        _number(ws, r, 10, t["required_annual_change"], fmts.number(change_format(t["actual_value"], unit)))
        _number(ws, r, 11, t["projected_value"], fmts.number(value_format(t["projected_value"], unit)))
        _text(ws, r, 12, note, fmts.text)
        _text(ws, r, 13, t["source_quote"], fmts.text)
        ws.set_row(
            r,
            row_height(
                [
                    (t["indicator_name"] or "", widths[0]),
                    (target_text(t["comparator"], t["target_value"], unit), widths[3]),
                    (status_label(t["status"]), widths[9]),
                    (note, widths[12]),
                    (t["source_quote"] or "", widths[13]),
                ]
            ),
        )
    after = head + 1 + len(targets)
    if not targets:
        ws.write_string(head + 1, 0, "Kế hoạch chưa có chỉ tiêu định lượng.", fmts.info)
    elif any(crosses_merger(t) for t in targets):
        ws.merge_range(after + 1, 0, after + 1, last_col, MERGER_NOTE, fmts.info_wrap)
        ws.set_row(after + 1, row_height([(MERGER_NOTE, sum(widths))]))
    ws.freeze_panes(head + 1, 1)
    ws.autofilter(head, 0, head + max(len(targets), 1), last_col)
    _print_setup(ws, head, fresh)


def _write_table(
    ws: Worksheet,
    fmts: _Formats,
    columns: Sequence[tuple[str, str, float]],
    rows: list[dict],
    figures: Sequence[str],
    empty: str,
    fresh: Freshness,
) -> None:
    """A plain table: columns = [(key, heading, width)]; years and figures as numbers
    (figures with a decimal comma), the rest as wrapped text."""
    _header(ws, 0, [(h, w) for _, h, w in columns], fmts.header)
    figure = fmts.number(f"{LOCALE}#,##0.0#")
    for r, row in enumerate(rows, start=1):
        for col, (key, _, _) in enumerate(columns):
            value = row[key]
            if key in figures:
                _number(ws, r, col, value, figure)
            elif isinstance(value, int) and not isinstance(value, bool):
                _number(ws, r, col, value, fmts.number("0"))
            else:
                _text(ws, r, col, value, fmts.text)
        ws.set_row(r, row_height([(str(row[k] or ""), w) for k, _, w in columns if k not in figures]))
    if not rows:
        ws.write_string(1, 0, empty, fmts.info)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    _print_setup(ws, 0, fresh)


_WARNING_WIDTHS = {"check": 24, "severity": 10, "geography": 14, "province_list": 14, "province_code": 7,
                   "province_name": 12, "year": 7, "source": 13, "indicator_code": 28, "message": 60}
_CATALOGUE_WIDTHS = {"indicator_code": 24, "name_vi": 45, "unit": 12, "direction": 12, "measure_type": 12,
                     "source": 16, "definition": 50}


def write_scorecard(
    con: duckdb.DuckDBPyConnection, path: Path, *, built_at: datetime | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Write the XLSX scorecard of every plan to ``path`` and return counts for metadata.

    Reads seeds.plans, seeds.plan_targets, seeds.indicators, seeds.provinces,
    marts.target_vs_actual, marts.indicator_values, marts.data_quality_warnings and
    audit.builds. ``built_at``: the build the workbook belongs to (default: the last one
    in ``audit.builds``); ``now``: the moment of writing (default: the clock). Returns
    ``{"plans", "targets", "warnings", "indicators", "sheets", "status_counts",
    "stale"}`` (sheets = names in workbook order, status_counts = targets per status code).
    """
    plans = load_plans(con)
    targets = load_targets(con)
    warning_columns, figures, warnings = warning_table(con)
    indicators = catalogue_rows(con)
    fresh = load_freshness(con, built_at, now)
    by_plan: dict[str, list[dict]] = {}
    for t in targets:
        by_plan.setdefault(t["plan_id"], []).append(t)
    sheets = plan_sheet_names(plans, reserved=(SUMMARY_SHEET, WARNINGS_SHEET, CATALOGUE_SHEET))

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # strings_to_* off: even a stray write() could not turn text into a formula or link.
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    try:
        fmts = _Formats(wb)
        _write_summary(wb.add_worksheet(SUMMARY_SHEET), fmts, plans, by_plan, sheets, fresh)
        for plan in plans:
            _write_plan(
                wb.add_worksheet(sheets[plan["plan_id"]]), fmts, plan, by_plan.get(plan["plan_id"], []), fresh
            )
        _write_table(
            wb.add_worksheet(WARNINGS_SHEET),
            fmts,
            [(k, h, _WARNING_WIDTHS.get(k, 12)) for k, h in warning_columns],
            warnings,
            figures,
            "Không có cảnh báo.",
            fresh,
        )
        _write_table(
            wb.add_worksheet(CATALOGUE_SHEET),
            fmts,
            [(k, h, _CATALOGUE_WIDTHS[k]) for k, h in CATALOGUE_COLUMNS],
            indicators,
            (),
            "Chưa có danh mục chỉ số.",
            fresh,
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
        "stale": fresh.stale,
    }
