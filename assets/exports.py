"""Exports of the marts for analysts who do not use DuckDB: each mart as Parquet (pandas,
R arrow, Power BI) and as CSV in UTF-8 with a byte-order mark (so Excel shows the
Vietnamese names), written with each build beside the scorecards and replaced when the
build is published."""

from collections.abc import Sequence

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.sql_models import qualified_name


def export_names(key: dg.AssetKey) -> tuple[str, str]:
    """The Parquet and CSV file names of a mart: ``<table>.parquet`` and ``<table>.csv``."""
    return f"{key.path[-1]}.parquet", f"{key.path[-1]}.csv"


def build_exports_asset(marts: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The asset writing every mart of ``marts`` (keys ``marts/<table>``) as Parquet and CSV."""

    @dg.asset(key=["reports", "mart_exports"], group_name="reports", kinds={"parquet", "csv"}, deps=list(marts))
    def mart_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """Each mart (marts.indicator_values, marts.target_vs_actual, ...) as <table>.parquet
        and <table>.csv (UTF-8 with BOM, for Excel) in the reports folder, rows in a stable
        order; moved there when the build is published, with the scorecards."""
        staged = warehouse.staged_reports_dir(context)
        rows = {}
        with warehouse.connect(context) as con:
            for key in marts:
                frame = con.sql(f"select * from {qualified_name(*key.path)} order by all").pl()
                parquet, csv = export_names(key)
                frame.write_parquet(staged / f".{parquet}.tmp")  # a dot name: publish leaves it alone
                frame.write_csv(staged / f".{csv}.tmp", include_bom=True)
                for name in (parquet, csv):
                    (staged / f".{name}.tmp").replace(staged / name)
                rows[key.path[-1]] = frame.height
        folder = warehouse.settings().reports_dir
        return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(folder)), **rows})

    return mart_exports
