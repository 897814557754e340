"""How the reports write numbers, units, targets, phases, dates and years in Vietnamese."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipelines.reports import (
    annual_change_text,
    format_date,
    format_datetime,
    format_number,
    phases_span,
    phases_text,
    target_text,
    value_text,
    year_text,
)


def test_numbers_read_the_vietnamese_way():
    assert format_number(34363) == "34.363"
    assert format_number(45.2) == "45,2"
    assert format_number(50.0) == "50"
    assert format_number(1234567.891, decimals=2) == "1.234.567,89"
    assert format_number(None) == ""
    assert format_number(float("nan")) == ""


def test_targets_and_values_carry_vietnamese_units():
    assert target_text(">=", 50.0, "%") == "≥ 50%"
    assert target_text(">=", 10.0, "models") == "≥ 10 mô hình"
    assert target_text(">=", 2.0, "centres") == "≥ 2 trung tâm"
    assert target_text(">=", 1.0, "people per unit") == "≥ 1 người/đơn vị"
    assert target_text(">=", 2.0, "facilities") == "≥ 2 cơ sở"
    assert target_text(">", 100.0, "people per year") == "> 100 người/năm"
    assert target_text("<=", 2.5, "people per facility") == "≤ 2,5 người/cơ sở"
    assert target_text(">=", None, "%") == ""  # a target cut off in the document
    assert value_text(34363.0, "people") == "34.363 người"


def test_every_unit_of_the_seeds_has_a_vietnamese_reading():
    import polars as pl

    from pipelines.config import PROJECT_ROOT

    units = set(pl.read_csv(PROJECT_ROOT / "data" / "seeds" / "plan_targets.csv")["unit"])
    units |= set(pl.read_csv(PROJECT_ROOT / "data" / "seeds" / "indicators.csv")["unit"])
    english = {u for u in units if target_text(">=", 1.0, u).split(" ", 2)[-1] == u and u != "%"}
    assert english == set()


def test_phases_dates_and_years():
    assert phases_text("2019-2020;2021-2025;2026-2030") == "2019–2020, 2021–2025, 2026–2030"
    assert phases_span("2019-2020;2021-2025;2026-2030") == "2019–2030"
    assert phases_span(None) == ""
    assert format_date(date(2017, 7, 6)) == "06/07/2017"
    assert format_date("2019-08-14") == "14/08/2019"  # as the seeds hold it
    assert format_date("không rõ") == "không rõ"
    # 23:00 UTC is 06:00 the next day in Vietnam (UTC+7).
    assert format_datetime(datetime(2026, 11, 30, 23, 0, tzinfo=UTC)) == "01/12/2026 06:00"
    assert year_text(2026, 9) == "2026 (9 tháng)"
    assert year_text(2025, 12) == "2025"
    assert year_text(2025, None) == "2025"


def test_required_annual_change():
    assert annual_change_text(4.8, 76.0, "%") == "+4,8%/năm"  # compound growth: percent per year
    assert annual_change_text(3.0, 0.0, "%") == "+3 điểm %/năm"  # linear from 0: points per year
    assert annual_change_text(12.0, 0.0, "people per year") == "+12 người/năm mỗi năm"
    assert annual_change_text(-1.5, 98.5, "%") == "-1,5%/năm"
    assert annual_change_text(None, 1.0, "%") == ""
