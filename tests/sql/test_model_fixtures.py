"""Fixture harness: a SQL model run in isolation on given input tables, compared with expected rows.

Each ``tests/sql/fixtures/*.yml`` names a model, gives every table it reads (raw,
seeds, or upstream models given directly), and the rows it must return. See
``fixtures/README.md`` for the format. One test per fixture file; the tests at the
bottom check the harness itself on a temporary model.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from sqlglot import exp

from models.tables import CALENDAR, calendar
from pipelines.duck import qualified_name, quote_identifier
from pipelines.sql import parse_model_file
from pipelines.sql.execute import materialize

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "dbt_like_sql"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*.yml")) + sorted(FIXTURES_DIR.glob("*.yaml"))
DEFAULT_TOLERANCE = 1e-6

# ------------------------------------------------------------------ the harness


def load_fixture(path: Path) -> dict[str, Any]:
    """Read and check the shape of one fixture file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    where = Path(path).name
    assert isinstance(data, dict), f"{where}: a fixture is a YAML mapping"
    unknown = set(data) - {"model", "description", "given", "expect"}
    assert not unknown, f"{where}: unknown key(s) {sorted(unknown)}"
    assert isinstance(data.get("model"), str) and data["model"].count(".") == 1, f"{where}: model: schema.name"
    assert isinstance(data.get("given"), dict), f"{where}: given: {{schema.table: {{columns, rows}}}}"
    expect = data.get("expect")
    assert isinstance(expect, dict) and isinstance(expect.get("rows"), list), f"{where}: expect: {{rows: [...]}}"
    unknown = set(expect) - {"rows", "order_by", "tolerance"}
    assert not unknown, f"{where}: unknown expect key(s) {sorted(unknown)}"
    data["_name"] = where
    return data


def create_given_tables(con: duckdb.DuckDBPyConnection, given: dict[str, Any]) -> None:
    """Create each given table with its declared DuckDB types and insert its rows (as parameters)."""
    for table, spec in given.items():
        schema, name = table.lower().split(".")
        columns: dict[str, str] = spec.get("columns") or {}
        assert columns, f"given table {table} needs columns: {{name: duckdb_type}}"
        col_defs = ", ".join(
            f"{quote_identifier(c)} {exp.DataType.build(t, dialect='duckdb').sql('duckdb')}"
            for c, t in columns.items()
        )
        con.execute(f"create schema if not exists {quote_identifier(schema)}")
        rel = qualified_name(schema, name)
        con.execute(f"create table {rel} ({col_defs})")
        rows = spec.get("rows") or []
        for row in rows:
            extra = set(row) - set(columns)
            assert not extra, f"given {table}: row has column(s) {sorted(extra)} not declared in columns"
        if rows:
            cols = list(columns)
            placeholders = ", ".join("?" for _ in cols)
            con.executemany(
                f"insert into {rel} ({', '.join(quote_identifier(c) for c in cols)}) values ({placeholders})",
                [[row.get(c) for c in cols] for row in rows],
            )


def run_fixture(fixture: dict[str, Any], models_dir: Path) -> list[dict[str, Any]]:
    """Run the fixture's model (the real file under ``models_dir``) on its given tables; rows as dicts."""
    schema, name = fixture["model"].lower().split(".")
    path = Path(models_dir) / schema / f"{name}.sql"
    assert path.exists(), f"{fixture['_name']}: model file {path} does not exist"
    model = parse_model_file(path)
    given = {t.lower() for t in fixture["given"]} | {CALENDAR.key}
    missing = sorted(model.depends_on - given)
    assert not missing, f"{fixture['_name']}: {model.key} reads {missing}, which the fixture does not give"
    con = duckdb.connect()
    try:
        if CALENDAR.key not in {t.lower() for t in fixture["given"]}:  # the data model's dates, unless given
            con.execute("create schema if not exists seeds")
            con.register("calendar_frame", calendar())
            con.execute(f"create table {CALENDAR.key} as select * from calendar_frame")
            con.unregister("calendar_frame")
        create_given_tables(con, fixture["given"])
        materialize(con, model)
        cur = con.execute(f"select * from {model.relation}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]
    finally:
        con.close()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def values_equal(actual: Any, expected: Any, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """Equality for fixture values: numbers within tolerance, dates equal to their ISO text."""
    if actual is None or expected is None:
        return actual is None and expected is None
    if _is_number(actual) and _is_number(expected):
        a, e = float(actual), float(expected)
        if math.isnan(a) or math.isnan(e):
            return math.isnan(a) and math.isnan(e)
        return math.isclose(a, e, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(actual, (dt.date, dt.datetime)) and isinstance(expected, str):
        return actual.isoformat() == expected
    return actual == expected


def _sort_key(row: dict[str, Any], order_by: list[str]) -> tuple:
    return tuple((row.get(c) is None, str(row.get(c))) for c in order_by)


def compare_rows(
    actual: list[dict[str, Any]],
    expected: list[dict[str, Any]],
    order_by: list[str] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Assert that ``actual`` equals ``expected`` as a multiset of rows.

    Only the columns named in the expected rows are compared (all expected rows must
    name the same columns); the model may return more columns. ``order_by`` sorts both
    sides in the failure message. Raises AssertionError listing missing and unexpected rows.
    """
    columns = list(expected[0]) if expected else []
    for row in expected:
        assert list(row) == columns or set(row) == set(columns), f"expected rows name different columns: {row}"
    if actual and columns:
        absent = [c for c in columns if c not in actual[0]]
        assert not absent, f"the model's result has no column(s) {absent}; it has {list(actual[0])}"
    projected = [{c: r.get(c) for c in columns} for r in actual] if columns else [dict(r) for r in actual]
    unmatched = list(range(len(projected)))
    missing: list[dict[str, Any]] = []
    for exp_row in expected:
        for i in unmatched:
            if all(values_equal(projected[i][c], exp_row[c], tolerance) for c in columns):
                unmatched.remove(i)
                break
        else:
            missing.append(exp_row)
    unexpected = [projected[i] for i in unmatched]
    if missing or unexpected:
        keys = order_by or columns
        lines = [f"result differs from the expectation ({len(actual)} rows returned, {len(expected)} expected)"]
        lines += ["  missing (expected, not returned):"] + [f"    {r}" for r in sorted(missing, key=lambda r: _sort_key(r, keys))]
        lines += ["  unexpected (returned, not expected):"] + [
            f"    {r}" for r in sorted(unexpected, key=lambda r: _sort_key(r, keys))
        ]
        raise AssertionError("\n".join(lines))


def check_fixture(path: Path, models_dir: Path = MODELS_DIR) -> None:
    """Load, run and compare one fixture file."""
    fixture = load_fixture(path)
    expect = fixture["expect"]
    actual = run_fixture(fixture, models_dir)
    compare_rows(actual, expect["rows"], expect.get("order_by"), float(expect.get("tolerance", DEFAULT_TOLERANCE)))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_model_fixture(path: Path) -> None:
    check_fixture(path)


# ------------------------------------------------------------------ tests of the harness itself

SAMPLE_MODEL = """
/* @model
grain: [province_code, year]
description: Served share by province and year.
*/
with totals as (
    select province_code, year, sum(served) as served, sum(in_difficulty) as in_difficulty,
    from staging.stg_counts
    group by all
)
select
    t.province_code,
    p.province_name,
    t.year,
    100.0 * t.served / nullif(t.in_difficulty, 0) as served_pct,
from totals as t
left join seeds.provinces as p using (province_code)
"""

SAMPLE_FIXTURE = """
model: marts.fct_served
description: two districts of province 01 are summed before dividing; 02 has no denominator
given:
  staging.stg_counts:
    columns: {province_code: varchar, year: integer, served: bigint, in_difficulty: bigint}
    rows:
      - {province_code: '01', year: 2024, served: 1, in_difficulty: 3}
      - {province_code: '01', year: 2024, served: 1, in_difficulty: 0}
      - {province_code: '02', year: 2024, served: 0, in_difficulty: 0}
  seeds.provinces:
    columns: {province_code: varchar, province_name: varchar}
    rows:
      - {province_code: '01', province_name: Hà Nội}
expect:
  order_by: [province_code, year]
  rows:
    # 100 * (1 + 1) / (3 + 0) = 66.666..., not the mean of 33.3 and NULL
    - {province_code: '01', province_name: Hà Nội, year: 2024, served_pct: 66.6666667}
    - {province_code: '02', province_name: null, year: 2024, served_pct: null}
"""


@pytest.fixture()
def sample(tmp_path):
    models = tmp_path / "models"
    (models / "marts").mkdir(parents=True)
    (models / "marts" / "fct_served.sql").write_text(textwrap.dedent(SAMPLE_MODEL).lstrip(), encoding="utf-8")
    fixture = tmp_path / "fct_served.yml"
    fixture.write_text(textwrap.dedent(SAMPLE_FIXTURE).lstrip(), encoding="utf-8")
    return models, fixture


def test_harness_passes_a_correct_fixture(sample):
    models, fixture = sample
    check_fixture(fixture, models)


def test_harness_fails_a_wrong_expectation(sample):
    models, fixture = sample
    data = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    data["expect"]["rows"][0]["served_pct"] = 33.3333333  # the mean-of-ratios mistake
    fixture.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(AssertionError, match="missing") as err:
        check_fixture(fixture, models)
    assert "33.3333333" in str(err.value) and "66.66666" in str(err.value)


def test_harness_fails_when_a_row_is_missing_or_extra():
    rows = [{"k": 1, "v": 1.0}, {"k": 1, "v": 1.0}]
    compare_rows(rows, [{"k": 1, "v": 1.0000000001}, {"k": 1, "v": 1.0}])  # within tolerance, duplicates count
    with pytest.raises(AssertionError, match="unexpected"):
        compare_rows(rows, [{"k": 1, "v": 1.0}])
    with pytest.raises(AssertionError, match="missing"):
        compare_rows(rows[:1], rows)
    with pytest.raises(AssertionError):
        compare_rows([{"k": None}], [{"k": 0}])  # NULL is not zero
    with pytest.raises(AssertionError, match="no column"):
        compare_rows([{"k": 1}], [{"k": 1, "absent": 2}])


def test_harness_requires_every_input_table(sample):
    models, fixture = sample
    data = load_fixture(fixture)
    del data["given"]["seeds.provinces"]
    with pytest.raises(AssertionError, match=r"reads \['seeds.provinces'\]"):
        run_fixture(data, models)


def test_dates_compare_with_iso_text():
    assert values_equal(dt.date(2025, 6, 30), "2025-06-30")
    assert not values_equal(dt.date(2025, 6, 30), "2025-07-01")
    assert values_equal(Decimal("2.50"), 2.5)
