"""The XLSX scorecard, read back from the file it writes (fastexcel for values,
the sheet and style XML for fills and cell types)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import fastexcel
import pytest

from pipelines.reports import format_number, target_text, value_text
from pipelines.reports.scorecard import (
    CATALOGUE_SHEET,
    PLAN_COLUMNS,
    PLAN_HEADER_ROW,
    SUMMARY_SHEET,
    WARNINGS_SHEET,
    plan_sheet_names,
    write_scorecard,
)
from tests.fixtures.reports_fixture import (
    AT_MESSAGE,
    BEN_CAT,
    CA_MAU,
    DDE_MESSAGE,
    FORMULA_QUOTE,
    INDICATORS,
    KON_TUM,
    LAO_CAI,
    MINUS_DEFINITION,
    PLUS_NOTE,
    build_reports_warehouse,
)

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}

# BEN_CAT's plan_id has 44 characters: its sheet name is its first 31.
BEN_CAT_SHEET = "binh_duong_ben_cat_2623_kh_ubnd"


@pytest.fixture(scope="module")
def scorecard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("reports") / "scorecard.xlsx"
    con = build_reports_warehouse(duckdb.connect())
    counts = write_scorecard(con, path)
    con.close()
    return path, counts


# --- helpers reading the OOXML parts --------------------------------------------------


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """sheet name -> path of its XML part, via workbook.xml and its relationships."""
    workbook = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
    parts = {}
    for sheet in workbook.findall("m:sheets/m:sheet", NS):
        t = target[sheet.get(f"{{{NS['r']}}}id")]
        parts[sheet.get("name")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return parts


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    root = ET.fromstring(zf.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]


def _cells(zf: zipfile.ZipFile, sheet: str) -> list[dict]:
    """Every cell of a sheet: ref, type (t attribute), style index, text (shared strings
    resolved), and whether it holds a formula."""
    strings = _shared_strings(zf)
    root = ET.fromstring(zf.read(_sheet_parts(zf)[sheet]))
    cells = []
    for c in root.iter(f"{{{NS['m']}}}c"):
        v = c.find("m:v", NS)
        text = v.text if v is not None else None
        if c.get("t") == "s" and text is not None:
            text = strings[int(text)]
        cells.append(
            {
                "ref": c.get("r"),
                "t": c.get("t"),
                "s": int(c.get("s", "0")),
                "text": text,
                "formula": c.find("m:f", NS) is not None,
            }
        )
    return cells


def _fill_rgb(zf: zipfile.ZipFile, style_index: int) -> str | None:
    """The solid fill colour (ARGB) of a cell style, from xl/styles.xml."""
    styles = ET.fromstring(zf.read("xl/styles.xml"))
    xf = styles.findall("m:cellXfs/m:xf", NS)[style_index]
    fill = styles.findall("m:fills/m:fill", NS)[int(xf.get("fillId", "0"))]
    fg = fill.find("m:patternFill/m:fgColor", NS)
    return None if fg is None else fg.get("rgb")


def _plan_sheet(path: Path, sheet: str):
    return fastexcel.read_excel(path).load_sheet(sheet, header_row=PLAN_HEADER_ROW).to_polars()


# --- tests ----------------------------------------------------------------------------


def test_sheets_are_summary_then_one_per_plan_then_warnings_and_catalogue(scorecard):
    path, counts = scorecard
    expected = [SUMMARY_SHEET, BEN_CAT_SHEET, CA_MAU, KON_TUM, LAO_CAI, WARNINGS_SHEET, CATALOGUE_SHEET]
    assert fastexcel.read_excel(path).sheet_names == expected
    assert counts["sheets"] == expected
    assert (SUMMARY_SHEET, WARNINGS_SHEET, CATALOGUE_SHEET) == ("Tổng hợp", "Cảnh báo dữ liệu", "Chỉ số")
    # 4 plans, 15 targets, 3 warnings, 7 indicators in the fixture
    assert (counts["plans"], counts["targets"], counts["warnings"], counts["indicators"]) == (4, 15, 3, 7)
    assert counts["status_counts"]["achieved"] == 3  # CM-01, CM-03, BD-02
    assert counts["status_counts"]["no_data"] == 4  # CM-07, CM-08, LC-05, BD-01


def test_plan_sheet_rows(scorecard):
    path, _ = scorecard
    df = _plan_sheet(path, LAO_CAI)
    assert df.columns == [c[0] for c in PLAN_COLUMNS]
    assert df.columns[:3] == ["Chỉ tiêu", "Giai đoạn", "Năm mục tiêu"]
    rows = df.select("Chỉ tiêu", "Giai đoạn", "Chỉ tiêu đặt ra", "Thực hiện", "Năm số liệu", "Đánh giá").rows()
    # Ordered by phase, then indicator code (community_care < staff_trained < sw_service), then target value.
    assert rows == [
        ("Tỷ lệ đối tượng được chăm sóc tại cộng đồng", "2021–2025", "≥ 80%", None, None, "Không đo lường được"),
        ("Số cán bộ, cộng tác viên được đào tạo, bồi dưỡng mỗi năm", "2021–2025", "≥ 100 người/năm", 80.0, 2023,
         "Chưa đủ số liệu"),
        ("Tỷ lệ cơ sở cung cấp dịch vụ công tác xã hội", "2021–2025", "≥ 50%", 35.0, 2024, "Chậm tiến độ"),
        ("Tỷ lệ cơ sở cung cấp dịch vụ công tác xã hội", "2021–2025", "≥ 60%", 35.0, 2024, "Chậm tiến độ"),
        ("Tỷ lệ cơ sở cung cấp dịch vụ công tác xã hội", "2026–2030", "≥ 90%", None, None, "Không có số liệu"),
    ]
    # Both conflicting rows are shown and flagged; LC-03 keeps the seed's note; LC-05
    # (2026–2030) is judged on the successor province.
    assert df["Ghi chú"].to_list() == [
        None,
        PLUS_NOTE,
        "Chỉ tiêu mâu thuẫn trong văn bản",
        "Chỉ tiêu mâu thuẫn trong văn bản",
        "Sau 01/07/2025 so sánh với số liệu của tỉnh mới (sau sáp nhập)",
    ]
    assert df["Căn cứ"][0] == FORMULA_QUOTE
    assert df["Đầu kỳ"].to_list() == [None, 80.0, 30.0, 30.0, None]
    assert df["Tỷ lệ hoàn thành (%)"].to_list() == [None, 80.0, 70.0, 58.3, None]


def test_plan_sheet_title_block_and_successor_note(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        cells = {c["ref"]: c["text"] for c in _cells(zf, CA_MAU)}
    assert cells["A1"] == "Kế hoạch thực hiện Đề án đổi mới, phát triển trợ giúp xã hội giai đoạn 2017 - 2025"
    assert cells["A2"] == "Số văn bản: 60/KH-UBND, ngày 06/07/2017"
    df = _plan_sheet(path, CA_MAU)
    # CM-05 (served_pct 2021–2025) is judged on the successor province after the reform.
    row = df.filter(df["Chỉ tiêu đặt ra"] == "≥ 70%")
    assert row["Ghi chú"].to_list() == ["Sau 01/07/2025 so sánh với số liệu của tỉnh mới (sau sáp nhập)"]
    assert row["Đánh giá"].to_list() == ["Đúng tiến độ"]


def test_plan_without_targets_gets_a_sheet_saying_so(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        texts = [c["text"] for c in _cells(zf, KON_TUM)]
    assert "Kế hoạch chưa có chỉ tiêu định lượng." in texts


def test_summary_sheet_counts_per_status(scorecard):
    path, _ = scorecard
    df = fastexcel.read_excel(path).load_sheet(SUMMARY_SHEET).to_polars()
    ca_mau = df.filter(df["Mã kế hoạch"] == CA_MAU).row(0, named=True)
    # Cà Mau: CM-01, CM-03 achieved; CM-02 not achieved; CM-05 on track; CM-06 acceleration
    # needed; CM-04 deteriorating; CM-07, CM-08 no data.
    assert ca_mau["Tên kế hoạch"] == (
        "Kế hoạch thực hiện Đề án đổi mới, phát triển trợ giúp xã hội giai đoạn 2017 - 2025"
    )
    assert ca_mau["Số văn bản"] == "60/KH-UBND"
    assert ca_mau["Số chỉ tiêu"] == 8
    labels = ("Đạt", "Không đạt", "Đúng tiến độ", "Cần đẩy nhanh", "Chậm tiến độ", "Đang xấu đi",
              "Chưa đủ số liệu", "Không có số liệu", "Không đo lường được")
    assert [ca_mau[k] for k in labels] == [2, 1, 1, 1, 0, 1, 0, 2, 0]
    assert df["Mã kế hoạch"].to_list() == [BEN_CAT, CA_MAU, KON_TUM, LAO_CAI]
    assert df["Số chỉ tiêu"].to_list() == [2, 8, 0, 5]
    assert df["Trang chi tiết"].to_list() == [BEN_CAT_SHEET, CA_MAU, KON_TUM, LAO_CAI]


def test_status_cells_are_filled_by_status(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        cells = _cells(zf, CA_MAU)
        fills = {c["text"]: _fill_rgb(zf, c["s"]) for c in cells if c["t"] == "s"}
        plain = _fill_rgb(zf, next(c["s"] for c in cells if c["text"] == "2017–2020"))
    assert fills["Đạt"] == "FFC6EFCE"  # green
    assert fills["Đúng tiến độ"] == "FFC6EFCE"  # green
    assert fills["Cần đẩy nhanh"] == "FFFFEB9C"  # amber
    assert fills["Không đạt"] == "FFFFC7CE"  # red
    assert fills["Đang xấu đi"] == "FFFFC7CE"  # red
    assert fills["Không có số liệu"] == "FFE7E6E6"  # grey
    assert plain is None  # an ordinary cell has no fill


def test_header_row_is_frozen(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(_sheet_parts(zf)[LAO_CAI]).decode("utf-8")
    pane = re.search(r"<pane [^>]*>", xml)
    assert pane is not None
    assert f'ySplit="{PLAN_HEADER_ROW + 1}"' in pane.group(0)
    assert 'state="frozen"' in pane.group(0)


def test_text_that_looks_like_a_formula_stays_text(scorecard):
    """A quote, note, warning or definition starting with = + - @ is a string cell, never a formula."""
    path, _ = scorecard
    payloads = {FORMULA_QUOTE, DDE_MESSAGE, AT_MESSAGE, PLUS_NOTE, MINUS_DEFINITION}
    found = set()
    with zipfile.ZipFile(path) as zf:
        for sheet, part in _sheet_parts(zf).items():
            assert b"<f>" not in zf.read(part) and b"<f " not in zf.read(part), sheet
            for c in _cells(zf, sheet):
                assert not c["formula"], (sheet, c["ref"])
                if c["text"] in payloads:
                    assert c["t"] == "s", (sheet, c["ref"], c["t"])
                    found.add(c["text"])
    assert found == payloads
    reader = fastexcel.read_excel(path)
    warnings = reader.load_sheet(WARNINGS_SHEET).to_polars()
    assert warnings.columns == ["Kiểm tra", "Nguồn", "Mã tỉnh", "Năm", "Mã chỉ số", "Nội dung"]
    assert sorted(warnings["Nội dung"].to_list()) == sorted(
        [DDE_MESSAGE, AT_MESSAGE, "Huyện Năm Căn báo cáo tháng 6 nhưng không báo cáo tháng 12"]
    )
    catalogue = reader.load_sheet(CATALOGUE_SHEET).to_polars()
    assert catalogue["Mã chỉ số"].to_list() == sorted(i[0] for i in INDICATORS)
    assert MINUS_DEFINITION in catalogue["Định nghĩa"].to_list()


def test_plan_sheet_names_are_valid_and_unique():
    long = "a" * 40
    names = plan_sheet_names([long, long + "b", "Tổng hợp", "x/y:z*?[1]", "History", "TỔNG HỢP"], reserved=["Tổng hợp"])
    assert names == {
        long: "a" * 31,
        long + "b": "a" * 29 + "~2",  # same first 31 characters
        "Tổng hợp": "Tổng hợp~2",  # clashes with the reserved summary sheet
        "x/y:z*?[1]": "x_y_z___1_",
        "History": "history_",  # a name Excel reserves
        "TỔNG HỢP": "TỔNG HỢP~3",  # Excel compares sheet names case-insensitively
    }
    assert all(len(n) <= 31 for n in names.values())


def test_numbers_and_targets_read_the_vietnamese_way():
    assert format_number(34363) == "34.363"
    assert format_number(45.2) == "45,2"
    assert format_number(50.0) == "50"
    assert format_number(1234567.891, decimals=2) == "1.234.567,89"
    assert format_number(None) == ""
    assert target_text(">=", 50.0, "%") == "≥ 50%"
    assert target_text(">", 100.0, "people per year") == "> 100 người/năm"
    assert target_text("<=", 2.5, "people per facility") == "≤ 2,5 người/cơ sở"
    assert target_text(">=", None, "%") == ""  # a target cut off in the document
    assert value_text(34363.0, "people") == "34.363 người"
