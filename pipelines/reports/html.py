"""The static HTML report: one self-contained file (no scripts, fonts or styles from the
network) with the date of the data and of the last successful build, a summary per
plan, then per plan the targets table and one inline SVG chart per measurable
indicator that has data (``pipelines.reports.charts``), the data-quality warnings and
the indicator catalogue, all in Vietnamese.

It reads on a phone: below 760 px every table turns into one card per row, each cell
under its heading, so nothing runs off the screen and the status stays in view. It
prints (A4 landscape, one plan per page): ``pipelines.reports.pdf`` prints it to PDF.

All text from the warehouse goes through ``html.escape``. A Content-Security-Policy
allows only the report's own inline script (by hash) and inline styles, so even a
missed escape could not load or run anything else. The script shows the stale-build
warning when the page is opened more than two days after the build, and records what
the browser laid out (charts drawn, horizontal overflow) for the browser tests.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.reports import (
    MERGER_MARK,
    MERGER_NOTE,
    STALE_AFTER,
    STATUS_ORDER,
    TARGET_HEADINGS,
    TONE_COLOURS,
    Freshness,
    annual_change_text,
    crosses_merger,
    format_number,
    phase_text,
    phases_text,
    plan_area,
    plan_document,
    status_counts,
    status_label,
    status_tone,
    target_note,
    target_text,
    unit_label,
    value_text,
    year_text,
)
from pipelines.reports.charts import chart_svg, esc
from pipelines.reports.queries import (
    CATALOGUE_COLUMNS,
    Point,
    catalogue_rows,
    load_freshness,
    load_plan_series,
    load_plans,
    load_targets,
    warning_table,
)

TITLE = "Theo dõi thực hiện chỉ tiêu kế hoạch trợ giúp xã hội và công tác xã hội"
STALE_AT_VIEW_TEXT = (
    "CẢNH BÁO: lần dựng thành công gần nhất đã quá 2 ngày. "
    "Số liệu có thể chưa được cập nhật: cần kiểm tra việc chạy hằng đêm."
)

# Shows the stale-build warning when the page is read more than two days after the
# build, and records in the DOM what the browser laid out (charts with a bounding box,
# horizontal overflow of the page, status cells inside the viewport) for the tests.
_SCRIPT = """
window.addEventListener("load", function () {
  var body = document.body;
  var built = Date.parse(body.dataset.builtAt || "");
  var staleAfter = Number(body.dataset.staleAfterMs);
  if (!isNaN(built) && Date.now() - built > staleAfter) {
    var warning = document.getElementById("stale-warning");
    warning.textContent = warning.dataset.viewText;
    warning.hidden = false;
    body.dataset.staleAtView = "true";
  }
  var charts = document.querySelectorAll("svg.chart");
  var rendered = 0;
  charts.forEach(function (svg) {
    try {
      var box = svg.getBBox();
      if (box.width > 0 && box.height > 0) { rendered += 1; }
    } catch (e) { /* not rendered */ }
  });
  body.dataset.chartsRendered = String(rendered);
  body.dataset.chartsTotal = String(charts.length);
  var width = document.documentElement.clientWidth;
  body.dataset.viewportWidth = String(width);
  body.dataset.overflowX = String(document.documentElement.scrollWidth > width);
  var statuses = document.querySelectorAll("td.status");
  var inView = 0;
  statuses.forEach(function (td) {
    var r = td.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= width) { inView += 1; }
  });
  body.dataset.statusCells = String(statuses.length);
  body.dataset.statusCellsInView = String(inView);
});
""".strip()

_TONE_CSS = "\n".join(
    f".tone-{tone} {{ background: {bg}; color: {fg}; font-weight: 600; }}" for tone, (bg, fg) in TONE_COLOURS.items()
)

_CSS = f"""
:root {{ color-scheme: light; }}
body {{ font-family: "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif; margin: 24px auto;
  max-width: 1200px; padding: 0 16px; color: #1b1b1b; line-height: 1.45; overflow-wrap: break-word; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.3em; border-bottom: 2px solid #1F4E79; padding-bottom: 4px; margin-top: 2em; }}
h3 {{ font-size: 1.05em; margin: 1.2em 0 0.4em; }}
.meta {{ color: #555; margin: 0.2em 0; }}
.freshness p {{ margin: 0.2em 0; }}
.stale {{ background: #FFC7CE; color: #9C0006; font-weight: 700; padding: 6px 10px; border-left: 6px solid #9C0006; }}
.stale[hidden] {{ display: none; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.9em; }}
th, td {{ border: 1px solid #bfbfbf; padding: 4px 6px; vertical-align: top; text-align: left; }}
th {{ background: #1F4E79; color: #fff; }}
td.num {{ text-align: right; white-space: nowrap; }}
td.nowrap {{ white-space: nowrap; }}
td.status {{ min-width: 6em; }}
table.targets td:first-child {{ min-width: 10em; }}
td.quote {{ font-style: italic; color: #333; min-width: 12em; }}
td.note {{ min-width: 11em; }}
table.targets {{ font-size: 0.85em; }}
.table-wrap {{ overflow-x: auto; }}
.mark {{ color: #7030A0; font-weight: 700; }}
.footnote {{ font-size: 0.85em; color: #444; }}
{_TONE_CSS}
figure {{ margin: 0 0 20px; max-width: 760px; }}
figcaption {{ font-size: 0.9em; color: #333; }}
svg.chart {{ width: 100%; height: auto; background: #fff; border: 1px solid #ddd; }}
svg.chart text {{ font-family: inherit; }}
.legend span {{ display: inline-block; padding: 2px 8px; margin: 2px; border-radius: 3px; font-size: 0.85em; }}
.empty {{ color: #666; font-style: italic; }}
@media screen and (max-width: 760px) {{
  body {{ margin: 12px auto; padding: 0 10px; }}
  h1 {{ font-size: 1.3em; }}
  table, thead, tbody, tr, th, td {{ display: block; width: auto; }}
  thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  tr {{ border: 1px solid #bfbfbf; margin: 0 0 10px; }}
  td {{ border: none; border-top: 1px solid #eee; min-width: 0 !important; white-space: normal !important;
    text-align: left !important; overflow-wrap: anywhere; }}
  td::before {{ content: attr(data-label); display: block; font-size: 0.8em; font-weight: 600; color: #555; }}
  td.status {{ font-size: 1.05em; }}
  table.summary td.count {{ display: inline-block; width: 33.3%; box-sizing: border-box; vertical-align: top; }}
  td.status::before {{ color: inherit; }}
}}
@media print {{
  @page {{ size: A4 landscape; margin: 10mm; }}
  body {{ max-width: none; margin: 0; padding: 0; font-size: 10pt; }}
  table {{ font-size: 8.5pt; }}
  thead {{ display: table-header-group; }}
  tr, figure {{ break-inside: avoid; }}
  section.plan {{ break-before: page; }}
  a {{ color: inherit; text-decoration: none; }}
}}
""".strip()


def _slug(text: str, taken: set[str]) -> str:
    """An HTML id from text: [a-z0-9-], unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _cell(value: Any, label: str, cls: str = "") -> str:
    """A cell with its column heading as ``data-label`` (shown above it on a phone)."""
    attr = f' class="{cls}"' if cls else ""
    return f'<td{attr} data-label="{esc(label)}">{esc(value)}</td>'


def _status_cell(status: str | None, label: str) -> str:
    return (
        f'<td class="status tone-{status_tone(status)}" data-status="{esc(status)}" data-label="{esc(label)}">'
        f"{esc(status_label(status))}</td>"
    )


def _head(headings: Any) -> str:
    return "<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in headings) + "</tr></thead>"


def _targets_table(targets: list[dict]) -> str:
    h = TARGET_HEADINGS
    rows = []
    for t in targets:
        unit = t["unit"]
        actual = esc(value_text(t["actual_value"], unit))
        if crosses_merger(t):
            actual += f' <span class="mark" title="{esc(MERGER_NOTE)}">{MERGER_MARK}</span>'
        rows.append(
            "<tr>"
            + _cell(t["indicator_name"], h[0])
            + _cell(phase_text(t["phase_start"], t["phase_end"]), h[1], "nowrap")
            + _cell(t["target_year"], h[2], "num")
            + _cell(target_text(t["comparator"], t["target_value"], unit), h[3], "num")
            + f'<td class="num actual" data-label="{esc(h[4])}">{actual}</td>'
            + _cell(year_text(t["actual_year"], t["actual_months"]), h[5], "num")
            + _cell(value_text(t["baseline_value"], unit), h[6], "num")
            + _cell(t["baseline_year"], h[7], "num")
            + _cell(format_number(t["achievement_pct"]), h[8], "num")
            + _status_cell(t["status"], h[9])
            + _cell(annual_change_text(t["required_annual_change"], t["actual_value"], unit), h[10], "num")
            + _cell(value_text(t["projected_value"], unit), h[11], "num")
            + _cell(target_note(t), h[12], "note")
            + _cell(t["source_quote"], h[13], "quote")
            + "</tr>"
        )
    footnote = (
        f'<p class="footnote"><span class="mark">{MERGER_MARK}</span>{esc(MERGER_NOTE[1:])}</p>'
        if any(crosses_merger(t) for t in targets)
        else ""
    )
    table = f'<table class="targets">{_head(h)}<tbody>{"".join(rows)}</tbody></table>'
    # A browser window narrower than the table scrolls the table, never the page.
    return f'<div class="table-wrap">{table}</div>{footnote}'


def chart_indicators(targets: list[dict], series: dict[tuple[str, str], list[Point]]) -> list[str]:
    """Indicator codes of one plan's targets that get a chart: measurable
    (status other than ``not_measurable``) and with at least one yearly value,
    in the order they first appear."""
    codes: list[str] = []
    for t in targets:
        code = t["indicator_code"]
        if code in codes or t["status"] == "not_measurable" or not series.get((t["plan_id"], code)):
            continue
        codes.append(code)
    return codes


def _plan_section(plan: dict, targets: list[dict], series: dict, section_id: str) -> tuple[str, int]:
    """The section of one plan and its number of charts."""
    parts = [f'<section class="plan" id="{section_id}" data-plan-id="{esc(plan["plan_id"])}">']
    parts.append(f"<h2>{esc(plan['title_vi'])}</h2>")
    for label, value in (
        ("Số văn bản", plan_document(plan)),
        ("Cơ quan ban hành", plan["issuing_authority"]),
        ("Địa bàn", plan_area(plan)),
        ("Giai đoạn", phases_text(plan["phases"])),
        ("Căn cứ", plan["national_basis"]),
    ):
        if value:
            parts.append(f'<p class="meta"><strong>{esc(label)}:</strong> {esc(value)}</p>')
    parts.append("<h3>Các chỉ tiêu</h3>")
    parts.append(_targets_table(targets) if targets else '<p class="empty">Kế hoạch chưa có chỉ tiêu định lượng.</p>')
    codes = chart_indicators(targets, series)
    parts.append("<h3>Biểu đồ thực hiện theo năm</h3>")
    if codes:
        parts.append('<div class="charts">')
        for i, code in enumerate(codes, start=1):
            ind_targets = [t for t in targets if t["indicator_code"] == code]
            name = ind_targets[0]["indicator_name"]
            unit = ind_targets[0]["unit"] or ind_targets[0]["indicator_unit"]
            svg = chart_svg(f"chart-{section_id}-{i}", code, name, unit, series[(plan["plan_id"], code)], ind_targets)
            parts.append(f"<figure>{svg}<figcaption>{esc(name)} ({esc(unit_label(unit))})</figcaption></figure>")
        parts.append("</div>")
    else:
        parts.append('<p class="empty">Chưa có số liệu theo năm để vẽ biểu đồ.</p>')
    parts.append("</section>")
    return "".join(parts), len(codes)


SUMMARY_HEADINGS = ("Kế hoạch", "Số văn bản", "Địa bàn", "Số chỉ tiêu")


def _summary_table(plans: list[dict], by_plan: dict[str, list[dict]], ids: dict[str, str]) -> str:
    head = "".join(
        [f'<th scope="col">{esc(h)}</th>' for h in SUMMARY_HEADINGS]
        + [f'<th scope="col" class="tone-{status_tone(s)}">{esc(status_label(s))}</th>' for s in STATUS_ORDER]
    )
    rows = []
    for plan in plans:
        targets = by_plan.get(plan["plan_id"], [])
        counts = status_counts(targets)
        rows.append(
            "<tr>"
            f'<td data-label="{esc(SUMMARY_HEADINGS[0])}"><a href="#{ids[plan["plan_id"]]}">'
            f"{esc(plan['title_vi'])}</a></td>"
            + _cell(plan["document_number"], SUMMARY_HEADINGS[1])
            + _cell(plan_area(plan), SUMMARY_HEADINGS[2])
            + _cell(len(targets), SUMMARY_HEADINGS[3], "num")
            + "".join(_cell(counts[s], status_label(s), f"num count tone-{status_tone(s)}") for s in STATUS_ORDER)
            + "</tr>"
        )
    table = f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    return f'<div class="table-wrap">{table}</div>'


def _plain_table(css_class: str, columns: list[tuple[str, str]], rows: list[dict], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{esc(empty)}</p>'
    body = "".join(
        "<tr>" + "".join(_cell(r[k], h, "num" if isinstance(r[k], float) else "") for k, h in columns) + "</tr>"
        for r in rows
    )
    table = f'<table class="{css_class}">{_head(h for _, h in columns)}<tbody>{body}</tbody></table>'
    return f'<div class="table-wrap">{table}</div>'


def _warnings_html(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    """The warnings table (figures with a decimal comma) and the number of warnings."""
    columns, figures, rows = warning_table(con)
    for row in rows:
        row.update({f: format_number(row[f], decimals=2) for f in figures})
    return _plain_table("warnings", columns, rows, "Không có cảnh báo."), len(rows)


def _stale_warning(stale: str) -> str:
    """The stale-build warning: shown when the build was already stale when the report was
    written, else hidden until the script finds the page read more than two days later."""
    hidden = "" if stale else " hidden"
    return (
        f'<p class="stale" id="stale-warning" role="alert" data-view-text="{esc(STALE_AT_VIEW_TEXT)}"{hidden}>'
        f"{esc(stale)}</p>"
    )


def write_html_report(
    con: duckdb.DuckDBPyConnection, path: Path, *, built_at: datetime | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Write the self-contained HTML report to ``path`` and return counts for metadata.

    Reads the same tables as the scorecard plus ``marts.plan_indicator_series``
    for the charts. ``built_at``: the build the report belongs to (default: the last
    one in ``audit.builds``); ``now``: the moment of writing (default: the clock).
    Returns ``{"plans", "targets", "charts", "warnings", "bytes", "stale"}``.
    """
    plans = load_plans(con)
    targets = load_targets(con)
    series = load_plan_series(con)
    warnings_html, warnings = _warnings_html(con)
    fresh: Freshness = load_freshness(con, built_at, now)
    by_plan: dict[str, list[dict]] = {}
    for t in targets:
        by_plan.setdefault(t["plan_id"], []).append(t)
    taken: set[str] = {"tong-hop", "canh-bao", "chi-so", "stale-warning"}
    ids = {p["plan_id"]: _slug(f"plan-{p['plan_id']}", taken) for p in plans}

    sections, charts = [], 0
    for plan in plans:
        section, n = _plan_section(plan, by_plan.get(plan["plan_id"], []), series, ids[plan["plan_id"]])
        sections.append(section)
        charts += n
    legend = "".join(f'<span class="tone-{status_tone(s)}">{esc(status_label(s))}</span>' for s in STATUS_ORDER)
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'"
    built_attr = f' data-built-at="{esc(fresh.built_at.isoformat())}"' if fresh.built_at is not None else ""
    stale = fresh.warning_text()
    doc = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(TITLE)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{_SCRIPT}</script>",
        "</head>",
        f'<body data-charts-total="{charts}"{built_attr} data-stale-after-ms="{int(STALE_AFTER.total_seconds() * 1000)}">',
        f"<header><h1>{esc(TITLE)}</h1>",
        '<div class="freshness">',
        f'<p class="meta" id="data-date">{esc(fresh.data_text())}.</p>',
        f'<p class="meta" id="build-date">{esc(fresh.build_text())}.</p>',
        _stale_warning(stale),
        "</div>",
        f'<p class="legend"><strong>Đánh giá:</strong> {legend}</p></header>',
        '<main><section id="tong-hop"><h2>Tổng hợp theo kế hoạch</h2>',
        _summary_table(plans, by_plan, ids),
        "</section>",
        *sections,
        '<section id="canh-bao"><h2>Cảnh báo chất lượng số liệu</h2>',
        warnings_html,
        '</section><section id="chi-so"><h2>Danh mục chỉ số</h2>',
        _plain_table("indicators", list(CATALOGUE_COLUMNS), catalogue_rows(con), "Chưa có danh mục chỉ số."),
        "</section></main></body></html>",
    ]
    text = "\n".join(part for part in doc if part)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return {
        "plans": len(plans),
        "targets": len(targets),
        "charts": charts,
        "warnings": warnings,
        "bytes": len(text.encode("utf-8")),
        "stale": fresh.stale,
    }
