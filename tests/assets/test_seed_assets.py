"""The seeds asset loads and validates the seed files again only when they change."""

import csv
import shutil

import dagster as dg
import duckdb
import pytest

import assets.seeds as seeds_assets
from models.seeds import SCHEMAS
from pipelines.resources import WarehouseResource


@pytest.fixture
def seeds(tmp_path, monkeypatch):
    """A copy of data/seeds the asset reads, and a function materialising the asset into one
    working file (the same run id each time, as the steps of one run share it)."""
    copy = tmp_path / "seeds"
    shutil.copytree(seeds_assets.SEEDS_DIR, copy)
    monkeypatch.setattr(seeds_assets, "SEEDS_DIR", copy)
    resource = WarehouseResource(raw_dir=str(tmp_path / "raw"), warehouse=str(tmp_path / "w.duckdb"), pii_salt="t")

    def materialize() -> dict[str, str]:
        context = dg.build_asset_context(resources={"warehouse": resource})
        return {r.asset_key.path[-1]: r.metadata["loaded"] for r in seeds_assets.plan_seeds(context)}

    working = resource.working_path("EPHEMERAL")
    return copy, materialize, working


def _notes(working) -> list:
    with duckdb.connect(str(working), read_only=True) as con:
        return con.execute("select note from seeds.plans order by plan_id").fetchall()


def _rewrite(path, change) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_tables_are_kept_while_the_files_are_unchanged_and_reloaded_when_one_changes(seeds):
    copy, materialize, working = seeds
    assert set(materialize().values()) == {"now"}
    assert set(materialize().values()) == {"in an earlier build: files unchanged"}
    _rewrite(copy / "plans.csv", lambda rows: rows[0].update(note="changed note"))
    assert set(materialize().values()) == {"now"}
    assert ("changed note",) in _notes(working)


def test_a_seed_file_that_fails_validation_is_not_recorded_as_loaded(seeds):
    copy, materialize, working = seeds
    materialize()
    before = _notes(working)
    original = (copy / "plan_targets.csv").read_bytes()
    _rewrite(copy / "plan_targets.csv", lambda rows: rows[0].update(comparator="about"))
    with pytest.raises(ValueError, match="plan_targets.csv"):
        materialize()
    # the broken version is validated again on the next run, not skipped
    with pytest.raises(ValueError, match="plan_targets.csv"):
        materialize()
    (copy / "plan_targets.csv").write_bytes(original)
    assert set(materialize().values()) == {"in an earlier build: files unchanged"}
    assert _notes(working) == before


def test_the_asset_lists_the_seeds_the_loader_knows():
    assert set(seeds_assets.SEED_TABLES) == set(SCHEMAS)


def _described(working) -> dict:
    with duckdb.connect(str(working), read_only=True) as con:
        tables = con.execute("select table_name, comment from duckdb_tables() where schema_name = 'seeds'").fetchall()
        columns = con.execute(
            "select count(*) filter (where coalesce(comment, '') = ''), count(*) from duckdb_columns()"
            " where schema_name = 'seeds'"
        ).fetchone()
    return {"tables": dict(tables), "undescribed_columns": columns[0], "columns": columns[1]}


def test_the_seed_tables_keep_their_descriptions_when_the_files_are_unchanged(seeds):
    _, materialize, working = seeds
    materialize()
    first = _described(working)
    assert set(first["tables"]) == set(SCHEMAS)
    assert all(first["tables"].values()) and first["undescribed_columns"] == 0 and first["columns"] > 0
    assert set(materialize().values()) == {"in an earlier build: files unchanged"}
    assert _described(working) == first
