"""Reports officials read: the XLSX scorecard, the static HTML report and the
end-of-run text summary.

Every report is a pure function of a DuckDB connection to the warehouse (it only
reads) and, for files, an output path. This module holds what they share: the
queries that load plans, targets, yearly series, data-quality warnings and the
indicator catalogue, the Vietnamese labels and colours of each status, and
number formatting in Vietnamese style (``34.363``, ``45,2``).

Tables read: ``seeds.plans``, ``seeds.plan_targets``, ``seeds.indicators``,
``marts.target_vs_actual``, ``marts.plan_indicator_series`` and
``marts.data_quality_warnings``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

# Status codes of marts.target_vs_actual (CONTRACT §4), in reading order.
STATUS_ORDER: tuple[str, ...] = (
    "achieved",
    "not_achieved",
    "on_track",
    "acceleration_needed",
    "off_track",
    "deteriorating",
    "insufficient_data",
    "no_data",
    "not_measurable",
)

STATUS_LABELS_VI: dict[str, str] = {
    "achieved": "Đạt",
    "not_achieved": "Không đạt",
    "on_track": "Đúng tiến độ",
    "acceleration_needed": "Cần đẩy nhanh",
    "off_track": "Chậm tiến độ",
    "deteriorating": "Đang xấu đi",
    "insufficient_data": "Chưa đủ số liệu",
    "no_data": "Không có số liệu",
    "not_measurable": "Không đo lường được",
}

# Colour family of each status: green = met or on course, amber = needs a push,
# red = missed or going the wrong way, grey = cannot be judged.
STATUS_TONES: dict[str, str] = {
    "achieved": "green",
    "on_track": "green",
    "acceleration_needed": "amber",
    "not_achieved": "red",
    "off_track": "red",
    "deteriorating": "red",
    "insufficient_data": "grey",
    "no_data": "grey",
    "not_measurable": "grey",
}

# tone -> (background, text colour); Excel's "Good / Neutral / Bad" palette.
TONE_COLOURS: dict[str, tuple[str, str]] = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
    "grey": ("#E7E6E6", "#3A3A3A"),
}

# Columns of a plan's targets table, in the XLSX sheet and the HTML report alike.
TARGET_HEADINGS: tuple[str, ...] = (
    "Chỉ tiêu",
    "Giai đoạn",
    "Năm mục tiêu",
    "Chỉ tiêu đặt ra",
    "Thực hiện",
    "Năm số liệu",
    "Đầu kỳ",
    "Năm đầu kỳ",
    "Tỷ lệ hoàn thành (%)",
    "Đánh giá",
    "Ghi chú",
    "Căn cứ",
)

CONFLICT_NOTE = "Chỉ tiêu mâu thuẫn trong văn bản"
SUCCESSOR_NOTE = "Sau 01/07/2025 so sánh với số liệu của tỉnh mới (sau sáp nhập)"

_COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}

# Units as written in the seeds (English codes) -> how an official reads them.
_UNIT_LABELS_VI = {
    "%": "%",
    "percent": "%",
    "people": "người",
    "persons": "người",
    "person": "người",
    "people per year": "người/năm",
    "people/year": "người/năm",
    "people per facility": "người/cơ sở",
    "people/facility": "người/cơ sở",
    "facilities": "cơ sở",
    "units": "đơn vị",
}


def status_label(status: str | None) -> str:
    """Vietnamese label of a status code (the code itself if unknown, '' if NULL)."""
    if status is None:
        return ""
    return STATUS_LABELS_VI.get(status, status)


def status_tone(status: str | None) -> str:
    """Colour family (green, amber, red, grey) of a status code; unknown codes are grey."""
    return STATUS_TONES.get(status or "", "grey")


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a parameterised query and return its rows as dicts, numbers as int/float."""
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [{n: (float(v) if isinstance(v, Decimal) else v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


_PLAN_IDS = """
    select plan_id from seeds.plans
    union
    select plan_id from marts.target_vs_actual
"""


def load_plans(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every plan of ``seeds.plans`` (and any plan only named by a target), ordered by plan_id.

    Keys: plan_id, document_number, document_date, issuing_authority, title_vi,
    plan_level, province_code, province_name, district_name, national_basis, phases.
    A plan missing from seeds.plans gets its plan_id as title.
    """
    return fetch_dicts(
        con,
        f"""
        with ids as ({_PLAN_IDS}),
        tva as (
            select plan_id, any_value(plan_level) as plan_level, any_value(province_name) as province_name
            from marts.target_vs_actual
            group by plan_id
        )
        select
            ids.plan_id,
            p.document_number,
            p.document_date,
            p.issuing_authority,
            coalesce(p.title_vi, ids.plan_id) as title_vi,
            coalesce(p.plan_level, tva.plan_level) as plan_level,
            p.province_code,
            coalesce(p.province_name, tva.province_name) as province_name,
            p.district_name,
            p.national_basis,
            p.phases,
        from ids
        left join seeds.plans as p on p.plan_id = ids.plan_id
        left join tva on tva.plan_id = ids.plan_id
        order by ids.plan_id
        """,
    )


def load_targets(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One dict per row of ``marts.target_vs_actual``, with the indicator's Vietnamese
    name (``indicator_name``), the target's ``note`` and ``source_quote`` from
    ``seeds.plan_targets``, the ``unit`` (the target's, else the indicator's) and
    ``indicator_unit``.

    Ordered by plan, phase, indicator, target year and value, so the two rows of a
    conflicting target sit next to each other.
    """
    return fetch_dicts(
        con,
        """
        select
            tva.target_id,
            tva.plan_id,
            tva.indicator_code,
            coalesce(ind.name_vi, tva.indicator_code) as indicator_name,
            tva.phase_start,
            tva.phase_end,
            tva.target_year,
            tva.comparator,
            tva.target_value,
            coalesce(tva.unit, pt.unit, ind.unit) as unit,
            ind.unit as indicator_unit,
            coalesce(tva.is_conflicting, false) as is_conflicting,
            tva.actual_value,
            tva.actual_year,
            tva.baseline_value,
            tva.baseline_year,
            tva.achievement_pct,
            tva.geography_basis,
            tva.status,
            tva.progress_ratio,
            pt.note,
            pt.source_quote,
        from marts.target_vs_actual as tva
        left join seeds.plan_targets as pt on pt.target_id = tva.target_id
        left join seeds.indicators as ind on ind.indicator_code = tva.indicator_code
        order by
            tva.plan_id, tva.phase_start, tva.phase_end, tva.indicator_code,
            tva.target_year, tva.target_value, tva.target_id
        """,
    )


def load_plan_series(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """(plan_id, indicator_code) -> [(year, value), ...] sorted by year, from
    ``marts.plan_indicator_series`` (rows with a NULL or NaN value are left out)."""
    rows = fetch_dicts(
        con,
        """
        select plan_id, indicator_code, year, value
        from marts.plan_indicator_series
        where value is not null and isfinite(value)
        order by plan_id, indicator_code, year
        """,
    )
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for r in rows:
        series.setdefault((r["plan_id"], r["indicator_code"]), []).append((int(r["year"]), float(r["value"])))
    return series


def load_warnings(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Rows of ``marts.data_quality_warnings`` in a stable order."""
    return fetch_dicts(
        con,
        """
        select check_name, source, province_code, year, indicator_code, message
        from marts.data_quality_warnings
        order by check_name, source, province_code, year, indicator_code, message
        """,
    )


def load_indicators(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The indicator catalogue ``seeds.indicators`` ordered by code."""
    return fetch_dicts(
        con,
        """
        select indicator_code, name_vi, name_en, unit, direction, measure_type, source, definition
        from seeds.indicators
        order by indicator_code
        """,
    )


def unit_label(unit: str | None) -> str:
    """Vietnamese reading of a unit code (``people per year`` -> ``người/năm``)."""
    if unit is None:
        return ""
    return _UNIT_LABELS_VI.get(unit.strip().lower(), unit)


def format_number(value: float | int | None, decimals: int = 1) -> str:
    """A number in Vietnamese style: ``.`` groups thousands, ``,`` marks decimals,
    at most ``decimals`` decimals and no trailing zeros (``34363`` -> ``34.363``,
    ``45.25`` -> ``45,2`` or ``45,3``, ``50.0`` -> ``50``). NULL/NaN -> ''."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    text = f"{float(value):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def target_text(comparator: str | None, value: float | None, unit: str | None) -> str:
    """The target as written for a reader: ``≥ 50%``, ``> 100 người/năm``; '' without a value."""
    if value is None:
        return ""
    symbol = _COMPARATOR_SYMBOLS.get(comparator or "", comparator or "")
    label = unit_label(unit)
    number = format_number(value, decimals=2)
    amount = f"{number}{label}" if label == "%" else f"{number} {label}".strip()
    return f"{symbol} {amount}".strip()


def value_text(value: float | None, unit: str | None) -> str:
    """A measured value with its unit: ``45,2%``, ``34.363 người``; '' when NULL."""
    if value is None:
        return ""
    label = unit_label(unit)
    number = format_number(value)
    return f"{number}{label}" if label == "%" else f"{number} {label}".strip()


def phase_text(start: int | None, end: int | None) -> str:
    """``2017–2020`` (a single year when start = end, '' when unknown)."""
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        return str(start if start is not None else end)
    return f"{start}–{end}"


def format_date(value: date | datetime | str | None) -> str:
    """A date as ``dd/mm/yyyy``; text is returned as is."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def target_note(target: dict[str, Any]) -> str:
    """The Ghi chú of a target: the seed's note, a conflict flag and the successor basis."""
    parts = []
    if target.get("is_conflicting"):
        parts.append(CONFLICT_NOTE)
    if target.get("geography_basis") == "successor":
        parts.append(SUCCESSOR_NOTE)
    if target.get("note"):
        parts.append(str(target["note"]))
    return "; ".join(parts)


def plan_document(plan: dict[str, Any]) -> str:
    """The plan's document reference: ``60/KH-UBND, ngày 06/07/2017`` ('' if neither is known)."""
    parts = [plan.get("document_number") or ""]
    if plan.get("document_date") is not None:
        parts.append(f"ngày {format_date(plan['document_date'])}")
    return ", ".join(p for p in parts if p)


def plan_area(plan: dict[str, Any]) -> str:
    """Where a plan applies: ``Thị xã Bến Cát, Bình Dương`` or ``Cà Mau``."""
    names = [plan.get("district_name"), plan.get("province_name")]
    return ", ".join(str(n) for n in names if n)


def status_counts(targets: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Number of targets per status code, every code of STATUS_ORDER present (0 if none);
    unknown codes are counted under their own name."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for t in targets:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    return counts
