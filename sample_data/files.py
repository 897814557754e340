"""The sample's files: which rows go into which file, in which style, and the intended bad rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from typing import Any

from pipelines.config import SOURCES
from pipelines.geo import NEW, OLD
from sample_data.beneficiaries import MEASURES, ben_new, ben_old
from sample_data.common import GROUPS, LAST_MONTH_OF_LAST_YEAR, seeded_rng
from sample_data.facilities import roster, roster_new
from sample_data.geography import NEW_MEMBERS, NO_2026, PROVS, THUAN_AN
from sample_data.training import training_records
from sample_data.writers import COLUMNS, FileSpec, Row, Style

ALL_MONTHS = tuple(range(1, 13))
H1, H2 = tuple(range(1, 7)), tuple(range(7, 13))
M2026 = tuple(range(1, LAST_MONTH_OF_LAST_YEAR + 1))
OTHERS = ("KT", "QN", "LC", "YB", "TG", "HCM", "VT")


def _rows(values: Iterable[dict[str, Any]]) -> list[Row]:
    return [Row(dict(v)) for v in values]


def _years(key: str, years: Iterable[int], months: tuple[int | None, ...] = (None,)) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for y in years:
        out += ben_old(key, y, months)
    return out


def _find(rows: list[Row], **match: Any) -> int:
    """Index of the first row whose values match."""
    return next(i for i, r in enumerate(rows) if all(r.values.get(k) == v for k, v in match.items()))


def _beneficiary_files() -> list[FileSpec]:
    f: list[FileSpec] = []
    vi_titles = lambda prov, text: ("ỦY BAN NHÂN DÂN " + prov.upper(), "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", text)  # noqa: E731

    # 2016-2020 compilation of the provinces that report at province level (codes for provinces)
    rows = []
    for y in range(2016, 2021):
        for k in OTHERS + (("BL",) if y <= 2019 else ()):
            rows += _rows(ben_old(k, y, (None,)))
    i = _find(rows, province=(OLD, "62"), year=2018, group="hiv")
    rows[i] = Row({**rows[i].values, "case_managed": -5}, bad="case_managed")
    f.append(FileSpec("beneficiaries", "2016-2020_tong_hop_bao_cao_cac_tinh.csv", Style(province="code"), rows,
                      "yearly, province level, 8 provinces; negative count"))

    rows = _rows(ben_old("CM", 2016, (None,)))
    totals = {m: sum(r.values[m] or 0 for r in rows) for m in MEASURES}
    total_row = Row({"year": None, **totals}, bad="total row", raw={"province": "Tổng cộng", "_total": ""})
    f.append(FileSpec("beneficiaries", "2016_camau_bao_cao_nam.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", stt=True, numbering=True,
                            notes_sheet=True,
                            titles=vi_titles("tỉnh Cà Mau", "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI NĂM 2016")),
                      [*rows, total_row], "yearly, district level; report total row at the bottom"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2016_dongthap_bao_cao_nam.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", labels="vi", thousands="."),
                      _rows(ben_old("DT", 2016, (None,))), "yearly, district level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2016_binhduong_bao_cao_nam.csv",
                      Style(encoding="utf-8-sig", newline="\r\n", headers="vi_ascii", province="upper_ascii",
                            thousands=","),
                      _rows(ben_old("BD", 2016, (None,))), "yearly, district level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2017-2018_camau_bao_cao_nam.csv",
                      Style(order="shuffled", province="lower_ascii", thousands=" "),
                      _rows(_years("CM", (2017, 2018))), "yearly, district level"))  # fmt: skip
    rows = _rows(_years("DT", (2017, 2018)))
    i = _find(rows, year=2018, district="Huyện Tam Nông", group="other")
    v = rows[i].values
    rows[i] = Row({**v, "served": v["in_difficulty"] + 12}, bad="served")
    f.append(FileSpec("beneficiaries", "2017-2018_dongthap_bao_cao_nam.xlsx",
                      Style(fmt="xlsx", headers="vi_upper", province="full", labels="vi_alt", numbering=True,
                            titles=("BÁO CÁO KẾT QUẢ THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI NĂM 2017 - 2018",)),
                      rows, "yearly, district level; served > in_difficulty"))  # fmt: skip
    rows = _rows(_years("BD", (2017, 2018, 2019)))
    rows[_find(rows, year=2019, district="Huyện Dầu Tiếng", group="elderly")].raw["_note"] = "Số liệu ước thực hiện"
    f.append(FileSpec("beneficiaries", "2017-2019_binhduong_bao_cao_nam.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi_short", province="full", labels="vi",
                            thousands=".", note=True),
                      rows, "yearly, district level; extra column Ghi chú"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2019-2020_camau_bao_cao_nam.xlsx",
                      Style(fmt="xlsx", headers="vi", labels="vi", stt=True, numbering=True,
                            titles=vi_titles("tỉnh Cà Mau", "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI NĂM 2019 - 2020")),
                      _rows(_years("CM", (2019, 2020))), "yearly, district level"))  # fmt: skip
    dt19 = ben_old("DT", 2019, (None,))
    f.append(FileSpec("beneficiaries", "2019_dongthap_bao_cao_nam_cap_huyen.csv",
                      Style(encoding="utf-8-sig", headers="vi_spaced", province="lower_full_ascii", labels="vi",
                            thousands="."),
                      _rows(dt19), "yearly, district level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2019_dongthap_bao_cao_nam_toan_tinh.csv", Style(province="code"),
                      _rows(_province_summary(dt19)),
                      "yearly, province level, same province-year as the district file: totals differ slightly"))
    f.append(FileSpec("beneficiaries", "2020_binhduong_bao_cao_nam.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", numbering=True,
                            titles=vi_titles("tỉnh Bình Dương", "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI NĂM 2020")),
                      _rows(ben_old("BD", 2020, (None,), variant="first_report")),
                      "yearly, district level; Thuận An understated"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2020_binhduong_bao_cao_nam_dieu_chinh.csv",
                      Style(headers="vi", province="full", labels="vi", thousands="."),
                      _rows(r for r in ben_old("BD", 2020, (None,)) if r["district"] == THUAN_AN),
                      "RESUBMITTED CORRECTION of the Thuận An rows of 2020_binhduong_bao_cao_nam.xlsx"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2020_dongthap_bao_cao_nam.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", labels="vi_alt", thousands=" "),
                      _rows(ben_old("DT", 2020, (None,))), "yearly, district level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2020-2023_baclieu_bao_cao_cap_xa.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", province="full", labels="vi",
                            thousands="."),
                      _rows(_years("BL", range(2020, 2024))), "yearly, COMMUNE level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2021-2023_binhduong_bao_cao_nam.xlsx",
                      Style(fmt="xlsx", headers="vi_ascii", province="full", numbering=True,
                            titles=vi_titles("tỉnh Bình Dương", "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI NĂM 2021 - 2023")[::2]),
                      _rows(_years("BD", range(2021, 2024))), "yearly, district level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2021-2023_camau_bao_cao_nam.csv",
                      Style(encoding="utf-8-sig", order="shuffled", province="upper_ascii", thousands=","),
                      _rows(_years("CM", range(2021, 2024))), "yearly, district level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2021-2023_dongthap_bao_cao_nam.csv",
                      Style(headers="vi_upper", labels="vi", thousands="."),
                      _rows(_years("DT", range(2021, 2024))), "yearly, district level"))  # fmt: skip
    rows = []
    for y in range(2021, 2025):
        for k in OTHERS:
            rows += _rows(ben_old(k, y, (None,)))
    f.append(FileSpec("beneficiaries", "2021-2024_tong_hop_bao_cao_cac_tinh.xlsx",
                      Style(fmt="xlsx", titles=("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
                                                "TỔNG HỢP SỐ LIỆU TRỢ GIÚP XÃ HỘI CÁC TỈNH NĂM 2021 - 2024")),
                      rows, "yearly, province level, 7 provinces; no numbering row"))  # fmt: skip
    rows = _rows(ben_old("BD", 2024, ALL_MONTHS))
    bad = dict(rows[_find(rows, month=12, district=THUAN_AN, group="elderly")].values)
    rows.insert(_find(rows, month=12) , Row({**bad, "month": 13}, bad="month"))
    f.append(FileSpec("beneficiaries", "2024_binhduong_bao_cao_thang.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", numbering=True,
                            titles=vi_titles("tỉnh Bình Dương", "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI HÀNG THÁNG NĂM 2024")),
                      rows, "MONTHLY, district level; a month 13"))  # fmt: skip
    rows = [r for r in _rows(ben_old("CM", 2024, ALL_MONTHS)) if not (r.values["month"] == 12 and r.values["district"] == "Huyện Ngọc Hiển")]
    f.append(FileSpec("beneficiaries", "2024_camau_bao_cao_thang.csv", Style(thousands="."), rows,
                      "MONTHLY, district level; Huyện Ngọc Hiển sent no December report (completeness warning)"))
    f.append(FileSpec("beneficiaries", "2024_dongthap_baclieu_bao_cao_thang.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", province="full", labels="vi"),
                      _rows(ben_old("DT", 2024, ALL_MONTHS) + ben_old("BL", 2024, ALL_MONTHS)),
                      "MONTHLY, province level"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2025_06_binhduong_bao_cao_thang.csv",
                      Style(encoding="utf-8-sig", headers="vi_short", province="full", labels="vi", thousands="."),
                      _rows(ben_old("BD", 2025, H1)), "MONTHLY Jan-Jun 2025, district level, old province"))  # fmt: skip
    f.append(FileSpec("beneficiaries", "2025_06_camau_bao_cao_thang.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", numbering=True,
                            titles=vi_titles("tỉnh Cà Mau", "BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI 6 THÁNG ĐẦU NĂM 2025")),
                      _rows(ben_old("CM", 2025, H1)), "MONTHLY Jan-Jun 2025, district level, old province"))  # fmt: skip
    rows = []
    for k in ("DT", "TG", "BL", "HCM", "VT", "LC", "YB", "KT", "QN"):
        rows += _rows(ben_old(k, 2025, H1))
    f.append(FileSpec("beneficiaries", "2025_06_cac_tinh_bao_cao_thang.csv", Style(), rows,
                      "MONTHLY Jan-Jun 2025, province level, 9 old provinces"))
    rows = []
    for code in NEW_MEMBERS:
        rows += _rows(ben_new(code, 2025, H2))
    f.append(FileSpec("beneficiaries", "2025_12_tinh_moi_bao_cao_thang.csv",
                      Style(province="code", drop=("district", "commune")), rows,
                      "MONTHLY Jul-Dec 2025, the 5 NEW provinces (codes of the 34-province list)"))  # fmt: skip
    rows = []
    for code in NEW_MEMBERS:
        if code not in NO_2026:
            rows += _rows(ben_new(code, 2026, M2026))
    f.append(FileSpec("beneficiaries", "2026_09_tinh_moi_bao_cao_thang.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", numbering=True,
                            drop=("district", "commune"),
                            titles=("BÁO CÁO SỐ LIỆU TRỢ GIÚP XÃ HỘI 9 THÁNG ĐẦU NĂM 2026",)),
                      rows, "MONTHLY Jan-Sep 2026, 4 new provinces (no Lào Cai)"))  # fmt: skip
    return f


def _province_summary(district_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A province-level report for the same year: district sums, slightly off (as real summaries are)."""
    out = []
    for g in GROUPS:
        rows = [r for r in district_rows if r["group"] == g]
        rng = seeded_rng("summary", g)
        s = {m: (None if all(r[m] is None for r in rows) else sum(r[m] or 0 for r in rows)) for m in MEASURES}
        d = rng.randint(2, 9)
        s["in_difficulty"] += d
        s["served"] += rng.randint(0, d)
        s["case_managed"] += rng.randint(0, d)
        s["monthly_allowance"] += rng.randint(0, 15)
        out.append({**rows[0], "district": None, "commune": None, **s})
    return out


def _facility_files() -> list[FileSpec]:
    f: list[FileSpec] = []
    old_years = range(2016, 2025)
    f.append(FileSpec("facilities", "2016_camau_danh_sach_co_so.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", bools="x", stt=True, numbering=True,
                            titles=("ỦY BAN NHÂN DÂN TỈNH CÀ MAU", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
                                    "DANH SÁCH CƠ SỞ TRỢ GIÚP XÃ HỘI VÀ CÁC ĐƠN VỊ LIÊN QUAN NĂM 2016")),
                      _rows(roster(["CM"], [2016])), "roster 2016"))  # fmt: skip
    f.append(FileSpec("facilities", "2016-2024_baclieu_danh_sach_co_so.csv",
                      Style(encoding="cp1258", newline="\r\n", bools="x"),
                      _rows(roster(["BL"], old_years)), "rosters 2016-2024"))  # fmt: skip
    f.append(FileSpec("facilities", "2016-2024_binhduong_hcm_vungtau_danh_sach_co_so.xlsx",
                      Style(fmt="xlsx", province="full", numbering=True,
                            titles=("DANH SÁCH CƠ SỞ TRỢ GIÚP XÃ HỘI KHU VỰC ĐÔNG NAM BỘ 2016 - 2024",)),
                      _rows(roster(["BD", "HCM", "VT"], old_years)), "rosters 2016-2024"))  # fmt: skip
    rows = _rows(roster(["DT", "TG"], old_years))
    i = _find(rows, year=2019, unit_type="commune", province=(OLD, "87"))
    v = rows[i].values
    rows[i] = Row({**v, "staff_social_work": v["staff_total"] + 3}, bad="staff_social_work")
    f.append(FileSpec("facilities", "2016-2024_dongthap_tiengiang_danh_sach_co_so.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", labels="vi", bools="có/không",
                            thousands="."),
                      rows, "rosters 2016-2024; staff_social_work > staff_total"))  # fmt: skip
    rows = _rows(roster(["KT", "QN"], old_years))
    i = _find(rows, year=2018, facility_id="KT-004")
    dup = Row({**rows[i].values, "residents": (rows[i].values["residents"] or 0) + 11}, bad="duplicate key in file")
    rows[i].bad = "duplicate key in file"
    rows.insert(i + 3, dup)
    f.append(FileSpec("facilities", "2016-2024_kontum_quangngai_danh_sach_co_so.csv",
                      Style(encoding="utf-8-sig", headers="vi_upper", province="upper_ascii", labels="vi",
                            bools="true/false", thousands=","),
                      rows, "rosters 2016-2024; KT-004 listed twice in 2018"))  # fmt: skip
    f.append(FileSpec("facilities", "2016-2024_laocai_yenbai_danh_sach_co_so.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", bools="1/0", numbering=True,
                            titles=("ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
                                    "DANH SÁCH CƠ SỞ CÓ CUNG CẤP DỊCH VỤ CÔNG TÁC XÃ HỘI 2016 - 2024")),
                      _rows(roster(["LC", "YB"], old_years)), "rosters 2016-2024"))  # fmt: skip
    f.append(FileSpec("facilities", "2017-2024_camau_danh_sach_co_so.csv",
                      Style(headers="vi_ascii", province="lower_ascii", bools="yes/no", thousands=" "),
                      _rows(roster(["CM"], range(2017, 2025))), "rosters 2017-2024"))  # fmt: skip
    f.append(FileSpec("facilities", "2025_danh_sach_co_so_tinh_moi.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", bools="có/không", numbering=True,
                            drop=("district",),
                            titles=("DANH SÁCH CƠ SỞ TRỢ GIÚP XÃ HỘI SAU SẮP XẾP ĐƠN VỊ HÀNH CHÍNH NĂM 2025",)),
                      _rows(roster_new(NEW_MEMBERS, 2025)),
                      "rosters 2025 of the 5 new provinces; old commune units closed"))  # fmt: skip
    f.append(FileSpec("facilities", "2026_danh_sach_co_so_tinh_moi.csv",
                      Style(order="shuffled", province="upper_ascii", bools="1/0", drop=("district",)),
                      _rows(roster_new([c for c in NEW_MEMBERS if c not in NO_2026], 2026)),
                      "rosters 2026 of 4 new provinces"))  # fmt: skip
    return f


def _training_files() -> list[FileSpec]:
    recs = training_records()

    def pick(keys: Iterable[str], lo: date, hi: date) -> list[Row]:
        ks = list(keys)
        return [Row({k: v for k, v in r.items() if k != "_key"}) for r in recs if r["_key"] in ks and lo <= r["end_date"] <= hi]

    all_but_kt = [k for k in PROVS if k != "KT"]
    all_but_north = [k for k in PROVS if k not in ("LC", "YB")]
    y16, y20e = date(2016, 1, 1), date(2020, 12, 31)
    f: list[FileSpec] = []
    f.append(FileSpec("training", "2016-2020_cac_tinh_dao_tao.xlsx",
                      Style(fmt="xlsx", numbering=True,
                            titles=("TỔNG HỢP KẾT QUẢ ĐÀO TẠO, BỒI DƯỠNG CÔNG TÁC XÃ HỘI", "GIAI ĐOẠN 2016 - 2020")),
                      pick(all_but_kt, y16, y20e), "2016-2020, 10 provinces"))  # fmt: skip
    f.append(FileSpec("training", "2016-2020_kontum_tap_huan.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", province="full", labels="vi",
                            bools="có/không", dates="dmy"),
                      pick(["KT"], y16, y20e), "2016-2020 Kon Tum, many family caregivers"))  # fmt: skip
    rows = pick(all_but_north, date(2021, 1, 1), date(2024, 12, 31))
    i = _find(rows, end_date=next(r.values["end_date"] for r in rows if r.values["end_date"].year == 2022))
    bad = dict(rows[i].values)
    bad["record_id"] = bad["record_id"][:-4] + "9001"
    bad["start_date"], bad["end_date"] = bad["end_date"], bad["start_date"] - timedelta(days=30)
    rows.insert(i + 1, Row(bad, bad="end_date"))
    f.append(FileSpec("training", "2021-2024_cac_tinh_dao_tao.csv",
                      Style(encoding="utf-8-sig", order="shuffled", province="lower_ascii", bools="true/false"),
                      rows, "2021-2024, 9 provinces; end_date < start_date"))  # fmt: skip
    f.append(FileSpec("training", "2021-2025_laocai_yenbai_dao_tao.xlsx",
                      Style(fmt="xlsx", headers="vi", province="full", labels="vi", bools="1/0", dates="dmy",
                            numbering=True,
                            titles=("ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
                                    "DANH SÁCH ĐÀO TẠO, BỒI DƯỠNG CÔNG TÁC XÃ HỘI 2021 - 2025")),
                      pick(["LC", "YB"], date(2021, 1, 1), date(2025, 12, 31)),
                      "2021-2025 Lào Cai and Yên Bái; rows from July 2025 name the new Lào Cai"))  # fmt: skip
    f.append(FileSpec("training", "2025_06_dao_tao_6_thang_dau_nam.csv",
                      Style(headers="vi_ascii", labels="vi", bools="x", dates="dmy"),
                      pick(all_but_north, date(2025, 1, 1), date(2025, 6, 30)), "Jan-Jun 2025, old provinces"))  # fmt: skip
    f.append(FileSpec("training", "2025_12_dao_tao_6_thang_cuoi_nam.csv",
                      Style(encoding="cp1258", newline="\r\n", headers="vi", province="full", labels="vi",
                            bools="có/không", dates="dmy"),
                      pick(all_but_north, date(2025, 7, 1), date(2025, 12, 31)), "Jul-Dec 2025, new provinces"))  # fmt: skip
    rows = pick(all_but_north, date(2026, 1, 1), date(2026, 12, 31))
    i = _find(rows, province=(NEW, "96"))
    bad = dict(rows[i].values)
    bad["record_id"] = bad["record_id"][:-4] + "9002"
    rows.insert(i + 2, Row(bad, bad="unknown province", raw={"province": "Ca Mua"}))
    f.append(FileSpec("training", "2026_09_dao_tao_9_thang.csv", Style(bools="1/0"), rows,
                      "Jan-Sep 2026, new provinces; a misspelt province"))  # fmt: skip
    return f


@cache
def build_files() -> tuple[FileSpec, ...]:
    """Every file of the sample with its rows, in (source, file name) order. Treat as read-only."""
    specs = _beneficiary_files() + _facility_files() + _training_files()
    return tuple(sorted(specs, key=lambda s: (SOURCES.index(s.source), s.name)))


def _record(source: str, spec: FileSpec, row_number: int, row: Row) -> dict[str, Any]:
    v = row.values
    lst, code = v["province"]
    rec: dict[str, Any] = {
        "file_name": spec.name, "row_number": row_number, "province_code": code, "province_list": lst,
        "province_remapped": False,
    }  # fmt: skip
    for col in COLUMNS[source]:
        if col == "province":
            continue
        value = None if col in spec.style.drop else v.get(col)
        rec["group_code" if col == "group" else col] = value
    return rec


def build_records() -> dict[str, list[dict[str, Any]]]:
    """The rows ingestion must load, per source, exactly as raw.<source> should hold them.

    Keys follow the raw tables (``group`` becomes ``group_code``; ``person_id`` and ``full_name``
    are kept here, ingestion pseudonymises/drops them). Intended bad rows are excluded; they are
    in :func:`expected_rejections`. Superseded rows (the resubmitted correction) are included:
    superseding is the staging models' job.
    """
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SOURCES}
    for spec in build_files():
        for n, row in enumerate(spec.rows, 1):
            if row.bad is None:
                out[spec.source].append(_record(spec.source, spec, n, row))
    return out


def expected_rejections() -> list[dict[str, Any]]:
    """The intended bad rows: source, file_name, row_number, reason_contains."""
    return [
        {"source": spec.source, "file_name": spec.name, "row_number": n, "reason_contains": row.bad}
        for spec in build_files()
        for n, row in enumerate(spec.rows, 1)
        if row.bad is not None
    ]
