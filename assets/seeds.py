"""Seeds layer: the plans, their targets and the indicator catalogue (data/seeds/), and
the official province lists, loaded into the warehouse schema ``seeds``."""


import hashlib
from importlib.metadata import version

import dagster as dg
import polars as pl

from assets._common import preview_md, replace_table
from pipelines.config import PROJECT_ROOT
from pipelines.geo import provinces as province_reference
from pipelines.model_state import SKIP, Inputs, ensure_state_tables, plan_build, record_build
from pipelines.resources import WarehouseResource
from pipelines.sql_models import qualified_name

SEEDS_DIR = PROJECT_ROOT / "data" / "seeds"
SEED_TABLES = ("plans", "plan_targets", "indicators")
SEEDS_STATE = "asset:seeds.plan_seeds"
"""Key under which the version of the loaded seed files is recorded in audit.model_versions."""


def _seeds_hash() -> str:
    """Hash of the seed files, of their schemas and loader (models/seeds.py) and of the
    versions of the libraries that read and validate them."""
    digest = hashlib.sha256((PROJECT_ROOT / "models" / "seeds.py").read_bytes())
    digest.update(" ".join(f"{lib}={version(lib)}" for lib in ("pandera", "polars")).encode())
    for name in SEED_TABLES:
        digest.update(b"\0" + name.encode() + b"\0" + (SEEDS_DIR / f"{name}.csv").read_bytes())
    return digest.hexdigest()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["seeds", "plans"],
            group_name="seeds",
            kinds={"duckdb", "csv"},
            description="One row per plan document: number, date, issuer, level, province, district, phases, source file.",
        ),
        dg.AssetSpec(
            ["seeds", "plan_targets"],
            group_name="seeds",
            kinds={"duckdb", "csv"},
            description="One row per quantitative target of the five plans, quoting the sentence it comes from.",
        ),
        dg.AssetSpec(
            ["seeds", "indicators"],
            group_name="seeds",
            kinds={"duckdb", "csv"},
            description="The indicator catalogue: measurable indicators of CONTRACT §3 and the not-ingested ones.",
        ),
    ],
)
def plan_seeds(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load data/seeds/*.csv, validate them (pandera schemas and cross-table rules) and
    write them to the warehouse schema ``seeds``. When the files (and models/seeds.py)
    are those already loaded into the warehouse, the tables are kept as they are."""
    with warehouse.connect(context) as con:
        existing = {
            name for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
                " and schema_name = 'seeds'"
            ).fetchall()
        }
        ensure_state_tables(con)
        plan = plan_build(con, SEEDS_STATE, _seeds_hash(), Inputs(), incremental=False,
                          exists=set(SEED_TABLES) <= existing)
        if plan.action == SKIP:
            context.log.info(f"seed files unchanged since they were loaded and validated: {plan.reason}")
            frames = {name: con.sql(f"select * from {qualified_name('seeds', name)}").pl() for name in SEED_TABLES}
        else:
            from models.seeds import load_seeds  # pandera: imported only when there is something to validate

            frames = load_seeds(SEEDS_DIR)
            for name, frame in frames.items():
                replace_table(con, "seeds", name, frame)
            record_build(con, SEEDS_STATE, plan, [], incremental=False)
    for name, frame in frames.items():
        yield dg.MaterializeResult(
            asset_key=["seeds", name],
            metadata={"row_count": frame.height, "preview": preview_md(frame),
                      "loaded": "in an earlier build: files unchanged" if plan.action == SKIP else "now"},
        )


@dg.asset(key=["seeds", "provinces"], group_name="seeds", kinds={"duckdb", "python"})
def provinces(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Official province lists from vietnamadminunits: the 63 provinces before 1 July 2025
    (province_list = old) and the 34 after it (new), each with the code of the new
    province it belongs to (successor_code)."""
    frame = province_reference()
    with warehouse.connect(context) as con:
        replace_table(con, "seeds", "provinces", frame)
    return dg.MaterializeResult(metadata={"row_count": frame.height, "preview": preview_md(frame)})
