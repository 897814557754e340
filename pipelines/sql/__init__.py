"""A small SQL-model runner shaped like SQLMesh's core: plain SQL files under
``dbt_like_sql/`` become checked, documented DuckDB tables.

- ``header.py``: the ``/* @model ... */`` header, validated into a typed ``Header``;
- ``model.py``: a model file (header + one ``select``), the folder of models;
- ``graph.py``: dependencies (sqlglot), validation, topological order, cycles;
- ``execute.py``: materialising a table, view or partitions, and its comments;
- ``audits.py``: built-in and written-out audits, their evaluation;
- ``state.py``: what each model was built from (data hash, metadata hash, inputs);
- ``runner.py``: ``run()``, the plan -> build -> check -> record loop.

It knows nothing about Dagster; ``assets/models.py`` translates it into assets.
"""

from pipelines.sql.audits import CheckResult
from pipelines.sql.execute import ColumnDocError, TableInfo
from pipelines.sql.graph import GraphError, topological_order, validate_graph
from pipelines.sql.header import Kind, ModelError, ModelParseError
from pipelines.sql.model import (
    SqlModel,
    load_models,
    parse_model_file,
    parse_model_text,
)
from pipelines.sql.runner import ModelRun, iter_run, run
from pipelines.sql.state import Action

__all__ = [
    "Action", "CheckResult", "ColumnDocError", "GraphError", "Kind", "ModelError", "ModelParseError",
    "ModelRun", "SqlModel", "TableInfo", "iter_run", "load_models", "parse_model_file", "parse_model_text",
    "run", "topological_order", "validate_graph",
]
