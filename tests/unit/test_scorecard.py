"""The XLSX scorecard, read back from the file it writes: values with fastexcel, page
setup, print titles, number formats, wrapping, row heights and conditional formats with
openpyxl, fills and cell types from the sheet and style XML."""

from __future__ import annotations

import math
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import fastexcel
import openpyxl
import pytest

from pipelines.reports.scorecard import (
    CATALOGUE_SHEET,
    LINE_HEIGHT,
    PLAN_COLUMNS,
    PLAN_HEADER_ROW,
    SUMMARY_HEADER_ROW,
    SUMMARY_SHEET,
    WARNINGS_SHEET,
    plan_sheet_names,
    write_scorecard,
)
from tests.fixtures.reports_fixture import (
    AT_MESSAGE,
    BEN_CAT,
    BUILT_AT,
    CA_MAU,
    DDE_MESSAGE,
    ENGLISH_NOTE,
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

# Short Vietnamese sheet names: the plan's district (else province) and the years of its phases.
SHEETS = {
    BEN_CAT: "Thị xã Bến Cát 2019–2025",
    CA_MAU: "Cà Mau 2017–2030",
    KON_TUM: "Kon Tum 2016–2020",
    LAO_CAI: "Lào Cai 2021–2030",
}
# Header row of the plan tables, 1-based as Excel and openpyxl count.
HEAD = PLAN_HEADER_ROW + 1


def _write(tmp_path_factory: pytest.TempPathFactory, now: datetime) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("reports") / "scorecard.xlsx"
    con = build_reports_warehouse(duckdb.connect())
    counts = write_scorecard(con, path, now=now)
    con.close()
    return path, counts


@pytest.fixture(scope="module")
def scorecard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Written one day after the fixture's build: fresh."""
    return _write(tmp_path_factory, BUILT_AT + timedelta(days=1))


@pytest.fixture(scope="module")
def stale_scorecard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Written five days after the fixture's build: stale."""
    return _write(tmp_path_factory, BUILT_AT + timedelta(days=5))


@pytest.fixture(scope="module")
def book(scorecard) -> openpyxl.Workbook:
    return openpyxl.load_workbook(scorecard[0])


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


def _target_row(ws, indicator_prefix: str, target: str) -> int:
    """1-based row of the target whose indicator name starts with ``indicator_prefix`` and
    whose target text is ``target``."""
    for row in ws.iter_rows(min_row=HEAD + 1):
        if str(row[0].value or "").startswith(indicator_prefix) and row[3].value == target:
            return row[0].row
    raise AssertionError(f"no row {indicator_prefix!r} {target!r}")


# --- sheets and values ----------------------------------------------------------------


def test_sheets_have_short_vietnamese_names(scorecard):
    path, counts = scorecard
    expected = [SUMMARY_SHEET, *SHEETS.values(), WARNINGS_SHEET, CATALOGUE_SHEET]
    assert fastexcel.read_excel(path).sheet_names == expected
    assert counts["sheets"] == expected
    assert (SUMMARY_SHEET, WARNINGS_SHEET, CATALOGUE_SHEET) == ("Tổng hợp", "Cảnh báo dữ liệu", "Chỉ số")
    assert all(len(name) <= 31 for name in expected)
    # 4 plans, 15 targets, 3 warnings, 7 indicators in the fixture
    assert (counts["plans"], counts["targets"], counts["warnings"], counts["indicators"]) == (4, 15, 3, 7)
    assert counts["status_counts"]["achieved"] == 4  # CM-01, CM-03, CM-05, BD-02
    assert counts["status_counts"]["no_data"] == 3  # CM-08, LC-05, BD-01
    assert counts["stale"] is False


def test_plan_sheet_rows(scorecard):
    path, _ = scorecard
    df = _plan_sheet(path, SHEETS[LAO_CAI])
    assert df.columns == [c[0] for c in PLAN_COLUMNS]
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
    # The Vietnamese note (note_vi), after the flags; never the engineers' English note.
    assert df["Ghi chú"].to_list() == [
        "Chỉ tiêu ghi đúng như văn bản.",
        PLUS_NOTE,
        "Chỉ tiêu mâu thuẫn trong văn bản; Văn bản mâu thuẫn: cùng giai đoạn còn ghi “tối thiểu 60%”; giữ cả hai mức.",
        "Chỉ tiêu mâu thuẫn trong văn bản; Văn bản mâu thuẫn: cùng giai đoạn còn ghi “tối thiểu 50%”; giữ cả hai mức.",
        "Sau 01/07/2025 so sánh với số liệu của tỉnh mới (sau sáp nhập); Chỉ tiêu ghi đúng như văn bản.",
    ]
    assert df["Căn cứ"][0] == FORMULA_QUOTE
    assert df["Đầu kỳ"].to_list() == [None, 80.0, 30.0, 30.0, None]
    assert df["Tỷ lệ hoàn thành (%)"].to_list() == [None, 80.0, 70.0, 58.3, None]
    assert df["Mức tăng cần đạt mỗi năm"].to_list() == [None, None, 42.9, 71.4, None]
    assert df["Dự báo năm mục tiêu"].to_list() == [None, None, 41.7, 41.7, None]


def test_no_english_note_reaches_an_official(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        assert not any(ENGLISH_NOTE in s for s in _shared_strings(zf))


def test_plan_sheet_title_block_in_vietnamese(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        cells = {c["ref"]: c["text"] for c in _cells(zf, SHEETS[CA_MAU])}
    assert cells["A1"] == "Kế hoạch thực hiện Đề án đổi mới, phát triển trợ giúp xã hội giai đoạn 2017 - 2025"
    assert cells["A2"] == "Số văn bản: 60/KH-UBND, ngày 06/07/2017"
    assert cells["A4"] == "Địa bàn: Cà Mau; giai đoạn: 2017–2020, 2021–2025, 2026–2030"
    assert cells["A6"] == (
        "Số liệu đến tháng 9/2026. Cập nhật lần cuối (lần dựng thành công gần nhất): "
        "01/12/2026 06:00 (giờ Việt Nam)."
    )


def test_incomplete_year_and_merger_are_marked(book):
    ws = book[SHEETS[CA_MAU]]
    # CM-07: 2026 known up to September: the year cell reads "2026 (9 tháng)", still a number.
    r = _target_row(ws, "Tỷ lệ người có hoàn cảnh", "≥ 90%")
    year = ws.cell(r, 6)
    assert (year.value, year.data_type, year.number_format) == (2026, "n", '0" (9 tháng)"')
    assert "Số liệu năm 2026 mới có 9 tháng" in ws.cell(r, 13).value
    # CM-05: judged on the successor's 2025 against the old province's 2021 baseline.
    r = _target_row(ws, "Tỷ lệ người có hoàn cảnh", "≥ 70%")
    actual = ws.cell(r, 5)
    assert (actual.value, actual.number_format) == (71, '[$-42A]0.0"% *"')
    assert ws.cell(r, 6).number_format == "0"  # a whole year: no months
    assert ws.cell(r, 13).value.startswith("* Số liệu qua thời điểm sáp nhập tỉnh 01/07/2025")
    footnotes = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("* Số liệu qua")]
    assert len(footnotes) == 1  # the mark is explained under the table
    # Lào Cai's plan has no value across the merger: no footnote.
    assert not any(
        isinstance(c.value, str) and c.value.startswith("* ") for c in book[SHEETS[LAO_CAI]]["A"]
    )


def test_plan_without_targets_gets_a_sheet_saying_so(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        texts = [c["text"] for c in _cells(zf, SHEETS[KON_TUM])]
    assert "Kế hoạch chưa có chỉ tiêu định lượng." in texts


def test_summary_sheet_counts_each_status_apart(scorecard):
    path, _ = scorecard
    df = fastexcel.read_excel(path).load_sheet(SUMMARY_SHEET, header_row=SUMMARY_HEADER_ROW).to_polars()
    ca_mau = df.filter(df["Mã kế hoạch"] == CA_MAU).row(0, named=True)
    assert ca_mau["Kế hoạch"] == "Kế hoạch thực hiện Đề án đổi mới, phát triển trợ giúp xã hội giai đoạn 2017 - 2025"
    assert ca_mau["Số văn bản"] == "60/KH-UBND"
    assert ca_mau["Số chỉ tiêu"] == 8
    labels = ("Đạt", "Không đạt", "Đúng tiến độ", "Cần đẩy nhanh", "Chậm tiến độ", "Đang xấu đi",
              "Chưa đủ số liệu", "Không có số liệu", "Không đo lường được")
    # CM-01, CM-03, CM-05 achieved; CM-02 not achieved; CM-07 on track; CM-06 acceleration
    # needed; CM-04 deteriorating; CM-08 no data.
    assert [ca_mau[k] for k in labels] == [3, 1, 1, 1, 0, 1, 0, 1, 0]
    lao_cai = df.filter(df["Mã kế hoạch"] == LAO_CAI).row(0, named=True)
    assert [lao_cai[k] for k in labels] == [0, 0, 0, 0, 2, 0, 1, 1, 1]
    assert df["Mã kế hoạch"].to_list() == [BEN_CAT, CA_MAU, KON_TUM, LAO_CAI]
    assert df["Số chỉ tiêu"].to_list() == [2, 8, 0, 5]
    assert df["Trang chi tiết"].to_list() == list(SHEETS.values())


# --- dates of the data and of the build -------------------------------------------------


def test_summary_shows_data_and_build_dates(book):
    ws = book[SUMMARY_SHEET]
    # Nine months of 2026 (the 2026 roster, a whole year by construction, does not count).
    assert ws["A2"].value == "Số liệu đến tháng 9/2026"
    # The build's moment in Vietnam's time (UTC+7), as a date cell.
    assert ws["A3"].value == datetime(2026, 12, 1, 6, 0)
    assert ws["A3"].number_format == (
        '"Cập nhật lần cuối (lần dựng thành công gần nhất): "dd/mm/yyyy hh:mm" (giờ Việt Nam)"'
    )
    assert "A3:E3" in {str(r) for r in ws.merged_cells.ranges}  # wide enough to show the date


def test_a_fresh_workbook_warns_by_itself_once_two_days_old(book):
    ws = book[SUMMARY_SHEET]
    warning = ws["A4"]
    assert warning.value.startswith("CẢNH BÁO: lần dựng thành công gần nhất đã quá 2 ngày")
    assert warning.font.color.rgb == "FFFFFFFF"  # not shown while fresh
    rules = [(str(rng.sqref), rule) for rng in ws.conditional_formatting for rule in rng.rules]
    assert len(rules) == 1
    cells, rule = rules[0]
    assert cells.startswith("A4:")
    assert rule.type == "expression"
    assert rule.formula == ["TODAY()-$A$3>2"]
    assert rule.dxf.fill.fgColor.rgb.endswith("FFC7CE") or rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")


def test_a_stale_build_is_a_visible_warning(stale_scorecard):
    path, counts = stale_scorecard
    assert counts["stale"] is True
    book = openpyxl.load_workbook(path)
    warning = book[SUMMARY_SHEET]["A4"]
    assert warning.value.startswith("CẢNH BÁO: lần dựng thành công gần nhất đã cách đây 5 ngày (quá 2 ngày)")
    assert warning.font.color.rgb == "FF9C0006"
    assert warning.fill.fgColor.rgb == "FFFFC7CE"
    plan = book[SHEETS[CA_MAU]]
    assert plan["A7"].value == warning.value  # every plan sheet says it too


# --- printing -------------------------------------------------------------------------


def test_every_sheet_prints_landscape_fit_to_width_with_its_header_repeated(book):
    header_rows = {SUMMARY_SHEET: SUMMARY_HEADER_ROW + 1, WARNINGS_SHEET: 1, CATALOGUE_SHEET: 1}
    for name in book.sheetnames:
        ws = book[name]
        row = header_rows.get(name, HEAD)
        assert ws.page_setup.orientation == "landscape", name
        assert ws.page_setup.paperSize == 9, name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert ws.page_setup.fitToWidth in (None, 1), name  # OOXML's default is 1
        assert ws.page_setup.fitToHeight == 0, name  # as many pages tall as needed
        assert ws.print_title_rows == f"${row}:${row}", name
        assert "Số liệu đến tháng 9/2026" in ws.oddHeader.left.text, name
        assert ws.oddFooter.center.text == "Trang &P/&N", name


def test_text_wraps_and_rows_are_high_enough_for_whole_sentences(book):
    ws = book[SHEETS[CA_MAU]]
    widths = {col: ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width for col in range(1, 15)}
    checked = 0
    for row in ws.iter_rows(min_row=HEAD + 1, max_row=HEAD + 8):
        height = ws.row_dimensions[row[0].row].height
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.alignment.wrap_text, cell.coordinate
                # At least one line per column width of characters, whatever the wrapping.
                lines = math.ceil(len(cell.value) / widths[cell.column])
                assert height is not None and height >= lines * LINE_HEIGHT, (cell.coordinate, height, lines)
                checked += 1
    assert checked >= 8 * 5
    # The longest source quote needs several lines: its row is more than one line high.
    assert max(ws.row_dimensions[r].height for r in range(HEAD + 1, HEAD + 9)) > 3 * LINE_HEIGHT


def test_numbers_are_numbers_with_vietnamese_formats_and_units(book):
    ws = book[SHEETS[LAO_CAI]]
    r = _target_row(ws, "Số cán bộ", "≥ 100 người/năm")
    actual = ws.cell(r, 5)
    assert (actual.value, actual.data_type) == (80, "n")
    assert actual.number_format == '[$-42A]#,##0" người/năm"'
    r = _target_row(ws, "Tỷ lệ cơ sở", "≥ 50%")
    assert (ws.cell(r, 5).value, ws.cell(r, 5).number_format) == (35, '[$-42A]0.0"%"')
    assert ws.cell(r, 9).number_format == "[$-42A]0.0"  # achievement, % in its heading
    change = ws.cell(r, 11)
    assert (change.value, change.number_format) == (42.9, '[$-42A]+0.0"%/năm";-0.0"%/năm";0"%/năm"')
    assert (ws.cell(r, 12).value, ws.cell(r, 12).number_format) == (41.7, '[$-42A]0.0"%"')
    assert ws.cell(r, 3).number_format == "0"  # a year, without thousands separator


def test_warnings_sheet_is_vietnamese_with_decimal_comma_figures(book):
    ws = book[WARNINGS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Kiểm tra", "Mức độ", "Địa giới", "Danh mục tỉnh", "Mã tỉnh", "Tỉnh", "Năm",
                       "Nguồn số liệu", "Chỉ tiêu", "Nội dung", "Giá trị", "Giá trị năm trước")
    outlier = next(r for r in rows if r[0] == "Biến động bất thường so với năm trước")
    assert outlier[1:9] == ("Thông tin", "Theo 34 tỉnh hiện nay", "34 tỉnh (từ 01/07/2025)", "96", "Cà Mau", 2024,
                            "Đối tượng trợ giúp", "Tỷ lệ đối tượng được cung cấp dịch vụ trợ giúp xã hội toàn diện")
    assert outlier[10:] == (12.5, 1234.75)
    figure = next(c for c in ws["K"] if c.value == 12.5)
    assert figure.number_format == "[$-42A]#,##0.0#"
    assert {r[0] for r in rows[1:]} == {
        "Đơn vị thiếu báo cáo tháng cuối", "Báo cáo cấp tỉnh khác tổng cấp huyện/xã",
        "Biến động bất thường so với năm trước",
    }


def test_catalogue_in_vietnamese(book):
    rows = list(book[CATALOGUE_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("Mã chỉ số", "Tên chỉ số", "Đơn vị", "Chiều hướng", "Loại", "Nguồn số liệu",
                       "Công thức (mã cột dữ liệu)")
    staff = next(r for r in rows if r[0] == "staff_trained_per_year")
    assert staff[2:6] == ("người/năm", "Tăng là tốt", "Bình quân mỗi năm", "Đào tạo")


# --- styles and safety ----------------------------------------------------------------


def test_status_cells_are_filled_by_status(scorecard):
    path, _ = scorecard
    with zipfile.ZipFile(path) as zf:
        cells = _cells(zf, SHEETS[CA_MAU])
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
        xml = zf.read(_sheet_parts(zf)[SHEETS[LAO_CAI]]).decode("utf-8")
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
    catalogue = fastexcel.read_excel(path).load_sheet(CATALOGUE_SHEET).to_polars()
    assert catalogue["Mã chỉ số"].to_list() == sorted(i[0] for i in INDICATORS)
    assert MINUS_DEFINITION in catalogue["Công thức (mã cột dữ liệu)"].to_list()


def test_plan_sheet_names_are_valid_and_unique():
    def plan(plan_id, area=None, phases=None):
        return {"plan_id": plan_id, "province_name": area, "district_name": None, "phases": phases}

    long = "Thành phố Hồ Chí Minh và các vùng lân cận"
    plans = [
        plan("a", long, "2021-2025"),
        plan("b", long, "2021-2025"),
        plan("c", "Tổng hợp"),
        plan("d", "x/y:z*?[1]"),
        plan("e", "History"),
        plan("f", "TỔNG HỢP"),
        plan("g"),
    ]
    names = plan_sheet_names(plans, reserved=["Tổng hợp"])
    assert names == {
        "a": (long + " 2021–2025")[:31],
        "b": (long + " 2021–2025")[:29] + "~2",  # same first 31 characters
        "c": "Tổng hợp~2",  # clashes with the reserved summary sheet
        "d": "x_y_z___1_",
        "e": "history_",  # a name Excel reserves
        "f": "TỔNG HỢP~3",  # Excel compares sheet names case-insensitively
        "g": "g",  # neither area nor phases: the plan id
    }
    assert all(len(n) <= 31 for n in names.values())
