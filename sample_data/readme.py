"""The README of data/raw, with the yearly values expected from the contract's period and level rules."""

from __future__ import annotations

from typing import Any

from sample_data.beneficiaries import MEASURES
from sample_data.common import GROUPS
from sample_data.files import build_records, expected_rejections
from sample_data.geography import THUAN_AN, province_names
from sample_data.writers import FileSpec


def effective_beneficiaries() -> list[dict[str, Any]]:
    """Loaded beneficiary rows after superseding: per key, the row of the lexically last file."""
    latest: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in build_records()["beneficiaries"]:  # files are in lexical order
        key = (r["province_list"], r["province_code"], r["district"], r["commune"], r["year"], r["month"], r["group_code"])
        latest[key] = r
    return list(latest.values())


def yearly_as_reported() -> dict[tuple[str, str, int], dict[str, int | None]]:
    """(list, code, year) -> yearly sums by measure, with the stock/flow and level rules of docs/contract.md §2.2."""
    rows = effective_beneficiaries()
    out: dict[tuple[str, str, int], dict[str, int | None]] = {}
    keys = sorted({(r["province_list"], r["province_code"], r["year"]) for r in rows})
    for lst, code, year in keys:
        rs = [r for r in rows if (r["province_list"], r["province_code"], r["year"]) == (lst, code, year)]
        kept = []
        for g in GROUPS:
            grs = [r for r in rs if r["group_code"] == g]
            lower = [r for r in grs if r["district"] is not None or r["commune"] is not None]
            kept += lower or grs
        last = max(12 if r["month"] is None else r["month"] for r in kept)
        in_last = [r for r in kept if (12 if r["month"] is None else r["month"]) == last]
        agg: dict[str, int | None] = {}
        for m in MEASURES:
            src = kept if m.startswith("emergency") else in_last
            vals = [r[m] for r in src if r[m] is not None]
            agg[m] = sum(vals) if vals else None
        out[(lst, code, year)] = agg
    return out


def _thuan_an_2020(file_name: str) -> str:
    rs = [r for r in build_records()["beneficiaries"] if r["file_name"] == file_name and r["district"] == THUAN_AN]
    n = sum(r["in_difficulty"] for r in rs)
    return f"{_pct(sum(r['served'] for r in rs), n)} / {_pct(sum(r['comprehensive'] for r in rs), n)}"


def _pct(a: int | None, b: int | None) -> str:
    return "" if a is None or not b else f"{100 * a / b:.1f}"


def readme_text(specs: tuple[FileSpec, ...]) -> str:
    """The README of data/raw (generated, so it always matches the files)."""
    names = province_names()
    lines = [
        "# Raw sample data — SYNTHETIC",
        "",
        "**Every value in these files is invented** by the package `sample_data/` (fixed seed, byte-for-byte",
        "reproducible: `uv run python -m sample_data --out data/raw`). Person IDs are random",
        "12-digit numbers shaped like a CCCD (birth-province code, sex/century digit, birth year, serial) and",
        "names are random combinations of common Vietnamese names: they identify nobody. District and",
        "commune names are real (vietnamadminunits). Do not edit these files by hand; change the generator.",
        "",
        "The only real figures are those the Cà Mau plan (60/KH-UBND of 06/07/2017) quotes for the end of 2016:",
        "",
        "- monthly social allowance: 34,363 recipients — 19,016 elderly, 12,680 with severe disabilities,",
        "  252 orphaned children; the plan does not break down the remaining 2,415 (34,363 − 19,016 − 12,680 − 252),",
        "  which the sample spreads over the other groups (mental illness 620, HIV 145, other 1,650)",
        "  (`2016_camau_bao_cao_nam.xlsx`, district rows; the `Tổng cộng` row repeats the sums and is rejected);",
        "- 3 public and 2 non-public social assistance facilities caring for more than 700 people",
        "  (`2016_camau_danh_sach_co_so.xlsx`: residents 292 + 96 + 205 + 68 + 57 = 718).",
        "",
        "Geographies: the five plan provinces (Cà Mau 96, Đồng Tháp 87, Bình Dương 74 with the town of Thuận An,",
        "Lào Cai 10, Kon Tum 62) and their partners of the 1 July 2025 merger (Bạc Liêu 95, Tiền Giang 82,",
        "Hồ Chí Minh 79 and Bà Rịa - Vũng Tàu 77, Yên Bái 15, Quảng Ngãi 51). Rows dated before 1 July 2025 name",
        "old provinces; rows dated on/after it name the new ones (Cà Mau 96, Đồng Tháp 82, Hồ Chí Minh 79,",
        "Lào Cai 15, Quảng Ngãi 51). Codes are reused between the lists (`82` is Tiền Giang in",
        "`2016-2020_tong_hop_bao_cao_cac_tinh.csv` and Đồng Tháp in `2025_12_tinh_moi_bao_cao_thang.csv`).",
        "Data run from 2016 to September 2026, except the new Lào Cai, whose data stop at December 2025.",
        "",
        "## Files",
        "",
        "| source | file | rows | format | encoding | headers | labels | province as | numbers | booleans / dates | content |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in specs:
        st = s.style
        fmt = "xlsx" + (f", titles: {len(st.titles)}" if st.titles else "") + (", numbering row" if st.numbering else "")
        fmt += ", STT column" if st.stt else ""
        fmt += ", 'Ghi chú' column" if st.note else ""
        fmt += ", 2nd sheet" if st.notes_sheet else ""
        if st.fmt == "csv":
            fmt = "csv" + (" CRLF" if st.newline == "\r\n" else "") + (", 'Ghi chú' column" if st.note else "")
        enc = "—" if st.fmt == "xlsx" else st.encoding
        hdr = st.headers + (", shuffled" if st.order == "shuffled" else "") + (f", no {'/'.join(st.drop)}" if st.drop else "")
        nums = "cells" if st.fmt == "xlsx" else (f"'{st.thousands}' separator" if st.thousands else "plain")
        bd = st.bools if s.source != "beneficiaries" else ""
        if s.source == "training":
            bd += f" / {st.dates}"
        lines.append(
            f"| {s.source} | `{s.name}` | {len(s.rows)} | {fmt} | {enc} | {hdr} | {st.labels} | {st.province} | {nums} | {bd} | {s.description} |"
        )
    lines += [
        "",
        "Header styles: `en` canonical English; `vi` the Vietnamese headers of docs/contract.md §2; `vi_short` with",
        "`Huyện`/`Xã`; `vi_upper` upper case; `vi_ascii` without diacritics; `vi_spaced` with extra spaces.",
        "Labels (group, ownership, status, role, course level) are codes in `en` files and the Vietnamese",
        "labels of the contract elsewhere (one file uses the alternatives `Trẻ em`, `Người rối nhiễu tâm trí`, `Khác`).",
        "",
        "## Intended bad rows (`expected_rejections.csv`)",
        "",
        "| source | file | row | reason contains |",
        "|---|---|---|---|",
    ]
    for e in expected_rejections():
        lines.append(f"| {e['source']} | `{e['file_name']}` | {e['row_number']} | {e['reason_contains']} |")
    lines += [
        "",
        "Row numbers count data rows after the header (and after the numbering row in XLSX), as",
        "`audit.rejected_rows.row_number`. Both rows of the duplicated key are listed.",
        "",
        "## Situations the pipeline must handle",
        "",
        "- **Resubmitted correction**: `2020_binhduong_bao_cao_nam_dieu_chinh.csv` repeats the six Thuận An",
        "  rows of `2020_binhduong_bao_cao_nam.xlsx` with corrected `served` and `comprehensive`",
        f"  (Thuận An 2020, served % / comprehensive %: first report {_thuan_an_2020('2020_binhduong_bao_cao_nam.xlsx')},",
        f"  corrected {_thuan_an_2020('2020_binhduong_bao_cao_nam_dieu_chinh.csv')}; targets 50 / 10).",
        "- **Level rule**: Đồng Tháp 2019 has district rows (`..._cap_huyen.csv`) and a province row per group",
        "  (`..._toan_tinh.csv`) whose totals are a few people higher; the district sum is the value.",
        "- **Stocks and flows**: monthly reports in 2024 (Cà Mau, Bình Dương, Đồng Tháp, Bạc Liêu), Jan-Jun 2025",
        "  (old provinces), Jul-Dec 2025 (new provinces) and Jan-Sep 2026. Cà Mau's Huyện Ngọc Hiển sent no",
        "  December 2024 report (a completeness warning: the 2024 Cà Mau stock is the December sum without it).",
        "- **Levels**: Cà Mau and Bình Dương district level, Đồng Tháp district level to 2023, Bạc Liêu commune",
        "  level 2020-2023, the others province level; after the reform, new provinces report at province level.",
        "- **Not reported**: `case_managed` is empty in 2016-2017 for KT, QN, LC, YB, BD, HCM, VT;",
        "  `comprehensive` is empty for Đồng Tháp 2016-2017; Cà Mau's district reports leave the emergency",
        "  columns empty for the mental-illness and HIV groups.",
        "- **Facilities**: ids are stable (`CM-001`); Đồng Tháp's child-protection social work centre",
        "  (DT-002) closes in 2019 and DT-001 is renamed `Trung tâm Bảo trợ xã hội tổng hợp`; a non-public",
        "  Bình Dương unit closes in 2021; every old commune people's committee is listed `closed` in 2025 and the",
        "  new commune that absorbed it (real post-2025 name) appears with an id like `CM-X01`. A unit named",
        "  `Trường Cao đẳng Cộng đồng Kon Tum` contains the word `Cộng`: it is not a total row.",
        "",
        "## Expected yearly values (as reported; superseding, level, stock and flow rules applied)",
        "",
        "served_pct / comprehensive_pct / case_managed_pct / emergency_timely_pct / allowance_recipients",
        "",
        "| list | province | year | served % | comprehensive % | case managed % | emergency timely % | allowance |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (lst, code, year), a in yearly_as_reported().items():
        name = names[(lst, code)][0]
        lines.append(
            f"| {lst} | {code} {name} | {year} | {_pct(a['served'], a['in_difficulty'])} | "
            f"{_pct(a['comprehensive'], a['in_difficulty'])} | {_pct(a['case_managed'], a['in_difficulty'])} | "
            f"{_pct(a['emergency_assisted'], a['emergency_cases'])} | {a['monthly_allowance']} |"
        )
    lines += ["", "Thuận An (district rows of Bình Dương, after the correction):", "",
              "| year | served % | comprehensive % |", "|---|---|---|"]  # fmt: skip
    eff = effective_beneficiaries()
    for year in range(2016, 2026):
        rs = [r for r in eff if r["district"] == THUAN_AN and r["year"] == year]
        last = max(12 if r["month"] is None else r["month"] for r in rs)
        rs = [r for r in rs if (12 if r["month"] is None else r["month"]) == last]
        n = sum(r["in_difficulty"] for r in rs)
        lines.append(f"| {year} | {_pct(sum(r['served'] for r in rs), n)} | {_pct(sum(r['comprehensive'] for r in rs), n)} |")
    lines.append("")
    return "\n".join(lines)
