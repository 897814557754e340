"""XLSX ingestion (docs/contract.md §2.1): the first sheet only, report titles above the
header, a column-number row under it, Excel numbers/booleans/dates read as what
they show, and workbooks that cannot be read. Workbooks are built here with
xlsxwriter, laid out like provincial reports."""

from __future__ import annotations

import hashlib
import hmac
import io
from datetime import date, datetime

import duckdb

from tests.fixtures.ingest.builders import (
    SALT,
    ingest_one,
    landing,
    ledger,
    raw_rows,
    rejections,
    run,
    write_xlsx,
)

N = None
B_HEADER = [
    "STT", "Tỉnh/Thành phố", "Huyện/Thị xã/Thành phố thuộc tỉnh", "Năm", "Tháng", "Nhóm đối tượng",
    "Số người có hoàn cảnh đặc biệt khó khăn", "Số người được cung cấp dịch vụ trợ giúp xã hội phù hợp",
    "Số người hưởng trợ cấp xã hội hàng tháng", "Ghi chú",
]


def _report_workbook(path):
    return write_xlsx(path, [
        ["UBND TỈNH CÀ MAU"],
        ["SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"],
        [],
        [N, N, "BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC TRỢ GIÚP XÃ HỘI NĂM 2024"],
        [],
        B_HEADER,
        [f"({i})" for i in range(1, 11)],
        [1, "Cà Mau", "Huyện Thới Bình", 2024, 12, "Người cao tuổi", 34363, 30120, 21450.0, N],
        [2, "Cà Mau", "Huyện Thới Bình", 2024, 12, "Người khuyết tật", "12.805", "12,500", N, "số liệu ước"],
        [3, "Cà Mau", "Huyện U Minh", 2024, 12, "Trẻ em", 12.5, 10, N, N],
        [],
        [N, "Tổng cộng", N, 2024, 12, N, 46680, 42630, 21450, N],
    ])


def test_report_layout_titles_numbering_row_numbers_and_total(tmp_path):
    # Titles in rows 1–5, header in row 6, `(1) … (10)` in row 7: data row 1 is sheet row 8.
    # Numeric cells 34363 / 21450.0 read as integers, text cells keep their separators,
    # 12.5 is not an integer, the blank sheet row is not a data row, the total is rejected.
    con, _ = ingest_one(tmp_path, "beneficiaries", "bc_2024.xlsx", _report_workbook(tmp_path / "bc.xlsx"))
    assert raw_rows(con, "beneficiaries", "row_number, province_code, district, year, month, group_code,"
                                          " in_difficulty, served, monthly_allowance") == [
        (1, "96", "Huyện Thới Bình", 2024, 12, "elderly", 34363, 30120, 21450),
        (2, "96", "Huyện Thới Bình", 2024, 12, "disabled", 12805, 12500, N),
    ]
    assert rejections(con) == [
        (3, "in_difficulty", "in_difficulty: not an integer: '12.5'"),
        (4, N, "total row"),
    ]
    assert ledger(con) == [(
        "bc_2024.xlsx", "loaded", 4, 2, 2,
        "header at row 6; column-number row skipped; ignored columns: STT, Ghi chú",
    )]


def test_only_the_first_sheet_is_read(tmp_path):
    appendix = [["province", "year", "group", "in_difficulty"], ["Bạc Liêu", 2024, "elderly", 99]]
    path = write_xlsx(
        tmp_path / "two.xlsx",
        [["province", "year", "group", "in_difficulty"], ["Cà Mau", 2024, "elderly", 1]],
        other_sheets=[appendix],
    )
    con, _ = ingest_one(tmp_path, "beneficiaries", "two_sheets.xlsx", path)
    assert raw_rows(con, "beneficiaries", "row_number, province_code, in_difficulty") == [(1, "96", 1)]


F_HEADER = [
    "MA CO SO", "TEN CO SO", "TINH/THANH PHO", "NAM", "LOAI HINH", "LOAI CO SO", "CONG SUAT (GIUONG)",
    "SO DOI TUONG DANG CHAM SOC", "CUNG CAP DICH VU CONG TAC XA HOI",
    "DAT DIEU KIEN TIEP CAN CHO NGUOI KHUYET TAT", "TONG SO NHAN VIEN", "SO NHAN VIEN CONG TAC XA HOI",
    "TINH TRANG",
]


def test_facilities_workbook_upper_case_headers_numeric_numbering_row_and_booleans(tmp_path):
    # Headers in capitals without diacritics; a numbering row of numeric cells 1…13;
    # Excel TRUE/FALSE cells; `x`/`X` marks where an empty cell means false.
    path = write_xlsx(tmp_path / "f.xlsx", [
        ["DANH SÁCH CƠ SỞ TRỢ GIÚP XÃ HỘI NĂM 2024"],
        F_HEADER,
        list(range(1, 14)),
        ["CM-BTXH-01", "Trung tâm Bảo trợ xã hội tỉnh Cà Mau", "Cà Mau", 2024, "Công lập",
         "Cơ sở trợ giúp xã hội tổng hợp", 250, 198, True, "x", 52, 9, "Đang hoạt động"],
        ["CM-CTXH-02", "Trung tâm Công tác xã hội tỉnh Cà Mau", "Cà Mau", 2024, "Công lập",
         "Trung tâm công tác xã hội", 40, 12, False, N, 20, 15, "Đang hoạt động"],
        ["CM-NCT-03", "Cơ sở chăm sóc người cao tuổi Phúc An", "Cà Mau", 2024, "Ngoài công lập",
         "Cơ sở chăm sóc người cao tuổi", 30, 27, True, "X", 8, 1, "Đã giải thể, sáp nhập"],
    ])
    con, _ = ingest_one(tmp_path, "facilities", "ds_co_so_2024.xlsx", path)
    assert raw_rows(con, "facilities", "row_number, province_code, province_list, facility_id, year, ownership,"
                                       " unit_type, capacity, residents, provides_social_work,"
                                       " meets_accessibility, staff_total, staff_social_work, status") == [
        (1, "96", "old", "CM-BTXH-01", 2024, "public", "sa_comprehensive", 250, 198, True, True, 52, 9, "active"),
        (2, "96", "old", "CM-CTXH-02", 2024, "public", "sa_social_work_centre", 40, 12, False, False, 20, 15, "active"),
        (3, "96", "old", "CM-NCT-03", 2024, "non_public", "sa_elderly", 30, 27, True, True, 8, 1, "closed"),
    ]
    assert ledger(con) == [("ds_co_so_2024.xlsx", "loaded", 3, 3, 0, "header at row 2; column-number row skipped")]


def test_training_workbook_excel_dates_text_dates_and_the_reform_boundary(tmp_path):
    # Excel date cells and text dates in both formats; a numeric record id 1001 is "1001";
    # an ID typed as a number (leading zero lost by Excel) is hashed as shown.
    # A course ending on 2025-07-01 is dated on the reform day: new list, Bạc Liêu -> 96.
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["Mã bản ghi", "Số CCCD/CMND", "Họ và tên", "Tỉnh/Thành phố", "Đối tượng tham gia",
         "Hình thức đào tạo", "Ngày bắt đầu", "Ngày kết thúc", "Hoàn thành"],
        [1001, "096190001234", "Nguyễn Văn An", "Cà Mau", "Cán bộ", "Tập huấn",
         date(2024, 3, 4), date(2024, 3, 8), True],
        [1002, 96185005678, "Trần Thị Bình", "Cà Mau", "Cộng tác viên", "Trung cấp",
         "13/05/2024", "2024-05-17", "có"],
        [1003, "096201009999", "Lê Hoàng Cúc", "Bạc Liêu", "Gia đình", "Tập huấn",
         datetime(2025, 7, 1), datetime(2025, 7, 1), False],
        [1004, "096201009998", "Lê Hoàng Dũng", "Bạc Liêu", "Gia đình", "Tập huấn",
         date(2025, 6, 30), date(2025, 6, 30), "không"],
    ])
    con, _ = ingest_one(tmp_path, "training", "dao_tao.xlsx", path)

    def key(pid: str) -> str:
        return hmac.new(SALT.encode(), pid.encode(), hashlib.sha256).hexdigest()

    assert raw_rows(con, "training", "row_number, province_code, province_list, province_remapped, record_id,"
                                     " person_key, role, course_level, start_date, end_date, completed") == [
        (1, "96", "old", False, "1001", key("096190001234"), "staff", "short_course",
         date(2024, 3, 4), date(2024, 3, 8), True),
        (2, "96", "old", False, "1002", key("96185005678"), "collaborator", "intermediate",
         date(2024, 5, 13), date(2024, 5, 17), True),
        (3, "96", "new", True, "1003", key("096201009999"), "family", "short_course",
         date(2025, 7, 1), date(2025, 7, 1), False),
        (4, "95", "old", False, "1004", key("096201009998"), "family", "short_course",
         date(2025, 6, 30), date(2025, 6, 30), False),
    ]


def _workbook_bytes(tmp_path) -> bytes:
    return _report_workbook(tmp_path / "report.xlsx").read_bytes()


def test_corrupt_and_fake_workbooks_are_rejected_and_the_next_file_loads(tmp_path):
    good = _workbook_bytes(tmp_path)
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "không phải sổ tính")
    folder = landing(tmp_path, {
        "a_truncated.xlsx": good[: len(good) // 2],
        "b_zip_not_workbook.xlsx": buf.getvalue(),
        "c_pdf.xlsx": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "d_empty.xlsx": b"",
        "e_good.xlsx": good,
    })
    con = duckdb.connect()
    report = run(con, "beneficiaries", folder)
    assert ledger(con) == [
        ("a_truncated.xlsx", "rejected", 0, 0, 0, "not a valid XLSX file: damaged ZIP archive (truncated or corrupt download?)"),
        ("b_zip_not_workbook.xlsx", "rejected", 0, 0, 0, "not a valid XLSX file: ZIP archive without a workbook (no xl/workbook.xml)"),
        ("c_pdf.xlsx", "rejected", 0, 0, 0, "not a valid XLSX file: the file is not a ZIP archive, as every .xlsx "
                                            "workbook is (is it a CSV or another format renamed?)"),
        ("d_empty.xlsx", "rejected", 0, 0, 0, "empty file"),
        ("e_good.xlsx", "loaded", 4, 2, 2, "header at row 6; column-number row skipped; ignored columns: STT, Ghi chú"),
    ]
    assert (report.files_seen, report.files_rejected, report.files_loaded) == (5, 4, 1)


def test_workbook_without_cells_and_workbook_missing_a_required_column(tmp_path):
    blank = write_xlsx(tmp_path / "blank.xlsx", [])
    no_type = write_xlsx(tmp_path / "no_type.xlsx", [
        ["Mã cơ sở", "Tên cơ sở", "Tỉnh/Thành phố", "Năm"],
        ["CM-01", "Trung tâm A", "Cà Mau", 2024],
    ])
    folder = landing(tmp_path, {"blank.xlsx": blank, "no_type.xlsx": no_type}, "f")
    con = duckdb.connect()
    run(con, "facilities", folder)
    assert ledger(con) == [
        ("blank.xlsx", "rejected", 0, 0, 0, "empty file: the first sheet has no cells"),
        ("no_type.xlsx", "rejected", 0, 0, 0, "missing required column: unit_type (Loại cơ sở)"),
    ]


def test_header_beyond_the_scanned_rows_is_not_found(tmp_path):
    rows = [[f"Dòng tiêu đề {i}"] for i in range(30)] + [["province", "year", "group"], ["Cà Mau", 2024, "elderly"]]
    con, _ = ingest_one(tmp_path, "beneficiaries", "deep.xlsx", write_xlsx(tmp_path / "deep.xlsx", rows))
    assert ledger(con)[0][:2] == ("deep.xlsx", "rejected")
    assert ledger(con)[0][5].startswith("no header row found in the first 30 rows")
