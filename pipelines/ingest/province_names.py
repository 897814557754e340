"""Province resolution (docs/contract.md §2.1): a name or code as written in a raw file,
plus the list in force on the row's date, -> official two-digit code.

Accepted: short names (``Cà Mau``), full names (``Tỉnh Cà Mau``, ``Thành phố Hồ Chí
Minh``), the prefixes ``Tỉnh``, ``Thành phố``, ``TP.``, ``TP``, ``T.``, any case,
with or without diacritics, extra spaces or punctuation, a few common aliases
(``TP.HCM``, ``Thừa Thiên Huế``), and numeric codes (``96``, ``1`` -> ``01``),
interpreted in the list in force. On a row dated on/after 2025-07-01 an old
province that is not in the new list (Kon Tum, Bạc Liêu, Bình Dương, …) is mapped
to its successor and flagged ``remapped``; a name in both lists resolves in the
list in force. Anything else is unknown, with the closest official name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl
from rapidfuzz import fuzz, process

from pipelines.geo import NEW, OLD, list_in_force, province_table
from pipelines.ingest.parsing import fold

PREFIXES = ("thanh pho ", "tinh ", "t p ", "tp ", "t ")
"""Folded prefixes stripped before lookup (``TP.`` and ``T.`` fold to ``tp``/``t``)."""

ALIASES = {
    "hcm": "Hồ Chí Minh",
    "tphcm": "Hồ Chí Minh",
    "tp hcm": "Hồ Chí Minh",
    "sai gon": "Hồ Chí Minh",
    "thua thien hue": "Huế",
    "tt hue": "Huế",
    "brvt": "Bà Rịa - Vũng Tàu",
    "dac lac": "Đắk Lắk",
    "dac nong": "Đắk Nông",
}
"""folded alias -> official short name (used in every list where that name exists)."""

_LIST_WORDS = {OLD: "the 63-province list before 2025-07-01", NEW: "the 34-province list from 2025-07-01"}


@dataclass(frozen=True)
class Resolution:
    """Result of resolving one value in one list."""

    code: str | None
    province_list: str
    remapped: bool = False
    problem: str | None = None
    named_code: str | None = None
    """For a remapped row, the old code of the province as named (Bạc Liêu -> 95)."""
    """Readable reason when unresolved: ``unknown province 'Ca Mua' (closest: Cà Mau)``."""


def province_key(value: str) -> str:
    """Folded name with one administrative prefix removed: ``TP. Hồ Chí Minh`` -> ``ho chi minh``."""
    key = fold(value)
    for prefix in PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


class ProvinceResolver:
    """Resolves names/codes with a cache: a national file repeats a few dozen values."""

    def __init__(self, table: pl.DataFrame | None = None) -> None:
        table = province_table() if table is None else table
        self._codes: dict[str, dict[str, str]] = {OLD: {}, NEW: {}}  # list -> code -> name
        self._names: dict[str, dict[str, str]] = {OLD: {}, NEW: {}}  # list -> key -> code
        self._successor: dict[str, str] = {}  # old code -> new code
        for row in table.iter_rows(named=True):
            lst, code = row["province_list"], row["province_code"]
            self._codes[lst][code] = row["province_name"]
            for text in (row["province_name"], row["province_full_name"]):
                for key in {fold(text), province_key(text)}:
                    other = self._names[lst].setdefault(key, code)
                    if other != code:
                        raise ValueError(f"province key {key!r} names {other} and {code} in the {lst} list")
            if lst == OLD:
                self._successor[code] = row["successor_code"]
        for lst in (OLD, NEW):
            by_name = {fold(name): code for code, name in self._codes[lst].items()}
            for alias, name in ALIASES.items():
                if fold(name) in by_name:
                    self._names[lst].setdefault(alias, by_name[fold(name)])
        # candidates for the "closest" hint: every official name accepted in the list
        self._choices: dict[str, tuple[list[str], list[str]]] = {}
        for lst, lists in ((OLD, (OLD,)), (NEW, (NEW, OLD))):
            seen: dict[str, str] = {}
            for source_list in lists:
                for name in self._codes[source_list].values():
                    seen.setdefault(province_key(name), name)
            self._choices[lst] = (list(seen), list(seen.values()))
        self._cache: dict[tuple[str, str], Resolution] = {}

    def name(self, code: str, province_list: str) -> str | None:
        """Official short name of a code in a list."""
        return self._codes[province_list].get(code)

    def resolve(self, value: str, province_list: str) -> Resolution:
        """Resolve ``value`` (as written, NFC) in the list in force (``old``/``new``)."""
        cache_key = (value, province_list)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._cache[cache_key] = self._resolve(value, province_list)
        return hit

    def resolve_on(self, value: str, on: date) -> Resolution:
        """Resolve ``value`` for a row dated ``on``."""
        return self.resolve(value, list_in_force(on))

    def _resolve(self, value: str, lst: str) -> Resolution:
        text = value.strip()
        if text.isdigit() and len(text) <= 3:
            code = f"{int(text):02d}"
            if code in self._codes[lst]:
                return Resolution(code, lst)
            return Resolution(None, lst, problem=f"unknown province '{value}' (no code {code} in {_LIST_WORDS[lst]})")
        for key in (fold(text), province_key(text)):
            code = self._names[lst].get(key)
            if code is not None:
                return Resolution(code, lst)
            if lst == NEW and key in self._names[OLD]:
                old = self._names[OLD][key]
                return Resolution(self._successor[old], NEW, remapped=True, named_code=old)
        keys, names = self._choices[lst]
        best = process.extractOne(province_key(text), keys, scorer=fuzz.WRatio)
        closest = names[best[2]] if best else "none"
        return Resolution(None, lst, problem=f"unknown province '{value}' (closest: {closest})")

    def resolve_frame(self, values: pl.DataFrame) -> pl.DataFrame:
        """Resolve the distinct (``value``, ``province_list``) pairs of a frame.

        Returns one row per pair with ``province_code``, ``province_list_out``,
        ``province_remapped`` and ``province_problem`` — to be joined back on
        (value, province_list), so each distinct value is resolved once.
        """
        pairs = values.select("value", "province_list").unique().drop_nulls("value")
        out = [self.resolve(v, lst) for v, lst in pairs.iter_rows()]
        return pairs.with_columns(
            pl.Series("province_code", [r.code for r in out], dtype=pl.String),
            pl.Series("province_list_out", [r.province_list for r in out], dtype=pl.String),
            pl.Series("province_remapped", [r.remapped for r in out], dtype=pl.Boolean),
            pl.Series("province_problem", [r.problem for r in out], dtype=pl.String),
            pl.Series("province_named_code", [r.named_code for r in out], dtype=pl.String),
        )


@cache
def default_resolver() -> ProvinceResolver:
    """The resolver over ``pipelines.geo.province_table()`` (built once per process)."""
    return ProvinceResolver()


def resolve(value: str, on: date) -> Resolution:
    """Resolve one value for a row dated ``on`` with the default resolver."""
    return default_resolver().resolve_on(value, on)
