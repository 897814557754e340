"""Ingestion of beneficiaries CSV files (docs/contract.md §2.1, §2.2): each corpus file in
tests/fixtures/ingest/beneficiaries/, with the exact rows loaded, the exact
rejection reasons and the ledger row. Expected values are read off the fixture by
hand (the comment on each test says what the file exercises)."""

from __future__ import annotations

import unicodedata

import pytest

from tests.fixtures.ingest.builders import corpus, ingest_one, ledger, raw_rows, rejections

COLS = (
    "row_number, province_code, province_list, province_remapped, district, commune, year, month,"
    " group_code, in_difficulty, served, comprehensive, case_managed, emergency_cases,"
    " emergency_assisted, monthly_allowance"
)
SHORT = "row_number, province_code, province_list, province_remapped, year, month, group_code, in_difficulty"
N = None
CA_MAU = ("96", "old", False)


def test_utf8_canonical_headers_and_empty_measures_are_null(tmp_path):
    # b01: English headers; empty measure cells (row 2 emergency_*, row 3 comprehensive,
    # monthly_allowance, row 6 served…) stay NULL, while explicit zeros (row 4) stay 0.
    con, report = ingest_one(tmp_path, "beneficiaries", "b01_utf8_camau_2024.csv")
    assert raw_rows(con, "beneficiaries", COLS) == [
        (1, *CA_MAU, N, N, 2024, N, "elderly", 1520, 1210, 430, 300, 25, 25, 21450),
        (2, *CA_MAU, "Huyện Thới Bình", N, 2024, 6, "disabled", 410, 395, 120, 88, N, N, 5230),
        (3, *CA_MAU, "Huyện Thới Bình", "Xã Biển Bạch", 2024, 6, "children", 37, 30, N, 12, 3, 2, N),
        (4, *CA_MAU, "Thành phố Cà Mau", N, 2024, 12, "mental_illness", 210, 180, 60, 75, 0, 0, 1890),
        (5, *CA_MAU, N, N, 2024, 12, "hiv", 96, 80, 20, 40, N, N, 310),
        (6, *CA_MAU, N, N, 2024, 12, "other", 1200, N, N, N, 14, 9, 640),
    ]
    assert rejections(con) == []
    assert ledger(con) == [("b01_utf8_camau_2024.csv", "loaded", 6, 6, 0, None)]
    assert (report.files_seen, report.files_loaded, report.rows_loaded, report.rows_rejected) == (1, 1, 6, 0)


def test_utf8_bom_crlf_vietnamese_headers_and_group_labels(tmp_path):
    # b02: Excel "CSV UTF-8" (BOM + CRLF), the contract's Vietnamese headers (one quoted
    # because it holds commas), group labels in Vietnamese, upper case, without diacritics.
    path = corpus("beneficiaries", "b02_bom_vietnamese_headers.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    con, _ = ingest_one(tmp_path, "beneficiaries", path.name)
    lc = ("10", "old", False)  # Lào Cai, old list (2023)
    assert raw_rows(con, "beneficiaries", COLS) == [
        (1, *lc, "Huyện Bát Xát", N, 2023, 12, "elderly", 2140, 1890, 640, 510, 35, 33, 6120),
        (2, *lc, "Huyện Bát Xát", N, 2023, 12, "disabled", 1210, 1150, 300, 420, N, N, 3310),
        (3, *lc, "Huyện Bát Xát", N, 2023, 12, "children", 380, 360, 90, 200, 12, 12, 150),
        (4, *lc, "Huyện Bát Xát", N, 2023, 12, "mental_illness", 95, 90, 30, 41, N, N, 88),
        (5, *lc, "Huyện Bát Xát", N, 2023, 12, "hiv", 44, 44, 10, 20, N, N, 12),
        (6, *lc, "Huyện Bát Xát", N, 2023, 12, "other", 60, 52, N, N, 8, 8, N),
        (7, *lc, "Thị xã Sa Pa", N, 2023, 12, "other", 25, 20, N, N, N, N, N),
        (8, *lc, "Thị xã Sa Pa", N, 2023, 12, "children", 210, 205, 40, 100, N, N, 60),
        (9, *lc, "Thị xã Sa Pa", "Xã Tả Van", 2023, 12, "elderly", 130, 122, N, N, N, N, 95),
    ]
    assert ledger(con) == [("b02_bom_vietnamese_headers.csv", "loaded", 9, 9, 0, None)]


def test_cp1258_csv_is_decoded_and_nfc_normalised(tmp_path):
    # b03: Windows-1258 bytes (tone marks stored as combining characters), short
    # headers `Huyện` and `Xã`; text must come out in NFC.
    data = corpus("beneficiaries", "b03_cp1258_kontum_2019.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"\xd2" in data  # combining hook above (the ỉ of Tỉnh is i + 0xD2)
    con, _ = ingest_one(tmp_path, "beneficiaries", "b03_cp1258_kontum_2019.csv")
    kt = ("62", "old", False)
    rows = raw_rows(con, "beneficiaries", COLS)
    assert rows == [
        (1, *kt, "Huyện Đắk Hà", N, 2019, 12, "elderly", 1830, N, N, N, N, N, 2950),
        (2, *kt, "Huyện Đắk Hà", "Xã Ngọk Wang", 2019, 12, "disabled", 214, N, N, N, N, N, 198),
        (3, *kt, "Thành phố Kon Tum", N, 2019, 6, "children", 362, N, N, N, N, N, 45),
        (4, *kt, "Huyện Kon Plông", N, 2019, 12, "hiv", 17, N, N, N, N, N, N),
    ]
    assert all(unicodedata.is_normalized("NFC", r[4]) for r in rows)
    assert ledger(con) == [("b03_cp1258_kontum_2019.csv", "loaded", 4, 4, 0, "encoding: Windows-1258")]


def test_semicolon_csv_with_upper_case_headers_without_diacritics(tmp_path):
    # b04: Vietnamese-locale Excel export: `;` delimiter, `.` thousands separators,
    # headers and labels in capitals without diacritics (TINH/THANH PHO, NGUOI CAO TUOI).
    con, _ = ingest_one(tmp_path, "beneficiaries", "b04_semicolon_upper_no_diacritics.csv")
    assert raw_rows(con, "beneficiaries", COLS) == [
        (1, *CA_MAU, N, N, 2021, 12, "elderly", 34363, 30120, N, N, N, N, 21450),
        (2, *CA_MAU, N, N, 2021, 12, "disabled", 12805, 12500, N, N, N, N, 9310),
        (3, *CA_MAU, "HUYEN DAM DOI", N, 2021, 12, "children", 1204, 1100, N, N, N, N, N),
    ]
    assert ledger(con) == [
        ("b04_semicolon_upper_no_diacritics.csv", "loaded", 3, 3, 0, "delimiter: semicolon")
    ]


def test_shuffled_columns_and_extra_columns_listed_in_the_ledger(tmp_path):
    # b06: columns in another order, plus `STT` and `Ghi chú` that are not in the contract.
    con, _ = ingest_one(tmp_path, "beneficiaries", "b06_shuffled_extra_columns.csv")
    dt = ("87", "old", False)  # Đồng Tháp in the old list
    assert raw_rows(con, "beneficiaries", COLS) == [
        (1, *dt, N, N, 2022, 12, "elderly", 2150, 1980, N, N, N, N, N),
        (2, *dt, N, N, 2022, 12, "disabled", 1320, 1275, N, N, N, N, N),
        (3, *dt, N, N, 2022, 12, "children", 415, 402, N, N, N, N, N),
    ]
    assert ledger(con) == [
        ("b06_shuffled_extra_columns.csv", "loaded", 3, 3, 0, "ignored columns: STT, Ghi chú")
    ]


def test_thousands_separators_in_every_style_and_invalid_numbers(tmp_path):
    # b07: 34.363 / "34,363" / 34 363 / non-breaking and narrow non-breaking spaces all
    # mean 34363; decimals, mixed separators, 2-digit groups, text and overflow are not
    # integers; a Unicode minus is a minus.
    data = corpus("beneficiaries", "b07_thousands_separators.csv").read_bytes()
    assert "34\u00a0363".encode() in data and "34\u202f363".encode() in data
    con, _ = ingest_one(tmp_path, "beneficiaries", "b07_thousands_separators.csv")
    assert raw_rows(con, "beneficiaries", "row_number, in_difficulty, served, monthly_allowance") == [
        (1, 34363, 34363, 34363),
        (2, 1234567, 1234567, 1234567),
        (3, 34363, 34363, 34363),
        (11, 0, 0, N),
        (12, N, N, N),
    ]
    assert rejections(con) == [
        (4, "in_difficulty", "in_difficulty: not an integer: '12,5'"),
        (5, "in_difficulty", "in_difficulty: not an integer: '1.234,5'"),
        (6, "in_difficulty", "in_difficulty: not an integer: '34363.0'"),
        (7, "in_difficulty", "in_difficulty: not an integer: '34.36'"),
        (8, "in_difficulty", "in_difficulty: not an integer: '1,234.567'"),
        (9, "in_difficulty", "in_difficulty: not an integer: 'abc'"),
        (10, "monthly_allowance", "monthly_allowance (-3) < 0"),
        (13, "in_difficulty", "in_difficulty: not an integer: '99999999999999999999'"),
    ]
    assert ledger(con) == [("b07_thousands_separators.csv", "loaded", 13, 5, 8, None)]


def test_total_rows_are_rejected_whatever_label_cell_holds_the_total(tmp_path):
    # b08: `Tổng` in the district, `Tổng cộng`/`Cộng`/`TỔNG CỘNG TOÀN TỈNH`/`TOTAL:` in the
    # province, `Total` in the group: all totals; real rows around them load.
    con, _ = ingest_one(tmp_path, "beneficiaries", "b08_total_rows.csv")
    assert raw_rows(con, "beneficiaries", "row_number, district, group_code, in_difficulty, served") == [
        (1, "Huyện U Minh", "elderly", 100, 90),
        (2, "Huyện U Minh", "disabled", 50, 40),
        (9, "Huyện Trần Văn Thời", "elderly", 80, 75),
    ]
    assert rejections(con) == [(n, None, "total row") for n in range(3, 9)]
    assert ledger(con) == [("b08_total_rows.csv", "loaded", 9, 3, 6, None)]


def test_every_row_rule_violation_with_all_problems_of_a_row(tmp_path):
    # b09: one violation per row (rows 2–15), several at once (row 16), and rules that do
    # not apply because one side is not reported (rows 17, 19); row 18 is an annual row;
    # row 20 breaks served ≤ in_difficulty only (comprehensive ≤ served holds).
    con, _ = ingest_one(tmp_path, "beneficiaries", "b09_row_rules.csv")
    assert raw_rows(con, "beneficiaries", COLS) == [
        (1, *CA_MAU, "Huyện Năm Căn", N, 2024, 1, "elderly", 100, 80, 50, 60, 10, 8, 500),
        (17, *CA_MAU, "Huyện Năm Căn", N, 2024, 11, "elderly", N, 500, N, N, N, N, N),
        (18, *CA_MAU, "Huyện Năm Căn", N, 2024, N, "disabled", 40, 40, 40, 40, 2, 2, 40),
        (19, *CA_MAU, "Huyện Năm Căn", N, 2024, 12, "elderly", 100, N, N, N, N, 3, N),
    ]
    groups = "elderly, disabled, children, mental_illness, hiv, other"
    assert rejections(con) == [
        (2, "served", "served (120) > in_difficulty (100)"),
        (3, "comprehensive", "comprehensive (90) > served (80)"),
        (4, "comprehensive", "comprehensive (150) > in_difficulty (100)"),
        (5, "case_managed", "case_managed (130) > in_difficulty (100)"),
        (6, "emergency_assisted", "emergency_assisted (12) > emergency_cases (10)"),
        (7, "in_difficulty", "in_difficulty (-5) < 0"),
        (8, "year", "year (2009) not in 2010–2035"),
        (9, "year", "year (2036) not in 2010–2035"),
        (10, "month", "month (13) not in 1–12"),
        (11, "month", "month (0) not in 1–12"),
        (12, "group", "group: required value is empty"),
        (13, "group", f"group: unknown value: 'Người nghèo' (expected: {groups})"),
        (14, "year", "year: required value is empty"),
        (15, "province", "province: required value is empty"),
        (16, "year", "year (2009) not in 2010–2035; monthly_allowance (-7) < 0; "
                     "served (120) > in_difficulty (100); emergency_assisted (5) > emergency_cases (3)"),
        # comprehensive ≤ in_difficulty is implied through served when served is reported
        (20, "served", "served (120) > in_difficulty (100)"),
    ]
    assert ledger(con) == [("b09_row_rules.csv", "loaded", 20, 4, 16, None)]


def test_duplicate_keys_in_a_file_reject_every_row_of_the_key(tmp_path):
    # b10: rows 1/3 are one key once `96` and `huyện cái nước` are normalised; rows 4/5 are
    # one key because an empty month is the annual (month 12) report; rows 7/8 repeat
    # Bạc Liêu (row 8 also breaks a rule). Unknown provinces (9, 10) have no key, and the
    # total row (11) is a total, not a duplicate.
    con, _ = ingest_one(tmp_path, "beneficiaries", "b10_duplicate_keys.csv")
    assert raw_rows(con, "beneficiaries", "row_number, province_code, district, commune, month, in_difficulty") == [
        (2, "96", "Huyện Cái Nước", N, 11, 100),
        (6, "96", "Huyện Cái Nước", "Xã Phú Hưng", 12, 20),
    ]
    # each names the key as written and the line (and data row) of the other row
    cn, bl = "province=Cà Mau, district=Huyện Cái Nước", "province=Bạc Liêu, year=2024, month=12, group=elderly"
    assert rejections(con) == [
        (1, None, f"duplicate key in file ({cn}, year=2024, month=12, group=elderly): also on line 4 (row 3)"),
        (3, None, "duplicate key in file (province=96, district=huyện cái nước, year=2024, month=12, "
                  "group=Người cao tuổi): also on line 2 (row 1)"),
        (4, None, "duplicate key in file (province=Cà Mau, year=2024, group=elderly): also on line 6 (row 5)"),
        (5, None, "duplicate key in file (province=Tỉnh Cà Mau, year=2024, month=12, group=elderly): "
                  "also on line 5 (row 4)"),
        (7, None, f"duplicate key in file ({bl}): also on line 9 (row 8)"),
        (8, None, f"duplicate key in file ({bl}): also on line 8 (row 7); served (600) > in_difficulty (510)"),
        (9, "province", "unknown province 'Ca Mua' (closest: Cà Mau)"),
        (10, "province", "unknown province 'Ca Mua' (closest: Cà Mau)"),
        (11, None, "total row"),
    ]
    assert ledger(con) == [("b10_duplicate_keys.csv", "loaded", 11, 2, 9, None)]


def test_province_spellings_codes_and_unknown_provinces(tmp_path):
    # b11 (all 2024, old list): full names, prefixes Tỉnh/Thành phố/TP./TP/T., capitals,
    # no diacritics, extra spaces, `Hoà`/`Hòa`, `Thừa Thiên Huế`, codes `96` and `1`.
    con, _ = ingest_one(tmp_path, "beneficiaries", "b11_provinces.csv")
    assert raw_rows(con, "beneficiaries", "row_number, province_code, province_list, province_remapped") == [
        (1, "96", "old", False),  # Tỉnh Cà Mau
        (2, "96", "old", False),  # CA MAU
        (3, "96", "old", False),  # tinh ca mau
        (4, "96", "old", False),  # 96
        (5, "79", "old", False),  # Thành phố Hồ Chí Minh
        (6, "79", "old", False),  # TP. Hồ Chí Minh
        (7, "79", "old", False),  # TP HCM
        (8, "62", "old", False),  # T. Kon Tum
        (9, "77", "old", False),  # "  Bà Rịa  -  Vũng Tàu "
        (10, "01", "old", False),  # 1
        (11, "01", "old", False),  # Hà Nội
        (14, "87", "old", False),  # TỈNH ĐỒNG THÁP (old code)
        (15, "17", "old", False),  # Hoà Bình
        (16, "46", "old", False),  # Thừa Thiên Huế
    ]
    assert rejections(con) == [
        (12, "province", "unknown province 'Ca Mua' (closest: Cà Mau)"),
        (13, "province", "unknown province '99' (no code 99 in the 63-province list before 2025-07-01)"),
        (17, "province", "unknown province 'Kon Tym' (closest: Kon Tum)"),
    ]


def test_rows_after_the_reform_use_the_new_list_and_flag_old_names(tmp_path):
    # b12: the row's date is the end of its month (annual: 31 Dec). Kon Tum in June 2025
    # is old 62; in July it is Quảng Ngãi (51), flagged — and it collides with the file's
    # own Quảng Ngãi row (15): same key after resolution. Code 82 is Tiền Giang in June
    # (old list) but Đồng Tháp in August (new list); `62` after the reform is unknown.
    con, _ = ingest_one(tmp_path, "beneficiaries", "b12_reform_2025.csv")
    assert raw_rows(con, "beneficiaries", SHORT) == [
        (1, "62", "old", False, 2025, 6, "elderly", 100),  # Kon Tum, June
        (3, "96", "new", False, 2025, 12, "disabled", 70),  # Cà Mau: in both lists
        (4, "96", "new", True, 2025, N, "hiv", 50),  # Bạc Liêu, annual -> 31 Dec
        (5, "87", "old", False, 2025, 6, "elderly", 300),  # Đồng Tháp, June: old code
        (6, "82", "new", False, 2025, 7, "elderly", 310),  # Đồng Tháp, July: new code
        (7, "82", "old", False, 2025, 6, "children", 40),  # 82 in June = Tiền Giang
        (8, "82", "new", False, 2025, 8, "children", 41),  # 82 in August = Đồng Tháp
        (9, "82", "new", True, 2025, 9, "children", 42),  # Tiền Giang -> Đồng Tháp
        (11, "15", "new", False, 2025, 12, "hiv", 9),  # Lào Cai: in both lists
        (12, "15", "new", True, 2025, 11, "hiv", 8),  # Yên Bái -> Lào Cai
        (13, "10", "old", False, 2024, 12, "hiv", 7),  # Lào Cai before the reform
        (14, "79", "new", True, 2025, 7, "other", 600),  # Bình Dương -> Hồ Chí Minh
        (16, "95", "old", False, 2025, 6, "disabled", 45),  # Bạc Liêu, June
    ]
    assert rejections(con) == [
        (2, None, "duplicate key in file (province=Kon Tum, year=2025, month=7, group=elderly): "
                  "also on line 16 (row 15)"),
        (10, "province", "unknown province '62' (no code 62 in the 34-province list from 2025-07-01)"),
        (15, None, "duplicate key in file (province=Quảng Ngãi, year=2025, month=7, group=elderly): "
                   "also on line 3 (row 2)"),
    ]


def test_decomposed_utf8_is_normalised_to_nfc(tmp_path):
    # b13: saved on macOS (NFD): headers and labels must still match, text stored in NFC.
    data = corpus("beneficiaries", "b13_nfd_utf8.csv").read_bytes()
    assert data.decode("utf-8") == unicodedata.normalize("NFD", data.decode("utf-8"))
    con, _ = ingest_one(tmp_path, "beneficiaries", "b13_nfd_utf8.csv")
    assert raw_rows(con, "beneficiaries", "row_number, province_code, district, group_code, in_difficulty") == [
        (1, "96", "Huyện Đầm Dơi", "elderly", 310),
        (2, "96", "Huyện Ngọc Hiển", "disabled", 95),
    ]
    assert raw_rows(con, "beneficiaries", "district")[0][0] == unicodedata.normalize("NFC", "Huyện Đầm Dơi")


def test_blank_lines_are_not_data_rows(tmp_path):
    # b19: empty lines and a line of bare commas are neither loaded nor rejected nor counted.
    con, _ = ingest_one(tmp_path, "beneficiaries", "b19_blank_lines.csv")
    assert raw_rows(con, "beneficiaries", "row_number, year, group_code, in_difficulty") == [
        (1, 2023, "elderly", 1400),
        (2, 2023, "disabled", 390),
    ]
    assert ledger(con) == [("b19_blank_lines.csv", "loaded", 2, 2, 0, None)]


def test_header_only_file_loads_nothing(tmp_path):
    con, _ = ingest_one(tmp_path, "beneficiaries", "b20_header_only.csv")
    assert raw_rows(con, "beneficiaries", "row_number") == []
    assert ledger(con) == [("b20_header_only.csv", "loaded", 0, 0, 0, "no data rows")]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("b14_missing_year.csv", "missing required column: year (Năm)"),
        (
            "b15_duplicate_header.csv",
            "duplicate column: district (Huyện/Thị xã/Thành phố thuộc tỉnh) is named by 2 headers "
            "('Huyện', 'Huyện/Thị xã/Thành phố thuộc tỉnh')",
        ),
        ("b16_empty.csv", "empty file"),
        (
            "b18_not_a_workbook.xlsx",
            "not a valid XLSX file: the file is not a ZIP archive, as every .xlsx workbook is "
            "(is it a CSV or another format renamed?)",
        ),
        (
            "b21_no_header.csv",
            "no header row found in the first 30 rows (required columns: province (Tỉnh/Thành phố), "
            "year (Năm), group (Nhóm đối tượng))",
        ),
    ],
)
def test_unreadable_files_are_recorded_as_rejected(tmp_path, name, message):
    con, report = ingest_one(tmp_path, "beneficiaries", name)
    assert ledger(con) == [(name, "rejected", 0, 0, 0, message)]
    assert raw_rows(con, "beneficiaries", "row_number") == []
    assert rejections(con) == []
    assert (report.files_seen, report.files_rejected, report.files_loaded) == (1, 1, 0)
    assert report.files[0].message == message


def test_entry_of_unknown_type_is_not_read(tmp_path):
    con, report = ingest_one(tmp_path, "beneficiaries", "b17_ghi_chu.txt")
    assert ledger(con) == [
        ("b17_ghi_chu.txt", "not_read", 0, 0, 0, "unsupported file type '.txt': only .csv and .xlsx files are ingested")
    ]
    assert (report.files_seen, report.files_not_read, report.files_rejected) == (1, 1, 0)


def test_row_with_more_cells_than_the_header_is_rejected(tmp_path):
    # An unquoted comma in a text cell shifts every later cell: the row is rejected for
    # that alone, not silently truncated. Trailing empty cells are harmless.
    text = (
        "province,district,year,group,in_difficulty\n"
        "Cà Mau,Huyện Phú Tân,2024,elderly,120,,\n"
        "Cà Mau,Huyện Cái Nước, Thị trấn,2024,elderly,130\n"
    )
    con, _ = ingest_one(tmp_path, "beneficiaries", "ragged.csv", text)
    assert raw_rows(con, "beneficiaries", "row_number, district, in_difficulty") == [(1, "Huyện Phú Tân", 120)]
    assert rejections(con) == [(2, None, "row has 6 cells, the header has 5")]


def test_title_rows_above_a_csv_header_and_a_numbering_row_are_skipped(tmp_path):
    text = (
        "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI NĂM 2024,,,\n"
        "(Kèm theo Công văn số 45/SLĐTBXH),,,\n"
        ",,,\n"
        "Tỉnh/Thành phố,Năm,Nhóm đối tượng,Số người có hoàn cảnh đặc biệt khó khăn\n"
        "(1),(2),(3),(4)\n"
        "Cà Mau,2024,Người cao tuổi,1520\n"
    )
    con, _ = ingest_one(tmp_path, "beneficiaries", "titled.csv", text)
    assert raw_rows(con, "beneficiaries", "row_number, province_code, group_code, in_difficulty") == [
        (1, "96", "elderly", 1520)
    ]
    assert ledger(con) == [("titled.csv", "loaded", 1, 1, 0, "header at row 4; column-number row skipped")]
