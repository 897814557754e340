"""Build state: what each model was last built from, so that a build does only the work
its new inputs require.

Every table a model reads has a **version**, a hash that changes whenever its content
may have changed:

* a model's version is derived from its **data hash** (SQL body, materialisation,
  partitioning) and the versions of the tables it reads (body and audits), and is
  recorded in ``audit.model_versions`` when the model is built. Its **metadata hash**
  (descriptions, grain, audits) is recorded beside it and is no part of the version: a
  description edit rewrites the comments and re-runs the checks, and rebuilds nothing;
* ``raw.<source>``, ``audit.ingested_files`` and ``audit.rejected_rows`` change only
  when ingestion records a file, so their version is a hash of the ingestion state
  (``audit.ingest_file_state``: every file name with the SHA-256 of its current version),
  with no scan of the millions of raw rows;
* any other table (the seeds, a few hundred rows) is hashed whole.

An **incremental** model (``materialized: incremental`` with ``partition_by: year``)
promises that the rows of one year depend only on that year's rows of the inputs that
have the partition column (the other inputs are read whole). Its inputs' versions are
then kept per year: ``audit.model_partitions`` for an incremental model, and for a raw
table the SHA-256 of the files holding rows of that year. Only the years whose inputs
changed (or that disappeared) are deleted and inserted again; a change in an input read
whole, or in the model's data hash, rebuilds every year.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import duckdb

from models.sources import state_table_ddl
from pipelines.duck import (
    qualified_name,
    quote_identifier,
    relation_columns,
    transaction,
)

VERSIONS = "audit.model_versions"
PARTITIONS = "audit.model_partitions"
INGEST_STATE = "audit.ingest_file_state"
LEDGER_TABLES = ("audit.ingested_files", "audit.rejected_rows")
"""Tables written only together with ``audit.ingest_file_state``, by ingestion."""


class Action(StrEnum):
    """What a build does with one model."""

    BUILD = "build"
    """(Re)create the whole relation."""
    PARTITIONS = "partitions"
    """Delete and insert again the changed partitions of an incremental table."""
    DOCUMENT = "document"
    """Only the metadata changed: rewrite the comments and re-run the checks."""
    SKIP = "skip"
    """Nothing changed: the recorded check outcomes are reported again."""
    BLOCKED = "blocked"
    """Not built: a blocking check of a model it reads failed in this run."""


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def _split(table: str) -> tuple[str, str]:
    schema, _, name = table.partition(".")
    return schema, name


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Column names of a table (empty when it does not exist)."""
    return {c for c, _ in relation_columns(con, *_split(table))}


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_columns(con, table))


def ensure_state_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the state tables if missing (and the metadata column in older warehouses)."""
    if "metadata_version" in _columns(con, VERSIONS) and _exists(con, PARTITIONS):
        return
    con.execute("create schema if not exists audit")
    # Warehouses built before the metadata hash existed gain its column.
    if _exists(con, VERSIONS):
        con.execute(f"alter table {VERSIONS} add column if not exists metadata_version varchar")
    for table in (VERSIONS, PARTITIONS):
        for statement in state_table_ddl(table):
            con.execute(statement)


def _ingest_state_version(con: duckdb.DuckDBPyConnection, source: str | None) -> str:
    if not _exists(con, INGEST_STATE):
        return "no ingestion"
    rows = con.execute(
        f"select md5(coalesce(string_agg(source || '/' || file_name || ':' || sha256 || ':' || status, chr(10)"
        f" order by source, file_name), '')), count(*) from {INGEST_STATE}"
        " where ? is null or source = ?",
        [source, source],
    ).fetchall()
    (ledger_rows,), = con.execute(
        "select count(*) from audit.ingested_files where ? is null or source = ?", [source, source]
    ).fetchall() if _exists(con, "audit.ingested_files") else [(0,)]
    return _digest("ingest", source, *rows[0], ledger_rows)


def external_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Version of a table the models read but do not build (see the module doc)."""
    if not _exists(con, table):
        return "missing"
    schema, name = _split(table)
    if schema == "raw" and "file_name" in _columns(con, table):
        return _ingest_state_version(con, name)
    if table in LEDGER_TABLES:
        return _ingest_state_version(con, None)
    (content,), = con.execute(
        f"select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), ''))"
        f" from {qualified_name(schema, name)} as t"
    ).fetchall()
    return _digest("content", content)


def external_partitions(con: duckdb.DuckDBPyConnection, table: str, column: str) -> dict[int, str] | None:
    """Per value of ``column``, the version of a raw table's rows having it: the files
    (name and SHA-256) holding such rows. None when the table is not partitioned so."""
    schema, name = _split(table)
    if schema != "raw" or not {column, "file_name"} <= _columns(con, table) or not _exists(con, INGEST_STATE):
        return None
    rows = con.execute(
        f"select p.part, md5(string_agg(p.file_name || ':' || coalesce(s.sha256, ''), chr(10)"
        f" order by p.file_name))"
        f" from (select distinct {quote_identifier(column)} as part, file_name from {qualified_name(schema, name)}"
        f" where {quote_identifier(column)} is not null) as p"
        f" left join {INGEST_STATE} as s on s.source = ? and s.file_name = p.file_name"
        f" group by p.part",
        [name],
    ).fetchall()
    return {int(part): sig for part, sig in rows}


@dataclass
class Inputs:
    """The versions of what a model reads."""

    whole: dict[str, str] = field(default_factory=dict)
    """table -> version, for tables read whole."""
    partitioned: dict[str, dict[int, str]] = field(default_factory=dict)
    """table -> partition value -> version, for inputs having the model's partition column."""


@dataclass
class BuildPlan:
    """What a build of one model has to do."""

    action: Action
    version: str
    reason: str
    partitions: dict[int, str] = field(default_factory=dict)
    """Incremental models: every partition's signature after the build."""
    changed: list[int] = field(default_factory=list)
    """Partitions rebuilt (``partitions``) or removed."""
    checks: list[dict] = field(default_factory=list)
    """``skip``: the check outcomes recorded with the version."""
    metadata: str = ""
    """The metadata hash the build documents the model with."""
    partitioned_inputs: list[str] = field(default_factory=list)
    """Inputs kept per partition (``Inputs.partitioned``): a partition build reads only
    the rebuilt partitions of these."""


def model_inputs(
    con: duckdb.DuckDBPyConnection,
    reads: Sequence[str],
    models: Mapping[str, object],
    partition_by: str | None,
) -> Inputs:
    """The versions of the tables ``reads`` (models in ``models``, others external),
    per partition where the model is incremental and the input has its partition column.
    The state tables must exist (``ensure_state_tables``, once per connection)."""
    inputs = Inputs()
    for table in sorted(set(reads)):
        if table in models:
            if partition_by is not None and getattr(models[table], "partition_by", None) == partition_by:
                rows = con.execute(
                    f"select partition_value, signature from {PARTITIONS} where model = ?", [table]
                ).fetchall()
                inputs.partitioned[table] = {int(p): s for p, s in rows}
            else:
                got = con.execute(f"select version from {VERSIONS} where model = ?", [table]).fetchall()
                inputs.whole[table] = got[0][0] if got else "never built"
            continue
        parts = external_partitions(con, table, partition_by) if partition_by is not None else None
        if parts is not None:
            inputs.partitioned[table] = parts
        else:
            inputs.whole[table] = external_version(con, table)
    return inputs


def _signatures(data_hash: str, inputs: Inputs, incremental: bool) -> tuple[str, dict[int, str]]:
    """The version of a build from ``inputs`` and, for an incremental model, each partition's signature."""
    whole = _digest(data_hash, *(f"{t}={v}" for t, v in sorted(inputs.whole.items())))
    partitions: dict[int, str] = {}
    if incremental:
        values = sorted(set().union(*inputs.partitioned.values())) if inputs.partitioned else []
        for value in values:
            partitions[value] = _digest(
                whole, *(f"{t}={parts.get(value, '-')}" for t, parts in sorted(inputs.partitioned.items()))
            )
    return _digest(whole, *(f"{p}={s}" for p, s in sorted(partitions.items()))), partitions


def plan_build(
    con: duckdb.DuckDBPyConnection,
    key: str,
    data_hash: str,
    inputs: Inputs,
    incremental: bool,
    exists: bool,
    metadata_hash: str = "",
) -> BuildPlan:
    """Compare a model's inputs with those it was last built from."""
    version, partitions = _signatures(data_hash, inputs, incremental)
    got = con.execute(
        f"select version, checks, coalesce(metadata_version, '') from {VERSIONS} where model = ?", [key]
    ).fetchall()
    plan = BuildPlan(Action.BUILD, version, "first build", partitions, metadata=metadata_hash,
                     partitioned_inputs=sorted(inputs.partitioned))
    if not exists or not got:
        return plan
    recorded_version, recorded_checks, recorded_metadata = got[0]
    if recorded_version == version:
        if recorded_metadata == metadata_hash:
            plan.action, plan.reason, plan.checks = Action.SKIP, "inputs unchanged since the last build", \
                json.loads(recorded_checks)
        else:
            plan.action, plan.reason = Action.DOCUMENT, "only descriptions or audits changed"
        return plan
    plan.reason = "inputs changed"
    if not incremental:
        return plan
    stored = dict(con.execute(
        f"select partition_value, signature from {PARTITIONS} where model = ?", [key]
    ).fetchall())
    plan.changed = sorted(
        {p for p, s in partitions.items() if stored.get(p) != s} | (set(stored) - set(partitions))
    )
    if not stored or len(plan.changed) >= len(set(stored) | set(partitions)):
        plan.reason = "every partition changed"
    else:
        plan.action, plan.reason = Action.PARTITIONS, f"{len(plan.changed)} of {len(partitions)} partitions changed"
    return plan


def record_build(
    con: duckdb.DuckDBPyConnection, key: str, plan: BuildPlan, checks: Sequence[dict], incremental: bool
) -> None:
    """Record the version a model was built at, its metadata hash, partitions and check outcomes."""
    with transaction(con):
        con.execute(f"delete from {VERSIONS} where model = ?", [key])
        con.execute(
            f"insert into {VERSIONS} (model, version, checks, metadata_version) values (?, ?, ?, ?)",
            [key, plan.version, json.dumps(list(checks)), plan.metadata],
        )
        if incremental or plan.partitions:
            con.execute(f"delete from {PARTITIONS} where model = ?", [key])
            if plan.partitions:
                con.executemany(
                    f"insert into {PARTITIONS} values (?, ?, ?)",
                    [[key, p, s] for p, s in sorted(plan.partitions.items())],
                )
