"""Jobs: the whole warehouse, built in one process (one DuckDB writer per build)."""

import dagster as dg

build_warehouse = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Ingest every raw file, load the seeds, run the SQL models, compute the "
    "indicators and scorecards, and publish the warehouse when every blocking check passed.",
)
