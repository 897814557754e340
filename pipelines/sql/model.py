"""Model files: one ``<root>/<schema>/<name>.sql`` is one table (or view)
``schema.name``: a header (``pipelines/sql/header.py``) and one plain DuckDB ``select``
(it may start with ``with``). The columns' descriptions are not in the file: they are
the data model's (``models/tables.py``), looked up by the model's ``schema.name``."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from models.tables import MODEL_COLUMNS, Column, model_columns
from pipelines.duck import DIALECT, qualified_name
from pipelines.sql.audits import AuditBase, SqlAudit, grain_audits
from pipelines.sql.graph import TableRef, table_references
from pipelines.sql.header import (
    Header,
    HeaderText,
    ModelError,
    ModelParseError,
    audit_sql_line,
    find_header,
    parse_header,
)

_IDENT = r"^[a-z_][a-z0-9_]*$"


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


@dataclass
class SqlModel:
    """One parsed model file."""

    name: str
    schema: str
    path: Path
    sql: str
    header: Header
    references: list[TableRef] = field(default_factory=list)
    """Tables the body reads, with their file lines."""
    audit_references: list[tuple[str, TableRef]] = field(default_factory=list)
    """(audit name, table) for every table an audit reads."""
    registered: tuple[Column, ...] = ()
    """Its columns as the data model describes them (models/tables.py); empty if unregistered."""

    description = property(lambda self: self.header.description)
    grain = property(lambda self: list(self.header.grain))
    materialized = property(lambda self: self.header.materialized)
    partition_by = property(lambda self: self.header.partition_by)
    descriptions = property(lambda self: {c.name: c.comment for c in self.registered})
    """Every registered column -> its description."""

    @property
    def columns(self) -> dict[str, str]:
        """The columns whose meaning is the model's own (not a shared column of the data
        model) -> description: the result must have them (a shared column may be left out
        of a model tested alone, tests/sql/fixtures)."""
        entry = MODEL_COLUMNS.get(self.key, ())
        own = {c.name for c in entry if isinstance(c, Column)}
        return {c.name: c.comment for c in self.registered if c.name in own}
    audits = property(lambda self: list(self.header.audits))

    @property
    def group(self) -> str:
        """The Dagster group: the model's layer, i.e. its folder (staging, intermediate, marts)."""
        return self.schema

    @property
    def checks(self) -> list[AuditBase]:
        """Every audit the model is checked by: the grain's two, then the header's."""
        return [*grain_audits(self.grain), *self.audits]

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
    def depends_on(self) -> set[str]:
        """Tables the body reads (normalised ``schema.table``)."""
        return {r.table for r in self.references}

    @property
    def reads(self) -> set[str]:
        """Tables read by the model's body and its audits: what its build depends on."""
        return (self.depends_on | {r.table for _, r in self.audit_references}) - {self.key}

    @property
    def data_hash(self) -> str:
        """Hash of what defines the rows: the SQL body, the materialisation and the partitioning."""
        return _digest("data", self.sql, self.materialized.value, self.partition_by)

    @property
    def metadata_hash(self) -> str:
        """Hash of what documents and checks the rows: descriptions (the header's and the
        data model's of its columns), grain and audits. A change rebuilds nothing."""
        audits = [a.model_dump(mode="json") for a in self.audits]
        return _digest("metadata", self.description, sorted(self.descriptions.items()),
                       self.grain, json.dumps(audits, sort_keys=True))

    def column_description(self, column: str) -> str | None:
        """The data model's description of a column of this model (models/tables.py)."""
        lower = column.lower()
        return next((c.comment for c in self.registered if c.name.lower() == lower), None)


def parse_query(sql: str, where: str) -> exp.Query:
    """Parse exactly one DuckDB query; errors name ``where`` (``file`` or ``file (audit x)``) and the line."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        desc = first.get("description") or str(err)
        raise ModelParseError(f"{where}, line {first.get('line')}: cannot parse SQL: {desc}") from err
    except TokenError as err:
        raise ModelParseError(f"{where}: cannot tokenize SQL: {err}") from err
    if len(statements) != 1:
        raise ModelParseError(f"{where}: expected exactly one SELECT statement, found {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise ModelParseError(
            f"{where}: the body must be a SELECT (optionally starting with WITH), not {statement.key.upper()}"
        )
    return statement


def _require_ident(value: str, what: str, where: Path) -> None:
    if not re.match(_IDENT, value):
        raise ModelParseError(f"{where}: {what} must be a lower-case identifier (letters, digits, _), got {value!r}")


def _audit_references(header: Header, found: HeaderText, path: Path) -> list[tuple[str, TableRef]]:
    """Tables each audit reads: a written-out audit's query, a built-in's tables; the
    ``where`` of a built-in is parsed here so that an error names the file."""
    refs: list[tuple[str, TableRef]] = []
    for i, audit in enumerate(header.audits):
        where = f"{path} (audit {audit.check_name!r})"
        if isinstance(audit, SqlAudit):
            offset = audit_sql_line(found, i) - 1
            refs += [(audit.name, ref) for ref in table_references(parse_query(audit.sql, where), offset)]
            continue
        condition = getattr(audit, "where", None)
        if condition is not None:
            query = parse_query(f"select * from model_rows where {condition}", where)
            refs += [(audit.check_name, ref) for ref in table_references(query) if ref.table != "model_rows"]
        refs += [(audit.check_name, TableRef(t, found.first_line)) for t in sorted(audit.reads())]
    return refs


def parse_model_text(text: str, path: Path, schema: str) -> SqlModel:
    """Parse the text of one model file."""
    _require_ident(path.stem, "the file name (model name)", path)
    _require_ident(schema, "the folder name (schema)", path)
    found = find_header(text, path)
    header = parse_header(found, path)
    body = text[found.body_start:]
    # Pad with the header's newlines so sqlglot's line numbers are file line numbers.
    query = parse_query("\n" * text.count("\n", 0, found.body_start) + body, str(path))
    sql = body.strip().rstrip(";").rstrip()
    return SqlModel(name=path.stem, schema=schema, path=path, sql=sql, header=header,
                    references=table_references(query), audit_references=_audit_references(header, found, path),
                    registered=model_columns(f"{schema}.{path.stem}") or ())


def parse_model_file(path: Path, schema: str | None = None) -> SqlModel:
    """Parse one model file; the schema defaults to the name of its folder."""
    path = Path(path)
    return parse_model_text(path.read_text(encoding="utf-8"), path, schema or path.parent.name)


def load_models(root: Path) -> dict[str, SqlModel]:
    """Every ``<root>/<schema>/<name>.sql`` as ``{"schema.name": SqlModel}``, in sorted order."""
    root = Path(root)
    if not root.is_dir():
        raise ModelError(f"models folder {root} does not exist")
    models: dict[str, SqlModel] = {}
    for path in sorted(root.glob("*/*.sql")):
        model = parse_model_file(path)
        models[model.key] = model
    return models


def transpile(sql: str, write: str) -> str:
    """Transpile DuckDB SQL to another dialect, raising on anything sqlglot cannot express there."""
    out = sqlglot.transpile(sql, read=DIALECT, write=write, unsupported_level=ErrorLevel.RAISE)
    if len(out) != 1:
        raise ModelParseError(f"expected one statement, got {len(out)}")
    return out[0]

