"""``make spark-check``: build the sample on DuckDB and on Spark and compare the marts.

    python -m pipelines.spark.check [--raw data/raw] [--workdir DIR]

Ingestion and the seeds run once into a DuckDB file (as a build does); a copy of it gets
the models built by the DuckDB engine, another copy by the Spark engine
(``TGXH_SPARK_MASTER`` / ``TGXH_SPARK_REMOTE`` say where Spark runs, default local).
``marts.indicator_values`` and ``marts.target_vs_actual`` are then compared value by
value, rows matched on their grain: floats may differ by a relative 1e-9, NULL equals
NULL; and every model's checks (grain, audits) must find as many bad rows on Spark as on
DuckDB. Prints ``equal`` and exits 0 when they are, else the first differences and exits 1.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.config import PROJECT_ROOT, SOURCES

COMPARED = ("marts.indicator_values", "marts.target_vs_actual")
MODELS_ROOT = PROJECT_ROOT / "dbt_like_sql"
REL_TOL = 1e-9
ABS_TOL = 1e-12
"""Two floats are equal when within REL_TOL of each other, or both within ABS_TOL of 0."""
MAX_SHOWN = 10
CHECK_SALT = "spark-check"


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple
    what: str

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.what}"


def prepare_inputs(raw_dir: Path, path: Path) -> None:
    """Ingest ``raw_dir`` and load the seeds and provinces into a new DuckDB file."""
    import polars as pl

    from models.seeds import load_seeds
    from models.tables import calendar
    from pipelines.geo import province_table
    from pipelines.ingest.loader import ingest_source

    with duckdb.connect(str(path)) as con:
        for source in SOURCES:
            ingest_source(con, source, raw_dir / source, CHECK_SALT)
        con.execute("create schema if not exists seeds")
        frames: dict[str, pl.DataFrame] = {
            **load_seeds(PROJECT_ROOT / "data" / "seeds"), "provinces": province_table(), "calendar": calendar(),
        }
        for name, frame in frames.items():
            con.register("seed_frame", frame)
            con.execute(f'create or replace table seeds."{name}" as select * from seed_frame')  # names from the code
            con.unregister("seed_frame")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL) or (math.isnan(a) and math.isnan(b))
    return a == b


def compare_table(
    left: duckdb.DuckDBPyConnection, right: duckdb.DuckDBPyConnection, table: str, grain: tuple[str, ...]
) -> list[Difference]:
    """Differences of ``table`` between two DuckDB files: columns and types, rows missing
    on either side (matched on ``grain``), and values."""
    def read(con):
        described = con.execute(f"select column_name, column_type from (describe {table})").fetchall()
        names, types = [n for n, _ in described], [t for _, t in described]
        rows = con.execute(f"select * from {table}").fetchall()  # table names from COMPARED
        idx = [names.index(g) for g in grain]
        return names, types, {tuple(r[i] for i in idx): r for r in rows}, len(rows)

    (ln, lt, lrows, lcount), (rn, rt, rrows, rcount) = read(left), read(right)
    if (ln, lt) != (rn, rt):
        left_columns, right_columns = list(zip(ln, lt, strict=False)), list(zip(rn, rt, strict=False))
        return [Difference(table, (), f"columns differ: duckdb {left_columns} vs spark {right_columns}")]
    if (lcount, rcount) != (len(lrows), len(rrows)):
        return [Difference(table, (), f"the grain {list(grain)} is not unique: duckdb {lcount} rows for {len(lrows)} keys, "
                                      f"spark {rcount} rows for {len(rrows)} keys")]
    out = [Difference(table, k, "row only on duckdb") for k in sorted(lrows.keys() - rrows.keys(), key=repr)]
    out += [Difference(table, k, "row only on spark") for k in sorted(rrows.keys() - lrows.keys(), key=repr)]
    for key in sorted(lrows.keys() & rrows.keys(), key=repr):
        for name, a, b in zip(ln, lrows[key], rrows[key], strict=False):
            if not _same(a, b):
                out.append(Difference(table, key, f"{name}: duckdb {a!r} vs spark {b!r}"))
    return out


def duckdb_check_counts(con: duckdb.DuckDBPyConnection, models) -> dict[tuple[str, str], int]:
    """``{(model, check): bad rows}`` of every model's checks (grain, audits), run on DuckDB."""
    return {
        (model.key, a.name): con.execute(f"select count(*) from (\n{a.sql}\n) as bad_rows").fetchone()[0]
        for model in models
        for a in model.audits
    }


def run_check(raw_dir: Path, workdir: Path, out=sys.stdout) -> bool:
    """Build ``raw_dir`` on both engines under ``workdir``; True when the marts are equal."""
    from pipelines.spark.engine import SparkSettings, build
    from pipelines.spark.models import build_on_duckdb, ordered_models

    timings: dict[str, float] = {}
    start = time.perf_counter()
    base = workdir / "inputs.duckdb"
    prepare_inputs(raw_dir, base)
    timings["ingest_and_seeds"] = time.perf_counter() - start
    duck_db, spark_db = workdir / "duckdb.duckdb", workdir / "spark.duckdb"
    shutil.copyfile(base, duck_db)
    shutil.copyfile(base, spark_db)

    start = time.perf_counter()
    with duckdb.connect(str(duck_db)) as con:
        build_on_duckdb(con, MODELS_ROOT)
    timings["duckdb_models"] = time.perf_counter() - start

    models = ordered_models(MODELS_ROOT)
    start = time.perf_counter()
    with duckdb.connect(str(spark_db)) as con:
        result = build(con, models, MODELS_ROOT, workdir / "exchange", SparkSettings.from_env())
    timings["spark_models"] = time.perf_counter() - start
    timings.update({f"spark.{k}": v for k, v in result.seconds.items()})
    warnings = [c for c in result.checks if not c.passed]

    grains = {m.key: m.grain for m in models}
    differences: list[Difference] = []
    with duckdb.connect(str(duck_db), read_only=True) as left, duckdb.connect(str(spark_db), read_only=True) as right:
        for table in COMPARED:
            differences += compare_table(left, right, table, grains[table])
        on_duckdb = duckdb_check_counts(left, models)
    for c in result.checks:  # the checks found the same bad rows on both engines
        if on_duckdb[(c.model, c.check)] != c.bad_rows:
            found = on_duckdb[(c.model, c.check)]
            differences.append(Difference(c.model, (c.check,), f"bad rows: duckdb {found} vs spark {c.bad_rows}"))
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()), file=out)
    for w in warnings:
        print(f"audit warning: {w.model} {w.check}: {w.bad_rows} bad rows", file=out)
    if differences:
        shown = min(MAX_SHOWN, len(differences))
        print(f"{len(differences)} difference(s) between duckdb and spark, the first {shown}:", file=out)
        for d in differences[:MAX_SHOWN]:
            print(f"  {d}", file=out)
        return False
    print("equal", file=out)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.spark.check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=PROJECT_ROOT / "data" / "raw", help="raw folder (default: the sample)")
    parser.add_argument("--workdir", type=Path, help="keep the working files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    from pipelines.spark.engine import SparkBuildError
    from pipelines.spark.models import SparkModelError

    try:
        if args.workdir:
            args.workdir.mkdir(parents=True, exist_ok=True)
            return 0 if run_check(args.raw, args.workdir) else 1
        with tempfile.TemporaryDirectory(prefix="tgxh-spark-check-") as tmp:
            return 0 if run_check(args.raw, Path(tmp)) else 1
    except (SparkBuildError, SparkModelError) as err:
        print(f"spark-check: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
