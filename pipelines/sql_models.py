"""Former home of the SQL-model runner, now ``pipelines/sql/`` (and the DuckDB helpers
``pipelines/duck.py``). Re-exports the names other modules still import from here;
new code imports from those modules."""

from pipelines.duck import (
    qualified_name,
    quote_identifier,
    sql_string_literal,
    transaction,
)
from pipelines.sql.execute import materialize
from pipelines.sql.graph import topological_order
from pipelines.sql.model import SqlModel, load_models, parse_model_file

__all__ = [
    "SqlModel", "load_models", "materialize", "parse_model_file", "qualified_name", "quote_identifier",
    "sql_string_literal", "topological_order", "transaction",
]
