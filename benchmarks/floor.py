"""The floor: the least work that turns the generated files into ``marts.indicator_values``.

One bare DuckDB connection, no Dagster, no validation, no ledger, no checks:

1. each landing folder is read with one ``read_csv(all_varchar, filename)``, with
   ``union_by_name`` when the files' header lines differ (it makes DuckDB sniff every
   file: about 10 s for 700 files, for nothing when they all share one header); province names are resolved to codes by a plain join on a normalised
   name (lower case, no diacritics, no ``Tỉnh``/``Thành phố`` prefix) against the
   province lists, in the list in force on the row's date (an old name on a
   post-reform row goes to its successor); cells are cast; ``raw.*`` gets the columns
   of the brief;
2. ``seeds.provinces`` comes from ``pipelines.geo.provinces()`` and
   ``seeds.plan_targets``/``plans``/``indicators`` from ``data/seeds/*.csv``;
3. the project's own SQL models that ``marts.indicator_values`` depends on run in
   dependency order as plain ``create table … as``.

This is what the benchmark compares the full build with (BENCHMARKS.md); it relies on
the generated files being clean (canonical headers, NFC text, ISO dates, no bad rows).

    uv run python -m benchmarks.floor --raw /tmp/bench/raw --db /tmp/bench/floor.duckdb
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from pipelines.config import PROJECT_ROOT
from pipelines.geo import REFORM_DATE, provinces
from pipelines.sql_models import SqlModel, load_models, qualified_name, quote_identifier, topological_order

MODELS_DIR = PROJECT_ROOT / "dbt_like_sql"
SEEDS_DIR = PROJECT_ROOT / "data" / "seeds"
TARGET = "marts.indicator_values"
REFORM = REFORM_DATE

# Normalised province name: lower case, no diacritics (đ -> d), no administrative prefix.
_NORMALISE = (
    "regexp_replace(lower(strip_accents(replace(replace(trim({x}), 'Đ', 'D'), 'đ', 'd'))),"
    " '^(tinh|thanh pho|tp\\.?)\\s+', '')"
)
_TRUE = "lower(trim({x})) in ('yes', 'y', 'true', '1', 'x', 'có', 'co')"


def _text(col: str) -> str:
    return f"nullif(trim({quote_identifier(col)}), '')"


def _int(col: str, sql_type: str = "bigint") -> str:
    return f"cast({_text(col)} as {sql_type})"


def _bool(col: str) -> str:
    return f"case when {_text(col)} is null then null else {_TRUE.format(x=quote_identifier(col))} end"


_SOURCE = (
    "(select *, row_number() over (partition by filename) as __row_number "
    "from read_csv($pattern, all_varchar = true, union_by_name = $union, filename = true, header = true))"
)


def _headers_differ(raw_dir: Path, source: str) -> bool:
    """Whether the CSV files of a folder have different header lines (then columns are
    matched by name: ``union_by_name``, which makes DuckDB sniff every file, ~15 ms each)."""
    headers = set()
    for path in sorted((Path(raw_dir) / source).glob("*.csv")):
        with path.open("rb") as fh:
            headers.add(fh.readline().strip().lstrip(b"\xef\xbb\xbf"))
        if len(headers) > 1:
            return True
    return False


def _params(raw_dir: Path, source: str, **extra) -> dict:
    return {
        "pattern": (Path(raw_dir) / source / "*.csv").as_posix(),
        "union": _headers_differ(raw_dir, source),
        "reform": REFORM,
        **extra,
    }


def _resolved(row_date: str) -> str:
    """The rows of one folder (``$pattern``) with the resolved province columns of the brief."""
    return f"""
        select
            s.*,
            parse_filename(s.filename) as file_name,
            s.__row_number as row_number,
            coalesce(n.province_code, o.successor_code) as province_code,
            d.province_list,
            n.province_code is null as province_remapped,
        from {_SOURCE} as s
        cross join lateral (
            select case when {row_date} >= $reform then 'new' else 'old' end as province_list
        ) as d
        left join floor_province_names as n
            on n.province_list = d.province_list and n.name_key = {_NORMALISE.format(x='s.province')}
        left join floor_province_names as o
            on d.province_list = 'new' and o.province_list = 'old'
            and o.name_key = {_NORMALISE.format(x='s.province')}
    """


def load_raw(con: duckdb.DuckDBPyConnection, raw_dir: Path, salt: str = "floor") -> None:
    """``raw.beneficiaries``, ``raw.facilities`` and ``raw.training`` from the CSV files."""
    con.execute("create schema if not exists raw")
    ben_date = (
        "last_day(make_date(cast(nullif(trim(s.year), '') as integer),"
        " coalesce(cast(nullif(trim(s.month), '') as integer), 12), 1))"
    )
    con.execute(f"""
        create or replace table raw.beneficiaries as
        select
            file_name, row_number, province_code, province_list, province_remapped,
            {_text('district')} as district,
            {_text('commune')} as commune,
            {_int('year', 'integer')} as year,
            {_int('month', 'integer')} as month,
            {_text('group')} as group_code,
            {_int('in_difficulty')} as in_difficulty,
            {_int('served')} as served,
            {_int('comprehensive')} as comprehensive,
            {_int('case_managed')} as case_managed,
            {_int('emergency_cases')} as emergency_cases,
            {_int('emergency_assisted')} as emergency_assisted,
            {_int('monthly_allowance')} as monthly_allowance,
        from ({_resolved(ben_date)})
        where province_code is not null
    """, _params(raw_dir, "beneficiaries"))
    fac_date = "make_date(cast(nullif(trim(s.year), '') as integer), 12, 31)"
    con.execute(f"""
        create or replace table raw.facilities as
        select
            file_name, row_number, province_code, province_list, province_remapped,
            {_text('facility_id')} as facility_id,
            {_text('name')} as name,
            {_text('district')} as district,
            {_int('year', 'integer')} as year,
            {_text('ownership')} as ownership,
            {_text('unit_type')} as unit_type,
            {_int('capacity')} as capacity,
            {_int('residents')} as residents,
            {_bool('provides_social_work')} as provides_social_work,
            {_bool('meets_accessibility')} as meets_accessibility,
            {_int('staff_total')} as staff_total,
            {_int('staff_social_work')} as staff_social_work,
            {_text('status')} as status,
        from ({_resolved(fac_date)})
        where province_code is not null
    """, _params(raw_dir, "facilities"))
    train_date = "cast(nullif(trim(s.end_date), '') as date)"
    con.execute(f"""
        create or replace table raw.training as
        select
            file_name, row_number, province_code, province_list, province_remapped,
            {_text('record_id')} as record_id,
            sha256($salt || {_text('person_id')}) as person_key,
            {_text('facility_id')} as facility_id,
            {_text('role')} as role,
            {_text('course_level')} as course_level,
            cast({_text('start_date')} as date) as start_date,
            cast({_text('end_date')} as date) as end_date,
            {_bool('completed')} as completed,
        from ({_resolved(train_date)})
        where province_code is not null
    """, _params(raw_dir, "training", salt=salt))


def load_seeds(con: duckdb.DuckDBPyConnection, seeds_dir: Path = SEEDS_DIR) -> None:
    """``seeds.provinces`` and the plan seeds, plus the name lookup of the province join."""
    con.execute("create schema if not exists seeds")
    frame = provinces()
    con.register("__provinces", frame)
    try:
        con.execute("create or replace table seeds.provinces as select * from __provinces")
    finally:
        con.unregister("__provinces")
    con.execute(f"""
        create or replace temp table floor_province_names as
        select distinct province_list, province_code, successor_code,
            {_NORMALISE.format(x='n.name')} as name_key,
        from seeds.provinces
        cross join lateral (select unnest([province_name, province_full_name]) as name) as n
    """)
    for name in ("plans", "plan_targets", "indicators"):
        con.execute(
            f"create or replace table {qualified_name('seeds', name)} as select * from read_csv(?, header = true)",
            [(Path(seeds_dir) / f"{name}.csv").as_posix()],
        )


def needed_models(models: dict[str, SqlModel], target: str = TARGET) -> list[str]:
    """``target`` and every model it depends on, in dependency order."""
    needed: set[str] = set()
    todo = [target]
    while todo:
        key = todo.pop()
        if key in needed or key not in models:
            continue
        needed.add(key)
        todo.extend(models[key].depends_on)
    return [k for k in topological_order(models) if k in needed]


def run_models(con: duckdb.DuckDBPyConnection, models_dir: Path = MODELS_DIR) -> dict[str, float]:
    """Build the models ``marts.indicator_values`` needs; seconds per model."""
    models = load_models(models_dir)
    timings: dict[str, float] = {}
    for key in needed_models(models):
        model = models[key]
        start = time.perf_counter()
        con.execute(f"create schema if not exists {quote_identifier(model.schema)}")
        kind = "view" if model.materialized == "view" else "table"  # an incremental model is a table
        con.execute(f"create or replace {kind} {model.relation} as\n{model.sql}\n")
        timings[key] = time.perf_counter() - start
    return timings


def build_floor(raw_dir: Path, db_path: Path | str, threads: int | None = None) -> dict:
    """Build ``marts.indicator_values`` from ``raw_dir`` into ``db_path``; timings in seconds."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(db_path))
    try:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        t1 = time.perf_counter()
        load_seeds(con)
        t2 = time.perf_counter()
        load_raw(con, Path(raw_dir))
        t3 = time.perf_counter()
        models = run_models(con)
        t4 = time.perf_counter()
        rows = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("raw.beneficiaries", "raw.facilities", "raw.training", TARGET)
        }
        con.execute("checkpoint")
    finally:
        con.close()
    t5 = time.perf_counter()
    return {
        "seconds": t5 - t0,
        "connect": t1 - t0,
        "seeds": t2 - t1,
        "raw": t3 - t2,
        "models": t4 - t3,
        "model_seconds": models,
        "checkpoint": t5 - t4,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: build the floor and print its timings as JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--raw", required=True, type=Path, help="root of the generated landing folders")
    p.add_argument("--db", required=True, type=Path, help="DuckDB file to (re)create")
    a = p.parse_args(argv)
    for suffix in ("", ".wal"):
        Path(f"{a.db}{suffix}").unlink(missing_ok=True)
    a.db.parent.mkdir(parents=True, exist_ok=True)
    print(json.dumps(build_floor(a.raw, a.db), indent=2))


if __name__ == "__main__":
    main()
