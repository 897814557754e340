"""Seeds layer: the plans, their targets and the indicator catalogue (data/seeds/), and
the official province lists, loaded into the warehouse schema ``seeds``, each table and
column with its description (``COMMENT ON``), and the ``vn_fold`` search macro."""

import hashlib
from importlib.metadata import version

import dagster as dg

from assets._common import preview_md, replace_table
from assets.ingest import start_expectations_for_new_files
from models.tables import CALENDAR, calendar
from pipelines.config import PROJECT_ROOT
from pipelines.duck import qualified_name, quote_identifier, sql_string_literal
from pipelines.geo import PROVINCE_COLUMNS, PROVINCES_DESCRIPTION, province_table
from pipelines.resources import WarehouseResource
from pipelines.sql.state import Action, Inputs, ensure_state_tables, plan_build, record_build

SEEDS_DIR = PROJECT_ROOT / "data" / "seeds"
SEED_TABLES = ("plans", "plan_targets", "indicators")
SEEDS_STATE = "asset:seeds.plan_seeds"
"""Key under which the version of the loaded seed files is recorded in audit.model_versions."""

VN_FOLD = "vn_fold"
VN_FOLD_DESCRIPTION = (
    "vn_fold(text): the text folded for Vietnamese search: lower case, without diacritics (đ becomes d), "
    "spaces trimmed and collapsed, so where vn_fold(province_name) = 'ca mau' finds Cà Mau, "
    "whether the text is NFC or NFD."
)


def describe_table(con, schema: str, table: str, description: str, columns: dict[str, str]) -> None:
    """Write the descriptions of a table and of its columns into the catalogue (``COMMENT ON``,
    read back with ``duckdb_tables()`` and ``duckdb_columns()``)."""
    name = qualified_name(schema, table)
    con.execute(f"comment on table {name} is {sql_string_literal(description)}")
    for column, text in columns.items():
        con.execute(f"comment on column {name}.{quote_identifier(column)} is {sql_string_literal(text)}")


def create_vn_fold(con) -> None:
    """Create (or replace) the ``vn_fold`` macro in the warehouse's default schema, with its
    description: ``strip_accents`` drops the combining marks, and đ, which is a letter of its
    own rather than d with a mark, is replaced first."""
    con.execute(
        f"create or replace macro {VN_FOLD}(value) as trim(regexp_replace("
        r"strip_accents(lower(replace(replace(value, 'đ', 'd'), 'Đ', 'd'))), '\s+', ' ', 'g'))"
    )
    con.execute(f"comment on macro {VN_FOLD} is {sql_string_literal(VN_FOLD_DESCRIPTION)}")


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
            description="The indicator catalogue: measurable indicators of docs/contract.md §3 and the not-ingested ones.",
        ),
    ],
)
def plan_seeds(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load data/seeds/*.csv, validate them (pandera schemas and cross-table rules) and
    write them to the warehouse schema ``seeds``. When the files (and models/seeds.py)
    are those already loaded into the warehouse, the tables are kept as they are. As the
    build's first step, it starts the Great Expectations child when new files wait."""
    with warehouse.connect(context) as con:
        start_expectations_for_new_files(context, con, warehouse)
        existing = {
            name for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
                " and schema_name = 'seeds'"
            ).fetchall()
        }
        ensure_state_tables(con)
        plan = plan_build(con, SEEDS_STATE, _seeds_hash(), Inputs(), incremental=False,
                          exists=set(SEED_TABLES) <= existing)
        if plan.action == Action.SKIP:
            context.log.info(f"seed files unchanged since they were loaded and validated: {plan.reason}")
            frames = {name: con.sql(f"select * from {qualified_name('seeds', name)}").pl() for name in SEED_TABLES}
        else:
            # pandera: imported only when there is something to validate
            from models.seeds import RESOLVED_DISTRICT_COLUMNS, SCHEMAS, load_seeds

            frames = load_seeds(SEEDS_DIR)
            for name, frame in frames.items():
                replace_table(con, "seeds", name, frame)
                schema = SCHEMAS[name].to_schema()
                columns = {column: spec.description for column, spec in schema.columns.items()}
                if name == "plans":
                    columns |= RESOLVED_DISTRICT_COLUMNS
                describe_table(con, "seeds", name, schema.description, columns)
            record_build(con, SEEDS_STATE, plan, [], incremental=False)
    for name, frame in frames.items():
        yield dg.MaterializeResult(
            asset_key=["seeds", name],
            metadata={"row_count": frame.height, "preview": preview_md(frame),
                      "loaded": "in an earlier build: files unchanged" if plan.action == Action.SKIP else "now"},
        )


@dg.multi_asset(
    name="provinces",
    specs=[
        dg.AssetSpec(["seeds", "provinces"], group_name="seeds", kinds={"duckdb", "python"},
                     description=PROVINCES_DESCRIPTION),
        dg.AssetSpec(["seeds", "calendar"], group_name="seeds", kinds={"duckdb", "python"},
                     description=CALENDAR.description),
    ],
)
def provinces(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Official province lists from vietnamadminunits: the 63 provinces before 1 July 2025
    (province_list = old) and the 34 after it (new), each with the code of the new
    province it belongs to (successor_code); the vn_fold(text) macro for searching
    Vietnamese names without diacritics; and seeds.calendar, the reform date and the
    national periods of the data model (models/tables.py), which the SQL models join."""
    frames = {"provinces": province_table(), "calendar": calendar()}
    with warehouse.connect(context) as con:
        replace_table(con, "seeds", "provinces", frames["provinces"])
        describe_table(con, "seeds", "provinces", PROVINCES_DESCRIPTION,
                       {c: text for c, (_, text) in PROVINCE_COLUMNS.items()})
        replace_table(con, "seeds", "calendar", frames["calendar"])
        describe_table(con, "seeds", "calendar", CALENDAR.description, {c.name: c.comment for c in CALENDAR.columns})
        create_vn_fold(con)
    for name, frame in frames.items():
        yield dg.MaterializeResult(asset_key=["seeds", name],
                                   metadata={"row_count": frame.height, "preview": preview_md(frame)})
