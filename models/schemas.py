"""pandera (polars) schemas of the raw and audit tables, generated from the registry
in ``models.sources``: column types, nullability, enumerations, ranges, patterns,
the key and the row rules. The ingest assets' blocking ``raw_contract`` check validates
the rows loaded in a run with ``raw_schema`` and checks their key in DuckDB (assets/ingest.py).
"""

from __future__ import annotations

from functools import cache

import polars as pl

from models.pandera_polars import PolarsData, pa
from models.sources import AUDIT_TABLES, SOURCES, RawColumn, Rule, Source


def _column(c: RawColumn) -> pa.Column:
    checks: list[pa.Check] = []
    if c.enum is not None and c.enum.codes:
        checks.append(pa.Check.isin(list(c.enum.codes)))
    if c.min_value is not None and c.max_value is not None:
        checks.append(pa.Check.in_range(c.min_value, c.max_value))
    elif c.min_value is not None:
        checks.append(pa.Check.ge(c.min_value))
    elif c.max_value is not None:
        checks.append(pa.Check.le(c.max_value))
    if c.pattern is not None:
        checks.append(pa.Check.str_matches(c.pattern))
    return pa.Column(c.polars_type, checks=checks, nullable=c.nullable, description=c.description)


def _rule_check(rule: Rule) -> pa.Check:
    """Dataframe-level check: the rule holds wherever both sides are reported."""
    left, right = pl.col(rule.left), pl.col(rule.right)
    holds = left <= right if rule.op == "<=" else left >= right
    ok = left.is_null() | right.is_null() | holds
    if rule.unless_reported:
        ok = ok | pl.col(rule.unless_reported).is_not_null()

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(ok.alias("rule_holds"))

    name = f"{rule.left} {rule.op} {rule.right}"
    return pa.Check(check, name=name, error=f"row rule violated: {name}")


def _schema(name: str, columns: tuple[RawColumn, ...], checks: list[pa.Check] | None = None,
            unique: list[str] | None = None, description: str | None = None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {c.name: _column(c) for c in columns},
        checks=checks or None,
        unique=unique,
        strict=True,
        ordered=True,
        name=name,
        description=description,
    )


@cache
def raw_schema(source: str, *, key_unique: bool = True) -> pa.DataFrameSchema:
    """Schema of ``raw.<source>``: exactly the registry's raw columns, in order, the row
    rules and the key unique. ``key_unique=False``: every rule but the key's, which the
    contract check verifies in DuckDB (one grouped query on the stored rows costs about
    half of pandera's check on the 7 million rows of a national build)."""
    spec: Source = SOURCES[source]
    return _schema(
        spec.table,
        spec.raw_columns,
        checks=[_rule_check(r) for r in spec.rules],
        unique=list(spec.raw_key) if key_unique else None,
        description=spec.description,
    )


@cache
def audit_schema(table: str) -> pa.DataFrameSchema:
    """Schema of an audit table (``audit.ingested_files``, ``audit.rejected_rows``)."""
    return _schema(table, AUDIT_TABLES[table])


def empty_raw_frame(source: str) -> pl.DataFrame:
    """A zero-row frame with the raw table's columns and types."""
    return pl.DataFrame(schema={c.name: c.polars_type for c in SOURCES[source].raw_columns})


