"""Small helpers shared by the asset modules."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.duck import qualified_name, quote_identifier


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame) -> None:
    """Create or replace ``schema.table`` with the rows of a polars frame (one statement)."""
    con.execute(f"create schema if not exists {quote_identifier(schema)}")
    con.register("_frame", frame)
    try:
        con.execute(f"create or replace table {qualified_name(schema, table)} as select * from _frame")
    finally:
        con.unregister("_frame")


def preview_md(frame: pl.DataFrame, rows: int = 10) -> str:
    """The first rows of a frame as a Markdown table, for Dagster metadata (polars' own formatter)."""
    with pl.Config(
        tbl_formatting="MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_rows=rows,
        tbl_cols=-1,
        fmt_str_lengths=80,
    ):
        return str(frame.head(rows))
