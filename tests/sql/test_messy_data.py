"""Indicator values and warnings on the incomplete and messy inputs districts really send
(docs/contract.md §2.2, §3, §4): annual and monthly reports of one unit, a switch of
reporting level in mid-year, empty cells, incomplete years, and the warnings an analyst
acts on. Every expectation is computed by hand in the comment above it."""

from __future__ import annotations

import json
from datetime import date

from tests.fixtures.model_warehouse import rows, value, warehouse_from_rows


def warnings(con, check):
    return rows(
        con,
        "select geography, province_list, province_code, province_name, year, indicator_code, source, figures, message "
        "from marts.data_quality_warnings where \"check\" = ? order by geography, province_code, year, subject",
        [check],
    )


def ben(code, year, month=None, district=None, commune=None, group="elderly", lst="old", file="test.csv", **measures):
    return {"province_code": code, "province_list": lst, "year": year, "month": month, "district": district,
            "commune": commune, "group_code": group, "file_name": file, **measures}


# ------------------------------------------------------------------ annual and monthly reports


def test_later_annual_report_replaces_the_units_monthly_rows():
    # Huyện Cái Nước 2024: twelve monthly rows of 10 cases (10 assisted) = 120, then an annual report
    # in a later file: 120 cases, 90 assisted, stock 500/400. The annual report replaces the months:
    # 90/120 = 75 %, served 400/500 (monthly stock would be December's 300/450). Adding both would
    # give 230 cases, or 240.
    data = [ben("96", 2024, month=m, district="Huyện Cái Nước", file="2024_a_thang.csv", emergency_cases=10,
                emergency_assisted=10, in_difficulty=450, served=300) for m in range(1, 13)]
    data.append(ben("96", 2024, district="Huyện Cái Nước", file="2024_b_nam.csv", emergency_cases=120,
                    emergency_assisted=90, in_difficulty=500, served=400))
    con = warehouse_from_rows(beneficiaries=data)
    assert value(con, "emergency_timely_pct", "as_reported", "96", 2024) == (90, 120, 75.0)
    assert value(con, "served_pct", "as_reported", "96", 2024) == (400, 500, 80.0)
    (found,) = warnings(con, "annual_monthly_overlap")
    assert found[:7] == ("as_reported", "old", "96", "Cà Mau", 2024, None, "beneficiaries")
    figures = json.loads(found[7])
    assert (figures["kept_report"], figures["kept_file"], figures["replaced_rows"]) == ("annual", "2024_b_nam.csv", 12)
    assert "có cả báo cáo năm và báo cáo tháng; dùng báo cáo năm của tệp sau (2024_b_nam.csv), bỏ 12 dòng" in found[8]


def test_later_monthly_report_replaces_the_units_annual_row():
    # The other way round: annual 120 cases / 90 assisted first, then months Jan-Mar of a later file
    # (10 cases, 10 assisted each): the monthly report counts, 30/30 = 100 %, and the year has 3 months.
    data = [ben("96", 2024, district="Huyện Cái Nước", file="2024_a_nam.csv", emergency_cases=120, emergency_assisted=90)]
    data += [ben("96", 2024, month=m, district="Huyện Cái Nước", file="2024_b_thang.csv", emergency_cases=10,
                 emergency_assisted=10) for m in range(1, 4)]
    con = warehouse_from_rows(beneficiaries=data)
    assert value(con, "emergency_timely_pct", "as_reported", "96", 2024) == (30, 30, 100.0)
    months = rows(con, "select months_reported, is_complete_year from marts.indicator_values "
                       "where indicator_code = 'emergency_timely_pct' and geography = 'as_reported'")
    assert months == [(3, False)]
    (found,) = warnings(con, "annual_monthly_overlap")
    assert json.loads(found[7])["kept_report"] == "monthly"


# ------------------------------------------------------------------ levels per period


def test_province_switching_to_district_rows_in_mid_year_loses_no_month():
    # Bình Dương 2024: province-level rows January-June (10 cases, 10 assisted a month = 60/60), then
    # two districts July-December (5 cases each, 2 and 3 assisted = 10 cases, 5 assisted a month =
    # 60/30). The year: 120 cases, 90 assisted = 75 % (resolving levels per year would drop the
    # first half: 60 cases). The switch is a warning naming the months of each level.
    data = [ben("74", 2024, month=m, emergency_cases=10, emergency_assisted=10) for m in range(1, 7)]
    for m in range(7, 13):
        data.append(ben("74", 2024, month=m, district="Thành phố Thuận An", emergency_cases=5, emergency_assisted=2))
        data.append(ben("74", 2024, month=m, district="Thành phố Dĩ An", emergency_cases=5, emergency_assisted=3))
    con = warehouse_from_rows(beneficiaries=data)
    assert value(con, "emergency_timely_pct", "as_reported", "74", 2024) == (90, 120, 75.0)
    (found,) = warnings(con, "level_switch")
    assert found[:5] == ("as_reported", "old", "74", "Bình Dương", 2024)
    assert json.loads(found[7]) == {"group_code": "elderly", "province_level_months": "1, 2, 3, 4, 5, 6",
                                    "lower_level_months": "7, 8, 9, 10, 11, 12"}


def test_district_switching_to_commune_rows_in_mid_year_loses_no_month():
    # Huyện Cái Nước 2024: district-level rows January-June (4 cases, 4 assisted), commune rows of
    # Xã Hưng Mỹ July-December (2 cases, 1 assisted): 24 + 12 = 36 cases, 24 + 6 = 30 assisted.
    data = [ben("96", 2024, month=m, district="Huyện Cái Nước", emergency_cases=4, emergency_assisted=4) for m in range(1, 7)]
    data += [ben("96", 2024, month=m, district="Huyện Cái Nước", commune="Xã Hưng Mỹ", emergency_cases=2,
                 emergency_assisted=1) for m in range(7, 13)]
    con = warehouse_from_rows(beneficiaries=data)
    assert value(con, "emergency_timely_pct", "as_reported", "96", 2024)[:2] == (30, 36)
    (found,) = warnings(con, "level_switch")
    assert json.loads(found[7]) == {"group_code": "elderly", "district": "huyện cái nước", "district_level_months": "1, 2, 3, 4, 5, 6",
                                    "commune_level_months": "7, 8, 9, 10, 11, 12"}
    assert "huyện cái nước, nhóm elderly, năm 2024: báo cáo cấp huyện các tháng 1, 2, 3, 4, 5, 6, cấp xã các tháng 7" in found[8]


def test_levels_resolved_per_province_as_named_before_the_merger():
    # 2025: Bạc Liêu (old 95) sends province-level rows January-June (10 cases, all assisted); the new
    # Cà Mau (96, which absorbed Bạc Liêu) sends district rows July-December (20 cases, 10 assisted).
    # Cà Mau's district rows do not hide Bạc Liêu's province rows: 60 + 120 = 180 cases, 60 + 60 = 120
    # assisted in current Cà Mau 2025 (66.67 %).
    data = [ben("95", 2025, month=m, emergency_cases=10, emergency_assisted=10) for m in range(1, 7)]
    data += [ben("96", 2025, month=m, lst="new", district="Huyện Cái Nước", emergency_cases=20, emergency_assisted=10)
             for m in range(7, 13)]
    con = warehouse_from_rows(beneficiaries=data)
    assert value(con, "emergency_timely_pct", "current", "96", 2025)[:2] == (120, 180)


# ------------------------------------------------------------------ empty cells


def facility(fid, unit_type="sa_elderly", accessible=True, residents=10, social_work=True, sw_staff=1, year=2020):
    return {"province_code": "96", "province_list": "old", "facility_id": fid, "name": fid, "year": year,
            "ownership": "public", "unit_type": unit_type, "residents": residents, "provides_social_work": social_work,
            "meets_accessibility": accessible, "staff_total": 10, "staff_social_work": sw_staff, "status": "active"}


def test_empty_roster_cells_are_left_out_of_numerator_and_denominator():
    # F1 reports everything (accessible, 40 residents, social work, 2 social-work staff); F2 has every
    # one of those cells empty. Counting an empty cell as "no"/0 would give accessible 1/2 = 50 %,
    # residents 40/2 = 20, service units 1/2, staffed units 1/2. Left out: 1/1 = 100 %, 40/1 = 40,
    # 1/1, 1/1; units_two_degree_pct needs no cell and keeps both units (0/2).
    con = warehouse_from_rows(facilities=[
        facility("F1", residents=40, sw_staff=2),
        facility("F2", accessible=None, residents=None, social_work=None, sw_staff=None),
    ])
    assert value(con, "facility_accessible_pct", "as_reported", "96", 2020) == (1, 1, 100.0)
    assert value(con, "facility_residents_avg", "as_reported", "96", 2020) == (40, 1, 40.0)
    assert value(con, "sw_service_units_pct", "as_reported", "96", 2020) == (1, 1, 100.0)
    assert value(con, "sw_staffed_units_pct", "as_reported", "96", 2020) == (1, 1, 100.0)
    assert value(con, "units_two_degree_pct", "as_reported", "96", 2020) == (0, 2, 0.0)
    found = {(w[0], w[5]): json.loads(w[7]) for w in warnings(con, "empty_cell")}
    # one unit left out of each indicator, in both geographies
    assert found[("as_reported", "facility_accessible_pct")] == {"column": "meets_accessibility", "units_left_out": 1, "units": 2}
    assert found[("current", "facility_residents_avg")] == {"column": "residents", "units_left_out": 1, "units": 2}
    assert found[("as_reported", "sw_staff_trained_pct")] == {"column": "staff_social_work", "units_left_out": 1, "units": 2}
    assert len(found) == 10


def training(record, person, role, end, facility="F1", completed=True, level="short_course"):
    return {"province_code": "96", "province_list": "old", "record_id": record, "person_key": person,
            "facility_id": facility, "role": role, "course_level": level, "start_date": None, "end_date": end,
            "completed": completed}


def test_training_record_with_empty_role_or_end_date_counts_nowhere():
    # p1 staff, completed 2020 -> 1 staff completion. p2 has no role, p3 no end date: neither counts
    # as staff (an empty role was counted as staff before), nor in sw_staff_trained_pct: F1 (2 social-
    # work staff) has 1 trained person = 50 %. Both are completeness warnings.
    con = warehouse_from_rows(
        facilities=[facility("F1", sw_staff=2)],
        training=[training("R1", "p1", "staff", date(2020, 12, 1)),
                  training("R2", "p2", None, date(2020, 12, 1)),
                  training("R3", "p3", "staff", None)],
    )
    assert value(con, "staff_trained_per_year", "as_reported", "96", 2020) == (1, None, 1)
    assert value(con, "sw_staff_trained_pct", "as_reported", "96", 2020) == (1, 2, 50.0)
    assert value(con, "family_trained_per_year", "as_reported", "96", 2020) == (0, None, 0)
    role = warnings(con, "training_unknown_role")
    assert [(w[2], w[4], w[6], json.loads(w[7])) for w in role] == [("96", 2020, "training", {"records_left_out": 1})]
    no_end = warnings(con, "training_no_end_date")
    assert [(w[2], w[4], json.loads(w[7])) for w in no_end] == [("96", None, {"records_left_out": 1})]
    assert "không có ngày kết thúc" in no_end[0][8]


def test_trained_persons_count_only_courses_ending_in_the_window():
    # Window of 2020 = national period 2016-2020. F1 has 3 social-work staff; p1 finished in 2015
    # (before the window), p2 in 2016, p3 in 2020, p3 again in 2019 (one person): 2 persons of 3 staff.
    con = warehouse_from_rows(
        facilities=[facility("F1", sw_staff=3)],
        training=[training("R1", "p1", "staff", date(2015, 6, 1)), training("R2", "p2", "collaborator", date(2016, 6, 1)),
                  training("R3", "p3", "staff", date(2020, 6, 1)), training("R4", "p3", "staff", date(2019, 6, 1))],
    )
    numerator, denominator, _ = value(con, "sw_staff_trained_pct", "as_reported", "96", 2020)
    assert (numerator, denominator) == (2, 3)


# ------------------------------------------------------------------ incomplete years


def test_months_reported_and_complete_years():
    # Kon Tum (old 62; from July 2025 part of the new Quảng Ngãi, 51): 2025 January-December, 2026
    # January-September. Training ends at the latest on
    # 30 September 2026: training 2025 is complete (12), 2026 has 9 months. The roster is always 12.
    data = [ben("51", y, month=m, in_difficulty=100, served=50, emergency_cases=1, emergency_assisted=1, lst="new")
            for y, last in ((2025, 12), (2026, 9)) for m in range(1, last + 1) if not (y == 2025 and m < 7)]
    data += [ben("62", 2025, month=m, in_difficulty=100, served=50, emergency_cases=1, emergency_assisted=1)
             for m in range(1, 7)]
    con = warehouse_from_rows(
        beneficiaries=data,
        facilities=[{**facility("F1"), "province_code": "62"}, {**facility("F1", year=2026), "province_code": "51", "province_list": "new"}],
        training=[{**training("R1", "p1", "staff", date(2025, 3, 1)), "province_code": "62"},
                  {**training("R2", "p2", "staff", date(2026, 9, 30)), "province_code": "51", "province_list": "new"}],
    )
    got = {(i, y): (m, c) for i, y, m, c in rows(
        con, "select indicator_code, year, months_reported, is_complete_year from marts.indicator_values "
             "where geography = 'current' and province_code = '51'")}
    assert got[("served_pct", 2025)] == (12, True)
    assert got[("served_pct", 2026)] == (9, False)
    assert got[("emergency_timely_pct", 2026)] == (9, False)
    assert got[("staff_trained_per_year", 2025)] == (12, True)
    assert got[("staff_trained_per_year", 2026)] == (9, False)
    assert got[("facility_accessible_pct", 2026)] == (12, True)
    # flows of an incomplete year are year-to-date: 9 cases
    assert value(con, "emergency_timely_pct", "current", "51", 2026)[:2] == (9, 9)


def allowance_series(values_by_year, months_2026=None):
    data = [ben("62" if y < 2025 else "51", y, in_difficulty=1, served=1, monthly_allowance=v, lst="old" if y < 2025 else "new")
            for y, v in values_by_year.items()]
    if months_2026:
        data.append(ben("51", 2026, month=months_2026[0], lst="new", monthly_allowance=months_2026[1]))
    return data


def test_yoy_outliers_compare_complete_years_only():
    # allowance_recipients (Kon Tum, from 2025 the new Quảng Ngãi 51, in current geography):
    # 100, 101, 103, 104, 106 in 2021-2025: changes 1, 2, 1, 2 (median 1.5, MAD 0.5). September 2026
    # (9 months): 40, a change of -66 and a modified z-score of -91 if it were compared: it is not.
    con = warehouse_from_rows(beneficiaries=allowance_series({2021: 100, 2022: 101, 2023: 103, 2024: 104, 2025: 106}, (9, 40)))
    assert warnings(con, "yoy_outlier") == []
    # The same check flags a complete year: 150 in 2025 is a change of 46 (changes 1, 2, 1, 46:
    # median 1.5, MAD 0.5, z = 0.6745 * 44.5 / 0.5 = 60.0).
    con = warehouse_from_rows(beneficiaries=allowance_series({2021: 100, 2022: 101, 2023: 103, 2024: 104, 2025: 150}))
    (found,) = warnings(con, "yoy_outlier")
    assert found[:6] == ("current", "new", "51", "Quảng Ngãi", 2025, "allowance_recipients")
    assert json.loads(found[7])["modified_z_score"] == 60.03


def test_no_outlier_where_the_counting_window_restarts():
    # sw_staff_trained_pct counts persons trained since the start of the national period (2016, 2021):
    # F1 (10 social-work staff), persons trained: 2016: 1, 2017: 2, 2018: 1, 2019: 3, 2020: 1 ->
    # 10, 30, 40, 70, 80 %; 2021 restarts: 1 -> 10 %; 2022: 8 more -> 90 %. Changes 20, 10, 30, 10, (-70
    # in 2021, a restart by design, not compared), 80: median 20, MAD 10; 2022: z = 0.6745 * 60 / 10
    # = 4.05 -> outlier; 2021 (z = -6.07 if it were compared) is not.
    per_year = {2016: 1, 2017: 2, 2018: 1, 2019: 3, 2020: 1, 2021: 1, 2022: 8}
    people = [training(f"R{y}-{i}", f"p{y}-{i}", "staff", date(y, 12, 1)) for y, n in per_year.items() for i in range(n)]
    con = warehouse_from_rows(facilities=[facility("F1", sw_staff=10, year=y) for y in per_year], training=people)
    assert [v for (v,) in rows(con, "select value from marts.indicator_values where indicator_code = 'sw_staff_trained_pct' "
                                     "and geography = 'current' order by year")] == [10, 30, 40, 70, 80, 10, 90]
    found = [w for w in warnings(con, "yoy_outlier") if w[5] == "sw_staff_trained_pct"]
    assert [(w[4], json.loads(w[7])["modified_z_score"]) for w in found] == [(2022, 4.05)]


# ------------------------------------------------------------------ warnings analysts can act on


def test_warning_names_both_province_lists():
    # Code 15 is Yên Bái on the old list and Lào Cai on the new one: a level difference of Yên Bái
    # 2024 names Yên Bái (old list); the same in 2025 December under code 15 names Lào Cai (new list).
    data = [ben("15", 2024, in_difficulty=100), ben("15", 2024, district="Huyện Trấn Yên", in_difficulty=90),
            ben("15", 2025, month=12, lst="new", in_difficulty=300),
            ben("15", 2025, month=12, lst="new", commune="Xã Bảo Hà", in_difficulty=280)]
    con = warehouse_from_rows(beneficiaries=data)
    found = [(w[1], w[2], w[3], w[4]) for w in warnings(con, "level_difference")]
    assert found == [("old", "15", "Yên Bái", 2024), ("new", "15", "Lào Cai", 2025)]
    messages = [w[8] for w in warnings(con, "level_difference")]
    assert messages[0].startswith("Yên Bái (15, danh sách 63 tỉnh cũ): ")
    assert messages[1].startswith("Lào Cai (15, danh sách 34 tỉnh mới): ")


def test_units_of_an_old_province_are_not_missing_from_the_successors_december():
    # 2025: Bạc Liêu's two communes report January-June under old 95; from July the new Cà Mau's one
    # commune reports. Cà Mau's December has all units expected of it: no completeness warning in
    # either geography. A new-list commune that stops in November is missing (1 of 2).
    data = [ben("95", 2025, month=m, commune=c, in_difficulty=10) for m in range(1, 7) for c in ("Xã A", "Xã B")]
    data += [ben("96", 2025, month=m, lst="new", commune="Xã C", in_difficulty=10) for m in range(7, 13)]
    con = warehouse_from_rows(beneficiaries=data)
    assert warnings(con, "incomplete_latest_month") == []
    data += [ben("96", 2025, month=m, lst="new", commune="Xã D", in_difficulty=10) for m in range(7, 12)]
    con = warehouse_from_rows(beneficiaries=data)
    found = [(w[0], w[2], json.loads(w[7])["units_missing"], json.loads(w[7])["units_reporting"])
             for w in warnings(con, "incomplete_latest_month")]
    assert found == [("as_reported", "96", 1, 2), ("current", "96", 1, 2)]


def test_warning_columns():
    con = warehouse_from_rows(beneficiaries=[ben("96", 2019, in_difficulty=1)])
    columns = [c for (c,) in rows(con, "select column_name from information_schema.columns "
                                       "where table_schema = 'marts' and table_name = 'data_quality_warnings' order by ordinal_position")]
    assert columns == ["check", "check_name", "subject", "severity", "geography", "province_list", "province_code",
                       "province_name", "year", "indicator_code", "source", "figures", "message"]


def test_every_family_of_checks_gives_the_same_columns_in_the_same_order():
    # the mart stacks the intermediate int_warnings_* models by position: a model whose columns
    # were in another order would put, say, a province code under year without an error
    con = warehouse_from_rows(beneficiaries=[ben("96", 2019, in_difficulty=1)])
    shapes = {}
    for table, column, data_type in rows(
        con, "select table_name, column_name, data_type from information_schema.columns where table_schema = 'intermediate'"
             " and table_name like 'int_warnings_%' order by table_name, ordinal_position"):
        shapes.setdefault(table, []).append((column, data_type))
    assert len(shapes) > 1
    first = next(iter(shapes.values()))
    assert [c for c, _ in first] == ["check_name", "subject", "severity", "geography", "province_list", "province_code",
                                     "year", "indicator_code", "source", "figures", "message_body"]
    assert {table: shape for table, shape in shapes.items() if shape != first} == {}
