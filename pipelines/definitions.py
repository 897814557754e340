"""The Dagster code location: loads the assets of each layer and wires them to the
warehouse resource, the job, the nightly schedule, the raw-file sensor, the run-failure alert
and the run-history retention."""

import dagster as dg

from assets.ingest import ingest_assets
from assets.models import MODELS_DIR, build_model_assets
from assets.reports import build_publish_asset, scorecard_html, scorecard_xlsx
from assets.seeds import plan_seeds, provinces
from pipelines.alerts import run_failure_alert
from pipelines.jobs import build_warehouse
from pipelines.resources import WarehouseResource
from pipelines.run_history import run_history_retention
from pipelines.schedules import nightly_build
from pipelines.sensors import raw_files_sensor

INGEST_KEYS = [key for a in ingest_assets for key in a.keys]
# Tables written by Python assets that the SQL models may read, with the assets writing them.
EXTERNAL_TABLES = {
    **{".".join(key.path): [key] for key in INGEST_KEYS},
    "audit.ingested_files": INGEST_KEYS,
    "audit.rejected_rows": INGEST_KEYS,
    **{".".join(key.path): [key] for key in [*plan_seeds.keys, *provinces.keys]},
}

# The SQL layer: one multi-asset (a step per run) and the Great Expectations check.
model_assets, model_checks = build_model_assets(MODELS_DIR, EXTERNAL_TABLES)
built_assets = [*ingest_assets, plan_seeds, provinces, *model_assets, scorecard_xlsx, scorecard_html]
publish = build_publish_asset([key for a in built_assets for key in a.keys])

defs = dg.Definitions(
    assets=[*built_assets, publish],
    asset_checks=model_checks,
    jobs=[build_warehouse],
    schedules=[nightly_build],
    sensors=[raw_files_sensor, run_failure_alert, run_history_retention],
    resources={"warehouse": WarehouseResource()},
    executor=dg.in_process_executor,
)
