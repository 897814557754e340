"""A small dbt-like runner: plain SQL files under ``dbt_like_sql/`` become checked tables.

One ``.sql`` file is one table (or view) named after the file, in the schema of its
folder: ``dbt_like_sql/staging/stg_beneficiaries.sql`` -> ``staging.stg_beneficiaries``.
The file starts with a header comment holding YAML, and the rest is one plain DuckDB
``select`` (it may start with ``with``)::

    /* @model
    materialized: table            # table | view | incremental, default table
    partition_by: year             # incremental only: an integer column (see below)
    grain: [province_code, year]   # required: the columns that identify a row
    description: One row per province and year.   # required
    group: staging                 # optional Dagster group, default the folder name
    columns:                       # optional, column -> description
      province_code: two-digit official code
    audits:                        # optional; each sql returns the BAD rows
      - name: served_le_in_difficulty
        description: served never exceeds in_difficulty
        sql: select * from staging.stg_x where served > in_difficulty
        blocking: false            # default false (a warning)
    */
    select ...

An ``incremental`` model is a table whose rows of one ``partition_by`` value depend only
on the rows with that value of the inputs having the column: a build deletes and inserts
again only the values whose inputs changed (``pipelines/model_state.py`` decides which).

This module parses the files (sqlglot), infers dependencies with sqlglot's
scope traversal, validates the graph (unknown tables, cycles), orders it, and
materialises one model into DuckDB with ``COMMENT ON`` documentation. It knows
nothing about Dagster; ``assets/models.py`` builds the assets and checks on top.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.optimizer.scope import traverse_scope

DIALECT = "duckdb"
MATERIALIZATIONS = ("table", "view", "incremental")
HEADER_KEYS = ("materialized", "partition_by", "grain", "description", "columns", "group", "audits")
AUDIT_KEYS = ("name", "description", "sql", "blocking")
RESERVED_CHECK_NAMES = ("unique_grain", "not_null_grain")
PREVIEW_ROWS = 10
PREVIEW_SCAN_ROWS = 100_000  # a preview orders at most this many rows (all of a smaller table)

_HEADER_RE = re.compile(r"\A\s*/\*\s*@model\b(?P<yaml>.*?)\*/", re.S)
_IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


class ModelError(ValueError):
    """Base class of every error about a SQL model; the message names the file."""


class ModelParseError(ModelError):
    """A model file cannot be parsed (header YAML, header fields or SQL body)."""


class GraphError(ModelError):
    """The model graph is broken: an unknown table is referenced, or there is a cycle."""


class ColumnDocError(ModelError):
    """The header documents columns that the model's result does not have."""


@dataclass(frozen=True)
class TableRef:
    """One reference to a table in a query: normalised ``schema.table`` and its file line."""

    table: str
    line: int | None


@dataclass(frozen=True)
class Audit:
    """A header audit: ``sql`` returns the bad rows; ``blocking`` makes a failure stop the build."""

    name: str
    description: str
    sql: str
    blocking: bool = False
    references: tuple[TableRef, ...] = ()

    @property
    def depends_on(self) -> set[str]:
        """Tables the audit query reads (normalised ``schema.table``)."""
        return {r.table for r in self.references}


@dataclass
class SqlModel:
    """One parsed model file."""

    name: str
    schema: str
    path: Path
    sql: str
    description: str
    grain: list[str]
    materialized: str = "table"
    partition_by: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    group: str = ""
    audits: list[Audit] = field(default_factory=list)
    depends_on: set[str] = field(default_factory=set)
    references: list[TableRef] = field(default_factory=list)
    file_hash: str = ""
    glossary: dict[str, str] = field(default_factory=dict)

    def column_description(self, column: str) -> str | None:
        """The header's description of a column, else the shared glossary's (columns.yml)."""
        lower = column.lower()
        for docs in (self.columns, self.glossary):
            for name, text in docs.items():
                if name.lower() == lower:
                    return text
        return None

    @property
    def key(self) -> str:
        """``schema.name``, the key of the model in :func:`load_models`' result."""
        return f"{self.schema}.{self.name}"

    @property
    def key_path(self) -> list[str]:
        """``[schema, name]``: the Dagster asset key path."""
        return [self.schema, self.name]

    @property
    def relation(self) -> str:
        """The quoted DuckDB relation name, ``"schema"."name"``."""
        return qualified_name(self.schema, self.name)

    @property
    def reads(self) -> set[str]:
        """Tables read by the model's body and its audits (its step's inputs)."""
        return (set(self.depends_on).union(*(a.depends_on for a in self.audits))) - {self.key}

    @property
    def build_hash(self) -> str:
        """Hash of what defines the built table: the file and the glossary entries it uses."""
        used = sorted((k, v) for k, v in self.glossary.items() if k not in self.columns)
        return hashlib.sha256(repr((self.file_hash, used)).encode("utf-8")).hexdigest()[:16]


@dataclass
class ModelResult:
    """What :func:`materialize` reports about a freshly built model."""

    row_count: int
    columns: list[tuple[str, str]]
    sql: str
    undocumented_columns: list[str]


# --------------------------------------------------------------------------- helpers


def quote_identifier(name: str) -> str:
    """``name`` as a quoted DuckDB identifier (via sqlglot, so quotes are escaped)."""
    return exp.to_identifier(name, quoted=True).sql(DIALECT)


def qualified_name(schema: str, name: str) -> str:
    """``"schema"."name"`` quoted for DuckDB."""
    return exp.table_(name, db=schema, quoted=True).sql(DIALECT)


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


def sql_string_literal(text: str) -> str:
    """A DuckDB string literal for ``text`` (for DDL such as ``COMMENT ON``, which takes no parameters)."""
    return exp.Literal.string(text).sql(DIALECT)


def _lines_before(text: str, pos: int) -> int:
    return text.count("\n", 0, pos)


def _parse_query(sql: str, where: str) -> exp.Query:
    """Parse exactly one DuckDB query; errors name ``where`` (``file`` or ``file:line``) and the line."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        line = first.get("line")
        desc = first.get("description") or str(err)
        raise ModelParseError(f"{where}, line {line}: cannot parse SQL: {desc}") from err
    except TokenError as err:
        raise ModelParseError(f"{where}: cannot tokenize SQL: {err}") from err
    if len(statements) != 1:
        raise ModelParseError(f"{where}: expected exactly one SELECT statement, found {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise ModelParseError(
            f"{where}: the body must be a SELECT (optionally starting with WITH), "
            f"not {statement.key.upper()}"
        )
    return statement


def _normalise(table: exp.Table) -> str | None:
    if not isinstance(table.this, exp.Identifier):
        return None  # table functions such as range(10) or read_csv(...)
    name = table.name.lower()
    db = table.db.lower()
    return f"{db}.{name}" if db else name


def _line_of(table: exp.Table) -> int | None:
    for node in (table.this, table):
        line = node.meta.get("line") if hasattr(node, "meta") else None
        if line is not None:
            return int(line)
    return None


def table_references(query: exp.Expression, line_offset: int = 0) -> list[TableRef]:
    """Tables a query reads, in order of appearance, with CTE names removed.

    Uses sqlglot's scope traversal: the tables of every scope minus the CTEs visible in
    that scope. Names are normalised to lower-case ``schema.table`` (unqualified names
    stay bare). ``line_offset`` is added to sqlglot's 1-based line numbers.
    """
    refs: list[TableRef] = []
    seen_nodes: set[int] = set()
    for scope in traverse_scope(query):
        ctes = {name.lower() for name in scope.cte_sources}
        for table in scope.tables:
            seen_nodes.add(id(table))
            norm = _normalise(table)
            if norm is None or (not table.db and norm in ctes):
                continue
            line = _line_of(table)
            refs.append(TableRef(norm, None if line is None else line + line_offset))
    # Safety net: a table node outside every scope (unusual syntax) is still a dependency
    # unless it names a CTE of the query.
    all_ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if id(table) in seen_nodes:
            continue
        norm = _normalise(table)
        if norm is None or (not table.db and norm in all_ctes):
            continue
        if isinstance(table.parent, (exp.Create, exp.Insert)):
            continue
        line = _line_of(table)
        refs.append(TableRef(norm, None if line is None else line + line_offset))
    refs.sort(key=lambda r: (r.line is None, r.line or 0))
    return refs


# --------------------------------------------------------------------------- parsing


def _require_ident(value: Any, what: str, where: str) -> str:
    if not isinstance(value, str) or not _IDENT_RE.match(value):
        raise ModelParseError(
            f"{where}: {what} must be a lower-case identifier (letters, digits, _), got {value!r}"
        )
    return value


def _yaml_node_lines(header_yaml: str) -> dict[int, int]:
    """0-based YAML line of each audit's ``sql`` value (index -> line), for error messages."""
    lines: dict[int, int] = {}
    try:
        root = yaml.compose(header_yaml)
    except yaml.YAMLError:
        return lines
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) != "audits" or not isinstance(value_node, yaml.SequenceNode):
            continue
        for i, item in enumerate(value_node.value):
            if not isinstance(item, yaml.MappingNode):
                continue
            for k, v in item.value:
                if getattr(k, "value", None) == "sql":
                    block = getattr(v, "style", None) in ("|", ">")
                    lines[i] = v.start_mark.line + (1 if block else 0)
    return lines


def parse_model_text(text: str, path: Path, schema: str) -> SqlModel:
    """Parse the text of one model file (see the module docstring for the format)."""
    where = str(path)
    name = path.stem
    _require_ident(name, "the file name (model name)", where)
    _require_ident(schema, "the folder name (schema)", where)

    match = _HEADER_RE.match(text)
    if not match:
        raise ModelParseError(f"{where}, line 1: missing header comment '/* @model ... */' at the top of the file")
    header_yaml = match.group("yaml")
    header_line = _lines_before(text, match.start("yaml")) + 1  # file line of YAML line 0
    try:
        header = yaml.safe_load(header_yaml) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = header_line + mark.line if mark is not None else header_line
        problem = getattr(err, "problem", None) or str(err)
        raise ModelParseError(f"{where}, line {line}: invalid header YAML: {problem}") from err
    if not isinstance(header, dict):
        raise ModelParseError(f"{where}, line {header_line}: the header must be a YAML mapping")
    unknown = sorted(set(header) - set(HEADER_KEYS))
    if unknown:
        raise ModelParseError(
            f"{where}: unknown header key(s) {unknown}; allowed: {', '.join(HEADER_KEYS)}"
        )

    materialized = header.get("materialized", "table")
    if materialized not in MATERIALIZATIONS:
        raise ModelParseError(
            f"{where}: materialized must be 'table', 'view' or 'incremental', got {materialized!r}"
        )
    description = header.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ModelParseError(f"{where}: the header needs a non-empty 'description'")
    grain = header.get("grain")
    if not isinstance(grain, list) or not grain or not all(isinstance(g, str) and g for g in grain):
        raise ModelParseError(f"{where}: the header needs 'grain: [column, ...]' (a non-empty list of column names)")
    if len({g.lower() for g in grain}) != len(grain):
        raise ModelParseError(f"{where}: 'grain' lists a column twice: {grain}")
    partition_by = header.get("partition_by")
    if (materialized == "incremental") != (partition_by is not None):
        raise ModelParseError(f"{where}: 'partition_by' is required with 'materialized: incremental' and only there")
    if partition_by is not None:
        _require_ident(partition_by, "'partition_by'", where)
        if partition_by not in grain:
            raise ModelParseError(f"{where}: 'partition_by' ({partition_by}) must be one of the grain columns")
    columns = header.get("columns") or {}
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in columns.items()
    ):
        raise ModelParseError(f"{where}: 'columns' must map column names to non-empty descriptions")
    group = header.get("group", schema)
    _require_ident(group, "'group'", where)

    audit_lines = _yaml_node_lines(header_yaml)
    audits: list[Audit] = []
    raw_audits = header.get("audits") or []
    if not isinstance(raw_audits, list):
        raise ModelParseError(f"{where}: 'audits' must be a list of {{name, description, sql, blocking}}")
    for i, raw in enumerate(raw_audits):
        if not isinstance(raw, dict):
            raise ModelParseError(f"{where}: audit #{i + 1} must be a mapping with name, description, sql")
        extra = sorted(set(raw) - set(AUDIT_KEYS))
        if extra:
            raise ModelParseError(f"{where}: audit #{i + 1} has unknown key(s) {extra}; allowed: {', '.join(AUDIT_KEYS)}")
        audit_name = _require_ident(raw.get("name"), f"audit #{i + 1} 'name'", where)
        if audit_name in RESERVED_CHECK_NAMES or audit_name in {a.name for a in audits}:
            raise ModelParseError(f"{where}: audit name {audit_name!r} is used twice or reserved")
        audit_desc = raw.get("description")
        audit_sql = raw.get("sql")
        blocking = raw.get("blocking", False)
        if not isinstance(audit_desc, str) or not audit_desc.strip():
            raise ModelParseError(f"{where}: audit {audit_name!r} needs a 'description'")
        if not isinstance(audit_sql, str) or not audit_sql.strip():
            raise ModelParseError(f"{where}: audit {audit_name!r} needs 'sql' (a query returning the bad rows)")
        if not isinstance(blocking, bool):
            raise ModelParseError(f"{where}: audit {audit_name!r}: 'blocking' must be true or false")
        offset = header_line + audit_lines.get(i, 0) - 1
        query = _parse_query(audit_sql, f"{where} (audit {audit_name!r})")
        audits.append(
            Audit(
                name=audit_name,
                description=audit_desc.strip(),
                sql=audit_sql.strip().rstrip(";").strip(),
                blocking=blocking,
                references=tuple(table_references(query, line_offset=offset)),
            )
        )

    body = text[match.end():]
    # Pad with the header's newlines so sqlglot's line numbers are file line numbers.
    padded = "\n" * _lines_before(text, match.end()) + body
    query = _parse_query(padded, where)
    refs = table_references(query)
    sql = body.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()

    return SqlModel(
        name=name,
        schema=schema,
        path=path,
        sql=sql,
        description=description.strip(),
        grain=list(grain),
        materialized=materialized,
        partition_by=partition_by,
        columns={k: v.strip() for k, v in columns.items()},
        group=group,
        audits=audits,
        depends_on={r.table for r in refs},
        references=refs,
        file_hash=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
    )


def parse_model_file(path: Path, schema: str | None = None) -> SqlModel:
    """Parse one model file; the schema defaults to the name of its folder."""
    path = Path(path)
    return parse_model_text(path.read_text(encoding="utf-8"), path, schema or path.parent.name)


GLOSSARY_FILE = "columns.yml"


def load_glossary(root: Path) -> dict[str, str]:
    """Shared column descriptions (``<root>/columns.yml``: ``name: description``), so a column
    that means the same in every model is described once; a model header may override."""
    path = Path(root) / GLOSSARY_FILE
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ModelParseError(f"{path}: expected a mapping of column name to description")
    return {k: " ".join(v.split()) for k, v in data.items()}


def load_models(root: Path) -> dict[str, SqlModel]:
    """Every ``<root>/<schema>/<name>.sql`` as ``{"schema.name": SqlModel}``, in sorted order."""
    root = Path(root)
    if not root.is_dir():
        raise ModelError(f"models folder {root} does not exist")
    glossary = load_glossary(root)
    models: dict[str, SqlModel] = {}
    for path in sorted(root.glob("*/*.sql")):
        model = parse_model_file(path)
        model.glossary = glossary
        models[model.key] = model
    return models


# --------------------------------------------------------------------------- graph


def _find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the graph as ``[a, b, ..., a]``, or None. Deterministic (sorted order)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in edges}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in colour:
                continue
            if colour[nxt] == GREY:
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for start in sorted(edges):
        if colour[start] == WHITE:
            found = visit(start)
            if found:
                return found
    return None


def _model_edges(models: Mapping[str, SqlModel]) -> dict[str, set[str]]:
    return {k: {d for d in m.depends_on if d in models} for k, m in models.items()}


def topological_order(models: Mapping[str, SqlModel]) -> list[str]:
    """Model keys with every model after the models it reads; ties broken alphabetically.

    Raises GraphError naming the cycle in data-flow order
    (``staging.a -> intermediate.b -> staging.a``: a feeds b, which feeds a).
    """
    edges = _model_edges(models)
    cycle = _find_cycle(edges)
    if cycle:
        flow = list(reversed(cycle))  # edges point to what a model reads; show the data flow
        raise GraphError(
            f"dependency cycle between SQL models (each feeds the next): {' -> '.join(flow)}"
        )
    remaining = {k: set(v) for k, v in edges.items()}
    order: list[str] = []
    while remaining:
        ready = sorted(k for k, deps in remaining.items() if not deps)
        for k in ready:
            order.append(k)
            del remaining[k]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def _descendants(models: Mapping[str, SqlModel], key: str) -> set[str]:
    children: dict[str, set[str]] = {k: set() for k in models}
    for k, deps in _model_edges(models).items():
        for d in deps:
            children[d].add(k)
    out: set[str] = set()
    todo = [key]
    while todo:
        for c in children[todo.pop()]:
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def validate_graph(models: Mapping[str, SqlModel], external: Iterable[str]) -> None:
    """Check that every referenced table is a model or an external table, and there is no cycle.

    Raises GraphError listing every unknown reference as ``<file>, line N: unknown table
    'schema.table'`` (model bodies and audits), or naming a cycle.
    """
    known_external = {e.lower() for e in external}
    problems: list[str] = []
    hint = "it is neither a SQL model nor an external table"
    for key in sorted(models):
        model = models[key]
        for ref in model.references:
            if ref.table not in models and ref.table not in known_external:
                extra = "" if "." in ref.table else " (qualify it with its schema)"
                problems.append(f"{model.path}, line {ref.line}: unknown table '{ref.table}': {hint}{extra}")
        for audit in model.audits:
            later = _descendants(models, key) if audit.depends_on else set()
            for ref in audit.references:
                if ref.table == key:
                    continue
                if ref.table not in models and ref.table not in known_external:
                    problems.append(
                        f"{model.path}, line {ref.line} (audit {audit.name!r}): unknown table '{ref.table}': {hint}"
                    )
                elif ref.table in later:
                    problems.append(
                        f"{model.path}, line {ref.line} (audit {audit.name!r}): reads '{ref.table}', "
                        f"which is built from {key}; an audit may only read the model, its upstream and external tables"
                    )
    if problems:
        raise GraphError("broken SQL model graph:\n  " + "\n  ".join(problems))
    topological_order(models)


# --------------------------------------------------------------------------- execution


def _existing_kind(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    row = con.execute(
        "select 'view' from duckdb_views() where schema_name = ? and view_name = ? and not internal "
        "union all "
        "select 'table' from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name, schema, name],
    ).fetchone()
    return row[0] if row else None


def result_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[str, str]]:
    """``[(column_name, data_type)]`` of a table or view, in column order."""
    return [
        (c, t)
        for c, t in con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
    ]


def materialize(con: duckdb.DuckDBPyConnection, model: SqlModel) -> ModelResult:
    """Build ``model`` in DuckDB (``create or replace table|view``) and document it.

    Runs in one transaction: the schema is created if missing, the relation is
    (re)created, the header's description and column descriptions are written with
    ``COMMENT ON``. A documented column or grain column missing from the result raises
    ColumnDocError and rolls back (the previous version stays). Result columns without a
    description are allowed and listed in ``undocumented_columns``.
    """
    kind = "table" if model.materialized == "incremental" else model.materialized
    rel = model.relation
    with transaction(con):
        con.execute(f"create schema if not exists {quote_identifier(model.schema)}")
        existing = _existing_kind(con, model.schema, model.name)
        if existing and existing != kind:
            con.execute(f"drop {existing} {rel}")
        con.execute(f"create or replace {kind} {rel} as\n{model.sql}\n")
        columns = result_columns(con, model.schema, model.name)
        by_lower = {c.lower(): c for c, _ in columns}
        missing_doc = [c for c in model.columns if c.lower() not in by_lower]
        missing_grain = [g for g in model.grain if g.lower() not in by_lower]
        if missing_doc or missing_grain:
            parts = []
            if missing_doc:
                parts.append(f"header documents column(s) {missing_doc} that the result does not have")
            if missing_grain:
                parts.append(f"grain column(s) {missing_grain} are not in the result")
            raise ColumnDocError(
                f"{model.path}: {'; '.join(parts)} (result columns: {[c for c, _ in columns]})"
            )
        con.execute(f"comment on {kind} {rel} is {sql_string_literal(model.description)}")
        for actual, _type in columns:
            desc = model.column_description(actual)
            if desc is not None:
                con.execute(
                    f"comment on column {rel}.{quote_identifier(actual)} is {sql_string_literal(desc)}"
                )
        return describe(con, model)


def describe(con: duckdb.DuckDBPyConnection, model: SqlModel) -> ModelResult:
    """What a built model holds: its row count and columns (also for a model not rebuilt)."""
    columns = result_columns(con, model.schema, model.name)
    (row_count,), = con.execute(f"select count(*) from {model.relation}").fetchall()
    return ModelResult(
        row_count=int(row_count),
        columns=columns,
        sql=model.sql,
        undocumented_columns=[c for c, _ in columns if model.column_description(c) is None],
    )


def partition_filter(model: SqlModel, values: Iterable[int], alias: str | None = None) -> str:
    """``<partition column> in (v1, v2, ...)``: integer literals, so that DuckDB prunes
    row groups by their min/max (a bound list parameter is not pushed into the scans)."""
    column = quote_identifier(model.partition_by or "")
    literals = ", ".join(str(int(v)) for v in sorted(set(values)))
    return f"{alias + '.' if alias else ''}{column} in ({literals or 'null'})"


def materialize_partitions(con: duckdb.DuckDBPyConnection, model: SqlModel, values: Sequence[int]) -> ModelResult:
    """Rebuild only the partitions ``values`` of an incremental model that exists: delete
    their rows and insert the model's rows having those values, in one transaction."""
    rel = model.relation
    with transaction(con):
        con.execute(f"delete from {rel} where {partition_filter(model, values)}")
        con.execute(
            f"insert into {rel} by name\nselect * from (\n{model.sql}\n) as model_rows"
            f"\nwhere {partition_filter(model, values, 'model_rows')}"
        )
        return describe(con, model)


def grain_duplicates_sql(model: SqlModel, where: str | None = None) -> str:
    """A query returning every row whose grain value is shared with another row (among
    the rows matching ``where``, e.g. the partitions just rebuilt).

    Unordered: a passing check reads it to find no row, and ordering millions of rows
    for that would cost more than finding the duplicates."""
    cols = ", ".join(quote_identifier(g) for g in model.grain)
    return f"select * from {model.relation}{' where ' + where if where else ''} qualify count(*) over (partition by {cols}) > 1"


def grain_nulls_sql(model: SqlModel, where: str | None = None) -> str:
    """A query returning every row with a NULL in a grain column (among the rows matching ``where``)."""
    cond = " or ".join(f"{quote_identifier(g)} is null" for g in model.grain)
    return f"select * from {model.relation} where {'(' + where + ') and ' if where else ''}({cond})"


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


def preview(con: duckdb.DuckDBPyConnection, model: SqlModel, limit: int = PREVIEW_ROWS) -> str:
    """The first ``limit`` rows of a built model as a markdown table."""
    cur = con.execute(preview_sql(model, limit))
    return markdown_table([d[0] for d in cur.description], cur.fetchall())


def transpile(sql: str, write: str) -> str:
    """Transpile DuckDB SQL to another dialect, raising on anything sqlglot cannot express there."""
    out = sqlglot.transpile(sql, read=DIALECT, write=write, unsupported_level=ErrorLevel.RAISE)
    if len(out) != 1:
        raise ModelParseError(f"expected one statement, got {len(out)}")
    return out[0]
