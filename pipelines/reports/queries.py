"""What the reports read from the warehouse: plans, targets, yearly series, data-quality
warnings, the indicator catalogue and how fresh the data is.

Tables read: ``seeds.plans``, ``seeds.plan_targets``, ``seeds.indicators``,
``seeds.provinces``, ``marts.target_vs_actual``, ``marts.plan_indicator_series``,
``marts.indicator_values``, ``marts.data_quality_warnings`` and ``audit.builds``.
Columns added to the marts over time (``months_reported``, ``is_complete_year``,
``required_annual_change``, ``projected_value``, the warnings' ``severity``,
``geography``…) are read when the warehouse has them and are NULL otherwise, so a
report can be written from a warehouse published before they existed. Only column
names from the fixed lists below are ever placed in the SQL text; values are bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import duckdb

from pipelines.reports import (
    CHECK_LABELS_VI,
    DIRECTION_LABELS_VI,
    GEOGRAPHY_LABELS_VI,
    MEASURE_LABELS_VI,
    PROVINCE_LIST_LABELS_VI,
    REFORM_YEAR,
    SEVERITY_LABELS_VI,
    SOURCE_LABELS_VI,
    Freshness,
    label_vi,
    unit_label,
)


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run a parameterised query and return its rows as dicts, numbers as int/float."""
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [{n: (float(v) if isinstance(v, Decimal) else v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of ``schema.table`` in order ([] when the table does not exist)."""
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _optional(columns: Sequence[str], alias: str, names: Sequence[str]) -> str:
    """``alias.name`` for each name the table has, ``null as name`` for the others."""
    return ", ".join(f"{alias}.{n}" if n in columns else f"null as {n}" for n in names)


def _has_months(con: duckdb.DuckDBPyConnection) -> bool:
    """The warehouse knows how many months each province-year has (and the old->new
    province map needed to find a plan's province after the reform)."""
    values = table_columns(con, "marts", "indicator_values")
    provinces = table_columns(con, "seeds", "provinces")
    return "months_reported" in values and {"province_list", "province_code", "successor_code"} <= set(provinces)


# The province-year a plan's value of a year comes from: the plan's province up to 2024,
# its successor (34-province list, as marts.indicator_values names it from 2025 on) after.
_MONTHS_CTE = """
    plan_provinces as (
        select p.plan_id, p.province_code, coalesce(pr.successor_code, p.province_code) as successor_code
        from seeds.plans as p
        left join seeds.provinces as pr on pr.province_list = 'old' and pr.province_code = p.province_code
    ),
    months as (
        select indicator_code, province_code, year,
            max(months_reported) as months_reported, bool_and(is_complete_year) as is_complete_year
        from marts.indicator_values
        where geography = 'as_reported'
        group by indicator_code, province_code, year
    )
"""
_MONTHS_JOIN = """
    left join plan_provinces as pp on pp.plan_id = {alias}.plan_id
    left join months as m
        on m.indicator_code = {alias}.indicator_code
        and m.year = {alias}.{year}
        and m.province_code = case when {alias}.{year} >= ? then pp.successor_code else pp.province_code end
"""


def load_plans(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every plan of ``seeds.plans`` (and any plan only named by a target), ordered by plan_id.

    Keys: plan_id, document_number, document_date, issuing_authority, title_vi,
    plan_level, province_code, province_name, district_name, national_basis, phases.
    A plan missing from seeds.plans gets its plan_id as title.
    """
    return fetch_dicts(
        con,
        """
        with ids as (
            select plan_id from seeds.plans
            union
            select plan_id from marts.target_vs_actual
        ),
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
    name (``indicator_name``), the target's ``note_vi`` and ``source_quote`` from
    ``seeds.plan_targets``, the ``unit`` (the target's, else the indicator's),
    ``indicator_unit``, ``required_annual_change`` and ``projected_value``, and
    ``actual_months`` (months reported in the actual's year: 9 for a year known up to
    September; NULL when unknown).

    Ordered by plan, phase, indicator, target year and value, so the two rows of a
    conflicting target sit next to each other.
    """
    tva_cols = table_columns(con, "marts", "target_vs_actual")
    pt_cols = table_columns(con, "seeds", "plan_targets")
    months = _has_months(con)
    rows = fetch_dicts(
        con,
        f"""
        with {_MONTHS_CTE if months else "unused as (select 1)"}
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
            {_optional(tva_cols, "tva", ("required_annual_change", "projected_value", "unit"))},
            {_optional(pt_cols, "pt", ("note_vi",))},
            pt.unit as target_unit,
            pt.source_quote,
            {"m.months_reported" if months else "null"} as actual_months,
        from marts.target_vs_actual as tva
        left join seeds.plan_targets as pt on pt.target_id = tva.target_id
        left join seeds.indicators as ind on ind.indicator_code = tva.indicator_code
        {_MONTHS_JOIN.format(alias="tva", year="actual_year") if months else ""}
        order by
            tva.plan_id, tva.phase_start, tva.phase_end, tva.indicator_code,
            tva.target_year, tva.target_value, tva.target_id
        """,
        [REFORM_YEAR] if months else [],
    )
    for row in rows:
        target_unit = row.pop("target_unit")
        row["unit"] = row["unit"] or target_unit or row["indicator_unit"]
    return rows


class Point(NamedTuple):
    """One yearly value of a plan's series: ``months`` reported that year (NULL when
    unknown) and the geography it was measured on (``same`` or ``successor``)."""

    year: int
    value: float
    months: int | None
    basis: str | None


def load_plan_series(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[Point]]:
    """(plan_id, indicator_code) -> [Point, ...] sorted by year, from
    ``marts.plan_indicator_series`` (rows with a NULL or NaN value are left out)."""
    months = _has_months(con)
    rows = fetch_dicts(
        con,
        f"""
        with {_MONTHS_CTE if months else "unused as (select 1)"}
        select s.plan_id, s.indicator_code, s.year, s.value, s.geography_basis,
            {"m.months_reported" if months else "null"} as months_reported,
        from marts.plan_indicator_series as s
        {_MONTHS_JOIN.format(alias="s", year="year") if months else ""}
        where s.value is not null and isfinite(s.value)
        order by s.plan_id, s.indicator_code, s.year
        """,
        [REFORM_YEAR] if months else [],
    )
    series: dict[tuple[str, str], list[Point]] = {}
    for r in rows:
        point = Point(int(r["year"]), float(r["value"]), r["months_reported"], r["geography_basis"])
        series.setdefault((r["plan_id"], r["indicator_code"]), []).append(point)
    return series


# Columns of marts.data_quality_warnings an official reads, in this order, with their
# Vietnamese headings; ``check`` is the name docs/contract.md §4 gives, ``check_name``
# the one of earlier warehouses.
WARNING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("check", "Kiểm tra"),
    ("severity", "Mức độ"),
    ("geography", "Địa giới"),
    ("province_list", "Danh mục tỉnh"),
    ("province_code", "Mã tỉnh"),
    ("province_name", "Tỉnh"),
    ("year", "Năm"),
    ("source", "Nguồn số liệu"),
    ("indicator_code", "Chỉ tiêu"),
    ("message", "Nội dung"),
)
_WARNING_TEXT = {name for name, _ in WARNING_COLUMNS} | {"check_name", "subject"}
_NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UBIGINT")


def load_warnings(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str]], list[str], list[dict[str, Any]]]:
    """The rows of ``marts.data_quality_warnings`` in a stable order, as
    ``(columns, figures, rows)``: ``columns`` = [(key, Vietnamese heading)] of the
    known columns the table has; ``figures`` = its other numeric columns (the figures
    of a warning, shown as numbers); rows keyed by both. ``check`` holds ``check_name``
    where the table has that instead."""
    described = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'data_quality_warnings' order by ordinal_position"
    ).fetchall()
    present = [name for name, _ in described]
    check = "check" if "check" in present else "check_name"
    columns = [(k, h) for k, h in WARNING_COLUMNS if k in present or (k == "check" and check in present)]
    figures = [
        name
        for name, dtype in described
        if name not in _WARNING_TEXT and name != check and dtype.split("(")[0] in _NUMERIC_TYPES
    ]
    selected = [f'"{check}" as "check"' if k == "check" else f'"{k}"' for k, _ in columns]
    selected += [f'"{f}"' for f in figures]
    order = ", ".join(f'"{k}"' for k, _ in columns) or "1"
    rows = fetch_dicts(
        con, f"select {', '.join(selected) or '1 as none'} from marts.data_quality_warnings order by {order}"
    )
    return columns, figures, rows


def load_indicators(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The indicator catalogue ``seeds.indicators`` ordered by code."""
    return fetch_dicts(
        con,
        """
        select indicator_code, name_vi, unit, direction, measure_type, source, definition
        from seeds.indicators
        order by indicator_code
        """,
    )


def indicator_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """indicator_code -> Vietnamese name."""
    return {r[0]: r[1] for r in con.execute("select indicator_code, name_vi from seeds.indicators").fetchall()}


def load_freshness(
    con: duckdb.DuckDBPyConnection, built_at: datetime | None = None, now: datetime | None = None
) -> Freshness:
    """The freshness of the warehouse behind ``con``.

    ``built_at`` is the build the report belongs to; without it, the latest
    ``audit.builds.published_at`` (a report written outside a build). The data's date is
    the latest year of ``marts.indicator_values`` and the most months any province
    reported in it, counted on the indicators whose months follow the data (beneficiary
    counts and per-year training): a roster, and the training ratios counted on it, are a
    whole year by construction.
    """
    now = now or datetime.now(UTC)
    if built_at is None and "published_at" in table_columns(con, "audit", "builds"):
        built_at = con.execute("select max(published_at) from audit.builds").fetchone()[0]
    year, months = None, None
    values = table_columns(con, "marts", "indicator_values")
    if "months_reported" in values:
        found = con.execute(
            """
            select v.year, max(v.months_reported)
            from marts.indicator_values as v
            left join seeds.indicators as i on i.indicator_code = v.indicator_code
            where i.source = 'beneficiaries' or i.measure_type = 'per_year'
            group by v.year
            order by v.year desc
            limit 1
            """
        ).fetchone()
        if found:
            year, months = found
    elif values:
        year = con.execute("select max(year) from marts.indicator_values").fetchone()[0]
    return Freshness(year, months, built_at, now)


_FIGURE_HEADINGS = {
    "value": "Giá trị",
    "previous_value": "Giá trị năm trước",
    "change": "Mức thay đổi",
    "z_score": "Chỉ số z",
    "modified_z_score": "Chỉ số z hiệu chỉnh",
    "province_value": "Số cấp tỉnh",
    "lower_value": "Tổng cấp huyện/xã",
    "difference": "Chênh lệch",
    "units_reporting": "Số đơn vị báo cáo",
    "units_missing": "Số đơn vị thiếu",
    "units_left_out": "Số đơn vị không được tính",
    "rows_left_out": "Số dòng không được tính",
    "records_left_out": "Số bản ghi không được tính",
    "rows_rejected": "Số dòng bị loại",
    "latest_month": "Tháng cuối",
}


def figure_heading(column: str) -> str:
    """Vietnamese heading of a figure column of marts.data_quality_warnings."""
    return _FIGURE_HEADINGS.get(column, f"Số liệu ({column})")


def warning_table(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str]], list[str], list[dict[str, Any]]]:
    """The data-quality warnings as an official reads them: ``(columns, figures, rows)``
    as ``load_warnings`` gives them, with every code turned into its Vietnamese label
    and the indicator given by its Vietnamese name; ``columns`` ends with the figures
    under Vietnamese headings. Figures stay numbers, for each report to format."""
    columns, figures, rows = load_warnings(con)
    labels = {
        "check": CHECK_LABELS_VI,
        "severity": SEVERITY_LABELS_VI,
        "geography": GEOGRAPHY_LABELS_VI,
        "province_list": PROVINCE_LIST_LABELS_VI,
        "source": SOURCE_LABELS_VI,
        "indicator_code": indicator_names(con),
    }
    shown = [{k: label_vi(labels[k], v) if k in labels else v for k, v in row.items()} for row in rows]
    return [*columns, *((f, figure_heading(f)) for f in figures)], figures, shown


CATALOGUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("indicator_code", "Mã chỉ số"),
    ("name_vi", "Tên chỉ số"),
    ("unit", "Đơn vị"),
    ("direction", "Chiều hướng"),
    ("measure_type", "Loại"),
    ("source", "Nguồn số liệu"),
    ("definition", "Công thức (mã cột dữ liệu)"),
)


def catalogue_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The indicator catalogue with its units and codes in Vietnamese (CATALOGUE_COLUMNS)."""
    return [
        {
            **i,
            "unit": unit_label(i["unit"]),
            "direction": label_vi(DIRECTION_LABELS_VI, i["direction"]),
            "measure_type": label_vi(MEASURE_LABELS_VI, i["measure_type"]),
            "source": label_vi(SOURCE_LABELS_VI, i["source"]),
        }
        for i in load_indicators(con)
    ]
