"""Dagster assets and checks built from a temporary SQL models folder, run on a tmp warehouse."""


import textwrap
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.models import MODELS_DIR, build_model_assets
from models.tables import MODEL_COLUMNS, Column
from pipelines.resources import WarehouseResource
from pipelines.sql import GraphError

STG_A = """
/* @model
grain: [id]
description: Rows of raw.a, renamed.
*/
select id, name as label from raw.a
"""

STG_B = """
/* @model
materialized: view
grain: [id]
description: Values of raw.b.
*/
select id, v from raw.b
"""

INT_AB = """
/* @model
grain: [id]
description: A joined with B.
*/
with b as (
    select * from staging.stg_b
)
select a.id, a.label, b.v
from staging.stg_a as a
left join b using (id)
"""

MART = """
/* @model
grain: [id]
description: The published mart.
audits:
  - name: v_pct_in_range
    description: percentages are between 0 and 100
    blocking: true
    sql: select * from marts.m where v_pct not between 0 and 100
  - name: every_a_has_b
    description: every row of raw.a has a value in raw.b (a warning)
    sql: |
      select a.*
      from staging.stg_a as a
      anti join raw.b as b using (id)
*/
select id, label, 100.0 * v / 10 as v_pct
from intermediate.int_ab
"""


def write_models(root: Path) -> Path:
    for rel, text in {
        "staging/stg_a.sql": STG_A,
        "staging/stg_b.sql": STG_B,
        "intermediate/int_ab.sql": INT_AB,
        "marts/m.sql": MART,
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def raw_a_asset(rows: list[tuple[int, str]]) -> dg.AssetsDefinition:
    """Stands in for ingestion: writes raw.a into the run's working file."""

    @dg.asset(key=["raw", "a"], group_name="ingest", required_resource_keys={"warehouse"})
    def raw_a(context: dg.AssetExecutionContext) -> None:
        with context.resources.warehouse.connect(context) as con:
            con.execute("create schema if not exists raw")
            con.execute("create or replace table raw.a (id integer, name varchar)")
            con.executemany("insert into raw.a values (?, ?)", rows)

    return raw_a


DATA_MODEL = {
    "staging.stg_a": (Column("id", "INTEGER", "the key"), Column("label", "VARCHAR", "the name of the row")),
    "staging.stg_b": (Column("v", "DOUBLE", "the value"),),
    "marts.m": (Column("v_pct", "DOUBLE", "v as a percentage"),),
}
"""The models' columns as the data model (models/tables.py) would describe them."""


@pytest.fixture()
def env(tmp_path, monkeypatch):
    for key, columns in DATA_MODEL.items():
        monkeypatch.setitem(MODEL_COLUMNS, key, columns)
    models = write_models(tmp_path / "models")
    published = tmp_path / "w.duckdb"
    con = duckdb.connect(str(published))
    # raw.b exists in the published warehouse and no asset produces it (external with no keys)
    con.execute("create schema raw")
    con.execute("create table raw.b as select * from (values (1, 5.0), (2, 7.5)) as t(id, v)")
    con.close()
    res = WarehouseResource(raw_dir=str(tmp_path / "raw"), warehouse=str(published), pii_salt="t")
    external = {"raw.a": [dg.AssetKey(["raw", "a"])], "raw.b": []}
    return models, res, external


def run(assets, checks, res, extra_assets=()):
    return dg.materialize([*extra_assets, *assets, *checks], resources={"warehouse": res}, raise_on_error=False)


def check_results(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()
    }


def test_definitions_carry_keys_groups_deps_and_docs(env):
    models, _, external = env
    assets, checks = build_model_assets(models, external)
    specs = {spec.key.to_user_string(): spec for a in assets for spec in a.specs}
    assert set(specs) == {"staging/stg_a", "staging/stg_b", "intermediate/int_ab", "marts/m"}
    assert specs["staging/stg_a"].group_name == "staging"
    assert specs["marts/m"].group_name == "marts"  # the layer (folder)
    assert specs["marts/m"].description == "The published mart."
    assert specs["staging/stg_a"].kinds == {"duckdb"}
    assert {d.asset_key for d in specs["staging/stg_a"].deps} == {dg.AssetKey(["raw", "a"])}
    assert {d.asset_key for d in specs["staging/stg_b"].deps} == set()  # raw.b: external, no asset
    assert {d.asset_key for d in specs["intermediate/int_ab"].deps} == {
        dg.AssetKey(["staging", "stg_a"]), dg.AssetKey(["staging", "stg_b"])
    }
    schema = specs["staging/stg_a"].metadata["dagster/column_schema"]
    assert [(c.name, c.description) for c in schema.columns] == [("id", "the key"), ("label", "the name of the row")]

    # Grain checks and audits are evaluated in the model's own step (check specs of the asset).
    check_keys = {(c.asset_key.to_user_string(), c.name): c for a in assets for c in a.check_specs}
    for model in specs:
        assert check_keys[(model, "unique_grain")].blocking
        assert check_keys[(model, "not_null_grain")].blocking
    assert check_keys[("marts/m", "v_pct_in_range")].blocking
    assert not check_keys[("marts/m", "every_a_has_b")].blocking
    # The audit reads staging.stg_a, so the mart depends on it even though its body does not.
    assert dg.AssetKey(["staging", "stg_a"]) in {d.asset_key for d in specs["marts/m"].deps}
    assert checks == []  # no published marts here, so no Great Expectations check


def test_materialize_all_models_with_checks(env):
    models, res, external = env
    assets, checks = build_model_assets(models, external)
    result = run(assets, checks, res, [raw_a_asset([(1, "one"), (2, "two"), (3, "three")])])
    assert result.success

    mats = {
        m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()
    }
    meta = mats["marts/m"].event_specific_data.materialization.metadata
    assert meta["row_count"].value == 3
    assert [c.name for c in meta["columns"].schema.columns] == ["id", "label", "v_pct"]
    assert "from intermediate.int_ab" in meta["sql"].value
    assert "| id | label | v_pct |" in meta["preview"].value
    assert mats["staging/stg_b"].event_specific_data.materialization.metadata["row_count"].value == 2

    checks_by = check_results(result)
    assert all(checks_by[(m, n)].passed for m in mats if m != "raw/a" for n in ("unique_grain", "not_null_grain"))
    assert checks_by[("marts/m", "v_pct_in_range")].passed
    warn = checks_by[("marts/m", "every_a_has_b")]
    assert not warn.passed and warn.severity == dg.AssetCheckSeverity.WARN
    assert warn.metadata["failing_rows"].value == 1  # id 3 has no row in raw.b
    assert "three" in warn.metadata["preview"].value

    con = duckdb.connect(str(res.working_path(result.run_id)), read_only=True)
    try:
        tables = {
            (s, t): c for s, t, c in con.execute(
                "select schema_name, table_name, comment from duckdb_tables()").fetchall()
        }
        assert tables[("marts", "m")] == "The published mart."
        assert tables[("intermediate", "int_ab")] == "A joined with B."
        assert con.execute(
            "select comment from duckdb_views() where schema_name = 'staging' and view_name = 'stg_b'"
        ).fetchone() == ("Values of raw.b.",)
        cols = {
            (t, c): d for t, c, d in con.execute(
                "select table_name, column_name, comment from duckdb_columns() where schema_name <> 'raw'"
            ).fetchall()
        }
        assert cols[("stg_a", "label")] == "the name of the row"
        assert cols[("m", "v_pct")] == "v as a percentage"
        assert con.execute("select v_pct from marts.m where id = 2").fetchone() == (75.0,)
    finally:
        con.close()


def test_duplicate_grain_fails_the_blocking_check_and_stops_downstream(env):
    models, res, external = env
    assets, checks = build_model_assets(models, external)
    result = run(assets, checks, res, [raw_a_asset([(1, "one"), (1, "uno"), (2, "two")])])
    checks_by = check_results(result)
    failed = checks_by[("staging/stg_a", "unique_grain")]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.metadata["failing_rows"].value == 2  # both rows of id 1
    assert "uno" in failed.metadata["preview"].value
    assert checks_by[("staging/stg_a", "not_null_grain")].passed
    materialized = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert "staging/stg_a" in materialized
    assert "intermediate/int_ab" not in materialized and "marts/m" not in materialized  # blocked
    assert not result.success


def test_blocking_audit_failure_is_an_error(env, tmp_path):
    models, res, external = env
    (models / "marts" / "m.sql").write_text(
        textwrap.dedent(MART).lstrip().replace("100.0 * v / 10", "100.0 * v"), encoding="utf-8"
    )
    assets, checks = build_model_assets(models, external)
    result = run(assets, checks, res, [raw_a_asset([(1, "one"), (2, "two")])])
    audit = check_results(result)[("marts/m", "v_pct_in_range")]
    assert not audit.passed and audit.severity == dg.AssetCheckSeverity.ERROR
    assert audit.metadata["failing_rows"].value == 2  # 500 and 750


def test_unknown_upstream_table_fails_the_build(env):
    models, _, external = env
    del external["raw.b"]
    with pytest.raises(GraphError) as err:
        build_model_assets(models, external)
    msg = str(err.value)
    assert "stg_b.sql, line 6" in msg and "'raw.b'" in msg
    assert "int_ab" not in msg  # the audit in m.sql reading raw.b is also reported, int_ab is fine
    assert "m.sql, line " in msg and "(audit 'every_a_has_b')" in msg


def test_removed_upstream_model_fails_the_build(env):
    models, _, external = env
    (models / "staging" / "stg_b.sql").unlink()
    with pytest.raises(GraphError, match=r"int_ab\.sql, line 6: unknown table 'staging.stg_b'"):
        build_model_assets(models, external)


def test_cycle_fails_the_build(env):
    models, _, external = env
    (models / "staging" / "stg_c.sql").write_text(
        "/* @model\ngrain: [id]\ndescription: c\n*/\nselect id from marts.m\n", encoding="utf-8"
    )
    path = models / "intermediate" / "int_ab.sql"
    path.write_text(path.read_text().replace("from staging.stg_b", "from staging.stg_c"), encoding="utf-8")
    with pytest.raises(GraphError, match="cycle") as err:
        build_model_assets(models, external)
    assert "intermediate.int_ab -> marts.m -> staging.stg_c -> intermediate.int_ab" in str(err.value)


def test_real_models_build_with_the_expectations_check():
    """The lead's dbt_like_sql/ loads; the GE suite check is attached to marts.target_vs_actual."""
    external = {
        t: [dg.AssetKey(t.split("."))]
        for t in ("raw.beneficiaries", "raw.facilities", "raw.training", "audit.ingested_files",
                  "audit.rejected_rows", "seeds.plan_targets", "seeds.plans", "seeds.indicators",
                  "seeds.provinces", "seeds.calendar")
    }
    if not (MODELS_DIR / "marts" / "target_vs_actual.sql").exists():
        pytest.skip("the published marts are not written yet")
    assets, checks = build_model_assets(MODELS_DIR, external)
    specs = {c.key for d in checks for c in d.check_specs}
    ge = dg.AssetCheckKey(dg.AssetKey(["marts", "target_vs_actual"]), "great_expectations_suite")
    assert ge in specs
    spec = next(c for d in checks for c in d.check_specs if c.key == ge)
    assert spec.blocking
    assert {d.asset_key for d in spec.additional_deps} >= {
        dg.AssetKey(["marts", "indicator_values"]), dg.AssetKey(["seeds", "plan_targets"])
    }
    defs = dg.Definitions(
        assets=assets, asset_checks=checks,
        resources={"warehouse": WarehouseResource(raw_dir="r", warehouse="w.duckdb", pii_salt="t")},
    )
    defs.resolve_all_job_defs()  # the whole graph wires (keys, deps, checks, resources)


def test_one_model_can_be_materialised_alone(env):
    """The multi-asset is subsettable: selecting staging/stg_b builds it and its checks only,
    in the one step of the SQL layer."""
    models, res, external = env
    assets, _ = build_model_assets(models, external)
    result = dg.materialize(
        assets, selection=dg.AssetSelection.assets(dg.AssetKey(["staging", "stg_b"])),
        resources={"warehouse": res}, raise_on_error=False,
    )
    assert result.success
    mats = result.get_asset_materialization_events()
    assert [m.asset_key.to_user_string() for m in mats] == ["staging/stg_b"]
    assert mats[0].event_specific_data.materialization.metadata["row_count"].value == 2
    assert set(check_results(result)) == {("staging/stg_b", "unique_grain"), ("staging/stg_b", "not_null_grain")}
    assert {e.step_key for e in result.all_events if e.step_key} == {"sql_models"}
    con = duckdb.connect(str(res.working_path(result.run_id)), read_only=True)
    try:
        built = {t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name <> 'raw'"
                                           " union all select view_name from duckdb_views() where not internal"
                                           ).fetchall()}
    finally:
        con.close()
    assert "stg_b" in built and not {"stg_a", "int_ab", "m"} & built


def test_the_sql_layer_is_one_step_of_the_job():
    from pipelines.definitions import defs

    job = defs.resolve_job_def("build_warehouse")
    layer = defs.resolve_assets_def(dg.AssetKey(["marts", "indicator_values"]))
    model_files = sorted(MODELS_DIR.glob("*/*.sql"))
    assert {k.to_user_string() for k in layer.keys} == {f"{p.parent.name}/{p.stem}" for p in model_files}
    assert layer.can_subset
    nodes = [n.name for n in job.nodes]
    assert nodes.count(layer.node_def.name) == 1
    assert not {"staging__stg_beneficiaries", "marts__indicator_values"} & set(nodes)
    groups = {k.path[0]: layer.specs_by_key[k].group_name for k in layer.keys}
    assert groups == {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


def _connection_settings(res: WarehouseResource) -> tuple[dg.ExecuteInProcessResult, dict]:
    seen: dict = {}

    @dg.asset(required_resource_keys={"warehouse"})
    def probe(context: dg.AssetExecutionContext) -> None:
        with context.resources.warehouse.connect(context) as con:
            seen["memory_limit"], seen["temp_directory"] = con.execute(
                "select current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
        seen["run_id"] = context.run_id

    return dg.materialize([probe], resources={"warehouse": res}, raise_on_error=False), seen


def test_a_run_connection_has_the_memory_limit_and_spills_into_the_run_folder(tmp_path):
    published = tmp_path / "w.duckdb"
    res = WarehouseResource(warehouse=str(published), pii_salt="t", memory_limit="512MB")
    result, seen = _connection_settings(res)
    assert result.success
    assert seen["memory_limit"] == duckdb.connect(config={"memory_limit": "512MB"}).execute(
        "select current_setting('memory_limit')").fetchone()[0]
    assert Path(seen["temp_directory"]) == tmp_path / ".build" / f"{seen['run_id']}.tmp"
    # without the resource's field, TGXH_MEMORY_LIMIT decides (default 2GB)
    assert WarehouseResource(warehouse=str(published), pii_salt="t").duckdb_config("r")["memory_limit"] == "2GB"


def test_an_unreadable_memory_limit_fails_the_step_naming_the_setting(tmp_path):
    res = WarehouseResource(warehouse=str(tmp_path / "w.duckdb"), pii_salt="t", memory_limit="lots")
    result, _ = _connection_settings(res)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "memory_limit='lots'" in failure.message and "Traceback" not in failure.message
