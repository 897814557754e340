"""Facilities and other units, stable across years, and their yearly roster rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pipelines.geo import NEW, OLD
from sample_data.common import hash_unit, seeded_rng
from sample_data.geography import NEW_MEMBERS, NEW_PREFIX, PROVS, THUAN_AN, communes, districts, province_names, successor_ward


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
    full = province_names()[(OLD, PROVS[key].old_code)][1]
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
        ward = successor_ward(u.prov, u.district or "", u.commune or "")
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
    rng = seeded_rng("units", key)
    loc = _loc(key)
    short = province_names()[(OLD, PROVS[key].old_code)][0]
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
