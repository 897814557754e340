"""Seeds layer: the plans, their targets and the indicator catalogue (data/seeds/), and
the official province lists, loaded into the warehouse schema ``seeds``."""


import dagster as dg
import polars as pl

from assets._common import preview_md, replace_table
from models.seeds import load_seeds
from pipelines.config import PROJECT_ROOT
from pipelines.geo import provinces as province_reference
from pipelines.resources import WarehouseResource

SEEDS_DIR = PROJECT_ROOT / "data" / "seeds"


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
    write them to the warehouse schema ``seeds``."""
    frames = load_seeds(SEEDS_DIR)
    with warehouse.connect(context) as con:
        for name, frame in frames.items():
            replace_table(con, "seeds", name, frame)
    for name, frame in frames.items():
        yield dg.MaterializeResult(
            asset_key=["seeds", name],
            metadata={"row_count": frame.height, "preview": preview_md(frame)},
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
