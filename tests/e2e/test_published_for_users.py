"""The published warehouse as its users meet it, on the real job and the shipped sample:
an older DuckDB client (the CLI from PyPI, 1.5) opens it and queries the marts; the
marts are exported as Parquet and CSV beside it; a second build on the same folder
changes nothing and publishes nothing."""

import hashlib
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.definitions import defs


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("published")
    mp = pytest.MonkeyPatch()
    mp.setenv("TGXH_RAW_DIR", str(PROJECT_ROOT / "data" / "raw"))
    mp.setenv("TGXH_WAREHOUSE", str(tmp / "w" / "tgxh.duckdb"))
    mp.setenv("TGXH_REPORTS_DIR", str(tmp / "reports"))
    mp.setenv("TGXH_PII_SALT", "e2e-salt")
    instance = dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("build_warehouse")
    first = job.execute_in_process(instance=instance, raise_on_error=False)
    warehouse = tmp / "w" / "tgxh.duckdb"
    digest = hashlib.sha256(warehouse.read_bytes()).hexdigest() if warehouse.exists() else None
    second = job.execute_in_process(instance=instance, raise_on_error=False)
    yield {"tmp": tmp, "first": first, "second": second, "warehouse": warehouse, "digest_after_first": digest}
    mp.undo()


def test_an_older_duckdb_client_opens_the_published_file(built):
    assert built["first"].success
    cli = Path(sys.executable).parent / "duckdb"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert version.stdout.startswith("v1.")
    out = subprocess.run(
        [str(cli), "-readonly", "-csv", "-noheader", str(built["warehouse"]), "-c",
         "select count(*), count(status) from marts.target_vs_actual"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        expected = con.execute("select count(*), count(status) from marts.target_vs_actual").fetchone()
    assert out.stdout.strip() == f"{expected[0]},{expected[1]}" and expected[0] > 0


def test_the_marts_are_exported_beside_the_warehouse(built):
    exports = built["warehouse"].parent / "exports"
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        marts = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by all").fetchall()]
        for table in marts:
            published = con.table(f"marts.{table}").pl()
            assert pl.read_parquet(exports / f"{table}.parquet").equals(published), table
            csv = pl.read_csv(exports / f"{table}.csv", infer_schema=False)
            assert csv.columns == published.columns and csv.height == published.height, table
    assert {"target_vs_actual", "indicator_values"} <= set(marts)


def test_a_build_that_changes_nothing_publishes_nothing(built):
    assert built["second"].success
    assert hashlib.sha256(built["warehouse"].read_bytes()).hexdigest() == built["digest_after_first"]
    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        assert con.execute("select build_id from audit.builds").fetchall() == [(built["first"].run_id,)]
    # nothing left but the last run's lock, until its process (pytest's) exits
    assert [p.name for p in (built["warehouse"].parent / ".build").iterdir()] == [f"{built['second'].run_id}.lock"]
