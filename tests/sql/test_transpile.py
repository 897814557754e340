"""Every SQL model stays portable: sqlglot transpiles it from DuckDB to Spark and Postgres
without an unsupported construct (``unsupported_level=RAISE``). One test per file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlglot

from pipelines.sql.model import parse_model_file, transpile

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "dbt_like_sql"
MODEL_FILES = sorted(MODELS_DIR.glob("*/*.sql"))
TARGETS = ("spark", "postgres")


def _check_portable(path: Path) -> None:
    model = parse_model_file(path)
    queries = [("body", model.sql)] + [(f"audit {a.check_name}", a.bad_rows_sql(model.relation)) for a in model.checks]
    for what, sql in queries:
        for dialect in TARGETS:
            try:
                out = transpile(sql, dialect)
            except sqlglot.errors.SqlglotError as err:
                pytest.fail(f"{path.relative_to(path.parents[1])} ({what}) does not transpile to {dialect}: {err}")
            assert out.strip(), f"{path} ({what}) transpiled to empty {dialect} SQL"


@pytest.mark.parametrize("path", MODEL_FILES, ids=[f"{p.parent.name}/{p.name}" for p in MODEL_FILES])
def test_model_transpiles(path: Path) -> None:
    _check_portable(path)


SAMPLE = """
/* @model
grain: [province_code, year]
description: Sample model exercising DuckDB idioms the real models use.
audits:
  - name: no_negative
    description: counts are not negative
    sql: select * from marts.sample where served < 0
*/
with latest as (
    select
        province_code,
        year,
        served,
        row_number() over (partition by province_code, year order by month desc nulls last) as rn,
    from raw.beneficiaries
    where group_code in ('elderly', 'disabled')
)
select
    lpad(province_code::varchar, 2, '0') as province_code,
    year,
    sum(served) filter (where rn = 1) as served,
    100.0 * sum(served) / nullif(sum(served), 0) as served_pct,
from latest
group by all
"""


def test_sample_model_transpiles(tmp_path):
    """Runs even before any real model exists: a sample with CTE, window, FILTER, GROUP BY ALL."""
    path = tmp_path / "marts" / "sample.sql"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(SAMPLE).lstrip(), encoding="utf-8")
    _check_portable(path)
    spark = transpile(parse_model_file(path).sql, "spark")
    assert "ROW_NUMBER() OVER" in spark and "raw.beneficiaries" in spark


def test_unsupported_construct_fails(tmp_path):
    """The check can fail: PIVOT has no Postgres equivalent in sqlglot."""
    path = tmp_path / "marts" / "pivoted.sql"
    path.parent.mkdir()
    path.write_text(
        "/* @model\ngrain: [k]\ndescription: d\n*/\nselect * from raw.t pivot (sum(x) for y in ('a', 'b'))\n",
        encoding="utf-8",
    )
    with pytest.raises(pytest.fail.Exception, match="does not transpile to postgres"):
        _check_portable(path)
