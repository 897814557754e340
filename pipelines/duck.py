"""General DuckDB helpers: quoting names, string literals for DDL, transactions, and the
columns and kind of a relation. Nothing here knows about the SQL models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from sqlglot import exp

DIALECT = "duckdb"


def quote_identifier(name: str) -> str:
    """``name`` as a quoted DuckDB identifier (via sqlglot, so quotes are escaped)."""
    return exp.to_identifier(name, quoted=True).sql(DIALECT)


def qualified_name(schema: str, name: str) -> str:
    """``"schema"."name"`` quoted for DuckDB."""
    return exp.table_(name, db=schema, quoted=True).sql(DIALECT)


def sql_string_literal(text: str) -> str:
    """A DuckDB string literal for ``text`` (for DDL such as ``COMMENT ON``, which takes no parameters)."""
    return exp.Literal.string(text).sql(DIALECT)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one DuckDB transaction: committed at its end, rolled back on any error."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def relation_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[str, str]]:
    """``[(column_name, data_type)]`` of a table or view, in column order (empty when it does not exist)."""
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()


def relation_kind(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    """``'table'``, ``'view'`` or None when no such relation exists."""
    row = con.execute(
        "select 'view' from duckdb_views() where schema_name = ? and view_name = ? and not internal "
        "union all "
        "select 'table' from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name, schema, name],
    ).fetchone()
    return row[0] if row else None
