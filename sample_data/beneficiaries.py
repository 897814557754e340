"""Beneficiary reports: a latent model of each old province's people and rates, and its rows at province, district or commune level."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipelines.geo import NEW, OLD
from sample_data.common import GROUPS, hash_unit, interp, periods, split_int
from sample_data.geography import NEW_MEMBERS, PROVS, THUAN_AN, communes, districts

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
