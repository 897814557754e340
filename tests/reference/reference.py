"""An independent reference implementation of the indicators and of the target statuses of
docs/contract.md §2.2, §3 and §4, in plain Python over the raw rows (the rows of
raw.beneficiaries, raw.facilities and raw.training), sharing no SQL with the models.

It is written from the contract's words, not from the models: a difference between the
two on the same rows is a bug in one of them. Only the province list (which old province
belongs to which new one) is shared, from ``pipelines.geo``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pipelines.geo import province_table

PERCENT = 100.0
STAFF_ROLES = ("staff", "collaborator")
KNOWN_ROLES = (*STAFF_ROLES, "family")
DEGREE_LEVELS = ("intermediate", "college", "university", "postgraduate")
SW_SCOPE_TYPES = ("health", "education")


@dataclass(frozen=True)
class Value:
    numerator: float
    denominator: float | None
    value: float
    months_reported: int


def successor(province_list: str, code: str) -> str:
    table = province_table()
    row = table.filter((table["province_list"] == province_list) & (table["province_code"] == code))
    return row["successor_code"][0]


def area(geography: str, province_list: str, code: str, year: int) -> str:
    """The province a row counts in: as_reported keeps the province as named up to 2024 (a
    yearly value is dated 31 December, so from 2025 on the new list), current maps every
    year onto the 34 provinces."""
    if geography == "as_reported" and year < 2025:
        return code
    return successor(province_list, code)


def latest_version(rows: list[dict], key) -> list[dict]:
    """For each key, the row of the lexically latest file (then the later row)."""
    best: dict = {}
    for row in rows:
        k = key(row)
        if k not in best or (row["file_name"], row["row_number"]) > (best[k]["file_name"], best[k]["row_number"]):
            best[k] = row
    return list(best.values())


def national_window(year: int) -> int:
    return 2011 + 5 * ((year - 2011) // 5)


# ------------------------------------------------------------------ beneficiaries


def _unit(row: dict) -> tuple:
    return (row["province_list"], row["province_code"], (row["district"] or "").strip().lower(),
            (row["commune"] or "").strip().lower())


def _level(row: dict) -> str:
    if row["commune"] is not None:
        return "commune"
    if row["district"] is not None:
        return "district"
    return "province"


def beneficiary_rows(raw: list[dict]) -> list[dict]:
    """The rows that count: latest version of each key (an annual report and a monthly
    December row are two reports), one report per unit-year-group (annual or monthly, the
    later file's), and per period the finest level of each province as named."""
    current = latest_version(
        raw, lambda r: (*_unit(r), r["year"], r["month"] if r["month"] is not None else 12, r["month"] is None, r["group_code"])
    )
    # annual against monthly: the kind whose latest row is later wins for the unit-year-group
    latest_of_kind: dict = {}
    for row in current:
        k = (*_unit(row), row["year"], row["group_code"], row["month"] is None)
        position = (row["file_name"], row["row_number"])
        latest_of_kind[k] = max(latest_of_kind.get(k, position), position)
    kept = []
    for row in current:
        annual = row["month"] is None
        mine = latest_of_kind[(*_unit(row), row["year"], row["group_code"], annual)]
        other = latest_of_kind.get((*_unit(row), row["year"], row["group_code"], not annual))
        if other is None or mine > other:
            kept.append(row)
    # levels per period: a province row gives way to district/commune rows of its period, a
    # district row to commune rows of its district; an annual row's period is the whole year
    finer = defaultdict(list)
    for row in kept:
        level = _level(row)
        province = (row["province_list"], row["province_code"], row["year"], row["group_code"])
        if level != "province":
            finer[(*province, "")].append(row)
        if level == "commune" and _unit(row)[2]:
            finer[(*province, _unit(row)[2])].append(row)
    out = []
    for row in kept:
        level = _level(row)
        if level != "commune":
            scope = (row["province_list"], row["province_code"], row["year"], row["group_code"], _unit(row)[2])
            if any(row["month"] is None or low["month"] is None or low["month"] == row["month"] for low in finer[scope]):
                continue
        out.append(row)
    return out


def _both(rows, numerator, denominator):
    pairs = [(r[numerator], r[denominator]) for r in rows if r[numerator] is not None and r[denominator] is not None]
    if not pairs:
        return None, None
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def beneficiary_indicators(raw: list[dict]) -> dict[tuple, Value]:
    """{(indicator, geography, province_code, year): Value} for the beneficiary indicators."""
    by_area = defaultdict(list)
    for row in beneficiary_rows(raw):
        for geography in ("as_reported", "current"):
            by_area[(geography, area(geography, row["province_list"], row["province_code"], row["year"]), row["year"])].append(row)
    out = {}
    for (geography, code, year), rows in by_area.items():
        latest = max(r["month"] or 12 for r in rows)
        stock_rows = [r for r in rows if (r["month"] or 12) == latest]
        candidates = {
            "served_pct": _both(stock_rows, "served", "in_difficulty"),
            "comprehensive_pct": _both(stock_rows, "comprehensive", "in_difficulty"),
            "case_managed_pct": _both(stock_rows, "case_managed", "in_difficulty"),
            "emergency_timely_pct": _both(rows, "emergency_assisted", "emergency_cases"),
        }
        for indicator, (numerator, denominator) in candidates.items():
            if numerator is not None and denominator > 0:
                out[(indicator, geography, code, year)] = Value(numerator, denominator, PERCENT * numerator / denominator, latest)
        allowances = [r["monthly_allowance"] for r in stock_rows if r["monthly_allowance"] is not None]
        if allowances:
            out[("allowance_recipients", geography, code, year)] = Value(sum(allowances), None, sum(allowances), latest)
    return out


# ------------------------------------------------------------------ rosters and training


def training_records(raw: list[dict]) -> list[dict]:
    return latest_version(raw, lambda r: r["record_id"])


def trained_persons(records: list[dict], facility_id: str, first_year: int, last_year: int) -> int:
    """Distinct staff/collaborators of a unit who completed a course ending in [first_year, last_year]."""
    return len({
        r["person_key"] for r in records
        if r["completed"] is True and r["role"] in STAFF_ROLES and r["facility_id"] == facility_id
        and r["end_date"] is not None and first_year <= r["end_date"].year <= last_year
    })


def staff_trained_pct(units: list[dict], records: list[dict], window_start: int, year: int) -> tuple[int, int] | None:
    """(Σ min(trained persons of the unit, its social-work staff), Σ social-work staff) over
    the units reporting staff_social_work; None without social-work staff."""
    reporting = [u for u in units if u["staff_social_work"] is not None]
    staff = sum(u["staff_social_work"] for u in reporting)
    if staff <= 0:
        return None
    trained = sum(min(trained_persons(records, u["facility_id"], window_start, year), u["staff_social_work"]) for u in reporting)
    return trained, staff


def roster_and_training_indicators(raw_facilities: list[dict], raw_training: list[dict]) -> dict[tuple, Value]:
    units = [u for u in latest_version(raw_facilities, lambda r: (r["facility_id"], r["year"])) if u["status"] == "active"]
    records = training_records(raw_training)
    out = {}
    by_area = defaultdict(list)
    for unit in units:
        for geography in ("as_reported", "current"):
            by_area[(geography, area(geography, unit["province_list"], unit["province_code"], unit["year"]), unit["year"])].append(unit)
    for (geography, code, year), members in by_area.items():
        sa = [u for u in members if u["unit_type"].startswith("sa_")]
        accessible = [u for u in sa if u["meets_accessibility"] is not None]
        residents = [u for u in sa if u["residents"] is not None]
        scope = [u for u in members if (u["unit_type"].startswith("sa_") or u["unit_type"] in SW_SCOPE_TYPES)
                 and u["provides_social_work"] is not None]
        staffed = [u for u in members if u["staff_social_work"] is not None]
        degree_holders = {
            u["facility_id"]: {
                r["person_key"] for r in records
                if r["completed"] is True and r["course_level"] in DEGREE_LEVELS and r["facility_id"] == u["facility_id"]
                and r["role"] in KNOWN_ROLES and r["end_date"] is not None and r["end_date"].year <= year
            }
            for u in members
        }
        ratios = {
            "facility_accessible_pct": (sum(1 for u in accessible if u["meets_accessibility"]), len(accessible), PERCENT),
            "facility_residents_avg": (sum(u["residents"] for u in residents), len(residents), 1.0),
            "sw_service_units_pct": (sum(1 for u in scope if u["provides_social_work"]), len(scope), PERCENT),
            "sw_staffed_units_pct": (sum(1 for u in staffed if u["staff_social_work"] >= 1), len(staffed), PERCENT),
            "units_two_degree_pct": (sum(1 for u in members if len(degree_holders[u["facility_id"]]) >= 2), len(members), PERCENT),
        }
        for indicator, (numerator, denominator, scale) in ratios.items():
            if denominator > 0:
                out[(indicator, geography, code, year)] = Value(numerator, denominator, scale * numerator / denominator, 12)
        trained = staff_trained_pct(members, records, national_window(year), year)
        if trained is not None:
            out[("sw_staff_trained_pct", geography, code, year)] = Value(trained[0], trained[1], PERCENT * trained[0] / trained[1], 12)
    out.update(training_counts(records))
    return out


def training_counts(records: list[dict]) -> dict[tuple, Value]:
    """staff_trained_per_year and family_trained_per_year for every area-year with a record."""
    dated = [r for r in records if r["end_date"] is not None]
    if not dated:
        return {}
    last = max(r["end_date"] for r in dated)
    by_area = defaultdict(list)
    for r in dated:
        year = r["end_date"].year
        for geography in ("as_reported", "current"):
            by_area[(geography, area(geography, r["province_list"], r["province_code"], year), year)].append(r)
    out = {}
    for (geography, code, year), members in by_area.items():
        months = last.month if year == last.year else 12
        for indicator, roles in (("staff_trained_per_year", STAFF_ROLES), ("family_trained_per_year", ("family",))):
            count = len({(r["person_key"], r["end_date"]) for r in members if r["completed"] is True and r["role"] in roles})
            out[(indicator, geography, code, year)] = Value(count, None, count, months)
    return out


def indicator_values(beneficiaries: list[dict], facilities: list[dict], training: list[dict]) -> dict[tuple, Value]:
    """Every indicator of docs/contract.md §3, keyed (indicator, geography, province_code, year)."""
    return {**beneficiary_indicators(beneficiaries), **roster_and_training_indicators(facilities, training)}


# ------------------------------------------------------------------ target statuses


def _meets(value, comparator, target):
    if value is None:
        return None
    return {">=": value >= target, ">": value > target, "<=": value <= target, "=": value == target}[comparator]


def _growth(a, b, years):
    """g(a -> b, n) = (b / a)^(1/n) - 1, or (b - a) / n where a = 0."""
    if a == 0:
        return (b - a) / years
    return (b / a) ** (1.0 / years) - 1


def plan_series(values: dict[tuple, Value], plan_code: str, indicator: str, window_start: int | None,
                facilities: list[dict], training: list[dict]) -> dict[int, Value]:
    """The yearly values a province plan (old code) is judged on: its province up to 2024,
    its successor from 2025. sw_staff_trained_pct counts from the phase start."""
    new_code = successor("old", plan_code)
    series = {}
    years = {k[3] for k in values if k[0] == indicator}
    for year in years:
        geography, code = ("as_reported", plan_code) if year < 2025 else ("current", new_code)
        if indicator == "sw_staff_trained_pct":
            if window_start > year:
                continue
            units = [u for u in latest_version(facilities, lambda r: (r["facility_id"], r["year"]))
                     if u["status"] == "active" and u["year"] == year
                     and area(geography, u["province_list"], u["province_code"], year) == code]
            trained = staff_trained_pct(units, training_records(training), window_start, year)
            if trained is not None:
                series[year] = Value(trained[0], trained[1], PERCENT * trained[0] / trained[1], 12)
        elif (indicator, geography, code, year) in values:
            series[year] = values[(indicator, geography, code, year)]
    return series


def judge(series: dict[int, Value], per_year: bool, phase_start: int, phase_end: int, target_year: int,
          comparator: str, target: float) -> dict:
    """status, actual, baseline, progress_ratio, required_annual_change and projected_value of
    one target, by the rules of docs/contract.md §3 and §4."""
    out = {"status": None, "actual_value": None, "actual_year": None, "baseline_value": None, "baseline_year": None,
           "progress_ratio": None, "required_annual_change": None, "projected_value": None}
    in_phase = sorted(y for y in series if phase_start <= y <= phase_end and y <= target_year)
    before = [y for y in series if y < phase_start]
    if not in_phase:
        # no data in the phase: the latest value before it is still shown as the baseline
        if before:
            out.update(baseline_year=max(before), baseline_value=series[max(before)].value)
        out["status"] = "no_data"
        return out

    def when(y):
        return y - 1 + series[y].months_reported / 12.0

    complete = [y for y in in_phase if series[y].months_reported == 12]
    has_target_year = target_year in series and series[target_year].months_reported == 12
    baseline_year = max(before) if before else in_phase[0]
    x0 = series[baseline_year].value
    latest_year = in_phase[-1]
    xt = series[latest_year].value
    mean = sum(series[y].value for y in complete) / len(complete) if complete else None
    actual, actual_year = (mean, complete[-1] if complete else None) if per_year else (xt, latest_year)
    out.update(actual_value=actual, actual_year=actual_year, baseline_value=x0, baseline_year=baseline_year)
    meets = _meets(actual, comparator, target)
    baseline_meets = _meets(x0, comparator, target)
    t0, t = when(baseline_year), when(latest_year)

    if has_target_year:
        out["status"] = "achieved" if meets else "not_achieved"
        return out
    if per_year:
        if complete and target_year > complete[-1]:
            remaining = target_year - complete[-1]
            out["required_annual_change"] = (target * (len(complete) + remaining) - mean * len(complete)) / remaining
        out["projected_value"] = mean
    else:
        out["required_annual_change"] = (target - xt) / (target_year - t) if xt == 0 else \
            PERCENT * ((target / xt) ** (1.0 / (target_year - t)) - 1)
        pace = None if t == t0 else _growth(x0, xt, t - t0)
        if pace is not None:
            out["projected_value"] = xt + pace * (target_year - t) if x0 == 0 else xt * (1 + pace) ** (target_year - t)
    if meets:
        out["status"] = "on_track"
        return out
    if per_year:
        if not complete:
            out["status"] = "insufficient_data"
            return out
        if comparator == "<=":
            ratio = target / actual if actual > 0 else None
        else:
            ratio = actual / target if target > 0 else None
        out["progress_ratio"] = ratio
        out["status"] = _rated(ratio) if ratio is not None else "off_track"
        if out["status"] == "deteriorating":
            out["status"] = "off_track"
        return out
    if baseline_year == latest_year:
        out["status"] = "insufficient_data"
        return out
    if baseline_meets:
        out["status"] = "deteriorating"
        return out
    needed = _growth(x0, target, target_year - t0)
    if needed == 0:
        out["status"] = "deteriorating" if abs(xt - target) > abs(x0 - target) else "off_track"
        return out
    ratio = _growth(x0, xt, t - t0) / needed
    out["progress_ratio"] = ratio
    out["status"] = _rated(ratio)
    return out


def _rated(ratio: float) -> str:
    if ratio >= 0.95:
        return "on_track"
    if ratio >= 0.6:
        return "acceleration_needed"
    if ratio >= 0:
        return "off_track"
    return "deteriorating"


def target_statuses(targets: list[dict], plan_codes: dict[str, str], beneficiaries: list[dict],
                    facilities: list[dict], training: list[dict]) -> dict[str, dict]:
    """{target_id: judged target} for targets of province plans ({plan_id: old province code})."""
    values = indicator_values(beneficiaries, facilities, training)
    out = {}
    for t in targets:
        series = plan_series(values, plan_codes[t["plan_id"]], t["indicator_code"], t["phase_start"], facilities, training)
        out[t["target_id"]] = judge(series, t["indicator_code"].endswith("_per_year"), t["phase_start"], t["phase_end"],
                                    t["target_year"], t["comparator"], float(t["target_value"]))
    return out
