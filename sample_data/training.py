"""Training records: short courses and degree programmes of the units' staff, collaborators and families."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from pipelines.geo import NEW, list_in_force
from sample_data.common import FIRST_YEAR, LAST_MONTH_OF_LAST_YEAR, LAST_YEAR, seeded_rng
from sample_data.facilities import Unit, units
from sample_data.geography import NO_2026, PROVS
from sample_data.people import People, Person

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
    people = People()
    out: list[dict[str, Any]] = []
    for key in PROVS:
        rng = seeded_rng("training", key)
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
