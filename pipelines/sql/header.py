"""The header of a model file: a YAML mapping in a ``/* @model ... */`` comment at the
top, validated into a typed :class:`Header`. Every error names the file and the line::

    /* @model
    materialized: table            # table | view | incremental, default table
    partition_by: year             # incremental only: an integer grain column
    grain: [province_code, year]   # required: the columns that identify a row
    description: One row per province and year.   # required
    audits:                        # optional; see pipelines/sql/audits.py
      - unique_values: {columns: [province_code]}
      - name: served_le_in_difficulty
        description: served never exceeds in_difficulty
        sql: select * from staging.stg_x where served > in_difficulty
    */

The columns' descriptions are the data model's (models/tables.py), not the header's.
The Dagster group of a model is its folder (its layer: staging, intermediate or marts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from pipelines.sql.audits import BUILTIN_AUDITS, Audit, Ident, Text

_HEADER_RE = re.compile(r"\A\s*/\*\s*@model\b(?P<yaml>.*?)\*/", re.DOTALL)
RESERVED_CHECK_NAMES = ("unique_grain", "not_null_grain")


class ModelError(ValueError):
    """Base class of every error about a SQL model; the message names the file."""


class ModelParseError(ModelError):
    """A model file cannot be parsed (header YAML, header fields or SQL body)."""


class Kind(StrEnum):
    """How a model is materialised."""

    TABLE = "table"
    VIEW = "view"
    INCREMENTAL = "incremental"
    """A table whose rows of one ``partition_by`` value depend only on the rows with that
    value of the inputs having the column: only the values whose inputs changed are rebuilt."""


def _audit_form(item: Any) -> Any:
    """``{unique_values: {columns: [...]}}`` -> ``{kind: unique_values, columns: [...]}``;
    a mapping with ``sql`` is a written-out audit."""
    if isinstance(item, dict) and len(item) == 1 and next(iter(item)) in BUILTIN_AUDITS:
        kind, args = next(iter(item.items()))
        if not isinstance(args, dict):
            raise ValueError(f"{kind} takes a mapping of arguments, e.g. {kind}: {{column: status}}")
        return {"kind": kind, **args}
    if isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item.values())), dict):
        raise ValueError(f"unknown built-in audit '{next(iter(item))}'; built-ins: {', '.join(BUILTIN_AUDITS)}")
    if isinstance(item, dict) and "kind" not in item:
        return {"kind": "sql", **item}
    return item


class Header(BaseModel):
    """A validated model header."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    materialized: Kind = Kind.TABLE
    partition_by: Ident | None = None
    grain: list[Text] = Field(min_length=1)
    description: Text
    audits: list[Annotated[Audit, BeforeValidator(_audit_form)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Header:
        if len({g.lower() for g in self.grain}) != len(self.grain):
            raise ValueError(f"'grain' lists a column twice: {self.grain}")
        if (self.materialized is Kind.INCREMENTAL) != (self.partition_by is not None):
            raise ValueError("'partition_by' is required with 'materialized: incremental' and only there")
        if self.partition_by is not None and self.partition_by not in self.grain:
            raise ValueError(f"'partition_by' ({self.partition_by}) must be one of the grain columns")
        names = [a.check_name for a in self.audits]
        taken = sorted({n for n in names if names.count(n) > 1 or n in RESERVED_CHECK_NAMES})
        if taken:
            raise ValueError(f"audit name(s) {taken} are used twice or reserved (the grain checks)")
        return self


@dataclass(frozen=True)
class HeaderText:
    """Where the header is in the file: its YAML, the file line of its first YAML line,
    and the offset where the SQL body starts."""

    yaml: str
    first_line: int
    body_start: int


def find_header(text: str, path: Path) -> HeaderText:
    match = _HEADER_RE.match(text)
    if not match:
        raise ModelParseError(f"{path}, line 1: missing header comment '/* @model ... */' at the top of the file")
    return HeaderText(match.group("yaml"), text.count("\n", 0, match.start("yaml")) + 1, match.end())


def _node_line(root: yaml.Node | None, loc: tuple, block_scalar_body: bool = False) -> int:
    """0-based YAML line of the node at ``loc`` (as far as the path exists in the YAML)."""
    node, line = root, 0 if root is None else root.start_mark.line
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                continue  # a segment pydantic adds (the audit's kind): stay on this node
            line, node = match[0].start_mark.line, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
    if block_scalar_body and isinstance(node, yaml.ScalarNode):
        return node.start_mark.line + (1 if node.style in ("|", ">") else 0)
    return line


def _plain_loc(loc: tuple) -> tuple:
    """``loc`` without the tag pydantic adds for a written-out audit (``audits.0.sql.name``)."""
    if len(loc) > 2 and loc[0] == "audits" and loc[2] == "sql":
        return loc[:2] + loc[3:]
    return loc


def _describe(error: dict, allowed: tuple[str, ...]) -> str:
    loc = _plain_loc(error["loc"])
    where = ".".join(map(str, loc))
    if error["type"] == "extra_forbidden":
        if len(loc) == 1:
            return f"unknown header key '{loc[0]}'; allowed: {', '.join(allowed)}"
        return f"{'.'.join(map(str, loc[:-1]))}: unknown key '{loc[-1]}'"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        message = "an audit is either {name, description, sql} or one of " + ", ".join(BUILTIN_AUDITS)
    return f"{where}: {message}" if where else message


def parse_header(found: HeaderText, path: Path) -> Header:
    """Validate the header YAML; raise ModelParseError naming file and line."""
    try:
        data = yaml.safe_load(found.yaml) or {}
        root = yaml.compose(found.yaml)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = found.first_line + (mark.line if mark is not None else 0)
        problem = getattr(err, "problem", None) or str(err)
        raise ModelParseError(f"{path}, line {line}: invalid header YAML: {problem}") from err
    if not isinstance(data, dict):
        raise ModelParseError(f"{path}, line {found.first_line}: the header must be a YAML mapping")
    try:
        return Header.model_validate(data)
    except ValidationError as err:
        allowed = tuple(Header.model_fields)
        problems = [
            f"{path}, line {found.first_line + _node_line(root, _plain_loc(e['loc']))}: {_describe(e, allowed)}"
            for e in err.errors()
        ]
        raise ModelParseError("\n".join(problems)) from None


def audit_sql_line(found: HeaderText, index: int) -> int:
    """File line of the ``sql`` of the ``index``-th audit (for the lines of its table references)."""
    return found.first_line + _node_line(yaml.compose(found.yaml), ("audits", index, "sql"), block_scalar_body=True)
