"""The shared vocabularies of the warehouse: the closed lists of codes its tables use and
the dates its rules turn on, each stated once here (docs/contract.md §2-§4).

Everything that needs one of them reads it from here: the seeds' pandera schemas
(``models.seeds``), the raw registry (``models.sources``), the ``accepted_values`` audits
of the SQL model headers (``vocabulary: statuses`` resolves to the codes below), the
reports' status labels and colours (``pipelines.reports``), the province lists
(``pipelines.geo``), the ``seeds.calendar`` table the SQL models join for the reform date
and the national five-year periods, and the data dictionary ``docs/data_model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

YEAR_MIN, YEAR_MAX = 2010, 2035
"""Years a raw row or a seed target may carry (docs/contract.md §2)."""

REFORM_DATE = date(2025, 7, 1)
"""The provincial reform: from this day the 34-province list names the provinces
(docs/contract.md §2.1). A yearly value is dated 31 December, so the first year dated
after it is ``REFORM_DATE.year``."""

NATIONAL_PERIOD_START, NATIONAL_PERIOD_YEARS = 2011, 5
"""The national five-year periods 2011-2015, 2016-2020, 2021-2025, ...: the counting window
of sw_staff_trained_pct outside a plan's phase (docs/contract.md §3)."""


@dataclass(frozen=True)
class Term:
    """One code of a vocabulary, with what it means."""

    code: str
    description: str


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of codes, in reading order."""

    name: str
    description: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)


@dataclass(frozen=True)
class Status(Term):
    """A status of a target (marts.target_vs_actual.status, docs/contract.md §4)."""

    label_vi: str = ""
    """How the reports name it."""
    tone: str = "grey"
    """Colour family: green = met or on course, amber = needs a push, red = missed or going
    the wrong way, grey = cannot be judged."""
    bucket: str = "unjudged"
    """final (the target year has data), progress (judged by the progress method) or
    unjudged (no judgement possible)."""


def _vocabulary(name: str, description: str, *terms: tuple[str, str]) -> Vocabulary:
    return Vocabulary(name, description, tuple(Term(code, text) for code, text in terms))


STATUSES = Vocabulary("statuses", "Status of a target against its actual (docs/contract.md §4), in reading order.", (
    Status("achieved", "the target year has data and meets the comparator",
           label_vi="Đạt", tone="green", bucket="final"),
    Status("not_achieved", "the target year has data and misses the comparator",
           label_vi="Không đạt", tone="red", bucket="final"),
    Status("on_track", "no target-year data yet; the progress ratio is at least 0.95 or the latest value meets the target",
           label_vi="Đúng tiến độ", tone="green", bucket="progress"),
    Status("acceleration_needed", "no target-year data yet; the progress ratio is between 0.6 and 0.95",
           label_vi="Cần đẩy nhanh", tone="amber", bucket="progress"),
    Status("off_track", "no target-year data yet; the progress ratio is between 0 and 0.6",
           label_vi="Chậm tiến độ", tone="red", bucket="progress"),
    Status("deteriorating", "no target-year data yet; the value moves away from the target",
           label_vi="Đang xấu đi", tone="red", bucket="progress"),
    Status("insufficient_data", "no target-year data and a single observation (no rate of progress)",
           label_vi="Chưa đủ số liệu", tone="grey", bucket="unjudged"),
    Status("no_data", "measurable, but nothing in the phase for the plan's geography",
           label_vi="Không có số liệu", tone="grey", bucket="unjudged"),
    Status("not_measurable", "the indicator needs a source the warehouse does not ingest",
           label_vi="Không đo lường được", tone="grey", bucket="unjudged"),
))

TONE_COLOURS: dict[str, tuple[str, str]] = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
    "grey": ("#E7E6E6", "#3A3A3A"),
}
"""tone -> (background, text colour); Excel's "Good / Neutral / Bad" palette."""

COMPARATORS = _vocabulary(
    "comparators", "How an actual is compared with a target (docs/contract.md §4).",
    (">=", "at least"), (">", "more than"), ("<=", "at most"), ("=", "exactly"),
)
GEOGRAPHIES = _vocabulary(
    "geographies", "Where the rows of a province count (docs/contract.md §4).",
    ("as_reported", "the province as named in the rows: the 63 up to 2024, the 34 from 2025 (a yearly value "
                    "is dated 31 December)"),
    ("current", "every year mapped onto the 34 provinces, so a series continues across the reform"),
)
GEOGRAPHY_BASES = _vocabulary(
    "geography_bases", "Which geography a plan's actual comes from (docs/contract.md §4).",
    ("same", "the plan's own province or district"),
    ("successor", "the province the plan's province merged into on 1 July 2025"),
)
PLAN_LEVELS = _vocabulary(
    "plan_levels", "The geography a plan is judged on.",
    ("province", "a provincial plan"), ("district", "a district plan (pre-2025 districts)"),
)
REPORT_LEVELS = _vocabulary(
    "report_levels", "The finest unit a beneficiary row names (docs/contract.md §2.2).",
    ("province", "a province-wide row"), ("district", "a district row"), ("commune", "a commune row"),
)
PROVINCE_LISTS = _vocabulary(
    "province_lists", "The official province lists (docs/contract.md §2.1).",
    ("old", "the 63 provinces before 1 July 2025"), ("new", "the 34 provinces from 1 July 2025"),
)
SOURCES = _vocabulary(
    "sources", "The raw sources an indicator is computed from (docs/contract.md §2).",
    ("beneficiaries", "beneficiary counts by province, district or commune"),
    ("facilities", "the roster of facilities and other units"),
    ("training", "social-work training records"),
    ("not_ingested", "a source the warehouse does not ingest: the indicator is not measurable"),
)
DIRECTIONS = _vocabulary(
    "directions", "Which way is progress for an indicator.",
    ("increase", "a higher value is better"), ("decrease", "a lower value is better"),
)
MEASURE_TYPES = _vocabulary(
    "measure_types", "How an indicator's value is computed (docs/contract.md §3).",
    ("percentage", "100 · numerator / denominator"), ("count", "a count"),
    ("per_year", "a count per year, judged on its mean over the phase"), ("average", "numerator / denominator"),
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v for v in (STATUSES, COMPARATORS, GEOGRAPHIES, GEOGRAPHY_BASES, PLAN_LEVELS, REPORT_LEVELS,
                        PROVINCE_LISTS, SOURCES, DIRECTIONS, MEASURE_TYPES)
}
"""Every vocabulary by name, as an ``accepted_values`` audit names it."""

