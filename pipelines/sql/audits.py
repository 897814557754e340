r"""Audits: queries that return a model's bad rows. A model passes an audit when the
query returns no row.

Two forms, both declared in the model header under ``audits:``:

* a query written out: ``{name, description, sql, blocking}``;
* a built-in audit, parameterised (as SQLMesh's ``unique_values(columns := [a, b])``)::

      audits:
        - unique_values: {columns: [plan_id, target_year]}
        - not_null: {columns: [status]}
        - accepted_values: {column: status, values: [achieved, not_achieved], blocking: true}
        - accepted_values: {column: status, vocabulary: statuses}   # models/vocabularies.py
        - relationships: {column: province_code, to: seeds.provinces, field: province_code}
        - accepted_range: {column: value, min_value: 0, max_value: 100, where: "unit = '%'"}
        - match_regex: {column: province_code, pattern: '^\d{2}$'}
        - is_null: {columns: [progress_ratio], where: "status = 'achieved'"}
        - row_count: {equal_to_rows_of: seeds.plan_targets}

  Each takes an optional ``name`` (default: the audit and its columns, e.g.
  ``accepted_values_status``), ``description`` and ``blocking`` (default false: a warning).

The grain of every model is checked by two built-in audits, ``unique_grain`` and
``not_null_grain`` (blocking). The same declarations feed the Great Expectations suite
(``pipelines/quality/expectations.py``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlglot import exp

from models.vocabularies import VOCABULARIES
from pipelines.duck import qualified_name, quote_identifier

PREVIEW_ROWS = 10

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TableName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")]
Value = str | int | float | bool


class AuditBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Ident | None = None
    description: Text | None = None
    blocking: bool = False

    @property
    def check_name(self) -> str:
        return self.name or self._default_name()

    @property
    def summary(self) -> str:
        """What the audit asserts, in words (its description when the header gives one)."""
        return self.description or self._default_description()

    def reads(self) -> set[str]:
        """Tables the audit reads besides its model (normalised ``schema.table``)."""
        return set()

    def row_wise(self, partition_by: str | None) -> bool:
        """True when a row's verdict depends only on rows of its own partition, so the
        audit may be evaluated on the partitions just rebuilt."""
        return False

    def _default_name(self) -> str:
        raise NotImplementedError

    def _default_description(self) -> str:
        raise NotImplementedError

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        raise NotImplementedError


def _where(where: str | None, condition: str) -> str:
    return f"({where}) and ({condition})" if where else condition


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(quote_identifier(c) for c in columns)


class SqlAudit(AuditBase):
    """A query written out in the header: ``sql`` returns the bad rows."""

    kind: Literal["sql"] = "sql"
    name: Ident
    description: Text
    sql: Text

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        return self.sql.rstrip(";").strip()


class UniqueValues(AuditBase):
    """No two rows share the values of ``columns``."""

    kind: Literal["unique_values"] = "unique_values"
    columns: list[Text] = Field(min_length=1)

    def _default_name(self) -> str:
        return "unique_values_" + "_".join(self.columns)

    def _default_description(self) -> str:
        return f"No two rows share ({', '.join(self.columns)})."

    def row_wise(self, partition_by: str | None) -> bool:
        return partition_by is not None and partition_by in self.columns

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        # Unordered: a passing audit reads it to find no row, and ordering millions of
        # rows for that would cost more than finding the duplicates. Only the rows whose
        # hash of the columns repeats are partitioned on the columns themselves: counting
        # one 64-bit hash per row costs a third of grouping on the columns.
        cols, filtered = _cols(self.columns), f" where {where}" if where else ""
        repeated = f"hash({cols}) in (select hash({cols}) from {relation}{filtered} group by 1 having count(*) > 1)"
        return (
            f"select * from {relation} where {_where(where, repeated)}"
            f" qualify count(*) over (partition by {cols}) > 1"
        )


class NotNull(AuditBase):
    """No row has a NULL in any of ``columns``."""

    kind: Literal["not_null"] = "not_null"
    columns: list[Text] = Field(min_length=1)

    def _default_name(self) -> str:
        return "not_null_" + "_".join(self.columns)

    def _default_description(self) -> str:
        return f"No value of ({', '.join(self.columns)}) is NULL."

    def row_wise(self, partition_by: str | None) -> bool:
        return True

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        condition = " or ".join(f"{quote_identifier(c)} is null" for c in self.columns)
        return f"select * from {relation} where {_where(where, condition)}"


class AcceptedValues(AuditBase):
    """Every non-NULL value of ``column`` is one of ``values``, or one of the codes of
    the data model's ``vocabulary`` (models/vocabularies.py), resolved when the header
    is loaded."""

    kind: Literal["accepted_values"] = "accepted_values"
    column: Text
    vocabulary: Ident | None = None
    values: list[Value] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _resolve_vocabulary(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("vocabulary") is None:
            return data
        name = data["vocabulary"]
        if "values" in data:
            raise ValueError("accepted_values takes either 'values' or 'vocabulary', not both")
        if name not in VOCABULARIES:
            raise ValueError(f"unknown vocabulary {name!r}; the data model's are: {', '.join(VOCABULARIES)}")
        return {**data, "values": list(VOCABULARIES[name].codes)}

    def _default_name(self) -> str:
        return f"accepted_values_{self.column}"

    def _default_description(self) -> str:
        return f"{self.column} is one of {', '.join(map(str, self.values))}."

    def row_wise(self, partition_by: str | None) -> bool:
        return True

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        # literals, not parameters: the query is also shown to the user and recorded
        literals = ", ".join(exp.convert(v).sql("duckdb") for v in self.values)
        column = quote_identifier(self.column)
        return f"select * from {relation} where {_where(where, f'{column} not in ({literals})')}"


class Relationships(AuditBase):
    """Every non-NULL value of ``column`` is a value of ``field`` in the table ``to``."""

    kind: Literal["relationships"] = "relationships"
    column: Text
    to: TableName
    field: Text

    def _default_name(self) -> str:
        return f"relationships_{self.column}"

    def _default_description(self) -> str:
        return f"Every {self.column} is a {self.field} of {self.to}."

    def reads(self) -> set[str]:
        return {self.to}

    def row_wise(self, partition_by: str | None) -> bool:
        return True

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        schema, _, table = self.to.partition(".")
        column, field = quote_identifier(self.column), quote_identifier(self.field)
        condition = (
            f"model_rows.{column} is not null and not exists (select 1 from {qualified_name(schema, table)}"
            f" as parent where parent.{field} = model_rows.{column})"
        )
        return f"select * from {relation} as model_rows where {_where(where, condition)}"


class AcceptedRange(AuditBase):
    """Every non-NULL value of ``column`` (in the rows matching ``where``) is within
    [``min_value``, ``max_value``] (either bound may be left out)."""

    kind: Literal["accepted_range"] = "accepted_range"
    column: Text
    min_value: float | None = None
    max_value: float | None = None
    where: Text | None = None

    def _default_name(self) -> str:
        return f"accepted_range_{self.column}"

    def _default_description(self) -> str:
        bounds = " and ".join(b for b in (
            None if self.min_value is None else f">= {self.min_value:g}",
            None if self.max_value is None else f"<= {self.max_value:g}") if b)
        return f"{self.column} is {bounds}" + (f" where {self.where}." if self.where else ".")

    def row_wise(self, partition_by: str | None) -> bool:
        return True

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        column = quote_identifier(self.column)
        outside = " or ".join(c for c in (
            None if self.min_value is None else f"{column} < {self.min_value!r}",
            None if self.max_value is None else f"{column} > {self.max_value!r}") if c) or "false"
        condition = f"({self.where}) and ({outside})" if self.where else outside
        return f"select * from {relation} where {_where(where, condition)}"


class MatchRegex(AuditBase):
    """Every non-NULL value of ``column`` contains a match of ``pattern`` (anchor it with ``^...$``)."""

    kind: Literal["match_regex"] = "match_regex"
    column: Text
    pattern: Text

    def _default_name(self) -> str:
        return f"match_regex_{self.column}"

    def _default_description(self) -> str:
        return f"{self.column} matches {self.pattern}."

    def row_wise(self, partition_by: str | None) -> bool:
        return True

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        pattern = exp.Literal.string(self.pattern).sql("duckdb")
        condition = f"not regexp_matches(cast({quote_identifier(self.column)} as varchar), {pattern})"
        return f"select * from {relation} where {_where(where, condition)}"


class IsNull(AuditBase):
    """``columns`` are NULL in every row matching ``where``."""

    kind: Literal["is_null"] = "is_null"
    columns: list[Text] = Field(min_length=1)
    where: Text

    def _default_name(self) -> str:
        return "is_null_" + "_".join(self.columns)

    def _default_description(self) -> str:
        return f"({', '.join(self.columns)}) are NULL where {self.where}."

    def row_wise(self, partition_by: str | None) -> bool:
        return True

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        present = " or ".join(f"{quote_identifier(c)} is not null" for c in self.columns)
        return f"select * from {relation} where {_where(where, f'({self.where}) and ({present})')}"


class RowCount(AuditBase):
    """The model has as many rows as the table ``equal_to_rows_of``."""

    kind: Literal["row_count"] = "row_count"
    equal_to_rows_of: TableName

    def _default_name(self) -> str:
        return "row_count"

    def _default_description(self) -> str:
        return f"One row per row of {self.equal_to_rows_of}."

    def reads(self) -> set[str]:
        return {self.equal_to_rows_of}

    def bad_rows_sql(self, relation: str, where: str | None = None) -> str:
        other = qualified_name(*self.equal_to_rows_of.split("."))
        return (
            f"select model_rows.n as row_count, other_rows.n as expected_row_count"
            f" from (select count(*) as n from {relation}) as model_rows,"
            f" (select count(*) as n from {other}) as other_rows where model_rows.n <> other_rows.n"
        )


BUILTIN_AUDITS: dict[str, type[AuditBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in (UniqueValues, NotNull, AcceptedValues, Relationships, AcceptedRange, MatchRegex, IsNull, RowCount)
}
Audit = Annotated[
    SqlAudit | UniqueValues | NotNull | AcceptedValues | Relationships | AcceptedRange | MatchRegex | IsNull | RowCount,
    Field(discriminator="kind"),
]


def grain_audits(grain: Sequence[str]) -> list[AuditBase]:
    """The grain as two blocking built-in audits: unique and not null."""
    return [
        UniqueValues(name="unique_grain", columns=list(grain), blocking=True,
                     description=f"No two rows share the grain ({', '.join(grain)})."),
        NotNull(name="not_null_grain", columns=list(grain), blocking=True,
                description=f"No grain column ({', '.join(grain)}) is NULL."),
    ]


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one audit on one model."""

    name: str
    passed: bool
    blocking: bool
    failing_rows: int
    sql: str
    preview: str = ""
    """The first bad rows as a markdown table (empty for an outcome recorded earlier)."""
    evaluated_earlier: str | None = None
    """Set when the outcome was recorded by an earlier build on the same data: why it was not re-run."""

    def record(self) -> dict[str, Any]:
        """What is kept in the build state (no preview: rows need not come in the same order)."""
        return {"name": self.name, "passed": self.passed, "blocking": self.blocking,
                "failing_rows": self.failing_rows}

    @classmethod
    def replay(cls, recorded: dict[str, Any], sql: str, reason: str) -> CheckResult:
        return cls(name=recorded["name"], passed=recorded["passed"], blocking=recorded["blocking"],
                   failing_rows=recorded["failing_rows"], sql=sql, evaluated_earlier=reason)


def run_check_query(
    con: duckdb.DuckDBPyConnection, bad_rows_sql: str, limit: int = PREVIEW_ROWS
) -> tuple[int, list[str], list[tuple]]:
    """Run a query that returns bad rows: ``(number of bad rows, column names, first rows)``.

    One query fetches up to ``limit + 1`` rows: a passing check (no row) or one with at
    most ``limit`` bad rows costs that query alone; only when there are more is a second
    query needed, to count them. No column names when there is no bad row."""
    cur = con.execute(f"select * from (\n{bad_rows_sql}\n) as bad_rows limit {int(limit) + 1}")
    rows = cur.fetchall()
    if not rows:
        return 0, [], []
    names = [d[0] for d in cur.description]
    if len(rows) <= limit:
        return len(rows), names, rows
    count = con.execute(f"select count(*) from (\n{bad_rows_sql}\n) as bad_rows").fetchone()[0]
    return int(count), names, rows[:limit]


def evaluate(con: duckdb.DuckDBPyConnection, audit: AuditBase, relation: str, where: str | None = None) -> CheckResult:
    """Run one audit on ``relation`` (restricted to the rows matching ``where`` when given)."""
    sql = audit.bad_rows_sql(relation, where)
    failing, columns, rows = run_check_query(con, sql)
    return CheckResult(name=audit.check_name, passed=failing == 0, blocking=audit.blocking,
                       failing_rows=failing, sql=sql, preview=markdown_table(columns, rows))


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, (_dt.date, _dt.datetime)):
        text = value.isoformat()
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (``|`` escaped, NULL shown as ``NULL``)."""
    if not columns:
        return "_no columns_"
    head = "| " + " | ".join(_cell(c) for c in columns) + " |"
    sep = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    if not rows:
        body = ["| " + " | ".join("" for _ in columns) + " |"]
    return "\n".join([head, sep, *body])
