"""Run the SQL models on Apache Spark and publish their tables into the DuckDB file.

:func:`build` takes an open DuckDB connection in which ingestion and the seeds have run:

1. the tables the models read (``raw.*``, ``seeds.*``, the audit tables they read) are
   written as Parquet under ``<exchange>/inputs/<schema>/<table>/`` (a raw table with a
   ``year`` column partitioned by it, ``year=2024/...``);
2. a SparkSession (:func:`session`) registers them as tables of the same
   ``schema.table`` names (one Spark database per schema);
3. every model runs in dependency order as ``create table ... using parquet location
   '<exchange>/outputs/<schema>/<name>' as <Spark SQL>``, and its checks (grain unique
   and not null, the header's audits) run on Spark right after it; a failed blocking
   check stops the build before anything is published;
4. the outputs are loaded back into the DuckDB connection as the same tables, in one
   transaction, with the column types the DuckDB engine gives them and the header's
   documentation (``COMMENT ON``).

The exchange folder must be visible under the same path to this process and to the
Spark driver and executors (on a cluster: a shared mount).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from pipelines.spark.models import (
    Model,
    override_path,
    overrides,
    spark_audit,
    spark_body,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOCAL_MASTER = "local[*]"
LOCAL_SHUFFLE_PARTITIONS = 4
"""Shuffle partitions of a local session: the data of one machine, few cores."""
PARTITION_COLUMN = "year"


class SparkBuildError(RuntimeError):
    """The Spark build cannot go on (a blocking check failed, an output lacks a column)."""


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs: ``TGXH_SPARK_REMOTE`` (Spark Connect, ``sc://host:15002``) wins
    over ``TGXH_SPARK_MASTER`` (a cluster URL such as ``spark://host:7077``, default
    ``local[*]``)."""

    master: str = LOCAL_MASTER
    remote: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SparkSettings:
        env = os.environ if environ is None else environ
        return cls(master=env.get("TGXH_SPARK_MASTER") or LOCAL_MASTER, remote=env.get("TGXH_SPARK_REMOTE") or None)


@dataclass
class CheckOutcome:
    model: str
    check: str
    bad_rows: int
    blocking: bool

    @property
    def passed(self) -> bool:
        return self.bad_rows == 0


@dataclass
class SparkBuild:
    """What :func:`build` did: seconds per phase, rows per model, every check's outcome."""

    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    model_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds of each model on Spark, its checks included."""
    checks: list[CheckOutcome] = field(default_factory=list)


def require_spark(settings: SparkSettings) -> None:
    """Raise SparkBuildError, one line, when pyspark or (for a local session) Java is missing."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkBuildError("TGXH_ENGINE=spark needs pyspark: uv sync --group spark")
    if not settings.remote and not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkBuildError("Spark needs Java 17 on this machine: install a JDK 17 (java on PATH, or JAVA_HOME)")


def session(settings: SparkSettings, exchange: Path) -> SparkSession:
    """A SparkSession for the build; a local one starts with a small, bounded footprint
    (no UI, few shuffle partitions, its catalog folder inside ``exchange``)."""
    from pyspark.sql import SparkSession

    # a failing query raises with its message (SparkBuildError names the model); pyspark
    # would also log the whole Java stack of it
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    if settings.remote:
        return SparkSession.builder.remote(settings.remote).getOrCreate()
    builder = (
        SparkSession.builder.master(settings.master)
        .appName("tgxh-models")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", (exchange / "spark-warehouse").as_uri())
    )
    if settings.master.startswith("local"):
        builder = (
            builder.config("spark.sql.shuffle.partitions", str(LOCAL_SHUFFLE_PARTITIONS))
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("FATAL")  # likewise for the JVM's log
    return spark


def _ident(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect)


def _table(schema: str, name: str, dialect: str) -> str:
    return exp.table_(name, db=schema, quoted=True).sql(dialect)


def _literal(text: str, dialect: str) -> str:
    return exp.Literal.string(text).sql(dialect)


def input_tables(models: Iterable[Model]) -> list[str]:
    """The tables the models read that no model builds (``schema.table``), sorted."""
    models = list(models)
    built = {m.key for m in models}
    return sorted({t for m in models for t in m.reads} - built)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    return [
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ? order by column_index",
            [schema, name],
        ).fetchall()
    ]


def export_inputs(con: duckdb.DuckDBPyConnection, tables: Iterable[str], folder: Path) -> dict[str, Path]:
    """Write each ``schema.table`` as Parquet under ``folder/schema/table/``; a raw table
    with a ``year`` column and rows is partitioned by it (an empty one is one file, which
    keeps its columns). ``{table: its folder}``."""
    out: dict[str, Path] = {}
    for key in tables:
        schema, name = key.split(".")
        columns = _columns(con, schema, name)
        if not columns:
            raise SparkBuildError(f"input table {key} is missing from the DuckDB file; run ingestion and seeds first")
        target = folder / schema / name
        target.mkdir(parents=True)
        source = _table(schema, name, "duckdb")
        partition = schema == "raw" and PARTITION_COLUMN in columns
        if partition and con.execute(f"select exists (select 1 from {source})").fetchone()[0]:
            con.execute(
                f"copy {source} to {_literal(target.as_posix(), 'duckdb')} "
                f"(format parquet, partition_by ({PARTITION_COLUMN}), overwrite_or_ignore)"
            )
        else:
            con.execute(f"copy {source} to {_literal((target / 'data.parquet').as_posix(), 'duckdb')} (format parquet)")
        out[key] = target
    return out


def _register(spark: SparkSession, key: str, location: Path, partitioned: bool) -> None:
    schema, name = key.split(".")
    spark.sql(f"create database if not exists {_ident(schema, 'spark')}")
    table = _table(schema, name, "spark")
    spark.sql(f"drop table if exists {table}")
    spark.sql(f"create table {table} using parquet location {_literal(location.as_uri(), 'spark')}")
    if partitioned:
        spark.sql(f"alter table {table} recover partitions")


def checks_query(model: Model) -> str:
    """One Spark query counting the bad rows of every check of the model (grain, audits):
    rows ``(check name, bad rows)``, so that Spark runs them as one job."""
    queries = [(a.name, spark_audit(model, a)) for a in model.audits]
    return "\nunion all\n".join(
        f"select {_literal(name, 'spark')} as check_name, count(*) as bad_rows from (\n{sql}\n) as bad_rows"
        for name, sql in queries
    )


def run_checks(spark: SparkSession, model: Model) -> list[CheckOutcome]:
    """The model's grain checks and audits, on Spark; raises on a failed blocking one
    (the grain checks are blocking, an audit when its header says so)."""
    blocking = {a.name: a.blocking for a in model.audits}
    counts = {row["check_name"]: int(row["bad_rows"]) for row in spark.sql(checks_query(model)).collect()}
    outcomes = [CheckOutcome(model.key, name, counts[name], blocking[name]) for name in blocking]
    failed = [o for o in outcomes if o.blocking and not o.passed]
    if failed:
        raise SparkBuildError(
            f"{model.key}: blocking check(s) failed on Spark: "
            + ", ".join(f"{o.check} ({o.bad_rows} bad rows)" for o in failed)
            + "; nothing was published"
        )
    return outcomes


def run_models(spark: SparkSession, models: list[Model], overridden: dict[str, str], folder: Path, result: SparkBuild) -> None:
    """Each model as a Parquet table under ``folder/schema/name``, then its checks."""
    from pyspark.errors import PySparkException

    for model in models:
        start = time.perf_counter()
        try:
            _run_model(spark, model, overridden, folder, result)
        except PySparkException as err:
            raise SparkBuildError(
                f"{model.path}: Spark failed on the model or its checks: {_first_line(err)} (a construct without a Spark "
                f"equivalent gets a Spark query in {override_path(model)} under the models folder)"
            ) from err
        result.model_seconds[model.key] = time.perf_counter() - start


def _run_model(spark: SparkSession, model: Model, overridden: dict[str, str], folder: Path, result: SparkBuild) -> None:
    """Build one model on Spark and run its checks."""
    body = spark_body(model, overridden)
    spark.sql(f"create database if not exists {_ident(model.schema, 'spark')}")
    table = _table(model.schema, model.name, "spark")
    spark.sql(f"drop table if exists {table}")
    location = _literal((folder / model.schema / model.name).as_uri(), "spark")
    spark.sql(f"create table {table} using parquet location {location} as\n{body}")
    result.checks.extend(run_checks(spark, model))


def load_outputs(con: duckdb.DuckDBPyConnection, models: list[Model], folder: Path) -> dict[str, int]:
    """Replace each model's table in DuckDB by its Spark output, in one transaction, with
    the columns and types the DuckDB engine gives it and the header's documentation.
    ``{model key: rows}``."""
    con.begin()
    try:
        rows = {model.key: _load_one(con, model, folder / model.schema / model.name) for model in models}
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return rows


def _load_one(con: duckdb.DuckDBPyConnection, model: Model, location: Path) -> int:
    wanted = con.execute(f"describe (\n{model.sql}\n)").fetchall()  # plans the query, reads no rows
    files = _literal((location / "*.parquet").as_posix(), "duckdb")
    described = con.execute(f"select column_name from (describe select * from read_parquet({files}))").fetchall()
    got = {c.lower() for (c,) in described}
    missing = [c for c, *_ in wanted if c.lower() not in got]
    if missing:
        raise SparkBuildError(f"{model.path}: the Spark result lacks column(s) {missing}")
    select = ", ".join(f"cast({_ident(c, 'duckdb')} as {t}) as {_ident(c, 'duckdb')}" for c, t, *_ in wanted)
    table = _table(model.schema, model.name, "duckdb")
    con.execute(f"create schema if not exists {_ident(model.schema, 'duckdb')}")
    con.execute(f"drop view if exists {table}")
    con.execute(f"create or replace table {table} as select {select} from read_parquet({files})")
    con.execute(f"comment on table {table} is {_literal(model.description, 'duckdb')}")
    for c, *_ in wanted:
        doc = model.docs.get(c.lower())
        if doc is not None:
            con.execute(f"comment on column {table}.{_ident(c, 'duckdb')} is {_literal(doc, 'duckdb')}")
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])
    return int(con.execute(f"select count(*) from {table}").fetchone()[0])


def build(
    con: duckdb.DuckDBPyConnection,
    models: list[Model],
    models_root: Path,
    exchange: Path,
    settings: SparkSettings,
) -> SparkBuild:
    """Run ``models`` (in dependency order) on Spark from the tables of ``con`` and load
    their outputs back into ``con`` (see the module doc). ``exchange`` is emptied first."""
    require_spark(settings)
    from pyspark.errors import PySparkException

    result = SparkBuild()
    overridden = overrides(models_root, models)
    for model in models:  # every model transpiles before Spark starts
        spark_body(model, overridden)
        for audit in model.audits:
            spark_audit(model, audit)
    if exchange.exists():
        shutil.rmtree(exchange)
    exchange.mkdir(parents=True)

    def timed(phase: str, fn, *args):
        start = time.perf_counter()
        value = fn(*args)
        result.seconds[phase] = time.perf_counter() - start
        return value

    def register() -> None:
        for key, location in inputs.items():
            partitioned = any(p.name.startswith(f"{PARTITION_COLUMN}=") for p in location.iterdir())
            _register(spark, key, location, partitioned)

    inputs = timed("export_inputs", export_inputs, con, input_tables(models), exchange / "inputs")
    where = settings.remote or settings.master
    try:
        spark = timed("start_spark", session, settings, exchange)
    except (PySparkException, ImportError) as err:
        connect_missing = settings.remote and isinstance(err, ImportError)
        hint = " (Spark Connect needs the client extra: pyspark[connect])" if connect_missing else ""
        raise SparkBuildError(f"cannot start Spark at {where}: {_first_line(err)}{hint}") from err
    try:
        try:
            timed("register_inputs", register)
        except PySparkException as err:
            raise SparkBuildError(
                f"Spark at {where} cannot read the inputs in {exchange / 'inputs'}: {_first_line(err)}"
            ) from err
        timed("models_and_checks", run_models, spark, models, overridden, exchange / "outputs", result)
    finally:
        if not settings.remote:
            spark.stop()
    result.rows = timed("load_outputs", load_outputs, con, models, exchange / "outputs")
    return result


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]
