"""Materialising a model in DuckDB: the whole relation (table or view), or only some
partitions of an incremental table; its documentation as ``COMMENT ON``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import sqlglot
from sqlglot import exp

from pipelines.duck import (
    DIALECT,
    quote_identifier,
    relation_columns,
    relation_kind,
    sql_string_literal,
    transaction,
)
from pipelines.sql.audits import PREVIEW_ROWS, markdown_table
from pipelines.sql.header import Kind, ModelError
from pipelines.sql.model import SqlModel

PREVIEW_SCAN_ROWS = 20_000
"""A preview orders at most this many rows (all of a smaller table: the marts at national
scale); sorting 100,000 cost 40-90 ms a model, on every run, for ten rows shown."""


class ColumnDocError(ModelError):
    """The header documents columns that the model's result does not have."""


@dataclass(frozen=True)
class TableInfo:
    """What a built model holds."""

    row_count: int
    columns: list[tuple[str, str]]
    """``(name, DuckDB type)`` in column order."""
    undocumented_columns: list[str]


def _relation_kind(model: SqlModel) -> str:
    return "view" if model.materialized is Kind.VIEW else "table"


def _check_columns(model: SqlModel, columns: Sequence[tuple[str, str]]) -> None:
    """Every documented column and grain column is in the result, else ColumnDocError."""
    by_lower = {c.lower() for c, _ in columns}
    missing_doc = [c for c in model.columns if c.lower() not in by_lower]
    missing_grain = [g for g in model.grain if g.lower() not in by_lower]
    parts = []
    if missing_doc:
        parts.append(f"header documents column(s) {missing_doc} that the result does not have")
    if missing_grain:
        parts.append(f"grain column(s) {missing_grain} are not in the result")
    if parts:
        raise ColumnDocError(f"{model.path}: {'; '.join(parts)} (result columns: {[c for c, _ in columns]})")


def document(con: duckdb.DuckDBPyConnection, model: SqlModel) -> list[tuple[str, str]]:
    """Write the header's description and column descriptions with ``COMMENT ON``
    (in the caller's transaction); the relation's columns."""
    kind, rel = _relation_kind(model), model.relation
    columns = relation_columns(con, model.schema, model.name)
    _check_columns(model, columns)
    con.execute(f"comment on {kind} {rel} is {sql_string_literal(model.description)}")
    for actual, _type in columns:
        desc = model.column_description(actual)
        if desc is not None:
            con.execute(f"comment on column {rel}.{quote_identifier(actual)} is {sql_string_literal(desc)}")
    return columns


def materialize(con: duckdb.DuckDBPyConnection, model: SqlModel) -> TableInfo:
    """Build ``model`` in DuckDB (``create or replace table|view``) and document it.

    Runs in one transaction: the schema is created if missing, the relation is
    (re)created, its documentation written. A documented column or grain column missing
    from the result raises ColumnDocError and rolls back (the previous version stays).
    Result columns without a description are allowed and listed in ``undocumented_columns``.
    """
    kind, rel = _relation_kind(model), model.relation
    with transaction(con):
        con.execute(f"create schema if not exists {quote_identifier(model.schema)}")
        existing = relation_kind(con, model.schema, model.name)
        if existing and existing != kind:
            con.execute(f"drop {existing} {rel}")
        con.execute(f"create or replace {kind} {rel} as\n{model.sql}\n")
        return describe(con, model, document(con, model))


def partition_filter(model: SqlModel, values: Iterable[int], alias: str | None = None) -> str:
    """``<partition column> in (v1, v2, ...)``: integer literals, so that DuckDB prunes
    row groups by their min/max (a bound list parameter is not pushed into the scans)."""
    column = quote_identifier(model.partition_by or "")
    literals = ", ".join(str(int(v)) for v in sorted(set(values)))
    return f"{alias + '.' if alias else ''}{column} in ({literals or 'null'})"


def partition_sql(model: SqlModel, values: Sequence[int], partitioned_inputs: Iterable[str] = ()) -> str:
    """The model's rows of the partitions ``values``: its SQL, filtered on the partition
    column, reading only those partitions of ``partitioned_inputs`` (``schema.table``).

    An incremental model promises that a partition's rows depend only on the same
    partition of these inputs (``pipelines/sql/state.py``), so each of them is replaced
    by a subquery keeping those partitions: the filter then reaches the scans whatever
    the model's shape (DuckDB does not push a filter into a common table expression it
    materialises because two parts of the query read it)."""
    restricted = {t.lower() for t in partitioned_inputs}
    tree = sqlglot.parse_one(model.sql, read=DIALECT)

    def restrict(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Table) and node.db and f"{node.db}.{node.name}".lower() in restricted):
            return node
        scan = exp.select("*").from_(exp.table_(node.name, db=node.db, quoted=True))
        return scan.where(partition_filter(model, values)).subquery(node.alias_or_name)

    body = tree.transform(restrict).sql(DIALECT) if restricted else model.sql
    return f"select * from (\n{body}\n) as model_rows\nwhere {partition_filter(model, values, 'model_rows')}"


def materialize_partitions(
    con: duckdb.DuckDBPyConnection, model: SqlModel, values: Sequence[int], partitioned_inputs: Iterable[str] = ()
) -> TableInfo:
    """Rebuild only the partitions ``values`` of an incremental model that exists: delete
    their rows and insert the model's rows having those values (reading only those
    partitions of ``partitioned_inputs``, see :func:`partition_sql`), in one transaction."""
    rel = model.relation
    with transaction(con):
        con.execute(f"delete from {rel} where {partition_filter(model, values)}")
        con.execute(f"insert into {rel} by name\n{partition_sql(model, values, partitioned_inputs)}")
        return describe(con, model)


def describe(
    con: duckdb.DuckDBPyConnection, model: SqlModel, columns: list[tuple[str, str]] | None = None
) -> TableInfo:
    """What a built model holds: its row count and columns (also for a model not rebuilt);
    ``columns`` when the caller has just read them."""
    if columns is None:
        columns = relation_columns(con, model.schema, model.name)
    (row_count,), = con.execute(f"select count(*) from {model.relation}").fetchall()
    return TableInfo(
        row_count=int(row_count),
        columns=columns,
        undocumented_columns=[c for c, _ in columns if model.column_description(c) is None],
    )


def preview_sql(model: SqlModel, limit: int = PREVIEW_ROWS, scan_rows: int = PREVIEW_SCAN_ROWS) -> str:
    """The first ``limit`` rows in grain order of the first ``scan_rows`` rows of the model.

    A table of at most ``scan_rows`` rows is previewed in grain order (the same rows on
    every build); of a bigger one only its first ``scan_rows`` stored rows are ordered,
    so that showing ten rows never orders a table of millions."""
    cols = ", ".join(quote_identifier(g) for g in model.grain)
    return (
        f"select * from (select * from {model.relation} limit {int(scan_rows)}) as first_rows "
        f"order by {cols} limit {int(limit)}"
    )


def preview(con: duckdb.DuckDBPyConnection, model: SqlModel, limit: int = PREVIEW_ROWS) -> str:
    """The first ``limit`` rows of a built model as a markdown table."""
    cur = con.execute(preview_sql(model, limit))
    return markdown_table([d[0] for d in cur.description], cur.fetchall())
