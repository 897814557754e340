"""Reference data (seeds) taken from the plan documents: schemas, loading and cross-table rules.

Three CSV files in ``data/seeds/``:

- ``plans.csv`` — one row per plan document;
- ``plan_targets.csv`` — one row per quantitative target, quoting its source sentence;
- ``indicators.csv`` — the indicator catalogue; ``source = not_ingested`` marks indicators the
  warehouse cannot compute (their targets are reported as ``not_measurable``).

``load_seed`` reads one file with explicit dtypes, NFC-normalises its text and validates it
against its pandera schema; ``validate_seeds`` checks the rules that span the three files;
``resolve_plan_districts`` resolves a district plan's district to one official district.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from models import vocabularies as vocab
from models.pandera_polars import pa
from pipelines.geo import DISTRICT_TYPES, districts

COMPARATORS = vocab.COMPARATORS.codes
PLAN_LEVELS = vocab.PLAN_LEVELS.codes
DIRECTIONS = vocab.DIRECTIONS.codes
MEASURE_TYPES = vocab.MEASURE_TYPES.codes
SOURCES = vocab.SOURCES.codes
MIN_YEAR, MAX_YEAR = vocab.YEAR_MIN, vocab.YEAR_MAX

_SLUG = r"^[a-z][a-z0-9_]*$"
_SOURCE_FILE = r"^[0-9]{3}_[0-9a-f]{16}\.txt$"


class PlanSchema(pa.DataFrameModel):
    """``plans.csv``: one row per plan document."""

    plan_id: str = pa.Field(unique=True, str_matches=_SLUG, description="Stable slug of the plan (its key).")
    document_number: str = pa.Field(nullable=True, description="Document number, e.g. 60/KH-UBND; empty if the text has none.")
    document_date: str = pa.Field(
        nullable=True, str_matches=r"^\d{4}-\d{2}-\d{2}$", description="Date of issue (ISO yyyy-mm-dd); empty if not given."
    )
    issuing_authority: str = pa.Field(str_length={"min_value": 1}, description="Authority that issued the plan (Vietnamese).")
    title_vi: str = pa.Field(str_length={"min_value": 1}, description="Title of the plan, in Vietnamese.")
    plan_level: str = pa.Field(isin=PLAN_LEVELS, description="province or district: the geography the plan is judged on.")
    province_code: str = pa.Field(
        str_matches=r"^\d{2}$", description="Code of the plan's province on the old 63-province list (two digits)."
    )
    province_name: str = pa.Field(str_length={"min_value": 1}, description="Name of the plan's province (Vietnamese).")
    district_name: str = pa.Field(nullable=True, description="District of a district-level plan; empty for province plans.")
    national_basis: str = pa.Field(str_length={"min_value": 1}, description="National decision the plan implements.")
    phases: str = pa.Field(
        str_matches=r"^\d{4}-\d{4}(;\d{4}-\d{4})*$", description="The plan's phases as start-end;start-end."
    )
    source_file: str = pa.Field(
        unique=True, str_matches=_SOURCE_FILE, description="Text of the plan document, in data/seeds/documents/."
    )
    note: str = pa.Field(nullable=True, description="Analysts' reading notes on the document (English).")

    class Config:
        """Exactly these columns, in this order."""

        strict = True
        ordered = True
        description = "Seed: one row per plan document (data/seeds/plans.csv)."

    @pa.dataframe_check(error="district_name is set on a province-level plan")
    def district_only_for_district_plans(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A province-level plan names no district."""
        return data.lazyframe.select((pl.col("plan_level") == "district") | pl.col("district_name").is_null())


class PlanTargetSchema(pa.DataFrameModel):
    """``plan_targets.csv``: one row per quantitative target of a plan."""

    target_id: str = pa.Field(
        unique=True, str_matches=r"^[a-z][a-z0-9_]*-\d{3}$", description="Key of the target: <plan_id>-NNN."
    )
    plan_id: str = pa.Field(str_matches=_SLUG, description="The plan setting the target (seeds.plans).")
    indicator_code: str = pa.Field(str_matches=_SLUG, description="The indicator measured (seeds.indicators).")
    phase_start: int = pa.Field(
        in_range={"min_value": MIN_YEAR, "max_value": MAX_YEAR}, description="First year of the target's phase."
    )
    phase_end: int = pa.Field(
        in_range={"min_value": MIN_YEAR, "max_value": MAX_YEAR}, description="Last year of the target's phase."
    )
    target_year: int = pa.Field(
        in_range={"min_value": MIN_YEAR, "max_value": MAX_YEAR}, description="Year by which the target is to be met."
    )
    comparator: str = pa.Field(isin=COMPARATORS, description="How the actual is compared with the target: >=, >, <= or =.")
    target_value: float = pa.Field(ge=0, description="The target, in the indicator's unit.")
    unit: str = pa.Field(str_length={"min_value": 1}, description="Unit of target_value (the indicator's unit).")
    is_conflicting: bool = pa.Field(
        description="The document states two values for this indicator and phase; the stricter one decides."
    )
    note: str = pa.Field(nullable=True, description="Analysts' note on how the target was read (English).")
    note_vi: str = pa.Field(
        str_length={"min_value": 1}, description="How the target was read, in Vietnamese, for the officials' reports."
    )
    source_file: str = pa.Field(str_matches=_SOURCE_FILE, description="Text of the plan document, in data/seeds/documents/.")
    source_quote: str = pa.Field(
        str_length={"min_value": 20}, description="The sentence or clause of the document stating the target, verbatim."
    )

    class Config:
        """Exactly these columns, in this order."""

        strict = True
        ordered = True
        description = "Seed: one row per quantitative target of a plan, quoting its source (data/seeds/plan_targets.csv)."

    @pa.dataframe_check(error="target_id does not start with its plan_id")
    def target_id_prefixed_by_plan(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """``target_id`` is ``<plan_id>-NNN``."""
        return data.lazyframe.select(pl.col("target_id").str.starts_with(pl.col("plan_id") + "-"))


class IndicatorSchema(pa.DataFrameModel):
    """``indicators.csv``: the indicator catalogue."""

    indicator_code: str = pa.Field(unique=True, str_matches=_SLUG, description="Code of the indicator (docs/contract.md §3).")
    name_vi: str = pa.Field(str_length={"min_value": 1}, description="Name of the indicator in Vietnamese, as the plans word it.")
    name_en: str = pa.Field(str_length={"min_value": 1}, description="Name of the indicator in English.")
    unit: str = pa.Field(str_length={"min_value": 1}, description="Unit of the indicator's values.")
    direction: str = pa.Field(isin=DIRECTIONS, description="increase or decrease: which way is progress.")
    measure_type: str = pa.Field(isin=MEASURE_TYPES, description="percentage, count, per_year or average.")
    source: str = pa.Field(
        isin=SOURCES, description="Raw source it is computed from; not_ingested: not measurable by the warehouse."
    )
    definition: str = pa.Field(str_length={"min_value": 1}, description="How the indicator is computed (docs/contract.md §3).")
    progress_method: str = pa.Field(
        str_length={"min_value": 1}, description="How actuals and progress are judged for it (docs/contract.md §4)."
    )

    class Config:
        """Exactly these columns, in this order."""

        strict = True
        ordered = True
        description = "Seed: the indicator catalogue (data/seeds/indicators.csv), measurable or not."

    @pa.dataframe_check(error="a _pct indicator must be a percentage in %, and a percentage must end in _pct")
    def pct_suffix_matches_type(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """``…_pct`` codes and ``percentage`` measures go together, with unit ``%``."""
        is_pct = pl.col("indicator_code").str.ends_with("_pct")
        is_percentage = (pl.col("measure_type") == "percentage") & (pl.col("unit") == "%")
        return data.lazyframe.select(is_pct == is_percentage)

    @pa.dataframe_check(error="a per_year indicator's code must end in _per_year")
    def per_year_suffix_matches_type(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """``…_per_year`` codes and ``per_year`` measures go together."""
        return data.lazyframe.select(
            pl.col("indicator_code").str.ends_with("_per_year") == (pl.col("measure_type") == "per_year")
        )


_INT_COLUMNS = {"phase_start", "phase_end", "target_year"}
_FLOAT_COLUMNS = {"target_value"}
_BOOL_COLUMNS = {"is_conflicting"}

SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "plans": PlanSchema,
    "plan_targets": PlanTargetSchema,
    "indicators": IndicatorSchema,
}


def _columns(schema: type[pa.DataFrameModel]) -> list[str]:
    return list(schema.to_schema().columns)


def _dtype(column: str) -> pl.DataType:
    if column in _INT_COLUMNS:
        return pl.Int64()
    if column in _FLOAT_COLUMNS:
        return pl.Float64()
    if column in _BOOL_COLUMNS:
        return pl.Boolean()
    return pl.Utf8()


def _read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def load_seed(name: str, path: Path) -> pl.DataFrame:
    """Read seed ``name`` (``plans``, ``plan_targets`` or ``indicators``) from the CSV at ``path``.

    Columns are read with explicit dtypes (years Int64, ``target_value`` Float64,
    ``is_conflicting`` Boolean, everything else Utf8; empty cells become NULL), text is
    NFC-normalised, and the frame is validated against the seed's pandera schema with
    ``lazy=True``. Raises ``ValueError`` naming the file on a wrong header, an unreadable
    value or any schema failure.
    """
    if name not in SCHEMAS:
        raise ValueError(f"unknown seed {name!r}; expected one of {sorted(SCHEMAS)}")
    path = Path(path)
    schema = SCHEMAS[name]
    expected = _columns(schema)
    header = _read_header(path)
    if header != expected:
        raise ValueError(f"{path.name}: header {header} does not match the expected columns {expected}")
    try:
        frame = pl.read_csv(
            path,
            schema={column: _dtype(column) for column in expected},
            has_header=True,
            encoding="utf8",
        )
    except pl.exceptions.PolarsError as exc:
        raise ValueError(f"{path.name}: cannot be read with the seed dtypes: {exc}") from exc
    frame = frame.with_columns(pl.col(pl.Utf8).str.normalize("NFC"))
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise ValueError(f"{path.name}: schema validation failed:\n{_describe(path.name, exc)}") from exc
    except pa.errors.SchemaError as exc:
        raise ValueError(f"{path.name}: schema validation failed: {exc}") from exc


def _describe(file_name: str, exc: pa.errors.SchemaErrors) -> str:
    """One line per failure: file, 1-based data row, column, failed check and value."""
    lines = []
    for case in exc.failure_cases.iter_rows(named=True):
        row = "" if case["index"] is None else f" row {case['index'] + 1}"
        if case["schema_context"] == "DataFrameSchema":
            lines.append(f"{file_name}{row}: {case['check']}")
        else:
            lines.append(f"{file_name}{row}, column {case['column']}: {case['check']} failed on {case['failure_case']!r}")
    return "\n".join(lines)


def load_seeds(seed_dir: Path) -> dict[str, pl.DataFrame]:
    """Load and validate the three seeds from ``seed_dir``, then check the cross-table rules.

    Returns ``{"plans": …, "plan_targets": …, "indicators": …}``; ``plans`` carries the
    columns of its district resolved by ``resolve_plan_districts``.
    """
    seed_dir = Path(seed_dir)
    frames = {name: load_seed(name, seed_dir / f"{name}.csv") for name in SCHEMAS}
    validate_seeds(frames["plans"], frames["plan_targets"], frames["indicators"])
    frames["plans"] = resolve_plan_districts(frames["plans"])
    return frames


_TYPE_SPELLINGS = {t.lower(): t for t in DISTRICT_TYPES} | {"tx.": "Thị xã", "tp.": "Thành phố"}


def _split_district(name: str) -> tuple[str | None, str]:
    """(type, bare name) of a district as written: ``Huyện Cao Lãnh`` -> (``Huyện``, ``cao lãnh``);
    ``Cao Lãnh`` -> (None, ``cao lãnh``). Lower case, single spaces."""
    folded = " ".join(name.lower().split())
    for spelling, official in _TYPE_SPELLINGS.items():
        if folded.startswith(spelling) and len(folded) > len(spelling):
            rest = folded[len(spelling):]
            if spelling.endswith(".") or rest.startswith(" "):
                return official, rest.strip()
    return None, folded


RESOLVED_DISTRICT_COLUMNS = {
    "district_official_name": "The plan's district as on the official pre-2025 list, with its type (Huyện Cao Lãnh); "
                              "NULL for a province plan (docs/contract.md §4).",
    "district_type_key": "Type of that district, lower case (huyện, thành phố, thị xã, quận).",
    "district_bare_key": "Name of that district without its type, lower case (cao lãnh).",
    "district_bare_is_unique": "No other district of the province has that name with another type, so data rows "
                               "naming the district without its type match it.",
}
"""Columns that :func:`resolve_plan_districts` adds to ``seeds.plans``, with their descriptions."""
RESOLVED_DISTRICT_TYPES: dict[str, pl.DataType] = {
    "district_official_name": pl.Utf8(), "district_type_key": pl.Utf8(), "district_bare_key": pl.Utf8(),
    "district_bare_is_unique": pl.Boolean(),
}
"""Their polars types."""


def resolve_plan_districts(plans: pl.DataFrame) -> pl.DataFrame:
    """Resolve the ``district_name`` of each district plan to exactly one official district
    of the plan's province (the pre-2025 list of vietnamadminunits, name and type: ``Huyện
    Cao Lãnh`` is not ``Thành phố Cao Lãnh``).

    Adds ``district_official_name`` (``Huyện Cao Lãnh``), ``district_type_key`` (``huyện``),
    ``district_bare_key`` (``cao lãnh``) and ``district_bare_is_unique`` (no other district
    of the province has that name with another type), all NULL for a plan without a
    district. Raises ``ValueError`` naming the row and the candidates when a name fits no
    district or more than one (``Cao Lãnh`` alone fits two).
    """
    official = districts().with_columns(
        pl.col("district_bare").str.to_lowercase().alias("bare_key"),
        pl.col("district_type").str.to_lowercase().alias("type_key"),
    )
    official = official.with_columns((pl.len().over("province_code", "bare_key") == 1).alias("bare_is_unique"))
    resolved: list[tuple[str | None, str | None, str | None, bool | None]] = []
    problems = []
    for row_number, row in enumerate(plans.select("province_code", "district_name").iter_rows(named=True), start=1):
        name = row["district_name"]
        if name is None:
            resolved.append((None, None, None, None))
            continue
        kind, bare = _split_district(name)
        candidates = official.filter(
            (pl.col("province_code") == str(row["province_code"]).zfill(2)) & (pl.col("bare_key") == bare)
        )
        if kind is not None and candidates.height > 1:
            # the type tells two districts of one name apart; a name used once keeps its
            # district when the type changed (Thị xã Thuận An became Thành phố in 2020)
            candidates = candidates.filter(pl.col("district_type") == kind)
        if candidates.height != 1:
            found = ", ".join(candidates["district_name"]) or "none"
            problems.append(
                f"plans.csv row {row_number}, column district_name: {name!r} must name exactly one official "
                f"district of province {row['province_code']} (name and type, e.g. 'Huyện Cao Lãnh'); "
                f"it fits {candidates.height}: {found}"
            )
            continue
        (hit,) = candidates.iter_rows(named=True)
        resolved.append((hit["district_name"], hit["type_key"], hit["bare_key"], hit["bare_is_unique"]))
    if problems:
        raise ValueError("seed validation failed:\n" + "\n".join(problems))
    names, types, bares, unique = zip(*resolved, strict=False) if resolved else ((), (), (), ())
    return plans.with_columns(
        *(pl.Series(name, values, dtype=RESOLVED_DISTRICT_TYPES[name])
          for name, values in zip(RESOLVED_DISTRICT_COLUMNS, (names, types, bares, unique), strict=True)),
    )


def _numbered(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``_row``: the 1-based data row number (after the header), as in the CSV."""
    return frame.with_row_index("_row", offset=1)


def _report(problems: list[str], seed: str, bad: pl.DataFrame, column: str, message) -> None:
    for row in bad.iter_rows(named=True):
        problems.append(f"{seed} row {row['_row']}, column {column}: {message(row)}")


def _duplicates(problems: list[str], seed: str, frame: pl.DataFrame, column: str) -> None:
    bad = frame.filter(pl.col(column).is_duplicated())
    _report(problems, seed, bad, column, lambda r: f"duplicate {column} {r[column]!r}")


def validate_seeds(plans: pl.DataFrame, targets: pl.DataFrame, indicators: pl.DataFrame) -> None:
    """Check the rules that span the three seeds; raise ``ValueError`` listing every violation.

    Rules: ``plan_id``, ``target_id`` and ``indicator_code`` are unique in their files; every
    target's ``plan_id`` is a plan and its ``indicator_code`` is in the catalogue; its
    ``source_file`` is its plan's and its ``unit`` is its indicator's; ``phase_start ≤
    target_year ≤ phase_end``; ``comparator`` is one of ``>=``, ``>``, ``<=``, ``=``; a
    percentage target is at most 100; ``is_conflicting`` rows come at least in pairs per
    (plan, indicator, phase), and targets sharing (plan, indicator, phase, target year) must
    all be flagged ``is_conflicting``. Each message names the seed file, the 1-based data row
    and the column.
    """
    problems: list[str] = []
    p, t, i = _numbered(plans), _numbered(targets), _numbered(indicators)
    pf, tf, inf = "plans.csv", "plan_targets.csv", "indicators.csv"

    _duplicates(problems, pf, p, "plan_id")
    _duplicates(problems, tf, t, "target_id")
    _duplicates(problems, inf, i, "indicator_code")

    plan_lookup = p.select("plan_id", pl.col("source_file").alias("_plan_source_file")).unique("plan_id")
    ind_lookup = i.select("indicator_code", pl.col("unit").alias("_ind_unit"), "measure_type").unique("indicator_code")
    joined = t.join(plan_lookup, on="plan_id", how="left").join(ind_lookup, on="indicator_code", how="left")

    known_plans = set(p["plan_id"].to_list())
    known_codes = set(i["indicator_code"].to_list())
    _report(problems, tf, joined.filter(~pl.col("plan_id").is_in(known_plans)), "plan_id",
            lambda r: f"unknown plan_id {r['plan_id']!r} (not in plans.csv)")
    _report(problems, tf, joined.filter(~pl.col("indicator_code").is_in(known_codes)), "indicator_code",
            lambda r: f"unknown indicator_code {r['indicator_code']!r} (not in indicators.csv)")
    _report(problems, tf,
            joined.filter(pl.col("_plan_source_file").is_not_null() & (pl.col("source_file") != pl.col("_plan_source_file"))),
            "source_file", lambda r: f"{r['source_file']!r} is not the plan's source file {r['_plan_source_file']!r}")
    _report(problems, tf,
            joined.filter(pl.col("_ind_unit").is_not_null() & (pl.col("unit") != pl.col("_ind_unit"))),
            "unit", lambda r: f"unit {r['unit']!r} differs from the indicator's unit {r['_ind_unit']!r}")
    _report(problems, tf, joined.filter(pl.col("phase_start") > pl.col("phase_end")), "phase_start",
            lambda r: f"phase_start {r['phase_start']} > phase_end {r['phase_end']}")
    _report(problems, tf,
            joined.filter((pl.col("target_year") < pl.col("phase_start")) | (pl.col("target_year") > pl.col("phase_end"))),
            "target_year", lambda r: f"target_year {r['target_year']} outside phase {r['phase_start']}-{r['phase_end']}")
    _report(problems, tf, joined.filter(~pl.col("comparator").is_in(list(COMPARATORS))), "comparator",
            lambda r: f"comparator {r['comparator']!r} not in {list(COMPARATORS)}")
    _report(problems, tf,
            joined.filter((pl.col("measure_type") == "percentage") & (pl.col("target_value") > 100)),
            "target_value", lambda r: f"percentage target {r['target_value']} > 100")

    phase = ["plan_id", "indicator_code", "phase_start", "phase_end"]
    lonely = t.filter(pl.col("is_conflicting")).filter(pl.len().over(phase) < 2)
    _report(problems, tf, lonely, "is_conflicting",
            lambda r: f"conflicting target has no counterpart for ({r['plan_id']}, {r['indicator_code']}, "
                      f"{r['phase_start']}-{r['phase_end']})")
    same = t.filter(pl.len().over([*phase, "target_year"]) > 1).filter(~pl.col("is_conflicting"))
    _report(problems, tf, same, "is_conflicting",
            lambda r: f"several targets for ({r['plan_id']}, {r['indicator_code']}, {r['target_year']}) "
                      "but this one is not flagged is_conflicting")

    if problems:
        raise ValueError("seed validation failed:\n" + "\n".join(problems))
