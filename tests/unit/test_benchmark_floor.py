"""The benchmark's floor (benchmarks/floor.py) computes marts.indicator_values from raw
folders by the contract's rules (docs/contract.md §2-§4, v2 included), whatever the
files' encodings, header languages and formats. Each expected value below is worked
out by hand from the rows written here."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import unicodedata
from pathlib import Path

import duckdb
import openpyxl
import pytest

from benchmarks.floor import build_floor

BEN_EN = [
    "province", "district", "commune", "year", "month", "group", "in_difficulty", "served", "comprehensive",
    "case_managed", "emergency_cases", "emergency_assisted", "monthly_allowance",
]
BEN_VI = [
    "Tỉnh/Thành phố", "Huyện", "Xã", "Năm", "Tháng", "Nhóm đối tượng", "Số người có hoàn cảnh đặc biệt khó khăn",
    "Số người được cung cấp dịch vụ trợ giúp xã hội phù hợp",
    "Số người được cung cấp dịch vụ trợ giúp xã hội toàn diện",
    "Số người được tư vấn, hỗ trợ, quản lý trường hợp", "Số người gặp khó khăn đột xuất",
    "Số người được trợ giúp kịp thời", "Số người hưởng trợ cấp xã hội hàng tháng",
]
FAC = [
    "facility_id", "name", "province", "district", "year", "ownership", "unit_type", "capacity", "residents",
    "provides_social_work", "meets_accessibility", "staff_total", "staff_social_work", "status",
]
TRAIN = [
    "record_id", "person_id", "full_name", "province", "facility_id", "role", "course_level", "start_date",
    "end_date", "completed",
]
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes: base letters precomposed, tone marks combining (as Windows writes them)."""
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES)))
        out.append("".join(c for c in d if c in _TONES))
    return "".join(out).encode("cp1258")


def csv_text(header: list[str], rows: list[list], sep: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def ben(commune, month, in_diff, served, allowance=None, cases=None, assisted=None, *, province="Cà Mau",
        district="Huyện Đầm Dơi", year=2024, group="elderly"):
    return [province, district, commune, year, month, group, in_diff, served, None, None, cases, assisted, allowance]


def values(db: Path) -> dict[tuple, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select indicator_code, geography, province_code, year, numerator, denominator, value, "
            "months_reported, is_complete_year, province_name from marts.indicator_values"
        ).fetchall()
    finally:
        con.close()
    return {r[:4]: r[4:] for r in rows}


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    for source in ("beneficiaries", "facilities", "training"):
        (root / source).mkdir(parents=True)
    return root


def test_files_of_every_format_and_the_row_rules(raw: Path, tmp_path: Path) -> None:
    b = raw / "beneficiaries"
    (b / "a_2024.csv").write_text(csv_text(BEN_EN, [
        ben("Xã X", 11, 100, 50, 30, 10, 5),
        ben("Xã X", 12, 100, 60, 30, 10, 5),
        ben("Xã Y", 12, 200, None, 30),  # served not reported: out of served_pct, still in the allowance
        ben("Xã W", 12, 50, 25, 20),
        ben("Xã Z", 12, 100, 300, 1000),  # served > in_difficulty: rejected
        ["Tổng", None, None, 2024, 12, "elderly", 9999, 9999, None, None, None, None, 9999],  # total row
    ]), encoding="utf-8")
    # Windows-1258 with Vietnamese headers: supersedes Xã X's December.
    (b / "b_2024.csv").write_bytes(cp1258(csv_text(BEN_VI, [ben("Xã X", 12, 100, 70, 40, 10, 8)])))
    # Windows-1258 with English headers (not UTF-8 below the header): Xã S, and the same
    # key twice in one file, both rejected, so Xã W's December from a_2024.csv stays in force.
    (b / "c_2024.csv").write_bytes(cp1258(csv_text(BEN_EN, [
        ben("Xã S", 12, 100, 0, 10), ben("Xã W", 12, 50, 1, 1), ben("Xã W", 12, 50, 2, 2),
    ])))
    # A byte-identical copy of a_2024.csv under a later name: skipped, so it supersedes nothing.
    shutil.copyfile(b / "a_2024.csv", b / "d_2024_copy.csv")
    # UTF-16 with BOM, tab-separated (Excel's "Unicode Text").
    (b / "e_2024.csv").write_bytes(
        codecs.BOM_UTF16_LE + csv_text(BEN_EN, [ben("Xã V", 12, 50, 5, 5)], sep="\t").encode("utf-16-le")
    )
    # XLSX: report titles above the header, a row of column numbers under it, a thousands separator.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI"])
    ws.append([])
    ws.append(BEN_VI)
    ws.append([f"({i + 1})" for i in range(len(BEN_VI))])
    ws.append(["Cà Mau", "Huyện Đầm Dơi", "Xã U", 2024, 12, "Người cao tuổi", "1.000", 300, None, None, None, None, 100])
    wb.save(b / "f_2024.xlsx")
    (b / ".g_2024.csv").write_text(csv_text(BEN_EN, [ben("Xã T", 12, 1, 1, 1)]), encoding="utf-8")  # upload

    out = build_floor(raw, tmp_path / "floor.duckdb")
    v = values(tmp_path / "floor.duckdb")

    # December: X (100, 70 from b), S (100, 0), W (50, 25 from a), V (50, 5), U (1000, 300);
    # Y has no served.
    assert v[("served_pct", "as_reported", "96", 2024)][:3] == (400.0, 1300.0, pytest.approx(100 * 400 / 1300))
    # Allowance stock in December: X 40 + S 10 + Y 30 + W 20 + V 5 + U 100; November not added.
    assert v[("allowance_recipients", "as_reported", "96", 2024)][:2] == (205.0, None)
    # Flows summed over the months: X November (10, 5) and December from b (10, 8).
    assert v[("emergency_timely_pct", "as_reported", "96", 2024)][:3] == (13.0, 20.0, 65.0)
    assert v[("served_pct", "current", "96", 2024)] == v[("served_pct", "as_reported", "96", 2024)]
    assert v[("served_pct", "as_reported", "96", 2024)][3:] == (12, True, "Cà Mau")
    assert out["files"]["beneficiaries"] == 5  # the copy and the upload in progress are not read


def test_annual_and_monthly_reports_levels_per_period_and_the_reform(raw: Path, tmp_path: Path) -> None:
    b = raw / "beneficiaries"
    # 2023: Huyện Cái Nước reports monthly in one file, then an annual report in a later
    # file, which replaces the whole unit-year-group.
    (b / "g_2023.csv").write_text(csv_text(BEN_EN, [
        ben(None, m, 10, 5, 10, 1, 1, district="Huyện Cái Nước", year=2023) for m in range(1, 13)
    ]), encoding="utf-8")
    (b / "h_2023.csv").write_text(csv_text(BEN_EN, [
        ben(None, None, 500, 100, 7, 40, 20, district="Huyện Cái Nước", year=2023),
    ]), encoding="utf-8")
    # 2025: Bạc Liêu reports at province level in January-March, by commune from April;
    # April also has a province row, not added to the communes'. After 1 July 2025 the
    # old name is mapped to its successor, Cà Mau; the latest month is September.
    rows = [ben(None, m, 100, 50, 100, 10, 10, province="Bạc Liêu", district=None, year=2025) for m in (1, 2, 3)]
    rows += [ben(None, 4, 100, 100, 100, 100, 100, province="Bạc Liêu", district=None, year=2025)]
    rows += [ben("Xã Hưng Thành", m, 10, 5, 10, 1, 0, province="Bạc Liêu", district="Huyện Vĩnh Lợi", year=2025)
             for m in (4, 5, 6)]
    rows += [ben("Phường Bạc Liêu", 9, 10, 5, 9, province="Bạc Liêu", district=None, year=2025)]
    (b / "i_2025.csv").write_text(csv_text(BEN_EN, rows), encoding="utf-8")

    build_floor(raw, tmp_path / "floor.duckdb")
    v = values(tmp_path / "floor.duckdb")

    assert v[("allowance_recipients", "as_reported", "96", 2023)][0] == 7.0
    assert v[("emergency_timely_pct", "as_reported", "96", 2023)][:2] == (20.0, 40.0)
    # Flows: January-March province rows (30 cases, 30 assisted) + communes April-June (3, 0).
    assert v[("emergency_timely_pct", "as_reported", "96", 2025)][:2] == (30.0, 33.0)
    assert v[("emergency_timely_pct", "current", "96", 2025)][:2] == (30.0, 33.0)
    # Stock: September only; nine months reported.
    assert v[("allowance_recipients", "current", "96", 2025)][:2] == (9.0, None)
    assert v[("allowance_recipients", "current", "96", 2025)][3:5] == (9, False)
    # Bạc Liêu's own code is on the old list only: no 2025 row under it.
    assert not any(k[2] == "95" and k[3] == 2025 for k in v)


def test_rosters_and_training_with_empty_cells(raw: Path, tmp_path: Path) -> None:
    def unit(fid, unit_type, residents, provides, accessible, staff_sw, status="active"):
        return [fid, f"Đơn vị {fid}", "Cà Mau", None, 2024, "public", unit_type, None, residents, provides,
                accessible, 10, staff_sw, status]

    (raw / "facilities" / "roster_2024.csv").write_text(csv_text(FAC, [
        unit("U1", "sa_elderly", 10, "yes", "yes", 2),
        unit("U2", "health", None, "no", None, 4),
        unit("U3", "commune", None, "yes", None, None),  # staff_social_work not reported
        unit("U5", "education", None, None, None, 0),
        unit("U4", "sa_children", 50, "yes", "no", 5, status="closed"),
    ]), encoding="utf-8")

    def record(rid, person, fid, role, level, end):
        return [rid, person, "Nguyễn Văn A", "Cà Mau", fid, role, level, end, end, "yes"]

    (raw / "training" / "training.csv").write_text(csv_text(TRAIN, [
        record("R1", "P1", "U1", "staff", "intermediate", "2022-05-01"),
        record("R2", "P1", "U1", "staff", "intermediate", "2022-05-01"),  # same person and end date
        record("R3", "P2", "U1", "collaborator", "Trung cấp", "01/05/2022"),
        record("R4", "P3", "U1", "staff", "short_course", "2022-06-01"),
        record("R5", "P4", "U2", "staff", "short_course", "2024-03-01"),
        record("R6", "P5", "U3", "staff", "short_course", "2024-03-01"),
        record("R7", "P6", None, "staff", "short_course", "2024-03-01"),  # no known unit
        record("R8", "F1", None, "family", "short_course", "2024-02-01"),
        record("R9", "P7", "U2", None, "short_course", "2024-02-01"),  # empty role: counts nowhere
    ]), encoding="utf-8")

    build_floor(raw, tmp_path / "floor.duckdb")
    v = values(tmp_path / "floor.duckdb")

    def at(code, year=2024):
        return v[(code, "as_reported", "96", year)]

    # Per unit, capped at its social-work staff: U1 min(3, 2) + U2 min(1, 4) + U5 min(0, 0) over 2 + 4 + 0;
    # U3 (empty staff_social_work) and the closed U4 are left out.
    assert at("sw_staff_trained_pct")[:3] == (3.0, 6.0, 50.0)
    assert at("facility_accessible_pct")[:3] == (1.0, 1.0, 100.0)
    assert at("facility_residents_avg")[:3] == (10.0, 1.0, 10.0)
    assert at("sw_service_units_pct")[:3] == (1.0, 2.0, 50.0)  # U1 yes, U2 no, U5 not reported
    assert at("sw_staffed_units_pct")[:2] == (2.0, 3.0)  # U1, U2 of U1, U2, U5
    assert at("units_two_degree_pct")[:3] == (1.0, 4.0, 25.0)  # U1 (P1, P2) of the four active units
    assert at("staff_trained_per_year", 2022)[:4] == (3.0, None, 3.0, 12)
    # The latest training record ends in March 2024: three months of 2024.
    assert at("staff_trained_per_year")[:5] == (3.0, None, 3.0, 3, False)
    assert at("family_trained_per_year")[:3] == (1.0, None, 1.0)
    # 2022 has training records, none of a family carer: 0, not "no data".
    assert at("family_trained_per_year", 2022)[:3] == (0.0, None, 0.0)
