"""Seeded generator of national-scale raw files in the formats of docs/contract.md §2.

At ``--scale 1.0`` it writes, for the years asked (default 2016–2026):

* ``beneficiaries/``: commune-level monthly counts for all six beneficiary groups, one
  file per province and year. Rows dated before
  1 July 2025 name the 63 provinces, their districts and the 10,040 communes of the
  pre-reform list; from July 2025 the 34 provinces and their 3,321 communes (no
  districts), so 2025 has one file per old province (January–June) and one per new
  province (July–December). Names: ``ben_<year>m<first month>-<last month>_<code>_<slug>.csv``.
  A few province-years also get a correction file ``…_v2.csv`` resubmitting one month of one district with other figures (it sorts
  after the original, so it supersedes it). About 7.2 million rows: the contract has
  six groups and the reform cuts the communes to a third for the last 18 months,
  so that is all the commune × month × group cells there are.
* ``facilities/``: about 20,000 units with a roster snapshot per year, one file per
  province and year, ``roster_<year>_<code>_<slug>.csv`` (the new provinces from 2025).
* ``training/``: about 500,000 training records, one file per (new) province,
  ``training_<code>_<slug>.csv``; each record names the province of the list in force
  on its end date.

Every row satisfies the row rules, every name is a real one (``pipelines.geo`` and
``vietnamadminunits``), and the same arguments give the same bytes. CSV, UTF-8,
canonical English headers. ``--increment`` adds one month of beneficiary files
(``ben_<year>m<month>-<month>_<code>_<slug>.csv``), the month after the last one generated,
for the nightly-increment measurement; the state is kept in ``benchmark_manifest.json``
at the root of ``--out``.

    uv run python -m benchmarks.generate --scale 0.1 --out /tmp/bench/raw
    uv run python -m benchmarks.generate --out /tmp/bench/raw --increment
"""

from __future__ import annotations

import argparse
import calendar
import json
import time
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
from vietnamadminunits.database import query

from pipelines.geo import NEW, OLD, REFORM_DATE, list_in_force, province_table

MANIFEST = "benchmark_manifest.json"
BASE_YEAR = 2016
"""Year the trends of the synthetic figures start from (independent of ``--years``)."""
NATIONAL_UNITS = 20_000
NATIONAL_TRAINING_RECORDS = 500_000
NATIONAL_COMMUNES = 10_040

GROUPS = ("elderly", "disabled", "children", "mental_illness", "hiv", "other")
GROUP_MEAN = np.array([60.0, 35.0, 20.0, 8.0, 3.0, 10.0])
"""Mean people in difficulty per pre-reform commune and month, by group."""

BENEFICIARY_COLUMNS = [
    "province", "district", "commune", "year", "month", "group", "in_difficulty", "served",
    "comprehensive", "case_managed", "emergency_cases", "emergency_assisted", "monthly_allowance",
]
FACILITY_COLUMNS = [
    "facility_id", "name", "province", "district", "year", "ownership", "unit_type", "capacity",
    "residents", "provides_social_work", "meets_accessibility", "staff_total", "staff_social_work",
    "status",
]
TRAINING_COLUMNS = [
    "record_id", "person_id", "full_name", "province", "facility_id", "role", "course_level",
    "start_date", "end_date", "completed",
]

UNIT_TYPES = (
    "commune", "health", "education", "other", "sa_comprehensive", "sa_elderly", "sa_children",
    "sa_disabled", "sa_mental", "sa_social_work_centre", "drug_rehab", "justice",
)
UNIT_TYPE_P = np.array([0.45, 0.20, 0.20, 0.08, 0.012, 0.01, 0.008, 0.008, 0.006, 0.006, 0.01, 0.01])
UNIT_NAMES = {
    "commune": "UBND xã", "health": "Trạm y tế", "education": "Trường", "other": "Đơn vị",
    "sa_comprehensive": "Cơ sở trợ giúp xã hội tổng hợp", "sa_elderly": "Trung tâm dưỡng lão",
    "sa_children": "Làng trẻ em", "sa_disabled": "Trung tâm nuôi dưỡng người khuyết tật",
    "sa_mental": "Trung tâm chăm sóc người tâm thần", "sa_social_work_centre": "Trung tâm Công tác xã hội",
    "drug_rehab": "Cơ sở cai nghiện ma túy", "justice": "Trại giam",
}
STAFF_MEAN = {
    "commune": 18, "health": 25, "education": 40, "other": 12, "drug_rehab": 45, "justice": 120,
}
ROLES = ("staff", "collaborator", "family")
ROLE_P = np.array([0.45, 0.30, 0.25])
COURSE_LEVELS = ("short_course", "intermediate", "college", "university", "postgraduate")
COURSE_P = np.array([0.80, 0.08, 0.05, 0.06, 0.01])
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
                "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE_NAMES = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Kim")
GIVEN_NAMES = ("An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hoa", "Hùng", "Lan", "Linh", "Long",
               "Mai", "Nam", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến")

_LIST_ID = {OLD: 1, NEW: 2}


@dataclass(frozen=True)
class Config:
    """What to generate. ``provinces``: old-list codes to keep (None = all 63)."""

    scale: float = 1.0
    first_year: int = 2016
    last_year: int = 2026
    seed: int = 20250701
    provinces: tuple[str, ...] | None = None
    corrections: float = 0.02
    """Share of beneficiary province-year files that get a ``_v2`` correction file."""


# --------------------------------------------------------------------------- reference data


def slug(text: str) -> str:
    """ASCII file-name slug of a Vietnamese name: ``Bà Rịa - Vũng Tàu`` -> ``ba-ria-vung-tau``."""
    t = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    t = "".join(ch if ch.isalnum() and ch.isascii() else " " for ch in t if not unicodedata.combining(ch))
    return "-".join(t.split())


@cache
def _province_table() -> pl.DataFrame:
    return province_table()


def _province_names(province_list: str) -> dict[str, tuple[str, str]]:
    """code -> (short name, full name) of one list."""
    t = _province_table().filter(pl.col("province_list") == province_list)
    return {c: (s, f) for c, s, f in t.select("province_code", "province_name", "province_full_name").iter_rows()}


def _successors() -> dict[str, str]:
    t = _province_table().filter(pl.col("province_list") == OLD)
    return dict(t.select("province_code", "successor_code").iter_rows())


@cache
def _all_communes(province_list: str) -> pl.DataFrame:
    """Every commune of a list: province_code, district (NULL in the new list), commune
    (NULL for the few island districts without communes), sorted by official codes."""
    if province_list == OLD:
        rows = query(
            "select provinceCode as province_code, district, ward as commune, districtCode, wardCode "
            "from admin_units_legacy order by provinceCode, districtCode, wardCode"
        )
    else:
        rows = query(
            "select provinceCode as province_code, null as district, ward as commune, wardCode "
            "from admin_units order by provinceCode, wardCode"
        )
    frame = pl.DataFrame(rows, infer_schema_length=None).select(
        pl.col("province_code").cast(pl.String),
        pl.col("district").cast(pl.String),
        pl.col("commune").cast(pl.String),
    )
    return frame.with_columns(pl.col("district", "commune").str.normalize("NFC"))


def _rng(cfg: Config, *parts: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, *parts])


def selected_provinces(cfg: Config, province_list: str) -> list[str]:
    """Codes of ``province_list`` covered by the configuration (successors of the kept old codes)."""
    names = _province_names(province_list)
    if cfg.provinces is None:
        return sorted(names)
    old = [c.zfill(2) for c in cfg.provinces]
    unknown = [c for c in old if c not in _province_names(OLD)]
    if unknown:
        raise ValueError(f"unknown old province code(s) {unknown}")
    if province_list == OLD:
        return sorted(old)
    succ = _successors()
    return sorted({succ[c] for c in old})


@dataclass
class _Area:
    """The sampled communes of one province in one list, with stable per-commune bases."""

    province_list: str
    code: str
    short_name: str
    full_name: str
    district: pl.Series
    commune: pl.Series
    base: np.ndarray  # (communes, groups) mean people in difficulty per month
    effect: np.ndarray  # (3,) province effects on the served / comprehensive / case-managed rates

    @property
    def name_in_files(self) -> str:
        """Provinces write their name either way; both resolve (docs/contract.md §2.1)."""
        return self.full_name if int(self.code) % 2 else self.short_name

    @property
    def file_tag(self) -> str:
        return f"{self.code}_{slug(self.short_name)}"


@cache
def _area(cfg: Config, province_list: str, code: str) -> _Area:
    everything = _all_communes(province_list).filter(pl.col("province_code") == code)
    n_all = everything.height
    lid = _LIST_ID[province_list]
    rng = _rng(cfg, 1, lid, int(code))
    keep = max(1, round(n_all * cfg.scale))
    idx = np.sort(rng.choice(n_all, size=min(keep, n_all), replace=False))
    # The post-reform communes are about three times larger (3,321 instead of 10,040).
    size = 1.0 if province_list == OLD else NATIONAL_COMMUNES / 3321
    base_all = GROUP_MEAN * size * rng.lognormal(0.0, 0.45, size=(n_all, len(GROUPS)))
    effect = _rng(cfg, 2, int(code)).normal(0.0, 0.06, size=3)
    short, full = _province_names(province_list)[code]
    sampled = everything[idx]
    return _Area(province_list, code, short, full, sampled["district"], sampled["commune"],
                 base_all[idx], effect)


# --------------------------------------------------------------------------- beneficiaries


def _month_block(cfg: Config, area: _Area, year: int, month: int, salt: int = 0) -> dict[str, np.ndarray]:
    """The figures of one province-month: arrays of length communes × groups (commune-major)."""
    n_c, n_g = area.base.shape
    rng = _rng(cfg, 3, _LIST_ID[area.province_list], int(area.code), year, month, salt)
    t = (year - BASE_YEAR) + (month - 1) / 12.0
    lam = (area.base * (1.0 + 0.02 * t)).ravel()
    in_diff = rng.poisson(lam)
    served = rng.binomial(in_diff, np.clip(0.55 + 0.035 * t + area.effect[0], 0.05, 0.99))
    comprehensive = rng.binomial(served, np.clip(0.35 + 0.03 * t + area.effect[1], 0.05, 0.99))
    case_managed = rng.binomial(in_diff, np.clip(0.25 + 0.04 * t + area.effect[2], 0.05, 0.99))
    emergency_cases = rng.poisson(0.02 * lam + 0.05)
    emergency_assisted = rng.binomial(emergency_cases, min(0.99, 0.75 + 0.015 * t))
    allowance = rng.poisson(lam * 0.9)
    u = rng.random((4, lam.size))
    return {
        "commune_idx": np.repeat(np.arange(n_c), n_g),
        "group_idx": np.tile(np.arange(n_g), n_c),
        "month": np.full(lam.size, month),
        "in_difficulty": in_diff,
        "served": served,
        "comprehensive": comprehensive,
        "case_managed": case_managed,
        "emergency_cases": emergency_cases,
        "emergency_assisted": emergency_assisted,
        "monthly_allowance": allowance,
        # Not reported (empty cells): the rules then do not apply to that pair.
        "null_comprehensive": u[0] < 0.01,
        "null_emergency": u[1] < 0.03,
        "null_case_managed": u[2] < 0.005,
        "null_allowance": u[3] < 0.002,
    }


def _beneficiary_frame(area: _Area, year: int, blocks: list[dict[str, np.ndarray]]) -> pl.DataFrame:
    arrays = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    n = arrays["month"].size
    ci = pl.Series(arrays["commune_idx"], dtype=pl.UInt32)
    frame = pl.DataFrame({
        "province": pl.Series([area.name_in_files]).gather(np.zeros(n, dtype=np.uint32)),
        "district": area.district.gather(ci),
        "commune": area.commune.gather(ci),
        "year": np.full(n, year, dtype=np.int32),
        "month": arrays["month"].astype(np.int32),
        "group": pl.Series(GROUPS).gather(pl.Series(arrays["group_idx"], dtype=pl.UInt32)),
        **{c: arrays[c].astype(np.int64) for c in BENEFICIARY_COLUMNS[6:]},
        **{k: arrays[k] for k in arrays if k.startswith("null_")},
    })
    return frame.with_columns(
        pl.when(~pl.col("null_comprehensive")).then(pl.col("comprehensive")).alias("comprehensive"),
        pl.when(~pl.col("null_case_managed")).then(pl.col("case_managed")).alias("case_managed"),
        pl.when(~pl.col("null_emergency")).then(pl.col("emergency_cases")).alias("emergency_cases"),
        pl.when(~pl.col("null_emergency")).then(pl.col("emergency_assisted")).alias("emergency_assisted"),
        pl.when(~pl.col("null_allowance")).then(pl.col("monthly_allowance")).alias("monthly_allowance"),
    ).select(BENEFICIARY_COLUMNS)


def _months_in_list(year: int, province_list: str) -> list[int]:
    return [m for m in range(1, 13) if list_in_force(_month_end(year, m)) == province_list]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _write(frame: pl.DataFrame, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.write_csv(tmp)
    tmp.replace(path)
    return frame.height


def write_beneficiaries(cfg: Config, out: Path) -> dict[str, int]:
    """One file per province and year (and the correction files); returns rows per file."""
    written: dict[str, int] = {}
    folder = out / "beneficiaries"
    for year in range(cfg.first_year, cfg.last_year + 1):
        for plist in (OLD, NEW):
            months = _months_in_list(year, plist)
            if not months:
                continue
            for code in selected_provinces(cfg, plist):
                area = _area(cfg, plist, code)
                frame = _beneficiary_frame(area, year, [_month_block(cfg, area, year, m) for m in months])
                stem = f"ben_{year}m{months[0]:02d}-{months[-1]:02d}_{area.file_tag}"
                written[f"{stem}.csv"] = _write(frame, folder / f"{stem}.csv")
                fix = _correction(cfg, area, year, months)
                if fix is not None:
                    name = f"{stem}_v2.csv"
                    written[name] = _write(fix, folder / name)
    return written


def _correction(cfg: Config, area: _Area, year: int, months: list[int]) -> pl.DataFrame | None:
    """A resubmission of one month of one district (a tenth of the communes after the
    reform) with other figures, for ``cfg.corrections`` of the province-years."""
    rng = _rng(cfg, 4, _LIST_ID[area.province_list], int(area.code), year)
    if rng.random() >= cfg.corrections:
        return None
    month = int(rng.choice(months))
    frame = _beneficiary_frame(area, year, [_month_block(cfg, area, year, month, salt=1)])
    if area.province_list == OLD:
        districts = area.district.unique().sort()
        pick = districts[int(rng.integers(len(districts)))]
        return frame.filter(pl.col("district") == pick)
    keep = rng.random(area.commune.len()) < 0.1
    keep[int(rng.integers(keep.size))] = True
    chosen = area.commune.filter(pl.Series(keep))
    return frame.filter(pl.col("commune").is_in(chosen.implode()))


# --------------------------------------------------------------------------- facilities


@cache
def _units(cfg: Config) -> pl.DataFrame:
    """The units of the selected old provinces, with their stable attributes."""
    communes = _all_communes(OLD)
    frames = []
    for code in selected_provinces(cfg, OLD):
        districts = communes.filter(pl.col("province_code") == code)["district"].unique().sort()
        n_communes = communes.filter(pl.col("province_code") == code).height
        n = max(1, round(NATIONAL_UNITS * cfg.scale * n_communes / NATIONAL_COMMUNES))
        rng = _rng(cfg, 5, int(code))
        types = rng.choice(len(UNIT_TYPES), size=n, p=UNIT_TYPE_P / UNIT_TYPE_P.sum())
        opened = np.where(rng.random(n) < 0.85, 2000, rng.integers(BASE_YEAR + 1, 2027, size=n))
        closes = rng.random(n) < 0.05
        closed = np.where(closes, rng.integers(BASE_YEAR + 2, 2027, size=n), 9999)
        closed = np.maximum(closed, opened)
        d_idx = rng.integers(len(districts), size=n)
        type_names = [UNIT_TYPES[t] for t in types]
        staff = np.array([
            rng.integers(15, 120) if t.startswith("sa_") else max(3, rng.poisson(STAFF_MEAN[t]))
            for t in type_names
        ])
        capacity = np.where(
            [t.startswith("sa_") or t == "drug_rehab" for t in type_names], rng.integers(40, 500, size=n), -1
        )
        frames.append(pl.DataFrame({
            "facility_id": [f"CS{code}-{i + 1:05d}" for i in range(n)],
            "name": [f"{UNIT_NAMES[t]} {districts[int(d)].split(' ', 1)[-1]} số {i + 1}"
                     for i, (t, d) in enumerate(zip(type_names, d_idx, strict=False))],
            "old_code": code,
            "district": districts.gather(pl.Series(d_idx, dtype=pl.UInt32)),
            "unit_type": type_names,
            "public": rng.random(n) < 0.8,
            "opened": opened,
            "closed": closed,
            "staff_base": staff,
            "capacity": capacity,
        }))
    units = pl.concat(frames)
    return units.with_columns(pl.col("old_code").replace_strict(_successors()).alias("new_code"))


def _roster(cfg: Config, units: pl.DataFrame, year: int, code: str, province_name: str, post: bool) -> pl.DataFrame:
    """The snapshot of ``units`` (already filtered to one province) for ``year``."""
    units = units.filter((pl.col("opened") <= year) & (pl.col("closed") >= year))
    n = units.height
    rng = _rng(cfg, 6, _LIST_ID[NEW if post else OLD], int(code), year)
    t = year - BASE_YEAR
    staff = np.maximum(1, units["staff_base"].to_numpy() + rng.integers(-2, 3, size=n))
    is_sa = units["unit_type"].str.starts_with("sa_").to_numpy()
    sw_rate = np.where(is_sa, 0.15 + 0.01 * t, 0.02 + 0.01 * t)
    staff_sw = rng.binomial(staff, sw_rate)
    capacity = units["capacity"].to_numpy()
    residents = np.where(capacity >= 0, rng.binomial(np.maximum(capacity, 0), 0.75), -1)
    provides = rng.random(n) < np.where(is_sa, 0.5 + 0.04 * t, 0.2 + 0.04 * t)
    accessible = rng.random(n) < np.where(is_sa, 0.4 + 0.05 * t, 0.1 + 0.05 * t)
    return pl.DataFrame({
        "facility_id": units["facility_id"],
        "name": units["name"],
        "province": province_name,
        "district": None if post else units["district"],
        "year": year,
        "ownership": pl.Series(np.where(units["public"].to_numpy(), "public", "non_public")),
        "unit_type": units["unit_type"],
        "capacity": pl.Series(capacity, dtype=pl.Int64),
        "residents": pl.Series(residents, dtype=pl.Int64),
        "provides_social_work": pl.Series(np.where(provides, "yes", "no")),
        "meets_accessibility": pl.Series(np.where(accessible, "yes", "no")),
        "staff_total": pl.Series(staff, dtype=pl.Int64),
        "staff_social_work": pl.Series(staff_sw, dtype=pl.Int64),
        "status": pl.Series(np.where(units["closed"].to_numpy() == year, "closed", "active")),
    }, schema_overrides={"district": pl.String}).with_columns(
        pl.when(pl.col("capacity") >= 0).then(pl.col("capacity")).alias("capacity"),
        pl.when(pl.col("residents") >= 0).then(pl.col("residents")).alias("residents"),
    ).select(FACILITY_COLUMNS)


def write_facilities(cfg: Config, out: Path) -> dict[str, int]:
    """One roster file per province and year: the old provinces up to 2024, the new ones after."""
    units = _units(cfg)
    written: dict[str, int] = {}
    for year in range(cfg.first_year, cfg.last_year + 1):
        post = list_in_force(date(year, 12, 31)) == NEW
        plist, col = (NEW, "new_code") if post else (OLD, "old_code")
        names = _province_names(plist)
        for code in selected_provinces(cfg, plist):
            short, full = names[code]
            shown = full if int(code) % 2 else short
            frame = _roster(cfg, units.filter(pl.col(col) == code), year, code, shown, post)
            name = f"roster_{year}_{code}_{slug(short)}.csv"
            written[name] = _write(frame, out / "facilities" / name)
    return written


# --------------------------------------------------------------------------- training


def _training(cfg: Config) -> pl.DataFrame:
    """All training records (with the new province code to split files by)."""
    units = _units(cfg)
    first, last = np.datetime64(f"{cfg.first_year}-01-01"), np.datetime64(f"{cfg.last_year}-12-31")
    span = int((last - first).astype(int))
    old_names = _province_names(OLD)
    new_names = _province_names(NEW)
    frames = []
    offset = 0
    for code in selected_provinces(cfg, OLD):
        mine = units.filter((pl.col("old_code") == code) & (pl.col("unit_type") != "commune"))
        if mine.height == 0:
            mine = units.filter(pl.col("old_code") == code)
        share = units.filter(pl.col("old_code") == code).height / (NATIONAL_UNITS * cfg.scale)
        n_rec = max(2, round(NATIONAL_TRAINING_RECORDS * cfg.scale * share))
        n_person = max(1, n_rec // 2)
        rng = _rng(cfg, 7, int(code))
        role = rng.choice(len(ROLES), size=n_person, p=ROLE_P)
        unit = rng.integers(mine.height, size=n_person)
        born = rng.integers(60, 100, size=n_person)
        person_id = [f"0{code}{1 if i % 2 else 0}{b:02d}{i:06d}" for i, b in enumerate(born)]
        full_name = [
            f"{FAMILY_NAMES[a]} {MIDDLE_NAMES[b]} {GIVEN_NAMES[c]}"
            for a, b, c in zip(rng.integers(len(FAMILY_NAMES), size=n_person),
                               rng.integers(len(MIDDLE_NAMES), size=n_person),
                               rng.integers(len(GIVEN_NAMES), size=n_person), strict=True)
        ]
        who = rng.integers(n_person, size=n_rec)
        level = rng.choice(len(COURSE_LEVELS), size=n_rec, p=COURSE_P)
        length = np.where(level == 0, rng.integers(1, 15, size=n_rec), rng.integers(180, 1400, size=n_rec))
        length = np.minimum(length, span)
        start = first + rng.integers(0, span - length + 1).astype("timedelta64[D]")
        end = start + length.astype("timedelta64[D]")
        post = end >= np.datetime64(REFORM_DATE)
        succ = _successors()[code]
        p_role = role[who]
        frames.append(pl.DataFrame({
            "record_id": [f"TR{offset + i + 1:07d}" for i in range(n_rec)],
            "person_id": pl.Series(person_id).gather(pl.Series(who, dtype=pl.UInt32)),
            "full_name": pl.Series(full_name).gather(pl.Series(who, dtype=pl.UInt32)),
            "province": np.where(post, new_names[succ][0], old_names[code][0]),
            "facility_id": mine["facility_id"].gather(pl.Series(unit[who], dtype=pl.UInt32)),
            "is_family": p_role == 2,
            "role": pl.Series(ROLES).gather(pl.Series(p_role, dtype=pl.UInt32)),
            "course_level": pl.Series(COURSE_LEVELS).gather(pl.Series(level, dtype=pl.UInt32)),
            "start_date": pl.Series(start).cast(pl.Date),
            "end_date": pl.Series(end).cast(pl.Date),
            "completed": pl.Series(np.where(rng.random(n_rec) < 0.9, "yes", "no")),
            "new_code": succ,
        }))
        offset += n_rec
    return pl.concat(frames).with_columns(
        pl.when(~pl.col("is_family")).then(pl.col("facility_id")).alias("facility_id")
    )


def write_training(cfg: Config, out: Path) -> dict[str, int]:
    """One file per new province (its old provinces' records named as on their end date)."""
    records = _training(cfg)
    written: dict[str, int] = {}
    names = _province_names(NEW)
    for code in selected_provinces(cfg, NEW):
        frame = records.filter(pl.col("new_code") == code).select(TRAINING_COLUMNS)
        name = f"training_{code}_{slug(names[code][0])}.csv"
        written[name] = _write(frame, out / "training" / name)
    return written


# --------------------------------------------------------------------------- entry points


def generate(cfg: Config, out: Path) -> dict:
    """Write the whole data set under ``out`` and its manifest; returns the manifest."""
    out = Path(out)
    start = time.perf_counter()
    files = {
        "beneficiaries": write_beneficiaries(cfg, out),
        "facilities": write_facilities(cfg, out),
        "training": write_training(cfg, out),
    }
    manifest = {
        "config": {**asdict(cfg), "provinces": list(cfg.provinces) if cfg.provinces else None},
        "last_month": f"{cfg.last_year}-12",
        "files": {s: len(f) for s, f in files.items()},
        "rows": {s: sum(f.values()) for s, f in files.items()},
        "increments": [],
        "seconds": round(time.perf_counter() - start, 1),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def read_manifest(out: Path) -> dict:
    """The manifest written by :func:`generate` (raises if ``out`` was not generated here)."""
    return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))


def _config_of(manifest: dict) -> Config:
    c = dict(manifest["config"])
    c["provinces"] = tuple(c["provinces"]) if c.get("provinces") else None
    return Config(**c)


def increment(out: Path) -> dict:
    """Write one new month of beneficiary files (the month after the last generated one)
    for every province of the list in force; returns ``{"month", "files", "rows"}``."""
    out = Path(out)
    manifest = read_manifest(out)
    cfg = _config_of(manifest)
    y, m = (int(p) for p in manifest["last_month"].split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    plist = list_in_force(_month_end(y, m))
    written: dict[str, int] = {}
    for code in selected_provinces(cfg, plist):
        area = _area(cfg, plist, code)
        frame = _beneficiary_frame(area, y, [_month_block(cfg, area, y, m)])
        name = f"ben_{y}m{m:02d}-{m:02d}_{area.file_tag}.csv"
        written[name] = _write(frame, out / "beneficiaries" / name)
    result = {"month": f"{y}-{m:02d}", "files": len(written), "rows": sum(written.values())}
    manifest["last_month"] = result["month"]
    manifest["increments"].append(result)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return result


def _years(text: str) -> tuple[int, int]:
    a, _, b = text.partition("-")
    return int(a), int(b or a)


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, type=Path, help="root of the landing folders to write")
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the national volume (1.0)")
    p.add_argument("--years", default="2016-2026", help="first-last year, e.g. 2016-2026")
    p.add_argument("--provinces", default=None, help="comma-separated old province codes (default: all 63)")
    p.add_argument("--seed", type=int, default=Config.seed)
    p.add_argument("--corrections", type=float, default=Config.corrections,
                   help="share of province-year beneficiary files with a _v2 correction file")
    p.add_argument("--increment", action="store_true", help="add the next month of beneficiary files")
    a = p.parse_args(argv)
    if a.increment:
        print(json.dumps(increment(a.out)))
        return
    first, last = _years(a.years)
    cfg = Config(
        scale=a.scale, first_year=first, last_year=last, seed=a.seed, corrections=a.corrections,
        provinces=tuple(c.strip().zfill(2) for c in a.provinces.split(",")) if a.provinces else None,
    )
    manifest = generate(cfg, a.out)
    print(json.dumps({k: manifest[k] for k in ("files", "rows", "last_month", "seconds")}))


if __name__ == "__main__":
    main()
