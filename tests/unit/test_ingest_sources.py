"""Facilities and training files (docs/contract.md §2.3, §2.4) and personal data (§5):
exact rows and reasons of the corpus files, every boolean spelling, the x/empty
convention, and a scan of the whole warehouse for the IDs and names of the input."""

from __future__ import annotations

import csv
import hashlib
import hmac
import logging
from datetime import date

import duckdb

from tests.fixtures.ingest.builders import (
    SALT,
    all_text,
    corpus,
    ingest_one,
    landing,
    ledger,
    raw_rows,
    rejections,
    run,
)

N = None
F_COLS = (
    "row_number, province_code, province_list, province_remapped, facility_id, name, district, year,"
    " ownership, unit_type, capacity, residents, provides_social_work, meets_accessibility,"
    " staff_total, staff_social_work, status"
)
HCM = ("79", "new", False)


def test_facilities_roster_2025_booleans_enumerations_and_rules(tmp_path):
    # f02 (2025 -> new list): Bình Dương is remapped to Hồ Chí Minh; booleans spelt
    # yes/no, true/false, 1/0, có/không, co/khong, C/K, YES/Có, Không/empty (no x in the
    # column, so empty is NULL); enumerations by code or Vietnamese label.
    con, _ = ingest_one(tmp_path, "facilities", "f02_roster_2025.csv")
    assert raw_rows(con, "facilities", F_COLS) == [
        (1, "79", "new", True, "BD-TT-01", "Trung tâm Công tác xã hội tỉnh Bình Dương", N, 2025,
         "public", "sa_social_work_centre", 200, 150, True, False, 45, 12, "active"),
        (3, *HCM, "HCM-NCT-03", "Viện dưỡng lão Thị Nghè", N, 2025,
         "non_public", "sa_elderly", 80, 64, True, False, 25, 4, "active"),
        (4, *HCM, "HCM-TE-04", "Làng trẻ em SOS Gò Vấp", N, 2025,
         "non_public", "sa_children", 150, 140, True, False, 40, 6, "active"),
        (5, *HCM, "HCM-KT-05", "Trung tâm nuôi dưỡng người khuyết tật", N, 2025,
         "public", "sa_disabled", 90, 88, True, False, 30, 3, "closed"),
        (6, *HCM, "HCM-TT-06", "Trung tâm Điều dưỡng người tâm thần", N, 2025,
         "public", "sa_mental", 300, 280, True, False, 70, 9, "active"),
        (7, *HCM, "HCM-YT-07", "Bệnh viện Nhi Đồng 1", N, 2025,
         "public", "health", N, N, True, True, N, 2, "active"),
        (8, *HCM, "HCM-GD-08", "Trường Tiểu học Nguyễn Bỉnh Khiêm", N, 2025,
         "public", "education", N, N, False, N, N, N, "active"),
        (13, *HCM, "HCM-TP-12", "Trại giam Chí Hòa", N, 2025,
         "public", "justice", N, N, False, False, N, N, "closed"),
    ]
    types = ("sa_comprehensive, sa_elderly, sa_children, sa_disabled, sa_mental, sa_social_work_centre,"
             " drug_rehab, health, education, justice, commune, other")
    assert rejections(con) == [
        (2, N, "duplicate key in file (facility_id=HCM-BTXH-02, year=2025): also on line 13 (row 12)"),
        (9, "provides_social_work",
         "provides_social_work: not a boolean (yes/no, true/false, 1/0, x, có/không): 'maybe'"),
        (10, "capacity", "capacity (-20) < 0; staff_social_work (80) > staff_total (60)"),
        (11, "unit_type", f"unit_type: unknown value: 'Nhà văn hóa' (expected: {types})"),
        (12, N, "duplicate key in file (facility_id=HCM-BTXH-02, year=2025): also on line 3 (row 2)"),
        (14, "ownership", "ownership: unknown value: 'tư thục' (expected: public, non_public)"),
    ]
    assert ledger(con) == [("f02_roster_2025.csv", "loaded", 14, 8, 6, None)]


def test_x_marks_make_empty_cells_false_only_in_their_column(tmp_path):
    # f03: `Cung cấp dịch vụ công tác xã hội` uses x/X marks, so its empty cell (row 3) is
    # false; `Đạt điều kiện tiếp cận…` has no mark at all, so its empty cells are NULL.
    con, _ = ingest_one(tmp_path, "facilities", "f03_x_convention.csv")
    assert raw_rows(con, "facilities", "row_number, province_code, district, unit_type,"
                                       " provides_social_work, meets_accessibility, staff_total, staff_social_work") == [
        (1, "10", "Thành phố Lào Cai", "sa_comprehensive", True, N, 38, 6),
        (2, "10", "Thành phố Lào Cai", "sa_social_work_centre", True, N, 22, 14),
        (3, "10", "Thành phố Lào Cai", "health", False, N, 610, 0),
        (4, "10", "Thành phố Lào Cai", "education", True, N, 95, 1),
    ]


def test_tab_delimited_roster(tmp_path):
    con, _ = ingest_one(tmp_path, "facilities", "f05_tab_delimited.csv")
    assert raw_rows(con, "facilities", F_COLS) == [
        (1, "62", "old", False, "KT-BTXH-01", "Trung tâm Bảo trợ xã hội tỉnh Kon Tum", N, 2020,
         N, "sa_comprehensive", 150, 132, N, N, 34, 5, "active"),
        (2, "62", "old", False, "KT-CTXH-02", "Trung tâm Công tác xã hội tỉnh Kon Tum", N, 2020,
         N, "sa_social_work_centre", 60, 41, N, N, 18, 11, "active"),
    ]
    assert ledger(con) == [("f05_tab_delimited.csv", "loaded", 2, 2, 0, "delimiter: tab")]


def _key(person_id: str) -> str:
    return hmac.new(SALT.encode(), person_id.encode(), hashlib.sha256).hexdigest()


def test_training_records_dates_roles_levels_and_pseudonyms(tmp_path):
    # t01: both date formats; a row is dated by its end date (row 3 ends 30/06/2025: old
    # list; row 4 ends 26/09/2025: Kon Tum -> Quảng Ngãi 51, flagged; row 11 Yên Bái ->
    # Lào Cai 15). `completed` uses x marks, so the empty cell of row 3 is false.
    con, _ = ingest_one(tmp_path, "training", "t01_training_camau.csv")
    assert raw_rows(con, "training", "row_number, province_code, province_list, province_remapped, record_id,"
                                     " person_key, facility_id, role, course_level, start_date, end_date,"
                                     " completed") == [
        (1, "96", "old", False, "TH-2024-001", _key("096190001234"), "CM-BTXH-01", "staff", "short_course",
         date(2024, 3, 4), date(2024, 3, 8), True),
        (2, "96", "old", False, "TH-2024-002", _key("096185005678"), "CM-BTXH-01", "collaborator",
         "short_course", date(2024, 5, 13), date(2024, 5, 17), True),
        (3, "96", "old", False, "TH-2024-003", _key("096201009999"), N, "family", "intermediate",
         date(2023, 9, 1), date(2025, 6, 30), False),
        (4, "51", "new", True, "TH-2025-004", _key("062178004321"), "KT-CTXH-02", "staff", "short_course",
         date(2025, 9, 22), date(2025, 9, 26), True),
        (11, "15", "new", True, "TH-2025-011", _key("015188007777"), "LC-CTXH-02", "family", "college",
         date(2025, 10, 1), date(2025, 12, 15), True),
    ]
    assert rejections(con) == [
        (5, "end_date", "end_date (2025-01-10) < start_date (2025-02-01)"),
        (6, "start_date", "start_date: not a date (dd/mm/yyyy or yyyy-mm-dd): '31/02/2025'"),
        (7, "role", "role: unknown value: '(value hidden: personal data)' (expected: staff, collaborator, family)"),
        (8, "person_id", "person_id: required value is empty"),
        (9, N, "duplicate key in file (record_id=TH-2025-010): also on line 11 (row 10)"),
        (10, N, "duplicate key in file (record_id=TH-2025-010): also on line 10 (row 9)"),
        (12, N, "total row"),
    ]
    assert ledger(con) == [("t01_training_camau.csv", "loaded", 12, 5, 7, None)]


def test_the_same_person_gets_the_same_key_and_the_salt_matters(tmp_path):
    text = (
        "record_id,person_id,province,end_date\n"
        "R1,  079190001234 ,Cà Mau,2024-03-08\n"
        "R2,079190001234,Cà Mau,2024-04-08\n"
    )
    folder = landing(tmp_path, {"t.csv": text})
    con = duckdb.connect()
    run(con, "training", folder)
    keys = raw_rows(con, "training", "person_key")
    assert keys == [(_key("079190001234"),), (_key("079190001234"),)]
    other = duckdb.connect()
    from pipelines.ingest import ingest_source

    ingest_source(other, "training", folder, "another-salt")
    assert raw_rows(other, "training", "person_key")[0] != keys[0]


def test_no_id_or_name_is_stored_reported_or_logged(tmp_path, caplog):
    # Every ID and name of the training corpus file, plus a rejected file and an XLSX,
    # scanned for in every text value of the warehouse, the report and the log.
    with corpus("training", "t01_training_camau.csv").open(encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    secrets = {r["Số CCCD/CMND"] for r in records} | {r["Họ và tên"] for r in records}
    secrets = {s for s in secrets if s and s != "Tổng cộng"}
    assert len(secrets) >= 18
    folder = landing(tmp_path, {
        "t01.csv": corpus("training", "t01_training_camau.csv"),
        "t02_no_province.csv": "Mã bản ghi,Số CCCD/CMND,Họ và tên\nX1,096190001234,Nguyễn Văn An\n",
    })
    con = duckdb.connect()
    with caplog.at_level(logging.DEBUG):
        report = run(con, "training", folder)
    assert ledger(con)[1] == (
        "t02_no_province.csv", "rejected", 0, 0, 0, "missing required column: province (Tỉnh/Thành phố)"
    )
    haystacks = {"warehouse": all_text(con), "report": repr(report), "log": caplog.text}
    seen = {"warehouse": "TH-2024-001", "report": "(value hidden: personal data)", "log": "t01.csv"}
    for where, text in haystacks.items():
        assert seen[where] in text  # the scan looks at real content
        for secret in secrets:
            assert secret not in text, (where, secret)
    columns = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'training'"
    ).fetchall()}
    assert "person_id" not in columns and "full_name" not in columns and "person_key" in columns
