"""Seeds, years and the small arithmetic every part of the sample shares."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime

SEED = "tgxh-sample-2016"
FIRST_YEAR, LAST_YEAR = 2016, 2026
LAST_MONTH_OF_LAST_YEAR = 9  # 2026 is partial: January to September
GROUPS = ("elderly", "disabled", "children", "mental_illness", "hiv", "other")
XLSX_CREATED = datetime(2026, 1, 1)


def seeded_rng(*parts: object) -> random.Random:
    """A random generator seeded by the module seed and ``parts`` (a str seed is stable across runs)."""
    return random.Random("|".join([SEED, *map(str, parts)]))


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


def hash_unit(*parts: object) -> float:
    """A fixed pseudo-random number in [0, 1) for ``parts``."""
    return seeded_rng("u", *parts).random()
