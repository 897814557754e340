"""Text normalisation and cell parsers (docs/contract.md §2.1), as polars expressions so a
column of millions of cells is parsed without a Python loop.

Every parser takes a *cleaned* text column (NFC, stripped, empty -> null, see
``clean``) and returns the typed column, null where the cell is empty **or**
invalid; the caller tells the two apart (``raw is not null and parsed is null`` is
an invalid cell).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import polars as pl

from models.sources import TOTAL_LABELS, Enumeration

# --- scalar helpers ------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    """Unicode NFC (cp1258 decodes to base letters + combining tone marks; NFC recomposes)."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Matching key of a header or label: NFC, lower case, diacritics removed
    (``đ`` -> ``d``), every run of other characters collapsed to one space.

    ``'  Tỉnh/Thành phố '`` -> ``'tinh thanh pho'``; ``'in_difficulty'`` -> ``'in difficulty'``.
    Memoised: every file repeats the same headers and labels.
    """
    t = unicodedata.normalize("NFC", text).lower().replace("đ", "d")
    t = "".join(ch for ch in unicodedata.normalize("NFD", t) if not unicodedata.category(ch).startswith("M"))
    return _NON_ALNUM.sub(" ", t).strip()


# --- expressions ---------------------------------------------------------------------

def fold_expr(expr: pl.Expr) -> pl.Expr:
    """``fold`` as a polars expression (same result for every string)."""
    return (
        expr.str.normalize("NFC")
        .str.to_lowercase()
        .str.replace_all("đ", "d", literal=True)
        .str.normalize("NFD")
        .str.replace_all(r"\p{M}+", "")
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars(" ")
    )


def clean(expr: pl.Expr, normalize: bool = True) -> pl.Expr:
    """A raw cell as text: NFC, stripped (also non-breaking spaces), empty -> null.
    ``normalize=False`` skips NFC for text already normalised as a whole (CSV)."""
    t = expr.cast(pl.String)
    if normalize:
        t = t.str.normalize("NFC")
    t = t.str.strip_chars()
    return pl.when(t.str.len_bytes() > 0).then(t)


NEEDS_TEXT_CLEANING = r"\s\s|[^\S ]"
"""A cleaned cell that ``clean_text`` changes has a run of whitespace or a whitespace
character other than the space; any other cleaned cell is its own ``clean_text``."""


def clean_text(expr: pl.Expr) -> pl.Expr:
    """A text field: ``clean`` plus inner whitespace runs collapsed to one space."""
    t = expr.str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(t.str.len_chars() > 0).then(t)


_INTEGER = (
    r"^[+-]?(?:"
    r"[0-9]+"                                  # 34363
    r"|[0-9]{1,3}(?:\.[0-9]{3})+"             # 34.363  (Vietnamese thousands separator)
    r"|[0-9]{1,3}(?:,[0-9]{3})+"               # 34,363
    r"|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+"  # 34 363, also non-breaking spaces
    r")$"
)


def parse_int(expr: pl.Expr) -> pl.Expr:
    """Integer with an optional thousands separator used consistently in groups of
    three: ``34.363``, ``34,363``, ``34 363`` -> 34363. ``12,5``, ``1.234,5``,
    ``34363.0`` and values beyond Int64 are invalid (null)."""
    t = expr.str.replace_all("\u2212", "-", literal=True)  # Unicode minus sign
    digits = t.str.replace_all(r"[+., \u00a0\u202f]", "")
    return pl.when(t.str.contains(_INTEGER)).then(digits).cast(pl.Int64, strict=False)


TRUE_WORDS = ("yes", "y", "true", "1", "x", "co", "c")
FALSE_WORDS = ("no", "n", "false", "0", "khong", "k")
"""Folded spellings: yes/no, true/false, 1/0, x/empty, có/không (c/k, co/khong)."""


def bool_uses_x(expr: pl.Expr) -> pl.Expr:
    """True when the column marks true with ``x`` (then an empty cell means false)."""
    return (fold_expr(expr) == "x").any()


def parse_bool(expr: pl.Expr, x_convention: bool | pl.Expr = False) -> pl.Expr:
    """Boolean from yes/no, true/false, 1/0, x, có/không (any case, with or without
    diacritics). An empty cell is null, except in a column using the ``x``
    convention (``x_convention``), where it is false."""
    f = fold_expr(expr)
    x_conv = pl.lit(x_convention) if isinstance(x_convention, bool) else x_convention
    return (
        pl.when(f.is_in(TRUE_WORDS)).then(pl.lit(True))
        .when(f.is_in(FALSE_WORDS)).then(pl.lit(False))
        .when(expr.is_null() & x_conv).then(pl.lit(False))
        .otherwise(pl.lit(None, pl.Boolean))
    )


_DMY = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
_ISO = r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Date from ``dd/mm/yyyy`` or ISO ``yyyy-mm-dd`` (an Excel date cell reads as
    ``yyyy-mm-dd 00:00:00``). Impossible dates (31/02/2024) are invalid (null)."""
    dmy = pl.when(expr.str.contains(_DMY)).then(expr).str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    iso = expr.str.extract(_ISO, 1).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return pl.coalesce(dmy, iso)


_ENUM_MAPPINGS: dict[str, tuple[Enumeration, dict[str, str]]] = {}


def enum_mapping(enum: Enumeration) -> dict[str, str]:
    """folded code or Vietnamese label -> code (built once per enumeration)."""
    hit = _ENUM_MAPPINGS.get(enum.name)
    if hit is not None and hit[0] is enum:
        return hit[1]
    mapping: dict[str, str] = {}
    for code, labels in enum.labels.items():
        for text in (code, *labels):
            key = fold(text)
            if mapping.get(key, code) != code:
                raise ValueError(f"{enum.name}: label {text!r} names two codes")
            mapping[key] = code
    _ENUM_MAPPINGS[enum.name] = (enum, mapping)
    return mapping


def parse_enum(expr: pl.Expr, enum: Enumeration) -> pl.Expr:
    """Code of an enumeration from the code itself or a Vietnamese label
    (case-, space- and diacritic-insensitive); null when unknown."""
    return fold_expr(expr).replace_strict(enum_mapping(enum), default=None, return_dtype=pl.String)


_TOTALS = tuple(sorted({fold(t) for t in TOTAL_LABELS}))
_TOTAL_PREFIXES = ("tong cong ", "total ")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _either_case(chars: str) -> str:
    return "".join(c + c.upper() if c.isalpha() else c for c in chars)


def _not_total_start() -> str:
    """A regex of the starts no folded total label can have: an ASCII letter or digit no
    folded total label starts with, or two ASCII letters or digits (folding keeps them,
    lower-cased) no folded total label starts with."""
    starts = (*_TOTALS, *_TOTAL_PREFIXES)
    firsts = sorted({t[0] for t in starts})
    alternatives = ["[" + _either_case("".join(c for c in _ALNUM if c not in firsts)) + "]"]
    for first in firsts:
        seconds = {t[1] for t in starts if t[0] == first and len(t) > 1}
        alternatives.append(f"[{_either_case(first)}][{_either_case(''.join(c for c in _ALNUM if c not in seconds))}]")
    return "^(?:" + "|".join(alternatives) + ")"


_NOT_TOTAL_START = _not_total_start()


def could_be_total_label(expr: pl.Expr) -> pl.Expr:
    """False for a cell that cannot be a total label because of how it starts (see
    ``_not_total_start``: ``Nguyễn Văn A``, ``Trần Văn B``, ``TR000123``); a cheap filter
    before ``is_total_label``."""
    return ~expr.str.contains(_NOT_TOTAL_START)


def is_total_label(expr: pl.Expr) -> pl.Expr:
    """A label cell of a report total: ``Tổng``, ``Tổng cộng``, ``Cộng``, ``Total``
    (also ``Tổng cộng toàn tỉnh``, ``TOTAL:``)."""
    f = fold_expr(expr)
    prefixed = pl.any_horizontal(f.str.starts_with(p) for p in _TOTAL_PREFIXES)
    return (f.is_in(_TOTALS) | prefixed).fill_null(False)
