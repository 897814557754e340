"""The models as the Spark engine sees them, and their Spark SQL.

:func:`ordered_models` and :func:`build_on_duckdb` are the only places that use the
project's SQL model library; everything else here works on :class:`Model`.

A model's Spark SQL is its DuckDB body transpiled by sqlglot (DuckDB -> Spark), unless
``<models root>/spark/<schema>/<name>.sql`` exists: that file is then the model's body
on Spark (a plain Spark SQL query), for the rare construct sqlglot cannot express.
An override for a model that does not exist is an error, so none is left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import duckdb
import sqlglot
from sqlglot import exp, transforms
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ErrorLevel, SqlglotError

from pipelines.sql import load_models, run, topological_order

OVERRIDES_FOLDER = "spark"
READ = "duckdb"


def _without_materialized_hint(cte: exp.Expression) -> exp.Expression:
    """A common table expression without DuckDB's ``[NOT] MATERIALIZED`` (a hint on how to
    run it, which Spark SQL does not parse; Spark plans common table expressions itself).
    In place, as sqlglot's own transforms: the generator works on its copy of the tree."""
    cte.set("materialized", None)
    return cte


class Spark4(Spark):
    """sqlglot's Spark dialect, keeping ``QUALIFY``: Spark 4 runs it natively, and
    sqlglot's rewrite of it into a subquery leaks its helper column into ``select *``
    (the two branches of a ``union all`` then differ in width). DuckDB's hints on common
    table expressions are left out."""

    class Generator(Spark.Generator):
        TRANSFORMS: ClassVar[dict] = {
            **Spark.Generator.TRANSFORMS,
            exp.Select: transforms.preprocess(
                [transforms.eliminate_distinct_on, transforms.unnest_to_explode, transforms.any_to_exists]
            ),
            exp.CTE: transforms.preprocess([_without_materialized_hint]),
        }


class SparkModelError(ValueError):
    """A model cannot be run on Spark (untranspilable SQL, a stray override); names the file."""


@dataclass(frozen=True)
class Check:
    """A header audit: ``sql`` (DuckDB) returns the bad rows; ``blocking`` stops the build."""

    name: str
    description: str
    sql: str
    blocking: bool


@dataclass(frozen=True)
class Model:
    """What the Spark engine needs of one model."""

    schema: str
    name: str
    path: Path
    sql: str
    """The DuckDB body."""
    description: str
    grain: tuple[str, ...]
    audits: tuple[Check, ...] = ()
    reads: frozenset[str] = frozenset()
    """``schema.table`` read by the body and the audits."""
    docs: dict[str, str] = field(default_factory=dict)
    """Lower-case column name -> description (the data model's, models/tables.py)."""

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


def ordered_models(root: Path) -> list[Model]:
    """The models under ``root`` with every model after those it reads, each with every
    check the DuckDB runner runs on it (the grain and the header's audits)."""
    models = load_models(root)
    out = []
    for key in topological_order(models):
        m = models[key]
        docs = {k.lower(): v for k, v in m.descriptions.items()}
        out.append(
            Model(
                schema=m.schema,
                name=m.name,
                path=m.path,
                sql=m.sql,
                description=m.description,
                grain=tuple(m.grain),
                audits=tuple(Check(a.check_name, a.summary, a.bad_rows_sql(m.relation), a.blocking) for a in m.checks),
                reads=frozenset(m.reads),
                docs=docs,
            )
        )
    return out


def build_on_duckdb(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Every model built by the DuckDB runner (for comparison with Spark)."""
    run(con, load_models(root))


def to_spark(sql: str) -> str:
    """DuckDB SQL as Spark SQL; raises sqlglot's error on a construct Spark cannot express."""
    (out,) = sqlglot.transpile(sql, read=READ, write=Spark4, unsupported_level=ErrorLevel.RAISE)
    return out


def overrides(root: Path, models: list[Model]) -> dict[str, str]:
    """``{model key: Spark SQL}`` of the override files under ``<root>/spark/``."""
    folder = Path(root) / OVERRIDES_FOLDER
    known = {m.key for m in models}
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*/*.sql")):
        key = f"{path.parent.name}.{path.stem}"
        if key not in known:
            raise SparkModelError(f"{path}: Spark override of {key}, which is not a model; delete it or rename it")
        text = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        if not text:
            raise SparkModelError(f"{path}: empty Spark override")
        found[key] = text
    return found


def spark_body(model: Model, overridden: dict[str, str]) -> str:
    """The model's body in Spark SQL: its override, else its DuckDB body transpiled."""
    if model.key in overridden:
        return overridden[model.key]
    return _transpiled(model.sql, model, "body")


def spark_audit(model: Model, check: Check) -> str:
    """An audit's query in Spark SQL."""
    return _transpiled(check.sql, model, f"audit {check.name!r}")


def override_path(model: Model) -> Path:
    """Where a Spark override of ``model`` lives, relative to the models folder."""
    return Path(OVERRIDES_FOLDER) / model.schema / f"{model.name}.sql"


def _transpiled(sql: str, model: Model, what: str) -> str:
    try:
        return to_spark(sql)
    except SqlglotError as err:
        first = str(err).strip().splitlines()[0]
        hint = (
            f"write the model's Spark query in {override_path(model)} under the models folder"
            if what == "body"
            else "write the audit in SQL that both DuckDB and Spark run"
        )
        raise SparkModelError(f"{model.path} ({what}): cannot be transpiled to Spark SQL: {first}; {hint}") from err
