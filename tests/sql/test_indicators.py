"""Indicator values computed by the SQL models on small hand-made rows (docs/contract.md §2.2, §3).

Each expectation is computed by hand in the test's comment."""

from __future__ import annotations

from datetime import date

import pytest

from tests.fixtures.model_warehouse import rows, value, warehouse_from_rows


def ben(code, year, month=None, district=None, commune=None, group="elderly", lst="old", **measures):
    return {"province_code": code, "province_list": lst, "year": year, "month": month, "district": district,
            "commune": commune, "group_code": group, **measures}


def test_ratio_of_sums_not_average_of_district_percentages():
    # District A: 90/100 = 90 %, district B: 450/900 = 50 %. Their average would be 70 %;
    # the ratio of sums is (90 + 450) / (100 + 900) = 54 %.
    con = warehouse_from_rows(beneficiaries=[
        ben("96", 2019, district="Huyện Trần Văn Thời", in_difficulty=100, served=90, comprehensive=20, case_managed=10),
        ben("96", 2019, district="Thành phố Cà Mau", in_difficulty=900, served=450, comprehensive=90, case_managed=300),
    ])
    assert value(con, "served_pct", "as_reported", "96", 2019) == (540, 1000, 54.0)
    assert value(con, "comprehensive_pct", "as_reported", "96", 2019) == (110, 1000, 11.0)
    # case_managed: (10 + 300) / 1000 = 31 % (the district average would be 21.7 %)
    assert value(con, "case_managed_pct", "as_reported", "96", 2019) == (310, 1000, 31.0)
    assert value(con, "served_pct", "current", "96", 2019) == (540, 1000, 54.0)
    assert rows(con, "select province_name from marts.indicator_values where province_code = '96' limit 1") == [("Cà Mau",)]


def test_stocks_take_the_latest_month_and_flows_sum():
    # Kon Tum 2024, monthly: in_difficulty 100+m, served 50+m, allowance 1000+m; emergency 10 cases a
    # month, 9 assisted (3 in December). Stocks = December: 62/112; allowance 1012 (summing the months
    # would give 12078). Flows = the year: 9*11 + 3 = 102 assisted of 120 cases = 85 %.
    con = warehouse_from_rows(beneficiaries=[
        ben("62", 2024, month=m, in_difficulty=100 + m, served=50 + m, monthly_allowance=1000 + m,
            emergency_cases=10, emergency_assisted=9 if m < 12 else 3)
        for m in range(1, 13)
    ])
    numerator, denominator, served = value(con, "served_pct", "as_reported", "62", 2024)
    assert (numerator, denominator) == (62, 112)
    assert served == pytest.approx(100 * 62 / 112)
    assert value(con, "allowance_recipients", "as_reported", "62", 2024) == (1012, None, 1012)
    assert value(con, "emergency_timely_pct", "as_reported", "62", 2024) == (102, 120, 85.0)


def test_unit_missing_from_latest_month_is_not_added_and_is_warned():
    # Lào Cai 2023: commune A reports every month (5 of 10 served), commune B stops after November
    # (10 of 10). The stock is December's: A only, 5/10 = 50 %, and B's gap is a completeness warning.
    rows_ = [ben("10", 2023, month=m, district="Huyện Bát Xát", commune="Xã A", in_difficulty=10, served=5) for m in range(1, 13)]
    rows_ += [ben("10", 2023, month=m, district="Huyện Bát Xát", commune="Xã B", in_difficulty=10, served=10) for m in range(1, 12)]
    con = warehouse_from_rows(beneficiaries=rows_)
    assert value(con, "served_pct", "as_reported", "10", 2023) == (5, 10, 50.0)
    # checked in both geographies: Lào Cai is 10 on the old list and 15 (with Yên Bái) on the new one
    warnings = rows(con, "select geography, province_list, province_code, province_name, year, figures, message "
                         "from marts.data_quality_warnings where \"check\" = 'incomplete_latest_month' order by geography")
    figures = '{"units_reporting":2,"units_in_latest_month":1,"units_missing":1,"latest_month":12}'
    assert [w[:6] for w in warnings] == [
        ("as_reported", "old", "10", "Lào Cai", 2023, figures),
        ("current", "new", "15", "Lào Cai", 2023, figures),
    ]
    assert warnings[0][6] == ("Lào Cai (10, danh sách 63 tỉnh cũ): 1 trong 2 đơn vị báo cáo năm 2023 không có số liệu tháng 12; "
                              "số liệu các tháng trước của các đơn vị này không được cộng vào số cuối kỳ")


def test_empty_measure_is_not_reported_not_zero():
    # served is empty for district B: its in_difficulty does not enter served_pct's denominator.
    con = warehouse_from_rows(beneficiaries=[
        ben("96", 2019, district="A", in_difficulty=100, served=60),
        ben("96", 2019, district="B", in_difficulty=300, served=None),
    ])
    assert value(con, "served_pct", "as_reported", "96", 2019) == (60, 100, 60.0)


def test_reform_year_counts_each_person_once():
    # 2024: Cà Mau 600/1000 and Bạc Liêu 200/500 reported separately (as_reported), merged in current:
    # 800/1500. 2025: Jan-Jun under the old provinces, Jul-Dec under the new Cà Mau (1000/1600).
    # Stock 2025 = December only: 1000/1600 = 62.5 % (adding June's old reports would give 1850/3100).
    # Flows 2025: Jan-Jun 2 provinces x 6 months x 10 cases, all assisted = 120/120; Jul-Dec 6 x 20
    # cases, 10 assisted = 60/120; year = 180/240 = 75 %.
    data = [
        ben("96", 2024, in_difficulty=1000, served=600),
        ben("95", 2024, in_difficulty=500, served=200),
    ]
    for m in range(1, 7):
        data.append(ben("96", 2025, month=m, in_difficulty=1000, served=600, emergency_cases=10, emergency_assisted=10))
        data.append(ben("95", 2025, month=m, in_difficulty=500, served=250, emergency_cases=10, emergency_assisted=10))
    for m in range(7, 13):
        data.append(ben("96", 2025, month=m, lst="new", in_difficulty=1600, served=1000, emergency_cases=20, emergency_assisted=10))
    con = warehouse_from_rows(beneficiaries=data)
    assert value(con, "served_pct", "as_reported", "96", 2024) == (600, 1000, 60.0)
    assert value(con, "served_pct", "as_reported", "95", 2024) == (200, 500, 40.0)
    assert value(con, "served_pct", "current", "96", 2024)[:2] == (800, 1500)
    assert value(con, "served_pct", "current", "96", 2025) == (1000, 1600, 62.5)
    assert value(con, "served_pct", "as_reported", "96", 2025) == (1000, 1600, 62.5)
    assert value(con, "emergency_timely_pct", "current", "96", 2025) == (180, 240, 75.0)
    assert rows(con, "select count(*) from marts.indicator_values where province_code = '95' and year = 2025") == [(0,)]
    names = rows(con, "select distinct geography, year, province_name from marts.indicator_values where province_code = '95'")
    assert names == [("as_reported", 2024, "Bạc Liêu")]


def test_province_row_not_added_to_district_rows_and_difference_is_warned():
    # Đồng Tháp 2022, disabled: province row 500/1000 and districts 300/600 + 200/380. The district
    # sum 500/980 is used (not 1000/1980), and the 1000 vs 980 difference is a warning.
    con = warehouse_from_rows(beneficiaries=[
        ben("87", 2022, group="disabled", in_difficulty=1000, served=500),
        ben("87", 2022, group="disabled", district="Huyện Cao Lãnh", in_difficulty=600, served=300),
        ben("87", 2022, group="disabled", district="Huyện Lai Vung", in_difficulty=380, served=200),
    ])
    assert value(con, "served_pct", "as_reported", "87", 2022)[:2] == (500, 980)
    (figures, message), = rows(con, "select figures, message from marts.data_quality_warnings where check_name = 'level_difference'")
    assert '"province_in_difficulty":1000,"lower_in_difficulty":980' in figures
    assert "báo 1000 người có hoàn cảnh đặc biệt khó khăn, tổng các huyện/xã là 980" in message


def test_later_file_supersedes_the_same_key():
    # The correction file (lexically later) replaces the earlier 40/100 by 70/100.
    con = warehouse_from_rows(beneficiaries=[
        {**ben("62", 2021, in_difficulty=100, served=40), "file_name": "2021_kontum.csv"},
        {**ben("62", 2021, in_difficulty=100, served=70), "file_name": "2021_kontum_dieu_chinh.csv"},
    ])
    assert value(con, "served_pct", "as_reported", "62", 2021) == (70, 100, 70.0)


FACILITIES_2020 = [
    # id, type, status, accessible, residents, provides social work, staff total, social-work staff
    ("F1", "sa_elderly", "active", True, 100, True, 10, 2),
    ("F2", "sa_children", "active", False, 50, False, 5, 0),
    ("F3", "health", "active", None, None, True, 20, 3),
    ("F4", "commune", "active", None, None, False, 3, 0),
    ("F5", "sa_disabled", "closed", True, 80, True, 9, 3),
]


def facility_rows(year=2020, code="96"):
    return [
        {"province_code": code, "province_list": "old", "facility_id": f, "name": f"Cơ sở {f}", "year": year,
         "ownership": "public", "unit_type": t, "residents": r, "provides_social_work": sw,
         "meets_accessibility": acc, "staff_total": st, "staff_social_work": sws, "status": status}
        for f, t, status, acc, r, sw, st, sws in FACILITIES_2020
    ]


def test_facility_indicators_count_active_units_of_the_snapshot_year():
    # Active sa_* units: F1, F2 (F5 closed). Accessible 1/2 = 50 %; residents (100+50)/2 = 75.
    # Social-work scope (sa_*, health, education): F1, F2, F3; providing F1, F3 = 2/3.
    # Units with >= 1 social-work staff among the 4 active: F1, F3 = 50 %.
    con = warehouse_from_rows(facilities=facility_rows())
    assert value(con, "facility_accessible_pct", "as_reported", "96", 2020) == (1, 2, 50.0)
    assert value(con, "facility_residents_avg", "as_reported", "96", 2020) == (150, 2, 75.0)
    assert value(con, "sw_service_units_pct", "as_reported", "96", 2020)[2] == pytest.approx(200 / 3)
    assert value(con, "sw_staffed_units_pct", "as_reported", "96", 2020) == (2, 4, 50.0)


def training(record, person, role, level, end, completed=True, facility="F1", code="96"):
    return {"province_code": code, "province_list": "old", "record_id": record, "person_key": person,
            "facility_id": facility, "role": role, "course_level": level,
            "start_date": date(end.year, 1, 1) if end.month > 1 else end, "end_date": end, "completed": completed}


TRAINING = [
    training("R1", "p1", "staff", "short_course", date(2019, 5, 1)),
    training("R2", "p1", "staff", "short_course", date(2020, 6, 1)),
    training("R3", "p2", "collaborator", "intermediate", date(2020, 3, 1)),
    training("R4", "p3", "staff", "short_course", date(2020, 4, 1), completed=False),
    training("R5", "p4", "family", "short_course", date(2020, 7, 1), facility=None),
    training("R6", "p5", "staff", "university", date(2018, 1, 1)),
]


def test_training_indicators():
    # 2020 completions by staff/collaborators: p1 (1 June) and p2 = 2; p3 did not complete; family: p4 = 1.
    # sw_staff_trained_pct 2020 (national period from 2016), per unit: F1 has p1, p2, p5 trained but 2
    # social-work staff -> min(3, 2) = 2; F3 none of 3 -> 2 / (2 + 3) = 40 %. units_two_degree_pct
    # 2020: F1 has p2 (intermediate) and p5 (university) -> 1 of 4 active units = 25 %.
    con = warehouse_from_rows(facilities=facility_rows(), training=TRAINING)
    assert value(con, "staff_trained_per_year", "as_reported", "96", 2020) == (2, None, 2)
    assert value(con, "staff_trained_per_year", "as_reported", "96", 2019) == (1, None, 1)
    assert value(con, "family_trained_per_year", "as_reported", "96", 2020) == (1, None, 1)
    assert value(con, "sw_staff_trained_pct", "as_reported", "96", 2020) == (2, 5, 40.0)
    assert value(con, "units_two_degree_pct", "as_reported", "96", 2020) == (1, 4, 25.0)


def test_indicator_values_grain_and_codes():
    con = warehouse_from_rows(beneficiaries=[ben("96", 2019, in_difficulty=10, served=5)], facilities=facility_rows())
    dupes = rows(con, "select indicator_code, geography, province_code, year, count(*) from marts.indicator_values group by all having count(*) > 1")
    assert dupes == []
    codes = {c for (c,) in rows(con, "select distinct province_code from marts.indicator_values")}
    assert codes == {"96"}


def test_trained_persons_count_at_their_unit_at_most_its_social_work_staff():
    # 6 persons trained at F1 (2 social-work staff) and 1 at F3 (3): the province would be 7 / 5 = 140 %
    # counted province-wide; per unit it is min(6, 2) + min(1, 3) = 3 of 5 = 60 %. A 7th person's
    # record without a unit, and one naming a unit not in the roster, count nowhere and are warned.
    people = [training(f"X{i}", f"q{i}", "staff", "short_course", date(2020, 2, 1)) for i in range(6)]
    people.append(training("Y1", "r1", "collaborator", "short_course", date(2020, 2, 1), facility="F3"))
    people.append(training("Y2", "r2", "staff", "short_course", date(2020, 2, 1), facility=None))
    people.append(training("Y3", "r3", "staff", "short_course", date(2020, 2, 1), facility="NOT_IN_ROSTER"))
    con = warehouse_from_rows(facilities=facility_rows(), training=people)
    assert value(con, "sw_staff_trained_pct", "as_reported", "96", 2020) == (3, 5, 60.0)
    assert rows(con, "select count(*) from marts.data_quality_warnings where check_name = 'pct_over_100'") == [(0,)]
    assert rows(con, "select province_code, year, indicator_code, figures from marts.data_quality_warnings "
                     "where check_name = 'training_unknown_unit'") == [("96", 2020, "sw_staff_trained_pct", '{"records_left_out":2}')]


def test_no_percentage_is_capped():
    # served 0 / in_difficulty 0 is no data; a percentage over 100 is published as computed (never
    # capped) and listed as an error: commune rows with served > in_difficulty cannot pass ingestion,
    # so the model is given such a row directly.
    con = warehouse_from_rows(beneficiaries=[ben("96", 2019, in_difficulty=100, served=150)])
    assert value(con, "served_pct", "as_reported", "96", 2019) == (150, 100, 150.0)
    (severity, figures), = rows(con, "select severity, figures from marts.data_quality_warnings "
                                     "where check_name = 'pct_over_100' and geography = 'as_reported'")
    assert severity == "error"
    assert figures == '{"value":150.0,"numerator":150.0,"denominator":100.0}'
