"""Inline SVG charts of the HTML report: for one plan and indicator, the yearly values
the plan is judged on, a dashed line per target over its phase, a marker at each phase
end, incomplete years (hollow point, ``9 tháng``) and the merger of provinces on
1 July 2025 (a vertical line; values of the successor province drawn as squares)."""

from __future__ import annotations

import html
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from pipelines.reports import (
    REFORM_YEAR,
    format_number,
    months_text,
    phase_text,
    target_text,
    unit_label,
    value_text,
    year_text,
)
from pipelines.reports.queries import Point


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; NULL -> ''."""
    return "" if value is None else html.escape(str(value), quote=True)


# Chart geometry (SVG user units): the whole chart, its margins and the plot area.
_W, _H = 720, 330
_ML, _MR, _MT, _MB = 72, 24, 44, 46
_X0, _X1, _Y0, _Y1 = _ML, _W - _MR, _MT, _H - _MB
_ACTUAL_COLOUR = "#1F5FA8"
_TARGET_COLOUR = "#C55A11"
_PHASE_COLOUR = "#7F7F7F"
_CHAR_WIDTH = 5.6  # rough width of a character at font-size 10-11, for label placement

_Box = tuple[float, float, float, float]  # left, right, top, bottom


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


@dataclass
class _Plot:
    """The scales of one chart (years ``first``..``last`` across, ``y_min``..``y_max``
    up, ticks every ``step``) and the boxes already inked, which target labels avoid."""

    first: int
    last: int
    y_min: float
    y_max: float
    step: float
    boxes: list[_Box] = field(default_factory=list)

    @classmethod
    def fit(cls, points: list[Point], targets: list[dict], percent: bool) -> _Plot:
        """Scales covering every point and every target: its phase, target year and value."""
        span_years = [p.year for p in points] + [t["phase_start"] for t in targets if t["phase_start"] is not None]
        span_years += [t["target_year"] for t in targets if t["target_year"] is not None]
        span_years += [t["phase_end"] for t in targets if t["phase_end"] is not None]
        y_min, y_max, step = _y_scale([p.value for p in points] + [t["target_value"] for t in targets], percent)
        return cls(min(span_years), max(span_years), y_min, y_max, step)

    def x(self, year: float) -> float:
        """Horizontal position of ``year`` (a whole year is centred on its slot)."""
        return _X0 + (year - self.first + 0.5) / (self.last - self.first + 1) * (_X1 - _X0)

    def y(self, value: float) -> float:
        """Vertical position of ``value``."""
        return _Y1 - (value - self.y_min) / (self.y_max - self.y_min) * (_Y1 - _Y0)

    def free(self, box: _Box) -> bool:
        """Whether ``box`` overlaps no inked box."""
        left, right, top, bottom = box
        return all(right <= b[0] or left >= b[1] or bottom <= b[2] or top >= b[3] for b in self.boxes)


def chart_svg(chart_id: str, code: str, name: str, unit: str | None, points: list[Point], targets: list[dict]) -> str:
    """One inline SVG chart: yearly values (line + points), a dashed line per target
    over its phase with a label, a dotted marker at each phase end, axes with year
    labels and value ticks, and an accessible <title>/<desc>. An incomplete year's point
    is hollow and labelled with its months; where the series runs from an old province
    into its successor, a vertical line marks 1 July 2025 and the successor's values
    are squares. The actuals are inked first, so that target labels avoid them, but
    drawn last, on top."""
    unit_vi = unit_label(unit)
    plot = _Plot.fit(points, targets, unit_vi == "%")
    actuals = _actuals(plot, points, unit)
    return "".join(
        [
            _opening(chart_id, code, name, unit, points, targets),
            *_axes(plot, unit_vi),
            *_merger(plot, points),
            *_phase_ends(plot, targets),
            *_targets(plot, targets, unit),
            *actuals,
            _LEGEND,
            "</svg>",
        ]
    )


def _opening(chart_id: str, code: str, name: str, unit: str | None, points: list[Point], targets: list[dict]) -> str:
    """The <svg> tag, its <title>/<desc> and the background of the plot area."""
    title = f"{name} — thực hiện so với mục tiêu"
    desc_values = "; ".join(_point_text(p, unit) for p in points)
    desc_targets = "; ".join(
        f"{target_text(t['comparator'], t['target_value'], unit)} năm {t['target_year']}" for t in targets
    )
    desc = f"Thực hiện theo năm: {desc_values}. Mục tiêu: {desc_targets}."
    return (
        f'<svg class="chart" id="{chart_id}" data-indicator-code="{esc(code)}" role="img" aria-label="{esc(title)}" '
        f'viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{esc(title)}</title><desc>{esc(desc)}</desc>"
        f'<rect x="{_X0}" y="{_Y0}" width="{_X1 - _X0}" height="{_Y1 - _Y0}" fill="#FAFAFA" stroke="none"/>'
    )


def _axes(plot: _Plot, unit_vi: str) -> list[str]:
    """Value ticks with their grid lines, both axes, the unit, and the year ticks and
    labels (every year, or every other one on long spans)."""
    out: list[str] = []
    ticks = [plot.y_min + i * plot.step for i in range(round((plot.y_max - plot.y_min) / plot.step) + 1)]
    if ticks[-1] < plot.y_max - 1e-9:
        ticks.append(plot.y_max)
    decimals = 0 if float(plot.step).is_integer() else 2  # 2.5 steps need their decimal
    for tick in ticks:
        ty = plot.y(tick)
        out.append(f'<line class="grid" x1="{_X0}" y1="{ty:.1f}" x2="{_X1}" y2="{ty:.1f}" stroke="#E0E0E0"/>')
        out.append(
            f'<text x="{_X0 - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" fill="#333">'
            f"{esc(format_number(tick, decimals))}</text>"
        )
    out.append(f'<line x1="{_X0}" y1="{_Y0}" x2="{_X0}" y2="{_Y1}" stroke="#333"/>')
    out.append(f'<line x1="{_X0}" y1="{_Y1}" x2="{_X1}" y2="{_Y1}" stroke="#333"/>')
    out.append(
        f'<text x="14" y="{(_Y0 + _Y1) / 2:.1f}" transform="rotate(-90 14 {(_Y0 + _Y1) / 2:.1f})" '
        f'text-anchor="middle" font-size="11" fill="#333">{esc(unit_vi or "giá trị")}</text>'
    )
    every = 1 if plot.last - plot.first <= 14 else 2
    for year in range(plot.first, plot.last + 1):
        tx = plot.x(year)
        out.append(f'<line x1="{tx:.1f}" y1="{_Y1}" x2="{tx:.1f}" y2="{_Y1 + 4}" stroke="#333"/>')
        if (year - plot.first) % every == 0:
            out.append(
                f'<text class="year" x="{tx:.1f}" y="{_Y1 + 17}" text-anchor="middle" font-size="11" fill="#333">'
                f"{year}</text>"
            )
    out.append(
        f'<text x="{(_X0 + _X1) / 2:.1f}" y="{_H - 8}" text-anchor="middle" font-size="11" fill="#333">Năm</text>'
    )
    return out


def _actuals(plot: _Plot, points: list[Point], unit: str | None) -> list[str]:
    """The line and points of the actual values, each value written above its point
    (up to 12 points); inks the line, the points and the values."""
    out: list[str] = []
    xy = [(plot.x(p.year), plot.y(p.value)) for p in points]
    for (ax, ay), (bx, by) in itertools.pairwise(xy):
        n = int(math.hypot(bx - ax, by - ay) / 4) + 1
        plot.boxes.extend((ax + (bx - ax) * i / n - 2, ax + (bx - ax) * i / n + 2,
                           ay + (by - ay) * i / n - 2, ay + (by - ay) * i / n + 2) for i in range(n + 1))
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in xy)
    out.append(
        f'<polyline class="actual-line" points="{coords}" fill="none" stroke="{_ACTUAL_COLOUR}" stroke-width="2.5"/>'
    )
    for p, (px, py) in zip(points, xy, strict=True):
        plot.boxes.append((px - 5, px + 5, py - 5, py + 5))
        incomplete = bool(months_text(p.months))
        classes = "actual-point" + (" incomplete" if incomplete else "") + (" successor" if p.basis == "successor" else "")
        fill = "#FFFFFF" if incomplete else _ACTUAL_COLOUR
        tip = f"<title>{esc(_point_text(p, unit))}</title>"
        if p.basis == "successor":
            out.append(
                f'<rect class="{classes}" x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="{fill}" '
                f'stroke="{_ACTUAL_COLOUR}" stroke-width="2">{tip}</rect>'
            )
        else:
            out.append(
                f'<circle class="{classes}" cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{fill}" '
                f'stroke="{_ACTUAL_COLOUR}" stroke-width="2">{tip}</circle>'
            )
        if len(points) <= 12:
            text = format_number(p.value) + (f" ({months_text(p.months)})" if incomplete else "")
            half = _CHAR_WIDTH * len(text) / 2
            plot.boxes.append((px - half, px + half, py - 18, py - 6))
            out.append(
                f'<text x="{px:.1f}" y="{py - 8:.1f}" text-anchor="middle" font-size="10" fill="{_ACTUAL_COLOUR}">'
                f"{esc(text)}</text>"
            )
    return out


def _merger(plot: _Plot, points: list[Point]) -> list[str]:
    """The merger of provinces (1 July 2025) where the series runs from the old province
    into its successor: drawn between the last old value (2024) and the first of the
    successor (2025, dated 31 December, after the merger); inks its label."""
    if not (any(p.basis == "successor" for p in points) and any(p.year < REFORM_YEAR for p in points)):
        return []
    mx = plot.x(REFORM_YEAR - 0.5)
    label = "Sáp nhập tỉnh 01/07/2025"
    plot.boxes.append((mx + 3, mx + 3 + _CHAR_WIDTH * len(label), _Y0, _Y0 + 13))
    return [
        f'<line class="merger-line" x1="{mx:.1f}" y1="{_Y0}" x2="{mx:.1f}" y2="{_Y1}" stroke="#7030A0" '
        f'stroke-width="1.5"><title>{esc(label)}</title></line>'
        f'<text x="{mx + 3:.1f}" y="{_Y0 + 10}" font-size="10" fill="#7030A0">{esc(label)}</text>'
    ]


def _phase_ends(plot: _Plot, targets: list[dict]) -> list[str]:
    """A dotted vertical marker at the end of the last year of each phase, labelled at
    the foot of the plot; inks the labels."""
    out: list[str] = []
    for end in sorted({t["phase_end"] for t in targets if t["phase_end"] is not None}):
        px = plot.x(end + 0.5)
        phases = sorted({phase_text(t["phase_start"], t["phase_end"]) for t in targets if t["phase_end"] == end})
        label = "Hết GĐ " + ", ".join(phases)
        plot.boxes.append((px - 3 - _CHAR_WIDTH * len(label), px - 3, _Y1 - 15, _Y1 - 2))
        out.append(
            f'<line class="phase-end" x1="{px:.1f}" y1="{_Y0}" x2="{px:.1f}" y2="{_Y1}" '
            f'stroke="{_PHASE_COLOUR}" stroke-dasharray="2 3"><title>{esc(label)}</title></line>'
            f'<text x="{px - 3:.1f}" y="{_Y1 - 5}" text-anchor="end" font-size="10" fill="{_PHASE_COLOUR}">'
            f"{esc(label)}</text>"
        )
    return out


def _targets(plot: _Plot, targets: list[dict], unit: str | None) -> list[str]:
    """A dashed line per target over the whole years of its phase (from the start of
    its first year to the end of the target year), then their labels, each at the
    right end of its line, above it or, where that is inked already, below it or
    further away; inks the lines and the labels."""
    out: list[str] = []
    lines: list[tuple[str, float, float, float]] = []
    for t in targets:
        if t["target_value"] is None:
            continue
        start = t["phase_start"] if t["phase_start"] is not None else plot.first
        end = t["target_year"] if t["target_year"] is not None else plot.last
        lx1, lx2, ly = max(plot.x(start - 0.5), _X0), min(plot.x(end + 0.5), _X1), plot.y(t["target_value"])
        label = f"Mục tiêu {t['target_year']}: {target_text(t['comparator'], t['target_value'], unit)}"
        if t["is_conflicting"]:
            label += " (mâu thuẫn)"
        plot.boxes.append((lx1, lx2, ly - 1.5, ly + 1.5))
        lines.append((label, lx1, lx2, ly))
        out.append(
            f'<line class="target-line" data-target-value="{esc(t["target_value"])}" x1="{lx1:.1f}" y1="{ly:.1f}" '
            f'x2="{lx2:.1f}" y2="{ly:.1f}" stroke="{_TARGET_COLOUR}" stroke-width="2" stroke-dasharray="7 4">'
            f"<title>{esc(label)}</title></line>"
        )
    for label, lx1, lx2, ly in lines:
        width = _CHAR_WIDTH * 1.1 * len(label)
        anchor, tx = ("end", lx2 - 2) if lx2 - 2 - width >= _X0 else ("start", lx1 + 2)
        left = tx - width if anchor == "end" else tx
        candidates = [ly - 5 - 13 * k for k in range(4)] + [ly + 14 + 13 * k for k in range(4)]
        candidates.sort(key=lambda c: abs(c - ly))
        fits = [c for c in candidates if c - 10 >= _Y0 - 14 and c + 2 <= _Y1 - 1]
        ty = next((c for c in fits if plot.free((left, left + width, c - 10, c + 2))), fits[0] if fits else ly - 5)
        plot.boxes.append((left, left + width, ty - 10, ty + 2))
        out.append(
            f'<text class="target-label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" font-size="11" '
            f'fill="{_TARGET_COLOUR}" stroke="#FFFFFF" stroke-width="3" paint-order="stroke">{esc(label)}</text>'
        )
    return out


# The legend along the top margin: the same in every chart.
_LG = 14
_LEGEND = (
    f'<g class="legend" font-size="11" fill="#333">'
    f'<line x1="{_X0}" y1="{_LG}" x2="{_X0 + 24}" y2="{_LG}" stroke="{_ACTUAL_COLOUR}" stroke-width="2.5"/>'
    f'<circle cx="{_X0 + 12}" cy="{_LG}" r="3.5" fill="{_ACTUAL_COLOUR}"/>'
    f'<text x="{_X0 + 30}" y="{_LG + 4}">Thực hiện</text>'
    f'<line x1="{_X0 + 110}" y1="{_LG}" x2="{_X0 + 134}" y2="{_LG}" stroke="{_TARGET_COLOUR}" stroke-width="2" '
    f'stroke-dasharray="7 4"/>'
    f'<text x="{_X0 + 140}" y="{_LG + 4}">Mục tiêu</text>'
    f'<line x1="{_X0 + 215}" y1="{_LG - 7}" x2="{_X0 + 215}" y2="{_LG + 7}" stroke="{_PHASE_COLOUR}" '
    f'stroke-dasharray="2 3"/>'
    f'<text x="{_X0 + 222}" y="{_LG + 4}">Kết thúc giai đoạn</text></g>'
)


def _point_text(p: Point, unit: str | None) -> str:
    """``2026 (9 tháng): 66%``, with ``, tỉnh mới sau sáp nhập`` for a successor's value."""
    basis = ", tỉnh mới sau sáp nhập" if p.basis == "successor" else ""
    return f"{year_text(p.year, p.months)}: {value_text(p.value, unit)}{basis}"
