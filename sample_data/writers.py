"""How a file is written: headers, labels, numbers, booleans, dates, encodings (CSV, Windows-1258) and XLSX layouts."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter

from sample_data.beneficiaries import MEASURES
from sample_data.common import XLSX_CREATED, seeded_rng
from sample_data.geography import fold, province_names

COLUMNS = {
    "beneficiaries": ("province", "district", "commune", "year", "month", "group", *MEASURES),
    "facilities": ("facility_id", "name", "province", "district", "year", "ownership", "unit_type", "capacity",
                   "residents", "provides_social_work", "meets_accessibility", "staff_total", "staff_social_work", "status"),
    "training": ("record_id", "person_id", "full_name", "province", "facility_id", "role", "course_level",
                 "start_date", "end_date", "completed"),
}  # fmt: skip
INT_COLUMNS = (*MEASURES, "capacity", "residents", "staff_total", "staff_social_work")
BOOL_COLUMNS = ("provides_social_work", "meets_accessibility", "completed")
DATE_COLUMNS = ("start_date", "end_date")
VI_HEADERS = {
    "beneficiaries": {
        "province": "Tỉnh/Thành phố", "district": "Huyện/Thị xã/Thành phố thuộc tỉnh", "commune": "Xã/Phường/Thị trấn",
        "year": "Năm", "month": "Tháng", "group": "Nhóm đối tượng",
        "in_difficulty": "Số người có hoàn cảnh đặc biệt khó khăn",
        "served": "Số người được cung cấp dịch vụ trợ giúp xã hội phù hợp",
        "comprehensive": "Số người được cung cấp dịch vụ trợ giúp xã hội toàn diện",
        "case_managed": "Số người được tư vấn, hỗ trợ, quản lý trường hợp",
        "emergency_cases": "Số người gặp khó khăn đột xuất", "emergency_assisted": "Số người được trợ giúp kịp thời",
        "monthly_allowance": "Số người hưởng trợ cấp xã hội hàng tháng",
    },
    "facilities": {
        "facility_id": "Mã cơ sở", "name": "Tên cơ sở", "province": "Tỉnh/Thành phố", "district": "Huyện", "year": "Năm",
        "ownership": "Loại hình", "unit_type": "Loại cơ sở", "capacity": "Công suất (giường)",
        "residents": "Số đối tượng đang chăm sóc", "provides_social_work": "Cung cấp dịch vụ công tác xã hội",
        "meets_accessibility": "Đạt điều kiện tiếp cận cho người khuyết tật", "staff_total": "Tổng số nhân viên",
        "staff_social_work": "Số nhân viên công tác xã hội", "status": "Tình trạng",
    },
    "training": {
        "record_id": "Mã bản ghi", "person_id": "Số CCCD/CMND", "full_name": "Họ và tên", "province": "Tỉnh/Thành phố",
        "facility_id": "Mã cơ sở", "role": "Đối tượng tham gia", "course_level": "Hình thức đào tạo",
        "start_date": "Ngày bắt đầu", "end_date": "Ngày kết thúc", "completed": "Hoàn thành",
    },
}  # fmt: skip
VI_SHORT = {"district": "Huyện", "commune": "Xã"}
LABELS = {
    "group": {"elderly": "Người cao tuổi", "disabled": "Người khuyết tật", "children": "Trẻ em có hoàn cảnh đặc biệt",
              "mental_illness": "Người tâm thần", "hiv": "Người nhiễm HIV/AIDS", "other": "Đối tượng khác"},
    "ownership": {"public": "Công lập", "non_public": "Ngoài công lập"},
    "status": {"active": "Đang hoạt động", "closed": "Đã giải thể, sáp nhập"},
    "role": {"staff": "Cán bộ, công chức, viên chức, nhân viên", "collaborator": "Cộng tác viên",
             "family": "Người chăm sóc, gia đình"},
    "course_level": {"short_course": "Tập huấn, bồi dưỡng", "intermediate": "Trung cấp", "college": "Cao đẳng",
                     "university": "Đại học", "postgraduate": "Sau đại học"},
}  # fmt: skip
LABELS_ALT = {"group": {"children": "Trẻ em", "mental_illness": "Người rối nhiễu tâm trí", "other": "Khác"}}
BOOLS = {"yes/no": ("yes", "no"), "true/false": ("true", "false"), "1/0": ("1", "0"), "x": ("x", ""), "có/không": ("Có", "Không")}


@dataclass(frozen=True)
class Style:
    """How a file is written."""

    fmt: str = "csv"  # csv | xlsx
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1258 (csv only)
    newline: str = "\n"
    headers: str = "en"  # en | vi | vi_short | vi_upper | vi_ascii | vi_spaced
    province: str = "short"  # full | short | upper_ascii | lower_ascii | lower_full_ascii | code
    labels: str = "code"  # code | vi | vi_alt
    thousands: str = ""  # "" | "." | "," | " "
    bools: str = "yes/no"
    dates: str = "iso"  # iso | dmy
    titles: tuple[str, ...] = ()
    numbering: bool = False
    stt: bool = False  # leading "STT" (row number) column, an unknown column
    note: bool = False  # trailing "Ghi chú" column, an unknown column
    order: str = "canonical"  # canonical | shuffled
    drop: tuple[str, ...] = ()  # optional columns absent from the file
    notes_sheet: bool = False  # a second sheet the reader must ignore


@dataclass
class Row:
    """A data row: canonical values, and for an intended bad row its expected reason fragment."""

    values: dict[str, Any]
    bad: str | None = None
    raw: dict[str, str] = field(default_factory=dict)  # cell texts written verbatim


@dataclass
class FileSpec:
    """One raw file: source folder, file name, style and rows in file order."""

    source: str
    name: str
    style: Style
    rows: list[Row]
    description: str = ""

    def columns(self) -> list[str]:
        """The canonical columns present in the file, in file order."""
        cols = [c for c in COLUMNS[self.source] if c not in self.style.drop]
        if self.style.order == "shuffled":
            seeded_rng("order", self.name).shuffle(cols)
        return cols


def province_text(prov: tuple[str, str], style: str) -> str:
    """A province written the way a file writes it."""
    lst, code = prov
    short, full = province_names()[(lst, code)]
    return {
        "full": full,
        "short": short,
        "upper_ascii": fold(short).upper(),
        "lower_ascii": fold(short).lower(),
        "lower_full_ascii": fold(full).lower(),
        "code": code,
    }[style]


def header_text(source: str, col: str, style: str) -> str:
    """A column header in one of the accepted spellings."""
    if style == "en":
        return col
    vi = VI_HEADERS[source][col]
    if style == "vi_short" and source == "beneficiaries":
        vi = VI_SHORT.get(col, vi)
    if style == "vi_upper":
        return vi.upper()
    if style == "vi_ascii":
        return fold(vi)
    if style == "vi_spaced":
        return " " + vi.replace("/", " / ").replace(" ", "  ", 1) + " "
    return vi


def int_text(v: int, sep: str) -> str:
    """An integer with an optional thousands separator (``34.363``)."""
    s = f"{abs(v):,}".replace(",", sep)
    return ("-" if v < 0 else "") + s


def cell_text(col: str, v: Any, style: Style) -> str | int | None:
    """The cell for a canonical value: text for CSV; int/str/None for XLSX."""
    if v is None:
        return None if style.fmt == "xlsx" else ""
    if col == "province":
        return province_text(v, style.province)
    if col in BOOL_COLUMNS:
        yes, no = BOOLS[style.bools]
        return yes if v else no
    if col in DATE_COLUMNS:
        return v.strftime("%d/%m/%Y") if style.dates == "dmy" else v.isoformat()
    if col in LABELS and style.labels != "code":
        if style.labels == "vi_alt" and v in LABELS_ALT.get(col, {}):
            return LABELS_ALT[col][v]
        return LABELS[col][v]
    if col in ("year", "month"):
        return v if style.fmt == "xlsx" else str(v)
    if col in INT_COLUMNS:
        return v if style.fmt == "xlsx" else int_text(v, style.thousands)
    return str(v)


def _table(spec: FileSpec) -> tuple[list[str], list[list[Any]], list[str]]:
    """Header cells, body cells and the canonical column of each position (``STT``/``note`` for extras)."""
    style = spec.style
    cols = spec.columns()
    header = [header_text(spec.source, c, style.headers) for c in cols]
    body = []
    for i, row in enumerate(spec.rows, 1):
        cells = [row.raw[c] if c in row.raw else cell_text(c, row.values.get(c), style) for c in cols]
        if style.stt:
            cells = [(None if "_total" in row.raw else i), *cells]
        if style.note:
            cells.append(row.raw.get("_note", ""))
        body.append(cells)
    if style.stt:
        header, cols = ["STT", *header], ["STT", *cols]
    if style.note:
        header, cols = [*header, "Ghi chú"], [*cols, "note"]
    return header, body, cols


_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def encode_cp1258(text: str) -> bytes:
    """Encode to Windows-1258, decomposing letters the code page lacks into base + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        nfd = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
        marks = "".join(c for c in nfd if c in _TONES)
        out += base.encode("cp1258") + marks.encode("cp1258")
    return bytes(out)


def csv_bytes(spec: FileSpec) -> bytes:
    """The bytes of a CSV file."""
    header, body, _ = _table(spec)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=spec.style.newline)
    w.writerow(header)
    for cells in body:
        w.writerow(["" if c is None else c for c in cells])
    text = buf.getvalue()
    if spec.style.encoding == "cp1258":
        return encode_cp1258(text)
    return text.encode(spec.style.encoding)


def xlsx_bytes(spec: FileSpec) -> bytes:
    """The bytes of an XLSX file (fixed properties and zip timestamps, so reproducible)."""
    header, body, cols = _table(spec)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({
        "title": spec.name, "author": "Dữ liệu mẫu tổng hợp (synthetic sample)", "company": "tgxh-warehouse",
        # the name of the generator before it became the package sample_data: changing a document
        # property changes the files' SHA-256, which the ingestion audit and the warnings record
        "comments": "Synthetic sample data generated by pipelines.sample_data", "created": XLSX_CREATED,
    })  # fmt: skip
    ws = wb.add_worksheet("Báo cáo")
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1})
    title = wb.add_format({"bold": True, "align": "center"})
    italic = wb.add_format({"italic": True, "align": "center", "border": 1})
    num = wb.add_format({"num_format": "#,##0", "border": 1})
    code = wb.add_format({"num_format": "0", "border": 1, "align": "center"})
    plain = wb.add_format({"border": 1})
    total_fmt = wb.add_format({"bold": True, "num_format": "#,##0", "border": 1})
    width = len(header)
    r = 0
    for t in spec.style.titles:
        ws.merge_range(r, 0, r, width - 1, t, title)
        r += 1
    if spec.style.titles:
        r += 1  # an empty line between the titles and the table
    for c, h in enumerate(header):
        ws.write_string(r, c, h, bold)
        ws.set_column(c, c, max(10, min(40, len(h) + 2)))
    r += 1
    if spec.style.numbering:
        for c in range(width):
            ws.write_string(r, c, f"({c + 1})", italic)
        r += 1
    for row, cells in zip(spec.rows, body, strict=True):
        fmt_num = total_fmt if "_total" in row.raw else num
        for c, v in enumerate(cells):
            if v is None or v == "":
                ws.write_blank(r, c, None, plain)
            elif isinstance(v, int):
                ws.write_number(r, c, v, code if cols[c] in ("STT", "year", "month") else fmt_num)
            else:
                ws.write_string(r, c, v, plain)
        r += 1
    if spec.style.notes_sheet:
        notes = wb.add_worksheet("Ghi chú")
        notes.write_string(0, 0, "Số liệu tổng hợp từ báo cáo của các huyện, thị xã, thành phố.")
        notes.write_string(1, 0, "Dữ liệu mẫu tổng hợp, không phải số liệu thật.")
    wb.close()
    return buf.getvalue()
