"""marts.target_vs_actual: every status of docs/contract.md §4, on hand-made data and targets.

Kon Tum (old code 62) served_pct: 40 % in 2020, 43 % in 2021, 46 % in 2023 (1,000 people each year).
comprehensive_pct: 12 % in 2020, 9 % in 2023. case_managed_pct: only 2023 (30 %).
Progress ratio, baseline 2020 (latest before the 2021-2025 phase), latest 2023, target year 2025:
  g(40 -> 46, 3) = 1.15^(1/3) - 1 = 0.047690
  target 60: g(40 -> 60, 5) = 1.5^(1/5) - 1 = 0.084472 -> r = 0.5646 (off_track)
  target 52: g(40 -> 52, 5) = 1.3^(1/5) - 1 = 0.053874 -> r = 0.8852 (acceleration_needed)
  target 48: g(40 -> 48, 5) = 1.2^(1/5) - 1 = 0.037137 -> r = 1.2842 (on_track)
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from models.seeds import resolve_plan_districts
from tests.fixtures.model_warehouse import rows, warehouse_from_rows

PLAN = "kt_test"
SERVED = {2020: (400, 120, None), 2021: (430, None, None), 2023: (460, 90, 300)}


def beneficiaries():
    out = []
    for year, (served, comprehensive, case_managed) in SERVED.items():
        out.append({"province_code": "62", "province_list": "old", "year": year, "month": None,
                    "group_code": "elderly", "in_difficulty": 1000, "served": served,
                    "comprehensive": comprehensive, "case_managed": case_managed})
    return out


def training():
    # staff completions in Kon Tum: 6 in 2021, 10 in 2022 -> mean 8 a year so far. The latest course
    # ends on 20 December 2022, so 2022 is a complete year of training data.
    out = []
    for year, n in ((2021, 6), (2022, 10)):
        for i in range(n):
            out.append({"province_code": "62", "province_list": "old", "record_id": f"{year}-{i}",
                        "person_key": f"p{year}{i}", "facility_id": None, "role": "staff",
                        "course_level": "short_course", "start_date": date(year, 3, 1),
                        "end_date": date(year, 12, 20), "completed": True})
    return out


def target(tid, indicator, comparator, value, phase=(2021, 2025), conflicting=False):
    return {"target_id": tid, "plan_id": PLAN, "indicator_code": indicator, "phase_start": phase[0],
            "phase_end": phase[1], "target_year": phase[1], "comparator": comparator, "target_value": value,
            "unit": "%", "is_conflicting": conflicting, "source_file": "test.txt", "source_quote": "test"}


TARGETS = [
    target("achieved", "served_pct", ">=", 35, phase=(2016, 2020)),
    target("not_achieved", "served_pct", ">=", 50, phase=(2016, 2020)),
    target("off_track", "served_pct", ">=", 60),
    target("acceleration", "served_pct", ">=", 52),
    target("on_track_rate", "served_pct", ">=", 48),
    target("on_track_met", "served_pct", ">=", 45),
    target("deteriorating_met_before", "comprehensive_pct", ">=", 10),
    target("deteriorating_negative", "comprehensive_pct", ">=", 15),
    target("insufficient", "case_managed_pct", ">=", 50),
    target("no_data", "emergency_timely_pct", ">=", 90),
    target("not_measurable", "child_protection_plan_districts_pct", ">=", 100),
    {**target("per_year", "staff_trained_per_year", ">=", 10), "unit": "people per year"},
]


@pytest.fixture(scope="module")
def statuses():
    con = warehouse_from_rows(
        beneficiaries=beneficiaries(),
        training=training(),
        plans=[{"plan_id": PLAN, "plan_level": "province", "province_code": "62", "province_name": "Kon Tum",
                "source_file": "test.txt"}],
        plan_targets=TARGETS,
    )
    result = rows(con, "select target_id, status, actual_value, actual_year, baseline_value, baseline_year, "
                       "progress_ratio, achievement_pct, geography_basis from marts.target_vs_actual")
    return {r[0]: r[1:] for r in result}


@pytest.mark.parametrize(
    "target_id, status, ratio",
    [
        ("achieved", "achieved", None),
        ("not_achieved", "not_achieved", None),
        ("off_track", "off_track", 0.5646),
        ("acceleration", "acceleration_needed", 0.8852),
        ("on_track_rate", "on_track", 1.2842),
        ("on_track_met", "on_track", None),
        ("deteriorating_met_before", "deteriorating", None),
        ("insufficient", "insufficient_data", None),
        ("no_data", "no_data", None),
        ("not_measurable", "not_measurable", None),
        ("per_year", "acceleration_needed", 0.8),
    ],
)
def test_status(statuses, target_id, status, ratio):
    got_status, *_rest, progress_ratio, _achievement, _basis = statuses[target_id]
    assert got_status == status
    if ratio is None:
        assert progress_ratio is None
    else:
        assert progress_ratio == pytest.approx(ratio, abs=1e-4)


def test_every_status_is_reached(statuses):
    reached = {s[0] for s in statuses.values()}
    assert reached == {"achieved", "not_achieved", "on_track", "acceleration_needed", "off_track",
                       "deteriorating", "insufficient_data", "no_data", "not_measurable"}


def test_negative_rate_is_deteriorating(statuses):
    # comprehensive 12 % -> 9 % (2020 -> 2023) against >= 15: g(12 -> 9, 3) < 0 -> r < 0.
    status, *_rest, progress_ratio, _a, _b = statuses["deteriorating_negative"]
    assert status == "deteriorating"
    assert progress_ratio < 0


def test_actual_baseline_and_achievement(statuses):
    # 2021-2025 served target 60: actual = latest in phase (2023: 46), baseline = latest before 2021 (2020: 40).
    status, actual, actual_year, baseline, baseline_year, _r, achievement, basis = statuses["off_track"]
    assert (actual, actual_year, baseline, baseline_year) == (46.0, 2023, 40.0, 2020)
    assert achievement == pytest.approx(100 * 46 / 60)
    assert basis == "same"
    # Per-year: the mean over the phase's years with data (2021: 6, 2022: 10) = 8.
    assert statuses["per_year"][1:3] == (8.0, 2022)
    # Only one observation in phase, no earlier one: baseline = actual = 2023.
    assert statuses["insufficient"][1:5] == (30.0, 2023, 30.0, 2023)


def test_conflicting_targets_judged_by_the_stricter():
    # The document states >= 38 and >= 45 for the same phase; actual 40 in 2020: the stricter (45)
    # decides: both rows not_achieved; each keeps its own achievement (40/38, 40/45).
    con = warehouse_from_rows(
        beneficiaries=beneficiaries(),
        plans=[{"plan_id": PLAN, "plan_level": "province", "province_code": "62", "province_name": "Kon Tum",
                "source_file": "test.txt"}],
        plan_targets=[
            target("low", "served_pct", ">=", 38, phase=(2016, 2020), conflicting=True),
            target("high", "served_pct", ">=", 45, phase=(2016, 2020), conflicting=True),
            target("other", "served_pct", ">=", 30, phase=(2016, 2020)),
        ],
    )
    got = rows(con, "select target_id, status, decisive_target_value, achievement_pct, is_conflicting "
                    "from marts.target_vs_actual order by target_id")
    assert [(t, s, d, c) for t, s, d, _a, c in got] == [
        ("high", "not_achieved", 45.0, True),
        ("low", "not_achieved", 45.0, True),
        ("other", "achieved", 30.0, False),
    ]
    assert got[0][3] == pytest.approx(100 * 40 / 45)
    assert got[1][3] == pytest.approx(100 * 40 / 38)


def test_merged_province_judged_on_successor_after_reform():
    # Cà Mau plan, served >= 60 by 2025. 2024: Cà Mau alone 500/1000. 2025 (after 1 July): the new
    # Cà Mau (with Bạc Liêu) reports 1000/1600 = 62.5 % -> achieved on the successor province.
    con = warehouse_from_rows(
        beneficiaries=[
            {"province_code": "96", "province_list": "old", "year": 2024, "month": None, "group_code": "elderly",
             "in_difficulty": 1000, "served": 500},
            {"province_code": "95", "province_list": "old", "year": 2024, "month": None, "group_code": "elderly",
             "in_difficulty": 1000, "served": 900},
            {"province_code": "96", "province_list": "new", "year": 2025, "month": 12, "group_code": "elderly",
             "in_difficulty": 1600, "served": 1000},
        ],
        plans=[{"plan_id": "cm", "plan_level": "province", "province_code": "96", "province_name": "Cà Mau",
                "source_file": "t.txt"}],
        plan_targets=[{**target("cm2025", "served_pct", ">=", 60), "plan_id": "cm"},
                      {**target("cm2024", "served_pct", ">=", 60, phase=(2021, 2024)), "plan_id": "cm"}],
    )
    got = dict((r[0], r[1:]) for r in rows(
        con, "select target_id, status, actual_value, actual_year, geography_basis, province_code "
             "from marts.target_vs_actual"))
    assert got["cm2025"] == ("achieved", 62.5, 2025, "successor", "96")
    # 2024 is judged on Cà Mau alone (50 %), not on Cà Mau + Bạc Liêu (70 %).
    assert got["cm2024"] == ("not_achieved", 50.0, 2024, "same", "96")


def test_district_plan_uses_only_its_district():
    # Thuận An 70/100 and Dĩ An 10/100 in 2019: the province would be 40 %, the town plan sees 70 %.
    def row(district, served):
        return {"province_code": "74", "province_list": "old", "year": 2019, "month": None, "group_code": "other",
                "district": district, "in_difficulty": 100, "served": served}

    con = warehouse_from_rows(
        beneficiaries=[row("Thị xã Thuận An", 70), row("Thị xã Dĩ An", 10)],
        plans=resolve_plan_districts(pl.DataFrame([
            {"plan_id": "ta", "plan_level": "district", "province_code": "74", "province_name": "Bình Dương",
             "district_name": "Thuận An", "source_file": "t.txt"},
            {"plan_id": "unknown_town", "plan_level": "district", "province_code": "74",
             "province_name": "Bình Dương", "district_name": None, "source_file": "t.txt"},
        ])).to_dicts(),
        plan_targets=[
            {**target("ta", "served_pct", ">=", 60, phase=(2019, 2020)), "plan_id": "ta"},
            {**target("unknown", "served_pct", ">=", 60, phase=(2019, 2020)), "plan_id": "unknown_town"},
        ],
    )
    got = dict((r[0], r[1:]) for r in rows(con, "select target_id, status, actual_value, plan_level from marts.target_vs_actual"))
    assert got["ta"] == ("on_track", 70.0, "district")
    # A town plan whose district is not named is never compared with the whole province.
    assert got["unknown"] == ("no_data", None, "district")


def test_no_data_after_reform_is_judged_on_successor_basis():
    # A Cà Mau 2030 target without any data: the comparison would be with the merged province.
    con = warehouse_from_rows(
        plans=[{"plan_id": "cm", "plan_level": "province", "province_code": "96", "province_name": "Cà Mau",
                "source_file": "t.txt"}],
        plan_targets=[{**target("cm2030", "served_pct", ">=", 90, phase=(2026, 2030)), "plan_id": "cm"},
                      {**target("cm2020", "served_pct", ">=", 50, phase=(2017, 2020)), "plan_id": "cm"}],
    )
    got = dict(rows(con, "select target_id, status || '/' || geography_basis from marts.target_vs_actual"))
    assert got == {"cm2030": "no_data/successor", "cm2020": "no_data/same"}
