"""marts.target_vs_actual on the edges of the progress method (docs/contract.md §3, §4):
time to the end of the latest month, a target equal to its baseline, the pace still
needed and the projected value, means over complete years, honest reasons, the 2025
merger, and district plans resolved to one official district. Figures by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from models.seeds import resolve_plan_districts
from tests.fixtures.model_warehouse import rows, warehouse_from_rows

COLUMNS = ("status", "actual_value", "actual_year", "baseline_value", "baseline_year", "progress_ratio",
           "required_annual_change", "projected_value", "status_reason")


def plan(plan_id="p", code="62", name="Kon Tum", level="province", district=None):
    return {"plan_id": plan_id, "plan_level": level, "province_code": code, "province_name": name,
            "district_name": district, "source_file": "t.txt"}


def target(tid, indicator, comparator, value, phase, plan_id="p", unit="%"):
    return {"target_id": tid, "plan_id": plan_id, "indicator_code": indicator, "phase_start": phase[0],
            "phase_end": phase[1], "target_year": phase[1], "comparator": comparator, "target_value": value,
            "unit": unit, "is_conflicting": False, "source_file": "t.txt", "source_quote": "test"}


def ben(code, year, lst="old", month=None, district=None, **measures):
    return {"province_code": code, "province_list": lst, "year": year, "month": month, "district": district,
            "group_code": "elderly", **measures}


def judged(con):
    found = rows(con, f"select target_id, {', '.join(COLUMNS)} from marts.target_vs_actual")
    return {r[0]: dict(zip(COLUMNS, r[1:], strict=False)) for r in found}


def test_progress_time_runs_to_the_end_of_the_latest_month():
    # Quảng Ngãi plan (new code 51; a Kon Tum plan would be judged on it too): served 40 % in
    # December 2025, 42 % after nine months of 2026. Target >= 60 by 2030. t - t0 = 0.75, not 1:
    #   g(40 -> 42, 0.75) = 1.05^(1/0.75) - 1 = 0.067217;  g(40 -> 60, 5) = 1.5^(1/5) - 1 = 0.084472
    #   r = 0.7957 -> acceleration_needed (a full year would give r = 0.05 / 0.084472 = 0.59, off_track)
    # required: 100 * ((60/42)^(1/4.25) - 1) = 8.7546 % a year; projected: 42 * 1.067217^4.25 = 55.376
    data = [ben("51", 2025, lst="new", month=12, in_difficulty=1000, served=400)]
    data += [ben("51", 2026, lst="new", month=m, in_difficulty=1000, served=420) for m in range(1, 10)]
    con = warehouse_from_rows(beneficiaries=data, plans=[plan(code="62")],
                          plan_targets=[target("p-001", "served_pct", ">=", 60, (2026, 2030))])
    got = judged(con)["p-001"]
    assert got["status"] == "acceleration_needed"
    assert (got["actual_value"], got["actual_year"], got["baseline_value"], got["baseline_year"]) == (42.0, 2026, 40.0, 2025)
    assert got["progress_ratio"] == pytest.approx(0.7957, abs=1e-4)
    assert got["required_annual_change"] == pytest.approx(8.7546, abs=1e-4)
    assert got["projected_value"] == pytest.approx(55.376, abs=1e-3)
    # baseline and latest both after the reform: the series does not cross the merger
    assert got["status_reason"] == "latest 42.0 (9 months of 2026), baseline 40.0 (2025), target >= 60.0 by 2030, r = 0.8"


def test_target_equal_to_its_baseline():
    # Kon Tum, baseline 2020 and latest 2023. served 50 % -> 48 %, target > 50 by 2025: the target is
    # the baseline (g(x0 -> x*) = 0), not met; 48 is further from 50 than 50 -> deteriorating, r NULL.
    # comprehensive 50 % -> 50 %, target > 50: no further -> off_track, r NULL.
    # served: required 100 * ((50/48)^(1/2) - 1) = 2.0621 % a year; g(50 -> 48, 3) = 0.96^(1/3) - 1 =
    # -0.013515, projected 48 * 0.986485^2 = 46.711.
    data = [ben("62", 2020, in_difficulty=1000, served=500, comprehensive=500),
            ben("62", 2023, in_difficulty=1000, served=480, comprehensive=500)]
    con = warehouse_from_rows(beneficiaries=data, plans=[plan()], plan_targets=[
        target("p-001", "served_pct", ">", 50, (2021, 2025)),
        target("p-002", "comprehensive_pct", ">", 50, (2021, 2025)),
    ])
    got = judged(con)
    assert (got["p-001"]["status"], got["p-001"]["progress_ratio"]) == ("deteriorating", None)
    assert (got["p-002"]["status"], got["p-002"]["progress_ratio"]) == ("off_track", None)
    assert got["p-001"]["required_annual_change"] == pytest.approx(2.0621, abs=1e-4)
    assert got["p-001"]["projected_value"] == pytest.approx(46.711, abs=1e-3)
    assert "the target equals the baseline, so no rate of progress exists: the latest value is further from" \
        in got["p-001"]["status_reason"]
    assert "no further from the target than the baseline" in got["p-002"]["status_reason"]


def test_no_pace_once_the_target_year_has_data():
    data = [ben("62", 2020, in_difficulty=100, served=40), ben("62", 2025, lst="new", in_difficulty=100, served=70)]
    con = warehouse_from_rows(beneficiaries=[{**d, "province_code": "51"} if d["province_list"] == "new" else d for d in data],
                          plans=[plan()], plan_targets=[target("p-001", "served_pct", ">=", 60, (2021, 2025))])
    got = judged(con)["p-001"]
    assert (got["status"], got["required_annual_change"], got["projected_value"]) == ("achieved", None, None)
    assert got["status_reason"] == ("70.0 in 2025 meets >= 60.0; the series crosses the 1 July 2025 merger: "
                                    "values from 2025 are of Quảng Ngãi, a larger population")


def test_per_year_mean_of_complete_years_and_its_reason():
    # Staff completions in Kon Tum: 38, 40, 42, 43 in 2021-2024 (all in December), then 5 by
    # 30 September 2025 (9 months, incomplete). Mean of the complete years: 163 / 4 = 40.75 (with the
    # 9 months it would be 33.6). Target >= 50 a year by 2025: r = 40.75 / 50 = 0.815 ->
    # acceleration_needed. Still needed in 2025 for the 5-year mean to reach 50: 50 * 5 - 163 = 87.
    per_year = {2021: 38, 2022: 40, 2023: 42, 2024: 43}
    people = [{"province_code": "62", "province_list": "old", "record_id": f"{y}-{i}", "person_key": f"{y}-{i}",
               "facility_id": None, "role": "staff", "course_level": "short_course", "start_date": None,
               "end_date": date(y, 12, 1), "completed": True} for y, n in per_year.items() for i in range(n)]
    people += [{**people[0], "record_id": f"2025-{i}", "person_key": f"2025-{i}", "province_code": "51",
                "province_list": "new", "end_date": date(2025, 9, 30)} for i in range(5)]
    con = warehouse_from_rows(training=people, plans=[plan()], plan_targets=[
        target("p-001", "staff_trained_per_year", ">=", 50, (2021, 2025), unit="people per year")])
    got = judged(con)["p-001"]
    assert (got["status"], got["actual_value"], got["actual_year"]) == ("acceleration_needed", 40.75, 2024)
    assert got["progress_ratio"] == pytest.approx(0.815)
    assert got["required_annual_change"] == pytest.approx(87.0)
    assert got["projected_value"] == pytest.approx(40.75)
    assert got["status_reason"] == "mean of 4 complete years 2021–2024: 40.75, target >= 50.0 a year by 2025, r = 0.82"


# ------------------------------------------------------------------ district plans


def test_district_plan_resolves_to_one_official_district():
    # Đồng Tháp 2019: Huyện Cao Lãnh 70/100, Thành phố Cao Lãnh 10/100, and a row naming only
    # "Cao Lãnh" 30/100 (it fits both). The plan of Huyện Cao Lãnh sees 70 %, one row per target
    # (matching by the bare name would give three rows, or a mix).
    data = [ben("87", 2019, district="Huyện Cao Lãnh", in_difficulty=100, served=70),
            ben("87", 2019, district="Thành phố Cao Lãnh", in_difficulty=100, served=10),
            ben("87", 2019, district="Cao Lãnh", in_difficulty=100, served=30)]
    plans = resolve_plan_districts(pl.DataFrame([
        plan("h", "87", "Đồng Tháp", "district", "Huyện Cao Lãnh"),
        plan("tp", "87", "Đồng Tháp", "district", "TP. Cao Lãnh"),
    ])).to_dicts()
    con = warehouse_from_rows(beneficiaries=data, plans=plans, plan_targets=[
        target("h-001", "served_pct", ">=", 60, (2019, 2019), plan_id="h"),
        target("tp-001", "served_pct", ">=", 60, (2019, 2019), plan_id="tp"),
    ])
    got = rows(con, "select target_id, status, actual_value from marts.target_vs_actual order by target_id")
    assert got == [("h-001", "achieved", 70.0), ("tp-001", "not_achieved", 10.0)]


def test_ambiguous_district_name_is_an_error_at_seed_load():
    frame = pl.DataFrame([plan("x", "87", "Đồng Tháp", "district", "Cao Lãnh"),
                          plan("y", "87", "Đồng Tháp", "district", "Huyện Nowhere")])
    with pytest.raises(ValueError) as caught:
        resolve_plan_districts(frame)
    message = str(caught.value)
    assert "plans.csv row 1, column district_name: 'Cao Lãnh'" in message
    assert "it fits 2: Thành phố Cao Lãnh, Huyện Cao Lãnh" in message
    assert "plans.csv row 2, column district_name: 'Huyện Nowhere'" in message and "it fits 0: none" in message


def test_district_name_without_type_resolves_when_unique():
    # Thuận An is one district of Bình Dương (a thị xã until 2020, now a thành phố): the name alone
    # resolves, and so does the old type.
    resolved = resolve_plan_districts(pl.DataFrame([plan("a", "74", "Bình Dương", "district", "Thuận An"),
                                                    plan("b", "74", "Bình Dương", "district", "Thị xã Thuận An")]))
    assert resolved["district_official_name"].to_list() == ["Thành phố Thuận An", "Thành phố Thuận An"]
