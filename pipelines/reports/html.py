"""The static HTML report: one self-contained file (no scripts, fonts or styles
from the network) with, per plan, the targets table and one inline SVG chart per
measurable indicator that has data: the yearly values the plan is judged on
(``marts.plan_indicator_series``), a dashed line per target over its phase, and a
marker at each phase end.

All text from the warehouse goes through ``html.escape``. A Content-Security-Policy
allows only the report's own inline script (by hash) and inline styles, so even a
missed escape could not load or run anything else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from pathlib import Path
from typing import Any

import duckdb

from pipelines.reports import (
    STATUS_ORDER,
    TARGET_HEADINGS,
    TONE_COLOURS,
    format_number,
    load_indicators,
    load_plan_series,
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
    value_text,
)

TITLE = "Theo dõi thực hiện chỉ tiêu kế hoạch trợ giúp xã hội và công tác xã hội"

# Counts the charts the browser actually laid out (a chart with an empty bounding
# box did not render) so a headless browser test can read the result from the DOM.
_SCRIPT = """
window.addEventListener("load", function () {
  var charts = document.querySelectorAll("svg.chart");
  var rendered = 0;
  charts.forEach(function (svg) {
    try {
      var box = svg.getBBox();
      if (box.width > 0 && box.height > 0) { rendered += 1; }
    } catch (e) { /* not rendered */ }
  });
  document.body.dataset.chartsRendered = String(rendered);
  document.body.dataset.chartsTotal = String(charts.length);
});
""".strip()

_TONE_CSS = "\n".join(
    f".tone-{tone} {{ background: {bg}; color: {fg}; font-weight: 600; }}" for tone, (bg, fg) in TONE_COLOURS.items()
)

_CSS = f"""
:root {{ color-scheme: light; }}
body {{ font-family: "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif; margin: 24px auto;
  max-width: 1200px; padding: 0 16px; color: #1b1b1b; line-height: 1.45; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.3em; border-bottom: 2px solid #1F4E79; padding-bottom: 4px; margin-top: 2em; }}
h3 {{ font-size: 1.05em; margin: 1.2em 0 0.4em; }}
.meta {{ color: #555; margin: 0.2em 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.9em; }}
th, td {{ border: 1px solid #bfbfbf; padding: 4px 6px; vertical-align: top; text-align: left; }}
th {{ background: #1F4E79; color: #fff; }}
td.num {{ text-align: right; white-space: nowrap; }}
table.targets td:first-child {{ min-width: 12em; }}
td.quote {{ font-style: italic; color: #333; min-width: 18em; }}
{_TONE_CSS}
figure {{ margin: 0 0 20px; max-width: 760px; }}
figcaption {{ font-size: 0.9em; color: #333; }}
svg.chart {{ width: 100%; height: auto; background: #fff; border: 1px solid #ddd; }}
svg.chart text {{ font-family: inherit; }}
.legend span {{ display: inline-block; padding: 2px 8px; margin: 2px; border-radius: 3px; font-size: 0.85em; }}
.empty {{ color: #666; font-style: italic; }}
@media print {{ figure {{ break-inside: avoid; }} section.plan {{ break-before: page; }} }}
""".strip()

# Chart geometry (SVG user units).
_W, _H = 720, 330
_ML, _MR, _MT, _MB = 72, 24, 44, 46
_ACTUAL_COLOUR = "#1F5FA8"
_TARGET_COLOUR = "#C55A11"
_PHASE_COLOUR = "#7F7F7F"
_CHAR_WIDTH = 5.6  # rough width of a character at font-size 10-11, for label placement


def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; NULL -> ''."""
    return "" if value is None else html.escape(str(value), quote=True)


def _slug(text: str, taken: set[str]) -> str:
    """An HTML id from text: [a-z0-9-], unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about ``ticks`` intervals."""
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _y_scale(values: list[float], percent: bool) -> tuple[float, float, float]:
    """(y_min, y_max, step) covering every value from 0, with a little headroom."""
    top = max([v for v in values if v is not None] + [0.0])
    bottom = min([v for v in values if v is not None] + [0.0])
    span = (top - bottom) or 1.0
    step = _nice_step(span)
    y_max = step * math.ceil(top / step) if top > 0 else step
    if top > 0 and top / y_max > 0.96:
        y_max += step
    if percent and top <= 100 < y_max:
        y_max = 100.0 if 100 % step == 0 else y_max
    y_min = step * math.floor(bottom / step) if bottom < 0 else 0.0
    return y_min, y_max, step


def _chart_svg(
    chart_id: str, code: str, name: str, unit: str | None, points: list[tuple[int, float]], targets: list[dict]
) -> str:
    """One inline SVG chart: yearly values (line + points), a dashed line per target
    over its phase with a label, a dotted marker at each phase end, axes with year
    labels and value ticks, and an accessible <title>/<desc>."""
    unit_vi = unit_label(unit)
    percent = unit_vi == "%"
    years = [y for y, _ in points]
    span_years = years + [t["phase_start"] for t in targets if t["phase_start"] is not None]
    span_years += [t["target_year"] for t in targets if t["target_year"] is not None]
    span_years += [t["phase_end"] for t in targets if t["phase_end"] is not None]
    first, last = min(span_years), max(span_years)
    y_min, y_max, step = _y_scale([v for _, v in points] + [t["target_value"] for t in targets], percent)
    x0, x1, y0, y1 = _ML, _W - _MR, _MT, _H - _MB

    def x(year: float) -> float:
        return x0 + (year - first + 0.5) / (last - first + 1) * (x1 - x0)

    def y(value: float) -> float:
        return y1 - (value - y_min) / (y_max - y_min) * (y1 - y0)

    out: list[str] = []
    title = f"{name} — thực hiện so với mục tiêu"
    desc_values = "; ".join(f"{yr}: {value_text(v, unit)}" for yr, v in points)
    desc_targets = "; ".join(
        f"{target_text(t['comparator'], t['target_value'], unit)} năm {t['target_year']}" for t in targets
    )
    desc = f"Thực hiện theo năm: {desc_values}. Mục tiêu: {desc_targets}."
    out.append(
        f'<svg class="chart" id="{chart_id}" data-indicator-code="{_e(code)}" role="img" aria-label="{_e(title)}" '
        f'viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" xmlns="http://www.w3.org/2000/svg">'
    )
    out.append(f"<title>{_e(title)}</title><desc>{_e(desc)}</desc>")
    out.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#FAFAFA" stroke="none"/>')

    # Value ticks and grid.
    ticks = [y_min + i * step for i in range(int(round((y_max - y_min) / step)) + 1)]
    if ticks[-1] < y_max - 1e-9:
        ticks.append(y_max)
    decimals = 0 if float(step).is_integer() else 2  # 2.5 steps need their decimal
    for tick in ticks:
        ty = y(tick)
        out.append(f'<line class="grid" x1="{x0}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="#E0E0E0"/>')
        out.append(
            f'<text x="{x0 - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="#333">'
            f"{_e(format_number(tick, decimals))}</text>"
        )
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>')
    out.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#333"/>')
    out.append(
        f'<text x="14" y="{(y0 + y1) / 2:.1f}" transform="rotate(-90 14 {(y0 + y1) / 2:.1f})" '
        f'text-anchor="middle" font-size="11" fill="#333">{_e(unit_vi or "giá trị")}</text>'
    )

    # Year labels (every year, or every other one on long spans).
    every = 1 if last - first <= 14 else 2
    for year in range(first, last + 1):
        tx = x(year)
        out.append(f'<line x1="{tx:.1f}" y1="{y1}" x2="{tx:.1f}" y2="{y1 + 4}" stroke="#333"/>')
        if (year - first) % every == 0:
            out.append(
                f'<text class="year" x="{tx:.1f}" y="{y1 + 17}" text-anchor="middle" font-size="11" fill="#333">'
                f"{year}</text>"
            )
    out.append(
        f'<text x="{(x0 + x1) / 2:.1f}" y="{_H - 8}" text-anchor="middle" font-size="11" fill="#333">Năm</text>'
    )

    # Boxes (left, right, top, bottom) already inked, so target labels can avoid them.
    boxes: list[tuple[float, float, float, float]] = []

    def free(box: tuple[float, float, float, float]) -> bool:
        left, right, top, bottom = box
        return all(right <= b[0] or left >= b[1] or bottom <= b[2] or top >= b[3] for b in boxes)

    # Actuals: line and points, values written above the points.
    actual_svg: list[str] = []
    xy = [(x(yr), y(v)) for yr, v in points]
    for (ax, ay), (bx, by) in zip(xy, xy[1:], strict=False):
        n = int(math.hypot(bx - ax, by - ay) / 4) + 1
        boxes.extend((ax + (bx - ax) * i / n - 2, ax + (bx - ax) * i / n + 2,
                      ay + (by - ay) * i / n - 2, ay + (by - ay) * i / n + 2) for i in range(n + 1))
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in xy)
    actual_svg.append(
        f'<polyline class="actual-line" points="{coords}" fill="none" stroke="{_ACTUAL_COLOUR}" stroke-width="2.5"/>'
    )
    for (yr, v), (px, py) in zip(points, xy, strict=True):
        boxes.append((px - 5, px + 5, py - 5, py + 5))
        actual_svg.append(
            f'<circle class="actual-point" cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{_ACTUAL_COLOUR}">'
            f"<title>{_e(f'{yr}: {value_text(v, unit)}')}</title></circle>"
        )
        if len(points) <= 12:
            text = format_number(v)
            half = _CHAR_WIDTH * len(text) / 2
            boxes.append((px - half, px + half, py - 18, py - 6))
            actual_svg.append(
                f'<text x="{px:.1f}" y="{py - 8:.1f}" text-anchor="middle" font-size="10" fill="{_ACTUAL_COLOUR}">'
                f"{_e(text)}</text>"
            )

    # Phase ends: a dotted vertical marker at the end of the last year of each phase,
    # labelled at the foot of the plot.
    for end in sorted({t["phase_end"] for t in targets if t["phase_end"] is not None}):
        px = x(end + 0.5)
        phases = sorted({phase_text(t["phase_start"], t["phase_end"]) for t in targets if t["phase_end"] == end})
        label = "Hết GĐ " + ", ".join(phases)
        boxes.append((px - 3 - _CHAR_WIDTH * len(label), px - 3, y1 - 15, y1 - 2))
        out.append(
            f'<line class="phase-end" x1="{px:.1f}" y1="{y0}" x2="{px:.1f}" y2="{y1}" '
            f'stroke="{_PHASE_COLOUR}" stroke-dasharray="2 3"><title>{_e(label)}</title></line>'
            f'<text x="{px - 3:.1f}" y="{y1 - 5}" text-anchor="end" font-size="10" fill="{_PHASE_COLOUR}">'
            f"{_e(label)}</text>"
        )

    # Targets: a dashed line over the whole years of the phase (from the start of
    # its first year to the end of the target year), labelled at its right end,
    # above the line or, where that is inked already, below it or further away.
    lines: list[tuple[str, float, float, float]] = []
    for t in targets:
        if t["target_value"] is None:
            continue
        start = t["phase_start"] if t["phase_start"] is not None else first
        end = t["target_year"] if t["target_year"] is not None else last
        lx1, lx2, ly = max(x(start - 0.5), x0), min(x(end + 0.5), x1), y(t["target_value"])
        label = f"Mục tiêu {t['target_year']}: {target_text(t['comparator'], t['target_value'], unit)}"
        if t["is_conflicting"]:
            label += " (mâu thuẫn)"
        boxes.append((lx1, lx2, ly - 1.5, ly + 1.5))
        lines.append((label, lx1, lx2, ly))
        out.append(
            f'<line class="target-line" data-target-value="{_e(t["target_value"])}" x1="{lx1:.1f}" y1="{ly:.1f}" '
            f'x2="{lx2:.1f}" y2="{ly:.1f}" stroke="{_TARGET_COLOUR}" stroke-width="2" stroke-dasharray="7 4">'
            f"<title>{_e(label)}</title></line>"
        )
    for label, lx1, lx2, ly in lines:
        width = _CHAR_WIDTH * 1.1 * len(label)
        anchor, tx = ("end", lx2 - 2) if lx2 - 2 - width >= x0 else ("start", lx1 + 2)
        left = tx - width if anchor == "end" else tx
        candidates = [ly - 5 - 13 * k for k in range(4)] + [ly + 14 + 13 * k for k in range(4)]
        candidates.sort(key=lambda c: abs(c - ly))
        fits = [c for c in candidates if c - 10 >= y0 - 14 and c + 2 <= y1 - 1]
        ty = next((c for c in fits if free((left, left + width, c - 10, c + 2))), fits[0] if fits else ly - 5)
        boxes.append((left, left + width, ty - 10, ty + 2))
        out.append(
            f'<text class="target-label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" font-size="11" '
            f'fill="{_TARGET_COLOUR}" stroke="#FFFFFF" stroke-width="3" paint-order="stroke">{_e(label)}</text>'
        )
    out.extend(actual_svg)

    # Legend along the top margin.
    lg = 14
    out.append(
        f'<g class="legend" font-size="11" fill="#333">'
        f'<line x1="{x0}" y1="{lg}" x2="{x0 + 24}" y2="{lg}" stroke="{_ACTUAL_COLOUR}" stroke-width="2.5"/>'
        f'<circle cx="{x0 + 12}" cy="{lg}" r="3.5" fill="{_ACTUAL_COLOUR}"/>'
        f'<text x="{x0 + 30}" y="{lg + 4}">Thực hiện</text>'
        f'<line x1="{x0 + 110}" y1="{lg}" x2="{x0 + 134}" y2="{lg}" stroke="{_TARGET_COLOUR}" stroke-width="2" '
        f'stroke-dasharray="7 4"/>'
        f'<text x="{x0 + 140}" y="{lg + 4}">Mục tiêu</text>'
        f'<line x1="{x0 + 215}" y1="{lg - 7}" x2="{x0 + 215}" y2="{lg + 7}" stroke="{_PHASE_COLOUR}" '
        f'stroke-dasharray="2 3"/>'
        f'<text x="{x0 + 222}" y="{lg + 4}">Kết thúc giai đoạn</text></g>'
    )
    out.append("</svg>")
    return "".join(out)


def _cell(value: Any, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{_e(value)}</td>"


def _status_cell(status: str | None) -> str:
    return (
        f'<td class="status tone-{status_tone(status)}" data-status="{_e(status)}">{_e(status_label(status))}</td>'
    )


def _targets_table(targets: list[dict]) -> str:
    rows = []
    for t in targets:
        unit = t["unit"]
        rows.append(
            "<tr>"
            + _cell(t["indicator_name"])
            + _cell(phase_text(t["phase_start"], t["phase_end"]))
            + _cell(t["target_year"], "num")
            + _cell(target_text(t["comparator"], t["target_value"], unit), "num")
            + _cell(value_text(t["actual_value"], unit), "num")
            + _cell(t["actual_year"], "num")
            + _cell(value_text(t["baseline_value"], unit), "num")
            + _cell(t["baseline_year"], "num")
            + _cell(format_number(t["achievement_pct"]), "num")
            + _status_cell(t["status"])
            + _cell(target_note(t))
            + _cell(t["source_quote"], "quote")
            + "</tr>"
        )
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in TARGET_HEADINGS)
    return f'<table class="targets"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def chart_indicators(targets: list[dict], series: dict[tuple[str, str], list[tuple[int, float]]]) -> list[str]:
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
    parts = [f'<section class="plan" id="{section_id}" data-plan-id="{_e(plan["plan_id"])}">']
    parts.append(f"<h2>{_e(plan['title_vi'])}</h2>")
    doc = plan_document(plan)
    for label, value in (
        ("Số văn bản", doc),
        ("Cơ quan ban hành", plan["issuing_authority"]),
        ("Địa bàn", plan_area(plan)),
        ("Giai đoạn", plan["phases"]),
        ("Căn cứ", plan["national_basis"]),
    ):
        if value:
            parts.append(f'<p class="meta"><strong>{_e(label)}:</strong> {_e(value)}</p>')
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
            svg = _chart_svg(f"chart-{section_id}-{i}", code, name, unit, series[(plan["plan_id"], code)], ind_targets)
            parts.append(f"<figure>{svg}<figcaption>{_e(name)} ({_e(unit_label(unit))})</figcaption></figure>")
        parts.append("</div>")
    else:
        parts.append('<p class="empty">Chưa có số liệu theo năm để vẽ biểu đồ.</p>')
    parts.append("</section>")
    return "".join(parts), len(codes)


def _summary_table(plans: list[dict], by_plan: dict[str, list[dict]], ids: dict[str, str]) -> str:
    head = "".join(
        [f'<th scope="col">{_e(h)}</th>' for h in ("Kế hoạch", "Số văn bản", "Địa bàn", "Số chỉ tiêu")]
        + [f'<th scope="col" class="tone-{status_tone(s)}">{_e(status_label(s))}</th>' for s in STATUS_ORDER]
    )
    rows = []
    for plan in plans:
        targets = by_plan.get(plan["plan_id"], [])
        counts = status_counts(targets)
        rows.append(
            "<tr>"
            f'<td><a href="#{ids[plan["plan_id"]]}">{_e(plan["title_vi"])}</a></td>'
            + _cell(plan["document_number"])
            + _cell(plan_area(plan))
            + _cell(len(targets), "num")
            + "".join(_cell(counts[s], "num") for s in STATUS_ORDER)
            + "</tr>"
        )
    return f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _plain_table(css_class: str, columns: list[tuple[str, str]], rows: list[dict], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f'<th scope="col">{_e(h)}</th>' for _, h in columns)
    body = "".join("<tr>" + "".join(_cell(r[k]) for k, _ in columns) + "</tr>" for r in rows)
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def write_html_report(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Write the self-contained HTML report to ``path`` and return counts for metadata.

    Reads the same tables as the scorecard plus ``marts.plan_indicator_series``
    for the charts. Returns ``{"plans", "targets", "charts", "warnings", "bytes"}``.
    """
    plans = load_plans(con)
    targets = load_targets(con)
    series = load_plan_series(con)
    warnings = load_warnings(con)
    indicators = load_indicators(con)
    by_plan: dict[str, list[dict]] = {}
    for t in targets:
        by_plan.setdefault(t["plan_id"], []).append(t)
    taken: set[str] = {"tong-hop", "canh-bao", "chi-so"}
    ids = {p["plan_id"]: _slug(f"plan-{p['plan_id']}", taken) for p in plans}

    sections, charts = [], 0
    for plan in plans:
        section, n = _plan_section(plan, by_plan.get(plan["plan_id"], []), series, ids[plan["plan_id"]])
        sections.append(section)
        charts += n
    last_year = max((yr for pts in series.values() for yr, _ in pts), default=None)
    legend = "".join(
        f'<span class="tone-{status_tone(s)}">{_e(status_label(s))}</span>' for s in STATUS_ORDER
    )
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'"
    doc = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(TITLE)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{_SCRIPT}</script>",
        "</head>",
        f'<body data-charts-total="{charts}">',
        f"<header><h1>{_e(TITLE)}</h1>",
        f'<p class="meta">Số liệu đến năm {last_year}.</p>' if last_year is not None else "",
        f'<p class="legend"><strong>Đánh giá:</strong> {legend}</p></header>',
        '<main><section id="tong-hop"><h2>Tổng hợp theo kế hoạch</h2>',
        _summary_table(plans, by_plan, ids),
        "</section>",
        *sections,
        '<section id="canh-bao"><h2>Cảnh báo dữ liệu</h2>',
        _plain_table(
            "warnings",
            [
                ("check_name", "Kiểm tra"),
                ("source", "Nguồn"),
                ("province_code", "Mã tỉnh"),
                ("year", "Năm"),
                ("indicator_code", "Mã chỉ số"),
                ("message", "Nội dung"),
            ],
            warnings,
            "Không có cảnh báo.",
        ),
        '</section><section id="chi-so"><h2>Danh mục chỉ số</h2>',
        _plain_table(
            "indicators",
            [
                ("indicator_code", "Mã chỉ số"),
                ("name_vi", "Tên chỉ số"),
                ("unit", "Đơn vị"),
                ("measure_type", "Loại"),
                ("source", "Nguồn số liệu"),
                ("definition", "Định nghĩa"),
            ],
            indicators,
            "Chưa có danh mục chỉ số.",
        ),
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
        "warnings": len(warnings),
        "bytes": len(text.encode("utf-8")),
    }
