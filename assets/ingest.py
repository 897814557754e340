"""Ingest layer: the raw files of each landing folder into ``raw.<source>``, with the
file ledger ``audit.ingested_files`` and the rejections ``audit.rejected_rows``."""


from dataclasses import dataclass

import dagster as dg
import polars as pl

from assets._common import preview_md
from models.sources import SOURCES as SOURCE_SPECS
from pipelines.config import SOURCES
from pipelines.duck import qualified_name
from pipelines.ingest import IngestReport, WithdrawalRefused, ingest_source, lists_unrecorded_names
from pipelines.quality.expectations import start_child as start_expectations_child
from pipelines.resources import WarehouseResource, in_build

DESCRIPTIONS = {
    "beneficiaries": "Beneficiary counts reported by province, district or commune (docs/contract.md §2.2).",
    "facilities": "Yearly rosters of social assistance facilities and other units (docs/contract.md §2.3).",
    "training": "Training records, one per person and course; person_id pseudonymised (docs/contract.md §2.4).",
}
NO_REJECTIONS = "no_rejected_rows"
RAW_CONTRACT = "raw_contract"
CONTRACT_BATCH_ROWS = 1_000_000
"""Rows validated at once by the contract check (bounds its memory): files together up to
about this many rows, a file with more rows in ranges of this many row numbers."""
ALL_ROWS = (0, 2**31 - 1)


@dataclass(frozen=True)
class _Batch:
    files: list[str]
    rows: tuple[int, int] = ALL_ROWS
    """The range of row numbers checked (a file with more than ``CONTRACT_BATCH_ROWS``)."""


def _file_batches(report: IngestReport) -> list[_Batch]:
    """The files loaded in this run, in batches of about ``CONTRACT_BATCH_ROWS`` rows
    (none when the run loaded no file)."""
    batches: list[_Batch] = []
    rows = 0
    for f in sorted(report.files, key=lambda f: f.file_name):
        if f.status != "loaded" or not f.recorded:
            continue
        if f.rows_read > CONTRACT_BATCH_ROWS:
            batches += [_Batch([f.file_name], (first, first + CONTRACT_BATCH_ROWS - 1))
                        for first in range(1, f.rows_read + 1, CONTRACT_BATCH_ROWS)]
            continue
        if not batches or batches[-1].rows != ALL_ROWS or (
            batches[-1].files and rows + f.rows_loaded > CONTRACT_BATCH_ROWS
        ):
            batches.append(_Batch([]))
            rows = 0
        batches[-1].files.append(f.file_name)
        rows += f.rows_loaded
    return batches


def _keys_repeated(con, source: str, files: list[str]) -> pl.DataFrame:
    """The keys held by more than one row of one of ``files``, failure cases in pandera's
    shape. One grouped query on the stored rows rather than pandera's own check on the
    frames read back: it sees a whole file even when the file is validated in ranges of
    rows, and costs about half as much on millions of rows."""
    key = SOURCE_SPECS[source].raw_key
    columns = ", ".join(f'"{c}"' for c in key)
    table = qualified_name("raw", source)
    in_files = "file_name in (select unnest(?::varchar[]))"
    # grouped by a hash of the key first: a group per distinct key of millions of rows
    # would cost gigabytes; only when a hash repeats are those rows grouped by their key
    repeated_hashes = f"select hash({columns}) from {table} where {in_files} group by all having count(*) > 1"
    if not con.execute(f"select exists ({repeated_hashes})", [files]).fetchall()[0][0]:
        return pl.DataFrame()
    repeated = con.sql(
        f"select {columns}, count(*) as n from {table} where {in_files} and hash({columns}) in ({repeated_hashes})"
        " group by all having count(*) > 1",
        params=[files, files],
    ).pl()
    return repeated.select(
        pl.lit("DataFrameSchema").alias("schema_context"),
        pl.lit(", ".join(key)).alias("column"),
        pl.lit("keys unique within the file").alias("check"),
        # an empty part of the key (a province-level row has no district) shows as empty
        pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in key], separator=", ")
        .alias("failure_case"),
    )


def _contract_check(con, source: str, report: IngestReport) -> dg.AssetCheckResult:
    """Validate the rows loaded in this run against the pandera schema of ``raw.<source>``
    (types, enumerations, ranges, the source's row rules), read back in batches, and
    check in DuckDB that their keys are unique within each file (``_keys_repeated``).
    This is the only schema validation of ingested rows: files are not validated one by one."""
    batches = _file_batches(report)
    if not batches:  # nothing loaded in this run (the nightly run of most sources)
        return dg.AssetCheckResult(check_name=RAW_CONTRACT, passed=True, metadata={"rows_checked": 0})
    # imported here: only this check needs pandera (0.1-0.4 s to import: models/pandera_polars.py)
    from models.pandera_polars import errors as pandera_errors
    from models.schemas import raw_schema

    schema = raw_schema(source, key_unique=False)
    checked, failures = 0, []
    for batch in batches:
        frame = con.sql(
            f"select * from {qualified_name('raw', source)} where list_contains(?::varchar[], file_name)"
            " and row_number between ? and ?",
            params=[batch.files, *batch.rows],
        ).pl()
        checked += frame.height
        try:
            schema.validate(frame, lazy=True)
        except pandera_errors.SchemaErrors as errors:
            failures.append(errors.failure_cases)
        del frame
    repeated = _keys_repeated(con, source, sorted({f for b in batches for f in b.files}))
    if repeated.height:
        failures.append(repeated)
    if failures:
        cases = pl.concat(failures, how="diagonal_relaxed")
        return dg.AssetCheckResult(
            check_name=RAW_CONTRACT,
            passed=False,
            metadata={"rows_checked": checked, "failures": dg.MetadataValue.md(preview_md(cases, 20))},
        )
    return dg.AssetCheckResult(check_name=RAW_CONTRACT, passed=True, metadata={"rows_checked": checked})


def _report_metadata(report: IngestReport) -> dict:
    rejections = pl.DataFrame(report.rejections).select(
        "file_name", "line_number", "row_number", "column_name", "reason"
    ) if report.rejections else pl.DataFrame()
    return {
        "files_seen": report.files_seen,
        "files_loaded": report.files_loaded,
        "files_skipped": report.files_skipped,
        "files_rejected": report.files_rejected,
        "files_deferred": report.files_deferred,
        "files_not_read": report.files_not_read,
        "files_withdrawn": dg.MetadataValue.json(report.withdrawn),
        "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected,
        "rejections_preview": dg.MetadataValue.md(preview_md(rejections, 20) if rejections.height else "_none_"),
    }


def _rejections_in_force(con, source: str) -> dg.AssetCheckResult:
    """The warning check: the rows and files of ``source`` that the ledger still holds as
    rejected (the files in force, whichever build read them), not only this run's."""
    (rows, files), = con.execute(
        "select (select count(*) from audit.rejected_rows where source = ?),"
        " (select count(*) from audit.ingested_files where source = ? and status = 'rejected')",
        [source, source],
    ).fetchall()
    preview = con.sql(
        "select file_name, line_number, row_number, column_name, reason from audit.rejected_rows"
        " where source = ? order by file_name, row_number limit 20",
        params=[source],
    ).pl()
    return dg.AssetCheckResult(
        check_name=NO_REJECTIONS,
        passed=rows == 0 and files == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_rejected": rows,
            "files_rejected": files,
            "preview": dg.MetadataValue.md(preview_md(preview, 20) if preview.height else "_none_"),
        },
    )


def start_expectations_for_new_files(context: dg.AssetExecutionContext, con, warehouse: WarehouseResource) -> None:
    """In a build, start the Great Expectations child (``start_expectations_child``) when a
    landing folder lists a name the ledger does not hold: ingesting it changes the marts,
    so the suite will run. The build's first step (``plan_seeds``) calls it, so that the
    child's import (about 4 s of one core) also overlaps the seeds, not only the reading;
    each ingest asset checks its own folder again (a build of ingestion alone)."""
    if not in_build(context):
        return
    settings = warehouse.settings()
    new = [s for s in SOURCES if lists_unrecorded_names(con, s, settings.source_dir(s))]
    if new:
        start_expectations_child()  # a no-op if it runs already
        context.log.info(f"new files in {', '.join(new)}: the Great Expectations child imports meanwhile")


def _run_start(context: dg.AssetExecutionContext) -> float | None:
    """When the build started (UNIX time), as the instance recorded it."""
    record = context.instance.get_run_record_by_id(context.run_id) if context.instance else None
    return record.start_time if record is not None else None


def build_ingest_asset(source: str) -> dg.AssetsDefinition:
    """The ingest asset of one landing folder."""

    @dg.asset(
        key=["raw", source],
        group_name="ingest",
        kinds={"duckdb", "python"},
        description=(
            f"{DESCRIPTIONS[source]} Files of TGXH_RAW_DIR/{source}/ in lexical order; a file "
            "already ingested (same SHA-256) is skipped; bad rows go to audit.rejected_rows with a "
            "reason and unreadable files to audit.ingested_files with status rejected. The tables "
            "follow the folder: a file gone from it is withdrawn (its rows leave); a build that would "
            "withdraw more than half of the source's files fails unless TGXH_ALLOW_WITHDRAWAL=1."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                RAW_CONTRACT,
                asset=["raw", source],
                blocking=True,
                description="The rows loaded in this run satisfy the raw table's schema: types, "
                "enumerations, ranges, row rules and keys unique within each file.",
            ),
            dg.AssetCheckSpec(
                NO_REJECTIONS,
                asset=["raw", source],
                description="Fails (as a warning) while the ledger holds rejected rows or files of "
                "this source (whichever build rejected them).",
            )
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        settings = warehouse.settings()
        with warehouse.connect(context) as con:
            if lists_unrecorded_names(con, source, settings.source_dir(source)):
                # new files: the marts will change and the Great Expectations suite will run,
                # so its child starts importing now, while the files are read
                start_expectations_child()
            try:
                report = ingest_source(
                    con, source, settings.source_dir(source), settings.pii_salt,
                    build_id=context.run_id,
                    settle_seconds=settings.settle_seconds,
                    allow_withdrawal=settings.allow_withdrawal,
                    started_at=_run_start(context),
                )
            except WithdrawalRefused as exc:
                raise dg.Failure(description=str(exc)) from None
            if any(f.recorded for f in report.files):
                # also a known name with other bytes: the child starts if it has not yet
                start_expectations_child()
            (row_count,), = con.execute(f"select count(*) from {qualified_name('raw', source)}").fetchall()
            contract = _contract_check(con, source, report)
            rejections = _rejections_in_force(con, source)
        metadata = _report_metadata(report)
        context.log.info(
            f"{source}: {report.files_loaded} files loaded, {report.files_skipped} skipped, "
            f"{report.files_rejected} rejected, {report.files_deferred} deferred, {report.files_not_read} not read; "
            f"{report.rows_loaded} rows loaded, {report.rows_rejected} rejected"
        )
        if report.withdrawn:
            context.log.warning(
                f"{source}: {len(report.withdrawn)} files withdrawn (gone from the folder, their rows left "
                f"the tables): {', '.join(report.withdrawn)}"
            )
        return dg.MaterializeResult(
            metadata={"row_count": row_count, **metadata},
            check_results=[contract, rejections],
        )

    return _ingest


ingest_assets = [build_ingest_asset(source) for source in SOURCES]
