"""The sample's provinces (old and new lists), their real districts and communes, and the 2025 reform."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from vietnamadminunits.database import query

from pipelines.geo import province_table


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
def province_names() -> dict[tuple[str, str], tuple[str, str]]:
    """(list, code) -> (short name, full name), from pipelines.geo."""
    df = province_table()
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


def successor_ward(key: str, district: str, commune: str) -> str:
    """Name of the post-2025 commune that absorbed ``commune``."""
    prov = PROVS[key]
    row = next(
        r for r in _legacy_units() if r["provinceCode"] == prov.old_code and r["district"] == district and r["ward"] == commune
    )
    new_key = _ward_successors()[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"]
    return _new_wards()[(prov.new_code, new_key)]
