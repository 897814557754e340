"""Deterministic generator of the SYNTHETIC raw sample files under ``data/raw``.

The sample imitates what provincial Departments of social affairs send in: yearly and
monthly beneficiary reports, yearly rosters of facilities and other units, and training
records, for the five plan geographies (Đồng Tháp, a town of Bình Dương, Lào Cai, Kon Tum,
Cà Mau) and the provinces they merge with on 1 July 2025, 2016 to September 2026.
Every value is invented, except the Cà Mau 2016 figures quoted by the Cà Mau plan
(34,363 monthly-allowance recipients, 3 public and 2 non-public facilities caring for
more than 700 people), which the sample reproduces.

The files deliberately vary in everything docs/contract.md §2.1 allows (encodings, header
languages and spellings, title and numbering rows in XLSX, thousands separators,
boolean and date spellings, province spellings, group labels) and carry a few intended
bad rows, listed in ``expected_rejections.csv``.

Regenerate with ``uv run python -m pipelines.sample_data --out data/raw``. Two runs give
byte-identical files: every random draw comes from ``random.Random`` seeded with a fixed
string, iteration is over lists in a fixed order, and XLSX files are written with fixed
document properties and zip timestamps.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import xlsxwriter
from vietnamadminunits.database import query

from pipelines.geo import NEW, OLD, list_in_force, provinces

SEED = "tgxh-sample-2016"
FIRST_YEAR, LAST_YEAR = 2016, 2026
LAST_MONTH_OF_LAST_YEAR = 9  # 2026 is partial: January to September
SOURCES = ("beneficiaries", "facilities", "training")
GROUPS = ("elderly", "disabled", "children", "mental_illness", "hiv", "other")
XLSX_CREATED = datetime(2026, 1, 1)


def _rng(*parts: object) -> random.Random:
    """A random generator seeded by the module seed and ``parts`` (a str seed is stable across runs)."""
    return random.Random("|".join([SEED, *map(str, parts)]))


# --------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prov:
    """An old (pre-reform) province of the sample."""

    key: str  # short key, also the facility-id prefix
    old_code: str
    new_code: str  # code of its successor in the 34-province list
    slug: str  # ascii slug used in file names


PROVS: dict[str, Prov] = {
    p.key: p
    for p in (
        Prov("CM", "96", "96", "camau"),
        Prov("BL", "95", "96", "baclieu"),
        Prov("DT", "87", "82", "dongthap"),
        Prov("TG", "82", "82", "tiengiang"),
        Prov("BD", "74", "79", "binhduong"),
        Prov("HCM", "79", "79", "hochiminh"),
        Prov("VT", "77", "79", "vungtau"),
        Prov("LC", "10", "15", "laocai"),
        Prov("YB", "15", "15", "yenbai"),
        Prov("KT", "62", "51", "kontum"),
        Prov("QN", "51", "51", "quangngai"),
    )
}
# new province code -> member old provinces (the plan province first)
NEW_MEMBERS: dict[str, tuple[str, ...]] = {
    "82": ("DT", "TG"),
    "79": ("BD", "HCM", "VT"),
    "15": ("LC", "YB"),
    "51": ("KT", "QN"),
    "96": ("CM", "BL"),
}
NEW_PREFIX = {"82": "DT", "79": "HCM", "15": "LC", "51": "QN", "96": "CM"}
# provinces whose data stops at the end of 2025 (new Lào Cai: 2026-2030 targets judged by progress)
NO_2026 = ("15",)
THUAN_AN = "Thành phố Thuận An"


@cache
def _province_names() -> dict[tuple[str, str], tuple[str, str]]:
    """(list, code) -> (short name, full name), from pipelines.geo."""
    df = provinces()
    return {
        (lst, code): (short, full)
        for lst, code, short, full in zip(
            df["province_list"], df["province_code"], df["province_name"], df["province_full_name"], strict=True
        )
    }


def fold(text: str) -> str:
    """Strip Vietnamese diacritics (``Đồng Tháp`` -> ``Dong Thap``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@cache
def _legacy_units() -> list[dict[str, str]]:
    """Rows of the 63-province table for the sample provinces: districts and communes."""
    codes = [p.old_code for p in PROVS.values()]
    rows = query(
        "select provinceCode, provinceKey, districtCode, district, districtKey, wardCode, ward, wardKey "
        "from admin_units_legacy order by provinceCode, districtCode, wardCode"
    )
    return [r for r in rows if r["provinceCode"] in codes]


@cache
def _new_wards() -> dict[tuple[str, str], str]:
    """(new province code, ward key) -> ward name, in the 34-province table."""
    rows = query("select provinceCode, wardKey, ward from admin_units order by provinceCode, wardCode")
    return {(r["provinceCode"], r["wardKey"]): r["ward"] for r in rows if r["provinceCode"] in NEW_MEMBERS}


@cache
def _ward_successors() -> dict[str, str]:
    """legacy 'province_district_ward' key -> new ward key (default successor of divided wards)."""
    raw = json.loads(files("vietnamadminunits").joinpath("data/converter_2025.json").read_text("utf-8"))
    out: dict[str, str] = {}
    for wards in raw["DICT_PROVINCE_WARD_NO_DIVIDED"].values():
        for new_key, olds in wards.items():
            for old in olds:
                out[old] = new_key
    for wards in raw["DICT_PROVINCE_WARD_DIVIDED"].values():
        for old, options in wards.items():
            out[old] = next(o["newWardKey"] for o in options if o["isDefaultNewWard"])
    return out


def districts(key: str) -> list[str]:
    """Real district names of an old province, in official code order."""
    code = PROVS[key].old_code
    out: list[str] = []
    for r in _legacy_units():
        if r["provinceCode"] == code and r["district"] not in out:
            out.append(r["district"])
    return out


def communes(key: str) -> list[tuple[str, str]]:
    """Real (district, commune) pairs of an old province, in official code order."""
    code = PROVS[key].old_code
    return [(r["district"], r["ward"]) for r in _legacy_units() if r["provinceCode"] == code]


def _successor_ward(key: str, district: str, commune: str) -> str:
    """Name of the post-2025 commune that absorbed ``commune``."""
    prov = PROVS[key]
    row = next(
        r for r in _legacy_units() if r["provinceCode"] == prov.old_code and r["district"] == district and r["ward"] == commune
    )
    new_key = _ward_successors()[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"]
    return _new_wards()[(prov.new_code, new_key)]


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def split_int(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder, ties by position)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def interp(anchors: dict[int, float], year: int, month: int) -> float:
    """Value at the end of (year, month), linear between year-end anchors, constant outside them."""
    pts = sorted(anchors.items())
    t = year + month / 12
    if t <= pts[0][0] + 1:
        return pts[0][1]
    for (y0, v0), (y1, v1) in zip(pts, pts[1:], strict=False):
        if t <= y1 + 1:
            return v0 + (v1 - v0) * (t - (y0 + 1)) / (y1 - y0)
    return pts[-1][1]


def periods(year: int, months: Iterable[int | None]) -> list[tuple[int, int | None]]:
    """[(year, month)] for a report: month None = annual report."""
    return [(year, m) for m in months]


# --------------------------------------------------------------------------------------
# Beneficiaries: latent model
# --------------------------------------------------------------------------------------

# people in especially difficult circumstances (2016) and monthly-allowance recipients (2016)
SIZE = {
    "CM": (12_000, 34_363), "BL": (9_500, 29_000), "DT": (17_000, 52_000), "TG": (18_000, 56_000),
    "BD": (8_000, 21_000), "HCM": (52_000, 160_000), "VT": (10_500, 33_000),
    "LC": (9_000, 24_000), "YB": (10_000, 28_000), "KT": (6_500, 15_000), "QN": (20_000, 61_000),
}  # fmt: skip
# The real figure of the Cà Mau plan (60/KH-UBND, 2017): at the end of 2016, 34,363 people received
# the monthly social allowance: 19,016 elderly, 12,680 with severe disabilities, 252 orphaned children.
CA_MAU_2016_ALLOWANCE = {"elderly": 19_016, "disabled": 12_680, "children": 252, "mental_illness": 620, "hiv": 145, "other": 1_650}

IN_DIFF_SHARE = (0.34, 0.32, 0.16, 0.08, 0.03, 0.07)
ALLOWANCE_SHARE = (0.55, 0.37, 0.008, 0.035, 0.006, 0.031)
EMERGENCY_SHARE = (0.30, 0.20, 0.25, 0.05, 0.05, 0.15)
# relative chance of being served, by group (normalised to the in_difficulty mix below)
_SERVED_MOD = (1.0, 1.05, 1.15, 0.9, 0.7, 0.85)
SERVED_MOD = tuple(m / sum(s * x for s, x in zip(IN_DIFF_SHARE, _SERVED_MOD, strict=True)) for m in _SERVED_MOD)


def _a(*pairs: float) -> dict[int, float]:
    """Anchors from (year, value, year, value, ...)."""
    return {int(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}


def _three(a: float, b: float, c: float) -> dict[int, float]:
    """Anchors at the ends of 2015, 2020 and 2025 (constant trend into 2026)."""
    return {2015: a, 2020: b, 2025: c, 2026: c + (c - b) / 5}


# served share (Σserved/Σin_difficulty), comprehensive share, case-managed share, emergency timely share
RATES: dict[str, dict[str, dict[int, float]]] = {
    "CM": {
        "served": _a(2015, .27, 2016, .31, 2017, .36, 2018, .42, 2019, .48, 2020, .555, 2021, .575, 2022, .595,
                     2023, .615, 2024, .635, 2025, .655, 2026, .665),
        "comprehensive": _a(2015, .045, 2016, .05, 2018, .08, 2020, .115, 2025, .22, 2026, .23),
        "case_managed": _three(.20, .40, .55),
        "timely": _a(2015, .90, 2016, .92, 2018, .96, 2019, .98, 2020, 1.0, 2026, 1.0),
    },
    "BL": {"served": _three(.28, .50, .64), "comprehensive": _three(.04, .10, .20),
           "case_managed": _three(.20, .35, .50), "timely": _a(2015, .88, 2022, .97, 2026, .98)},
    "DT": {
        "served": _a(2015, .25, 2016, .28, 2020, .47, 2025, .60, 2026, .62),
        "comprehensive": _three(.04, .09, .18),
        "case_managed": _a(2015, .28, 2016, .31, 2018, .40, 2020, .52, 2022, .60, 2025, .70, 2026, .71),
        "timely": _a(2015, .90, 2020, .97, 2026, .99),
    },
    "TG": {"served": _three(.30, .50, .62), "comprehensive": _three(.05, .11, .20),
           "case_managed": _three(.25, .45, .62), "timely": _a(2015, .90, 2020, .98, 2026, .98)},
    "BD": {"served": _three(.32, .50, .65), "comprehensive": _three(.05, .11, .24),
           "case_managed": _three(.25, .45, .60), "timely": _a(2015, .94, 2020, .98, 2026, .985)},
    "HCM": {"served": _three(.40, .55, .70), "comprehensive": _three(.08, .15, .30),
            "case_managed": _three(.30, .50, .65), "timely": _a(2015, .95, 2020, .99, 2026, .99)},
    "VT": {"served": _three(.34, .50, .64), "comprehensive": _three(.06, .12, .22),
           "case_managed": _three(.25, .45, .58), "timely": _a(2015, .92, 2020, .98, 2026, .98)},
    "LC": {"served": _three(.22, .38, .55), "comprehensive": _three(.03, .07, .15),
           "case_managed": _three(.18, .35, .50), "timely": _a(2015, .85, 2025, .95, 2026, .95)},
    "YB": {"served": _three(.24, .40, .56), "comprehensive": _three(.03, .08, .16),
           "case_managed": _three(.20, .36, .50), "timely": _a(2015, .86, 2025, .95, 2026, .95)},
    "KT": {
        "served": _a(2015, .20, 2016, .22, 2017, .26, 2018, .30, 2019, .35, 2020, .40, 2021, .43, 2022, .46,
                     2023, .49, 2024, .52, 2025, .55, 2026, .57),
        "comprehensive": _three(.02, .06, .12),
        "case_managed": _three(.15, .30, .45),
        "timely": _a(2015, .82, 2020, .93, 2025, .97, 2026, .97),
    },
    "QN": {"served": _three(.28, .45, .60), "comprehensive": _three(.04, .09, .18),
           "case_managed": _three(.22, .40, .55), "timely": _a(2015, .88, 2020, .96, 2026, .96)},
}  # fmt: skip
# The town of the Bình Dương plan (2623/KH-UBND, 2019): its own trajectory. The first 2020 report
# understated it (48 % / 9.5 %); the resubmitted correction shows 51.5 % / 12 %.
THUAN_AN_RATES = {
    "served": _a(2015, .34, 2016, .36, 2018, .40, 2019, .43, 2020, .515, 2021, .55, 2022, .58, 2023, .61,
                 2024, .64, 2025, .665, 2026, .68),
    "comprehensive": _a(2015, .045, 2016, .05, 2019, .085, 2020, .12, 2025, .25, 2026, .26),
}  # fmt: skip
THUAN_AN_2020_FIRST_REPORT = {"served": 0.48, "comprehensive": 0.095}

# years when a measure was not yet collected (left empty = not reported)
NOT_REPORTED = {
    ("case_managed", k): range(2016, 2018) for k in ("KT", "QN", "LC", "YB", "BD", "HCM", "VT")
} | {("comprehensive", "DT"): range(2016, 2018)}
# Cà Mau's district reports leave the emergency columns empty for these groups
NO_EMERGENCY_GROUPS = {"CM": ("mental_illness", "hiv")}

SEASON = {
    "south": (1, 1, 1.5, 1.5, 1, 1, 1, 1, 1.3, 1.6, 1.6, 1.2),
    "north": (0.6, 0.6, 0.6, 0.7, 1, 1.4, 1.8, 1.8, 1.5, 1, 0.7, 0.6),
    "centre": (0.6, 0.6, 0.6, 0.6, 0.8, 0.9, 1, 1.2, 1.5, 1.8, 1.8, 1.2),
    "east": (1,) * 12,
}
REGION = {"CM": "south", "BL": "south", "DT": "south", "TG": "south", "LC": "north", "YB": "north",
          "KT": "centre", "QN": "centre", "BD": "east", "HCM": "east", "VT": "east"}  # fmt: skip
# disasters and shocks that raise sudden hardship (salinity 2016/2020, floods, COVID-19, typhoon Yagi)
SHOCK = {("south", 2016): 1.6, ("south", 2020): 1.3, ("centre", 2017): 1.3, ("centre", 2018): 1.2,
         ("east", 2021): 2.5, ("north", 2024): 2.0, ("north", 2018): 1.3}  # fmt: skip


def _year_totals(key: str, year: int) -> dict[str, list[int]]:
    """Province totals at the end of ``year`` by group: in_difficulty and monthly_allowance stocks."""
    in0, al0 = SIZE[key]
    k = year - 2016
    grow_in = 1 + 0.008 + 0.006 * (hash_unit(key, "g_in") - 0.5)
    in_total = round(in0 * grow_in**k)
    al_total = round(al0 * 1.025**k * (1.06 if year >= 2021 else 1.0))
    drift = 0.004 * k
    in_share = [IN_DIFF_SHARE[0] + drift, *IN_DIFF_SHARE[1:]]
    al_share = [ALLOWANCE_SHARE[0] + drift, *ALLOWANCE_SHARE[1:]]
    in_g = split_int(in_total, in_share)
    if key == "CM" and year == 2016:
        al_g = [CA_MAU_2016_ALLOWANCE[g] for g in GROUPS]
    else:
        al_g = split_int(al_total, al_share)
    return {"in_difficulty": in_g, "monthly_allowance": al_g}


def hash_unit(*parts: object) -> float:
    """A fixed pseudo-random number in [0, 1) for ``parts``."""
    return _rng("u", *parts).random()


def _stocks(key: str, year: int, month: int | None) -> dict[str, list[int]]:
    """Province stocks by group at the end of (year, month): linear within the year."""
    end = _year_totals(key, year)
    if month is None or month == 12:
        return end
    start = _year_totals(key, year - 1)
    return {
        m: [round(a + (b - a) * month / 12) for a, b in zip(start[m], end[m], strict=True)] for m in ("in_difficulty", "monthly_allowance")
    }


def _emergency(key: str, year: int, month: int | None) -> list[int]:
    """Province flow of people facing sudden hardship by group, in the year or in one month."""
    region = REGION[key]
    base = sum(_year_totals(key, year)["in_difficulty"]) * 0.045
    annual = round(base * SHOCK.get((region, year), 1.0) * (0.9 + 0.2 * hash_unit(key, "em", year)))
    if month is not None:
        annual = split_int(annual, list(SEASON[region]))[month - 1]
    return split_int(annual, list(EMERGENCY_SHARE))


@dataclass(frozen=True)
class RUnit:
    """A reporting unit: the province itself, a district or a commune."""

    district: str | None = None
    commune: str | None = None


def _level(key: str, year: int) -> str:
    """Reporting level of an old province in a year."""
    if key in ("CM", "BD"):
        return "district"
    if key == "DT" and year <= 2023:
        return "district"
    if key == "BL" and 2020 <= year <= 2023:
        return "commune"
    return "province"


def _runits(key: str, level: str) -> list[RUnit]:
    if level == "district":
        return [RUnit(d) for d in districts(key)]
    if level == "commune":
        return [RUnit(d, c) for d, c in communes(key)]
    return [RUnit()]


def _unit_weight(key: str, u: RUnit, g: int) -> float:
    if u.district is None:
        return 1.0
    base = 0.6 + hash_unit(key, u.district, u.commune)
    if u.district.startswith("Thành phố"):
        base *= 1.3
    return base * (0.85 + 0.3 * hash_unit(key, u.district, u.commune, g))


def _rate(key: str, u: RUnit, measure: str, year: int, month: int | None, g: int, variant: str | None) -> float | None:
    """Share of in_difficulty for a derived measure (None: not reported)."""
    m = 12 if month is None else month
    if measure == "timely":
        return interp(RATES[key]["timely"], year, m)
    if year in NOT_REPORTED.get((measure, key), ()):
        return None
    if key == "BD" and u.district == THUAN_AN and measure in THUAN_AN_RATES:
        if variant == "first_report" and (year, month) == (2020, None):
            r = THUAN_AN_2020_FIRST_REPORT[measure]
        else:
            r = interp(THUAN_AN_RATES[measure], year, m)
    else:
        r = interp(RATES[key][measure], year, m)
    noise = 0.93 + 0.14 * hash_unit(key, u.district, u.commune, measure, g)
    jitter = 0.98 + 0.04 * hash_unit(key, u.district, u.commune, measure, g, year)
    if key == "BD" and u.district == THUAN_AN:
        noise = 1.0
    mod = SERVED_MOD[g] if measure in ("served", "comprehensive") else 1.0
    return min(0.98, r * mod * noise * jitter)


def _ben_rows(key: str, year: int, month: int | None, level: str, variant: str | None = None) -> list[dict[str, Any]]:
    """Canonical beneficiary rows of an old province for one period at one level."""
    units = _runits(key, level)
    stocks = _stocks(key, year, month)
    emer = _emergency(key, year, month)
    by_unit: dict[int, dict[str, list[int]]] = {i: {} for i in range(len(units))}
    for measure, totals in (*stocks.items(), ("emergency_cases", emer)):
        for g in range(len(GROUPS)):
            parts = split_int(totals[g], [_unit_weight(key, u, g) for u in units])
            for i, v in enumerate(parts):
                by_unit[i].setdefault(measure, []).append(v)
    prov = (OLD, PROVS[key].old_code)
    rows = []
    for i, u in enumerate(units):
        for g, group in enumerate(GROUPS):
            n = by_unit[i]["in_difficulty"][g]
            served_r = _rate(key, u, "served", year, month, g, variant)
            comp_r = _rate(key, u, "comprehensive", year, month, g, variant)
            case_r = _rate(key, u, "case_managed", year, month, g, variant)
            served = min(n, round(n * served_r))
            comp = None if comp_r is None else min(served, round(n * comp_r))
            case = None if case_r is None else min(n, round(n * case_r))
            cases: int | None = by_unit[i]["emergency_cases"][g]
            timely = interp(RATES[key]["timely"], year, 12 if month is None else month)
            assisted = None if cases is None else (cases if timely >= 0.999 else min(cases, round(cases * timely)))
            if group in NO_EMERGENCY_GROUPS.get(key, ()) and level == "district":
                cases = assisted = None
            rows.append({
                "province": prov, "district": u.district, "commune": u.commune, "year": year, "month": month,
                "group": group, "in_difficulty": n, "served": served, "comprehensive": comp, "case_managed": case,
                "emergency_cases": cases, "emergency_assisted": assisted,
                "monthly_allowance": by_unit[i]["monthly_allowance"][g],
            })  # fmt: skip
    return rows


def ben_old(key: str, year: int, months: Iterable[int | None], level: str | None = None, variant: str | None = None) -> list[dict[str, Any]]:
    """Rows of an old province for the given months of a year (at its usual level unless given)."""
    out: list[dict[str, Any]] = []
    for y, m in periods(year, months):
        out += _ben_rows(key, y, m, level or _level(key, y), variant)
    return out


def ben_new(new_code: str, year: int, months: Iterable[int]) -> list[dict[str, Any]]:
    """Province-level rows of a new (merged) province: the sum of its members' values."""
    out = []
    for m in months:
        member_rows = [_ben_rows(k, year, m, "province") for k in NEW_MEMBERS[new_code]]
        for g, group in enumerate(GROUPS):
            row: dict[str, Any] = {"province": (NEW, new_code), "district": None, "commune": None, "year": year, "month": m, "group": group}
            for measure in MEASURES:
                vals = [rows[g][measure] for rows in member_rows]
                row[measure] = None if all(v is None for v in vals) else sum(v or 0 for v in vals)
            out.append(row)
    return out


MEASURES = ("in_difficulty", "served", "comprehensive", "case_managed", "emergency_cases", "emergency_assisted", "monthly_allowance")

# --------------------------------------------------------------------------------------
# Facilities
# --------------------------------------------------------------------------------------


@dataclass
class Unit:
    """A facility or other unit, stable across years."""

    facility_id: str
    name: str
    prov: str  # old province key (new-ward units: the new province's prefix key)
    district: str | None
    ownership: str
    unit_type: str
    open_year: int = 2000
    close_year: int | None = None  # listed with status closed in that year, absent afterwards
    capacity: int | None = None
    occupancy: float = 0.85
    staff: int = 20
    sw_from: int | None = None  # first year with staff_social_work >= 1
    sw_max: int = 2
    service_from: int | None = None  # first year providing social work services
    access_from: int | None = None  # first year meeting accessibility
    renamed: tuple[int, str] | None = None  # (from year, new name)
    residents_override: dict[int, int] = field(default_factory=dict)
    capacity_step: tuple[int, int] | None = None  # (from year, extra places)
    commune: str | None = None  # commune units: the commune (legacy name)
    new_code: str | None = None  # for units created by the 2025 reform: their new province
    successor: str | None = None  # facility_id of the unit that replaces it after the reform


NON_PUBLIC_NAMES = (
    ("sa_children", "Mái ấm Tình thương {x}"),
    ("sa_elderly", "Cơ sở nuôi dưỡng người cao tuổi {x}"),
    ("sa_disabled", "Cơ sở trợ giúp người khuyết tật {x}"),
    ("sa_children", "Cơ sở bảo trợ trẻ em mồ côi {x}"),
    ("sa_elderly", "Nhà dưỡng lão {x}"),
)
CHARITY = ("Hoa Mai", "Phúc An", "Hướng Dương", "Thiện Tâm", "Hy Vọng", "An Lạc", "Thiên Ân", "Hoa Sen", "Bình An", "Nhân Ái", "Mai Vàng")


def _committee(commune: str) -> str:
    """``Ủy ban nhân dân phường An Lộc`` for ``Phường An Lộc``."""
    return f"Ủy ban nhân dân {commune[0].lower()}{commune[1:]}"


def _loc(key: str) -> str:
    full = _province_names()[(OLD, PROVS[key].old_code)][1]
    return full[0].lower() + full[1:] if full.startswith("Tỉnh") else full


@cache
def units() -> tuple[Unit, ...]:
    """Every unit of the sample: the old provinces' units and those created by the 2025 reform."""
    out: list[Unit] = []
    for key in PROVS:
        out += _province_units(key)
    # the reform: each old commune unit closes in 2025 and the new commune that absorbed it opens
    made: dict[tuple[str, str], Unit] = {}
    for u in list(out):
        if u.unit_type != "commune":
            continue
        new_code = PROVS[u.prov].new_code
        ward = _successor_ward(u.prov, u.district or "", u.commune or "")
        if (new_code, ward) not in made:
            n = sum(1 for c, _ in made if c == new_code) + 1
            made[(new_code, ward)] = Unit(
                f"{NEW_PREFIX[new_code]}-X{n:02d}", _committee(ward), NEW_PREFIX[new_code], None, "public",
                "commune", open_year=2025, staff=u.staff + 8, sw_from=max(2025, u.sw_from or 2099), sw_max=u.sw_max + 1,
                service_from=u.service_from,
                access_from=u.access_from, new_code=new_code,
            )  # fmt: skip
        u.close_year = 2025
        u.successor = made[(new_code, ward)].facility_id
    return tuple(out + list(made.values()))


def _province_units(key: str) -> list[Unit]:
    rng = _rng("units", key)
    loc = _loc(key)
    short = _province_names()[(OLD, PROVS[key].old_code)][0]
    dists = districts(key)
    seq = iter(range(1, 100))

    def uid() -> str:
        return f"{key}-{next(seq):03d}"

    def yr(lo: int, hi: int) -> int:
        return rng.randint(lo, hi)

    # year by which the province's social-assistance facilities meet accessibility: early adopters to laggards
    # years of delay in assigning social-work staff and services (Lào Cai ahead, Kon Tum behind)
    sw_pace = {"LC": -2, "YB": -1, "CM": -1, "DT": 0, "TG": 0, "BD": 0, "HCM": -1, "VT": 0, "BL": 1, "QN": 1, "KT": 2}[key]
    pace = {"DT": 0, "TG": 0, "HCM": 0, "CM": 2, "BD": 1, "VT": 1, "LC": 2, "YB": 2, "BL": 2, "QN": 3, "KT": 4}[key]
    us: list[Unit] = []
    if key == "CM":
        us += [
            Unit(uid(), f"Trung tâm Bảo trợ xã hội {loc}", key, dists[0], "public", "sa_comprehensive", 2005,
                 capacity=320, staff=62, sw_from=2016, sw_max=6, service_from=2016, access_from=2018,
                 capacity_step=(2021, 60), residents_override={2016: 292}),
            Unit(uid(), f"Trung tâm Công tác xã hội {loc}", key, dists[0], "public", "sa_social_work_centre", 2012,
                 capacity=100, staff=24, sw_from=2016, sw_max=8, service_from=2016, access_from=2020,
                 residents_override={2016: 96}),
            Unit(uid(), f"Trung tâm Chăm sóc và Phục hồi chức năng người tâm thần {loc}", key, dists[2], "public",
                 "sa_mental", 2009, capacity=230, staff=48, sw_from=2017, sw_max=4, service_from=2018, access_from=2023,
                 residents_override={2016: 205}),
            Unit(uid(), "Mái ấm Tình thương Hoa Mai", key, dists[0], "non_public", "sa_children", 2008, capacity=80,
                 staff=12, sw_from=2019, sw_max=2, service_from=2020, access_from=2021, residents_override={2016: 68}),
            Unit(uid(), "Cơ sở nuôi dưỡng người cao tuổi Phúc An", key, dists[4], "non_public", "sa_elderly", 2014,
                 capacity=70, staff=10, sw_from=2022, sw_max=1, service_from=2024, access_from=None,
                 residents_override={2016: 57}),
            Unit(uid(), "Cơ sở trợ giúp người khuyết tật Hướng Dương", key, dists[1], "non_public", "sa_disabled", 2019,
                 capacity=50, staff=9, sw_from=2020, sw_max=2, service_from=2020, access_from=2019),
        ]  # fmt: skip
    elif key == "DT":
        us += [
            Unit(uid(), f"Trung tâm Bảo trợ xã hội {loc}", key, dists[0], "public", "sa_comprehensive", 2004,
                 capacity=200, staff=45, sw_from=2016, sw_max=6, service_from=2016, access_from=2017,
                 renamed=(2019, f"Trung tâm Bảo trợ xã hội tổng hợp {loc}"), capacity_step=(2019, 100)),
            Unit(uid(), f"Trung tâm Công tác xã hội - Bảo vệ trẻ em {loc}", key, dists[0], "public",
                 "sa_social_work_centre", 2011, close_year=2019, capacity=60, staff=18, sw_from=2016, sw_max=5,
                 service_from=2016, access_from=2018),
            Unit(uid(), "Cơ sở nuôi dưỡng người cao tuổi Thiện Tâm", key, dists[1], "non_public", "sa_elderly", 2013,
                 capacity=60, staff=9, sw_from=2020, sw_max=1, service_from=2021, access_from=2022),
            Unit(uid(), "Mái ấm Tình thương Hy Vọng", key, dists[6], "non_public", "sa_children", 2010, capacity=55,
                 staff=8, sw_from=2018, sw_max=2, service_from=2019, access_from=2024),
            Unit(uid(), f"Trung tâm Công tác xã hội {loc}", key, dists[0], "public", "sa_social_work_centre", 2021,
                 capacity=40, staff=15, sw_from=2021, sw_max=6, service_from=2021, access_from=2021),
        ]  # fmt: skip
    elif key == "KT":
        us += [
            Unit(uid(), f"Trung tâm Bảo trợ và Công tác xã hội {loc}", key, dists[0], "public", "sa_comprehensive", 2006,
                 capacity=150, staff=38, sw_from=2017, sw_max=4, service_from=2017, access_from=2021,
                 capacity_step=(2019, 50)),
            Unit(uid(), "Cơ sở Bảo trợ xã hội Vinh Sơn II", key, dists[0], "non_public", "sa_children", 2000,
                 capacity=120, staff=14, sw_from=2019, sw_max=2, service_from=2020, access_from=2026),
            Unit(uid(), "Cơ sở nuôi dưỡng người cao tuổi Bình An", key, dists[6], "non_public", "sa_elderly", 2017,
                 capacity=40, staff=6, sw_from=2022, sw_max=1, service_from=2023, access_from=None),
        ]  # fmt: skip
    else:
        big = key == "HCM"
        us += [
            Unit(uid(), f"Trung tâm Bảo trợ xã hội {loc}", key, dists[0], "public", "sa_comprehensive", 2003,
                 capacity=(1_250 if big else rng.randint(140, 320)), staff=(260 if big else rng.randint(35, 60)),
                 sw_from=yr(2016, 2018), sw_max=(14 if big else rng.randint(3, 6)), service_from=yr(2016, 2019),
                 access_from=yr(2016, 2018) + pace),
            Unit(uid(), f"Trung tâm Công tác xã hội {loc}", key, dists[0], "public", "sa_social_work_centre",
                 yr(2010, 2019), capacity=rng.randint(30, 90), staff=rng.randint(12, 25), sw_from=yr(2016, 2019),
                 sw_max=rng.randint(4, 8), service_from=yr(2016, 2019), access_from=yr(2017, 2020) + pace),
        ]  # fmt: skip
        for i in range(2 if key in ("HCM", "TG", "BD", "QN") else 1):
            ut, pattern = NON_PUBLIC_NAMES[rng.randrange(len(NON_PUBLIC_NAMES))]
            close = 2021 if (key == "BD" and i == 1) else None
            us.append(
                Unit(uid(), pattern.format(x=CHARITY[rng.randrange(len(CHARITY))]), key, dists[rng.randrange(len(dists))],
                     "non_public", ut, yr(2008, 2018), close_year=close, capacity=rng.randint(30, 90),
                     staff=rng.randint(6, 14), sw_from=yr(2018, 2026) + sw_pace, sw_max=rng.randint(1, 2),
                     service_from=yr(2019, 2028) + sw_pace, access_from=yr(2019, 2023) + pace)
            )  # fmt: skip
    # other units: drug rehabilitation, health, education, justice, communes, others
    college = "Trường Cao đẳng Cộng đồng Kon Tum" if key == "KT" else f"Trường Cao đẳng Y tế {short}"
    us += [
        Unit(uid(), f"Cơ sở cai nghiện ma túy {loc}", key, dists[rng.randrange(len(dists))], "public", "drug_rehab",
             2005, capacity=rng.randint(150, 400), occupancy=0.7, staff=rng.randint(30, 60), sw_from=yr(2017, 2024) + sw_pace,
             sw_max=2, service_from=yr(2018, 2026) + sw_pace, access_from=None),
        Unit(uid(), f"Bệnh viện Đa khoa {loc}", key, dists[0], "public", "health", 1990,
             staff=(1_480 if key == "HCM" else rng.randint(450, 1_100)), sw_from=yr(2017, 2023) + sw_pace, sw_max=3,
             service_from=yr(2017, 2024) + sw_pace, access_from=2016),
        Unit(uid(), f"Bệnh viện Sản - Nhi {loc}", key, dists[0], "public", "health", 2000,
             staff=rng.randint(250, 600), sw_from=yr(2019, 2028) + sw_pace, sw_max=2, service_from=yr(2020, 2030) + sw_pace, access_from=2020),
        Unit(uid(), college, key, dists[0], "public", "education", 1998, staff=rng.randint(60, 140),
             sw_from=yr(2020, 2030) + sw_pace, sw_max=1, service_from=yr(2021, 2032) + sw_pace, access_from=2022),
        Unit(uid(), f"Trại tạm giam Công an {loc}", key, dists[0], "public", "justice", 1995,
             staff=rng.randint(60, 120), sw_from=yr(2021, 2034) + sw_pace, sw_max=1, service_from=None, access_from=None),
    ]  # fmt: skip
    # commune people's committees (real communes; in Bình Dương one of them in the town of Thuận An)
    pool = communes(key)
    picks: list[tuple[str, str]] = []
    if key == "BD":
        picks.append(next(c for c in pool if c == (THUAN_AN, "Phường Lái Thiêu")))
    n_communes = {"LC": 5, "YB": 4}.get(key, 3)
    while len(picks) < n_communes:
        c = pool[rng.randrange(len(pool))]
        if c not in picks:
            picks.append(c)
    for d, c in picks:
        us.append(
            Unit(uid(), _committee(c), key, d, "public", "commune", 1990, staff=rng.randint(18, 28), commune=c,
                 sw_from=yr(2018, 2030) + sw_pace, sw_max=rng.randint(1, 2),
                 service_from=None, access_from=None)
        )  # fmt: skip
    us.append(
        Unit(uid(), f"Hội Bảo trợ người khuyết tật và trẻ mồ côi {loc}", key, dists[0], "non_public", "other", 2008,
             staff=rng.randint(5, 12), sw_from=yr(2019, 2032) + sw_pace, sw_max=1, service_from=None, access_from=None)
    )  # fmt: skip
    if key == "LC":  # the Lào Cai plan is about social work in schools, hospitals and communes
        us += [
            Unit(uid(), "Bệnh viện Đa khoa huyện Bát Xát", key, "Huyện Bát Xát", "public", "health", 1995, staff=160,
                 sw_from=2021, sw_max=1, service_from=2022, access_from=2023),
            Unit(uid(), "Trường Phổ thông Dân tộc nội trú tỉnh Lào Cai", key, dists[0], "public", "education", 1998,
                 staff=95, sw_from=2022, sw_max=1, service_from=2023, access_from=2024),
        ]  # fmt: skip
    return us


def _unit_row(u: Unit, year: int) -> dict[str, Any] | None:
    """Roster values of a unit in a snapshot year (None if not on that year's roster)."""
    if year < u.open_year or (u.close_year is not None and year > u.close_year):
        return None
    name = u.renamed[1] if u.renamed and year >= u.renamed[0] else u.name
    cap = u.capacity
    if cap is not None and u.capacity_step and year >= u.capacity_step[0]:
        cap += u.capacity_step[1]
    residents = None
    if cap is not None:
        occ = u.occupancy + 0.1 * (hash_unit(u.facility_id, "occ", year) - 0.5)
        residents = u.residents_override.get(year, min(cap, round(cap * occ)))
    staff = round(u.staff * (1 + 0.015 * (year - 2016)) * (0.97 + 0.06 * hash_unit(u.facility_id, "st", year)))
    sw = 0
    if u.sw_from is not None and year >= u.sw_from:
        sw = min(staff, u.sw_max, 1 + (year - u.sw_from) // 2)
    new = year >= 2025
    return {
        "facility_id": u.facility_id, "name": name,
        "province": (NEW, u.new_code or PROVS[u.prov].new_code) if new else (OLD, PROVS[u.prov].old_code),
        "district": None if new else u.district, "year": year, "ownership": u.ownership, "unit_type": u.unit_type,
        "capacity": cap, "residents": residents,
        "provides_social_work": u.service_from is not None and year >= u.service_from,
        "meets_accessibility": u.access_from is not None and year >= u.access_from,
        "staff_total": staff, "staff_social_work": sw,
        "status": "closed" if u.close_year == year else "active",
    }  # fmt: skip


def roster(keys: Iterable[str], years: Iterable[int]) -> list[dict[str, Any]]:
    """Roster rows of old provinces (by key) for years up to 2024, ordered by year then unit."""
    out = []
    for y in years:
        for k in keys:
            out += [r for u in units() if u.prov == k and u.new_code is None and (r := _unit_row(u, y))]
    return out


def roster_new(new_codes: Iterable[str], year: int) -> list[dict[str, Any]]:
    """Roster rows of new provinces for a year from 2025 on: their members' units and the new communes."""
    out = []
    for code in new_codes:
        members = NEW_MEMBERS[code]
        out += [
            r
            for u in units()
            if (u.new_code == code or (u.new_code is None and u.prov in members)) and (r := _unit_row(u, year))
        ]
    return out


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh")
MIDDLE_M = ("Văn", "Hữu", "Minh", "Quốc", "Thanh", "Công", "Đức", "Hoàng")
MIDDLE_F = ("Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích")
GIVEN_M = ("Hùng", "Dũng", "Tuấn", "Phong", "Long", "Khang", "Tài", "Phúc", "Nam", "Bình", "Hiếu", "Lợi", "Thắng", "Trung", "Toàn", "Nghĩa", "Khoa", "Định")
GIVEN_F = ("Lan", "Hoa", "Hương", "Mai", "Nhung", "Thảo", "Trang", "Hằng", "Yến", "Ngân", "Diễm", "Thủy", "Tuyết", "Loan", "Phượng", "Nhàn", "Ánh", "Vân")
# ethnic minority names of the highlands (Xơ Đăng, Ba Na, Gia Rai in Kon Tum; Hmông, Dao, Tày in Lào Cai and Yên Bái)
KT_M = ("A Blong", "A Thuật", "A Hiên", "A Tuấn", "A Phiên", "A Khoa", "A Sang")
KT_F = ("Y Nhung", "Y Hiên", "Y Bình", "Y Khuyên", "Y Liên", "Y Thanh", "Y Mai")
NORTH_SUR = ("Giàng", "Sùng", "Vàng", "Lò", "Lù", "Thào", "Hoàng", "Triệu", "Lục")
NORTH_MID_M, NORTH_MID_F = ("A", "Seo", "Văn", "Láo"), ("Thị", "Thị", "Seo")
NORTH_GIVEN_M, NORTH_GIVEN_F = ("Páo", "Sử", "Chứ", "Dế", "Pao", "Lềnh", "Sình"), ("Mai", "Dua", "Chá", "Mỷ", "Sú", "Lan", "Pà")


@dataclass(frozen=True)
class Person:
    """A synthetic trainee: a fake 12-digit ID and a synthetic name."""

    person_id: str
    full_name: str
    prov: str
    role: str
    facility_id: str | None


def _name(rng: random.Random, key: str, female: bool) -> str:
    if key == "KT" and rng.random() < 0.35:
        return rng.choice(KT_F if female else KT_M)
    if key in ("LC", "YB") and rng.random() < 0.4:
        mid = rng.choice(NORTH_MID_F if female else NORTH_MID_M)
        given = rng.choice(NORTH_GIVEN_F if female else NORTH_GIVEN_M)
        return f"{rng.choice(NORTH_SUR)} {mid} {given}"
    mid = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{rng.choice(SURNAMES)} {mid} {given}"


class _People:
    """Makes persons with unique fake IDs: birth-province code (3), sex/century (1), birth year (2), serial (6)."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def make(self, rng: random.Random, key: str, role: str, facility_id: str | None, born: tuple[int, int]) -> Person:
        female = rng.random() < (0.75 if role == "family" else 0.6)
        while True:
            year = rng.randint(*born)
            century = (0 if year < 2000 else 2) + (1 if female else 0)
            pid = f"{int(PROVS[key].old_code):03d}{century}{year % 100:02d}{rng.randint(0, 999_999):06d}"
            if pid not in self.ids:
                self.ids.append(pid)
                return Person(pid, _name(rng, key, female), key, role, facility_id)


# (short courses per year for staff/collaborators, participants per course, family courses, family per course)
TRAIN_PLAN: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "CM": {"2016": (2, 9, 1, 9), "2021": (2, 11, 1, 10)},
    "DT": {"2016": (2, 8, 1, 6), "2021": (2, 9, 1, 6)},
    "BD": {"2016": (2, 7, 1, 6), "2021": (2, 9, 1, 6)},
    "LC": {"2016": (1, 12, 0, 0), "2021": (5, 15, 1, 8)},
    "YB": {"2016": (1, 8, 0, 0), "2021": (2, 10, 0, 0)},
    "KT": {"2016": (1, 12, 5, 19), "2021": (1, 10, 1, 15)},
    "TG": {"2016": (1, 5, 0, 0), "2021": (1, 6, 0, 0)},
    "HCM": {"2016": (1, 6, 0, 0), "2021": (1, 6, 1, 5)},
    "VT": {"2016": (1, 4, 0, 0), "2021": (1, 5, 0, 0)},
    "QN": {"2016": (1, 5, 0, 0), "2021": (1, 6, 0, 0)},
    "BL": {"2016": (1, 5, 0, 0), "2021": (1, 5, 0, 0)},
}
# share of a province's social-work staff and collaborators trained in each phase
COHORT = {"LC": 0.25, "YB": 0.2, "CM": 0.2, "DT": 0.2, "BD": 0.22, "KT": 0.15, "TG": 0.15, "HCM": 0.15, "VT": 0.15,
          "QN": 0.15, "BL": 0.15}  # fmt: skip
COURSE_YEARS = {"intermediate": 2, "college": 3, "university": 4, "postgraduate": 2}
LAST_DAY = {k: (date(2025, 12, 31) if PROVS[k].new_code in NO_2026 else date(LAST_YEAR, LAST_MONTH_OF_LAST_YEAR, 30)) for k in PROVS}


@cache
def _unit(fid: str) -> Unit:
    return next(x for x in units() if x.facility_id == fid)


def _unit_for(fid: str | None, on: date) -> str | None:
    """The facility id a person works at on a date (commune units are replaced after the reform)."""
    if fid is None:
        return None
    u = _unit(fid)
    return u.successor if (u.successor and on >= date(2025, 7, 1)) else fid


@cache
def training_records() -> tuple[dict[str, Any], ...]:
    """Every canonical training record (before bad rows), ordered by province then end date."""
    people = _People()
    out: list[dict[str, Any]] = []
    for key in PROVS:
        rng = _rng("training", key)
        staff: list[Person] = []
        for u in units():
            if u.prov != key or u.new_code is not None or u.close_year not in (None, 2025) or u.sw_from is None:
                continue
            if u.sw_from > LAST_YEAR:
                continue
            staff += [people.make(rng, key, "staff", u.facility_id, (1968, 1998)) for _ in range(u.sw_max)]
            if u.unit_type == "commune":
                staff += [people.make(rng, key, "collaborator", u.facility_id, (1965, 2000)) for _ in range(2)]
        staff += [people.make(rng, key, "collaborator", None, (1965, 2000)) for _ in range(2)]
        # only part of the social-work staff is trained in a phase; they attend several courses
        cohorts = {phase: rng.sample(staff, round(len(staff) * COHORT[key])) for phase in ("2016", "2021", "2026")}
        families: list[Person] = []
        recs: list[tuple[date, dict[str, Any]]] = []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            phase = "2016" if year <= 2020 else "2021" if year <= 2025 else "2026"
            plan = TRAIN_PLAN[key]["2016" if year <= 2020 else "2021"]
            n_courses, size, n_fam, fam_size = plan
            if year == LAST_YEAR:
                n_courses, n_fam = max(1, n_courses * 2 // 3), (n_fam + 1) // 2
            courses: list[tuple[str, int]] = [("staff", size)] * n_courses + [("family", fam_size)] * n_fam
            for kind, k in courses:
                start = date(year, 1, 1) + timedelta(days=rng.randint(14, 340))
                end = start + timedelta(days=rng.choice((0, 1, 2, 2, 3, 4)))
                if end > LAST_DAY[key]:
                    continue
                if kind == "staff":
                    pool = [p for p in cohorts[phase] if p.facility_id is None or _unit(p.facility_id).open_year <= year]
                    chosen = rng.sample(pool, min(len(pool), k + rng.randint(-2, 2)))
                else:
                    chosen = []
                    for _ in range(k + rng.randint(-3, 3)):
                        if families and rng.random() < 0.15:
                            p = rng.choice(families)
                            if p not in chosen:
                                chosen.append(p)
                                continue
                        p = people.make(rng, key, "family", None, (1950, 1998))
                        families.append(p)
                        chosen.append(p)
                for p in chosen:
                    recs.append((end, _trec(p, "short_course", start, end, rng.random() > 0.05)))
            # degree programmes of staff (intermediate or higher)
            for _ in range(rng.choice((0, 1, 1, 2))):
                p = rng.choice([s for s in staff if s.role == "staff" and _unit(s.facility_id or "").open_year <= year - 1])
                level = rng.choice(("intermediate", "college", "university", "university", "postgraduate"))
                start = date(year - COURSE_YEARS[level], 9, rng.randint(5, 20))
                end = date(year, rng.choice((6, 7)), rng.randint(1, 28))
                if end <= LAST_DAY[key]:
                    recs.append((end, _trec(p, level, start, end, rng.random() > 0.1)))
        recs.sort(key=lambda t: (t[0], t[1]["start_date"], t[1]["person_id"], t[1]["course_level"]))
        count: dict[int, int] = {}
        for end, r in recs:
            count[end.year] = count.get(end.year, 0) + 1
            r["record_id"] = f"{key}-{end.year}-{count[end.year]:04d}"
            r["facility_id"] = _unit_for(r["facility_id"], end)
            r["province"] = (list_in_force(end), PROVS[key].new_code if list_in_force(end) == NEW else PROVS[key].old_code)
            r["_key"] = key
            out.append(r)
    return tuple(out)


def _trec(p: Person, level: str, start: date, end: date, completed: bool) -> dict[str, Any]:
    return {
        "record_id": "", "person_id": p.person_id, "full_name": p.full_name, "province": None,
        "facility_id": p.facility_id, "role": p.role, "course_level": level, "start_date": start, "end_date": end,
        "completed": completed,
    }  # fmt: skip


# --------------------------------------------------------------------------------------
# File formats
# --------------------------------------------------------------------------------------

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
            _rng("order", self.name).shuffle(cols)
        return cols


def province_text(prov: tuple[str, str], style: str) -> str:
    """A province written the way a file writes it."""
    lst, code = prov
    short, full = _province_names()[(lst, code)]
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


# --------------------------------------------------------------------------------------
# The sample: which rows go into which file
# --------------------------------------------------------------------------------------

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
        rng = _rng("summary", g)
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


# --------------------------------------------------------------------------------------
# Summaries for the README (computed with the contract's period and level rules)
# --------------------------------------------------------------------------------------


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
    names = _province_names()
    lines = [
        "# Raw sample data — SYNTHETIC",
        "",
        "**Every value in these files is invented** by `pipelines/sample_data.py` (fixed seed, byte-for-byte",
        "reproducible: `uv run python -m pipelines.sample_data --out data/raw`). Person IDs are random",
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


def rejections_csv() -> bytes:
    """expected_rejections.csv (UTF-8, LF)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source", "file_name", "row_number", "reason_contains"])
    for e in expected_rejections():
        w.writerow([e["source"], e["file_name"], e["row_number"], e["reason_contains"]])
    return buf.getvalue().encode("utf-8")


def file_bytes(spec: FileSpec) -> bytes:
    """The bytes of one sample file."""
    return xlsx_bytes(spec) if spec.style.fmt == "xlsx" else csv_bytes(spec)


def generate(out_dir: Path) -> list[Path]:
    """Write the whole sample under ``out_dir`` (replacing earlier sample files); return the paths written."""
    out_dir = Path(out_dir)
    specs = build_files()
    written: list[Path] = []
    for source in SOURCES:
        folder = out_dir / source
        folder.mkdir(parents=True, exist_ok=True)
        keep = {s.name for s in specs if s.source == source}
        for old in sorted(folder.iterdir()):
            if old.is_file() and old.suffix in (".csv", ".xlsx") and old.name not in keep:
                old.unlink()
    for spec in specs:
        path = out_dir / spec.source / spec.name
        path.write_bytes(file_bytes(spec))
        written.append(path)
    for name, data in (("expected_rejections.csv", rejections_csv()), ("README.md", readme_text(specs).encode("utf-8"))):
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m pipelines.sample_data --out data/raw``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="root of the raw landing folders")
    args = parser.parse_args(argv)
    paths = generate(args.out)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {total / 1e6:.2f} MB, under {args.out}")


if __name__ == "__main__":
    main()
