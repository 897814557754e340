"""Official province lists (vietnamadminunits): the 63 provinces before 1 July 2025,
the 34 after it, and the mapping of every old province onto its successor."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import polars as pl

from models.vocabularies import PROVINCE_LISTS, REFORM_DATE

OLD, NEW = PROVINCE_LISTS.codes

PROVINCES_DESCRIPTION = (
    "Official province lists (vietnamadminunits): the 63 provinces before 1 July 2025 (province_list = old) "
    "and the 34 after it (new), each with the code of the new province it belongs to (docs/contract.md §2.1)."
)
PROVINCE_COLUMNS: dict[str, tuple[str, str]] = {
    "province_list": ("VARCHAR", "old: the 63-province list in force before 1 July 2025; new: the 34-province list after it."),
    "province_code": ("VARCHAR", "Official two-digit code of the province on its list (text, zero-padded)."),
    "province_name": ("VARCHAR", "Short Vietnamese name with diacritics, e.g. Cà Mau (search without accents: vn_fold)."),
    "province_full_name": ("VARCHAR", "Full Vietnamese name, e.g. Tỉnh Cà Mau."),
    "successor_code": ("VARCHAR", "Code on the new list of the province this one belongs to since 1 July 2025 "
                       "(a new province is its own successor)."),
}
"""Columns of ``seeds.provinces`` (:func:`province_table`): DuckDB type and description."""


def list_in_force(on: date) -> str:
    """Which province list names a row dated ``on`` (the end of its period)."""
    return NEW if on >= REFORM_DATE else OLD


def _package_data(name: str) -> Path:
    """A data file of vietnamadminunits, found without importing the package: its
    ``__init__`` loads the address parsers (shapely, geopy), 1-2 s of every run that
    only needs the province lists."""
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def _province_rows(table: str) -> list[dict]:
    """The distinct provinces of one table of the package's dataset, as
    ``vietnamadminunits.database.get_data`` returns them (``admin_units``: the 34
    provinces, ``admin_units_legacy``: the 63)."""
    assert table in ("admin_units", "admin_units_legacy")
    with sqlite3.connect(_package_data("dataset.db").resolve().as_uri() + "?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            f"select distinct province, provinceShort, provinceCode, provinceKey from [{table}]"
        ).fetchall()
    return [dict(r) for r in rows]


@cache
def _successor_keys() -> dict[str, str]:
    """old province key -> new province key, from the package's 2025 converter."""
    raw = json.loads(_package_data("converter_2025.json").read_text("utf-8"))
    return {old: new for new, olds in raw["DICT_PROVINCE"].items() for old in olds}


@cache
def province_table() -> pl.DataFrame:
    """One row per (province_list, province_code): the reference table of both lists.

    Columns: province_list (``old``/``new``), province_code (two digits, text),
    province_name (short Vietnamese name, e.g. ``Cà Mau``), province_full_name
    (``Tỉnh Cà Mau``), successor_code (the code in the new list this province
    belongs to; a new province is its own successor).
    """
    new = pl.DataFrame(_province_rows("admin_units"))
    old = pl.DataFrame(_province_rows("admin_units_legacy"))
    new_code_by_key = dict(zip(new["provinceKey"], new["provinceCode"], strict=False))
    successor = _successor_keys()
    old = old.with_columns(
        pl.col("provinceKey").replace_strict({k: new_code_by_key[v] for k, v in successor.items()}).alias("successor_code"),
        pl.lit(OLD).alias("province_list"),
    )
    new = new.with_columns(pl.col("provinceCode").alias("successor_code"), pl.lit(NEW).alias("province_list"))
    return (
        pl.concat([old, new], how="diagonal")
        .select(
            "province_list",
            pl.col("provinceCode").alias("province_code"),
            pl.col("provinceShort").alias("province_name"),
            pl.col("province").alias("province_full_name"),
            "successor_code",
        )
        .unique()
        .sort("province_list", "province_code", descending=[True, False])
    )


DISTRICT_TYPES = ("Huyện", "Thị xã", "Thành phố", "Quận")
"""Types of district-level units, as their official names begin (``Huyện Cao Lãnh``)."""


@cache
def districts() -> pl.DataFrame:
    """The official districts before 1 July 2025 (the package's legacy list), one row each.

    Columns: province_code (old list), district_code, district_name (``Huyện Cao Lãnh``),
    district_type (``Huyện``), district_bare (the name without its type: ``Cao Lãnh``).
    """
    with sqlite3.connect(_package_data("dataset.db").resolve().as_uri() + "?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "select distinct provinceCode, districtCode, district, districtType from admin_units_legacy"
        ).fetchall()
    frame = pl.DataFrame(rows, schema=["province_code", "district_code", "district_name", "district_type"], orient="row")
    return frame.with_columns(
        pl.col("district_name").str.slice(pl.col("district_type").str.len_chars() + 1).alias("district_bare")
    ).sort("province_code", "district_code")
