"""The registry of the three raw sources (docs/contract.md §2): one place that describes
every accepted column, its Vietnamese headers, type, unit and meaning, the
enumerations with their Vietnamese labels, the keys and row rules, and the raw and
audit tables ingestion writes.

Everything else is generated from here: the header matcher and parsers of
``pipelines.ingest``, the pandera schemas of ``models.schemas``, and the DuckDB
DDL (with ``COMMENT ON``) of the raw and audit tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import polars as pl

from models.vocabularies import PROVINCE_LISTS, YEAR_MAX, YEAR_MIN

FieldType = Literal["text", "int", "bool", "date", "enum"]
Period = Literal["month", "year", "end_date"]

TOTAL_LABELS = ("Tổng", "Tổng cộng", "Cộng", "Total", "Tổng số", "Grand total")
"""Label-cell values that mark a report total row (compared after ``fold``)."""



@dataclass(frozen=True)
class Enumeration:
    """A closed set of codes; each code accepts itself and its Vietnamese labels."""

    name: str
    labels: dict[str, tuple[str, ...]]
    """code -> accepted Vietnamese labels, the contract's label first."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)


@dataclass(frozen=True)
class Field:
    """One column a raw file may carry."""

    name: str
    """Canonical (English) header, also the column name used in code."""
    headers: tuple[str, ...]
    """Vietnamese headers accepted, the contract's header first."""
    type: FieldType
    description: str
    required: bool = False
    """The header must be present and every data row must have a value."""
    unit: str | None = None
    enum: Enumeration | None = None
    min_value: int | None = None
    max_value: int | None = None
    label: bool = False
    """A label cell: ``Tổng``/``Total`` there marks a total row."""
    output: str | None = "="
    """Column of the raw table (``=``: same name; None: never stored)."""
    duckdb_type: str | None = None
    """Override of the raw column type (default from ``type``)."""
    pii: Literal["pseudonymise", "drop"] | None = None
    """Personal data (docs/contract.md §5): replaced by a salted hash, or dropped."""

    @property
    def output_name(self) -> str | None:
        return self.name if self.output == "=" else self.output

    @property
    def display(self) -> str:
        """``year (Năm)``: how messages name the column."""
        return f"{self.name} ({self.headers[0]})" if self.headers else self.name


@dataclass(frozen=True)
class Rule:
    """A row rule ``left op right``, applied only where both values are reported
    (and, with ``unless_reported``, only where that column is not reported)."""

    left: str
    op: Literal["<=", ">="]
    right: str
    unless_reported: str | None = None


@dataclass(frozen=True)
class RawColumn:
    """One column of a raw or audit table."""

    name: str
    duckdb_type: str
    nullable: bool
    description: str
    unit: str | None = None
    enum: Enumeration | None = None
    min_value: int | None = None
    max_value: int | None = None
    pattern: str | None = None

    @property
    def polars_type(self) -> pl.DataType:
        return _POLARS_TYPES[self.duckdb_type]

    @property
    def comment_suffix(self) -> str:
        """What its ``COMMENT ON COLUMN`` adds to the description: the unit and the codes."""
        text = f" Unit: {self.unit}." if self.unit else ""
        if self.enum is not None and self.enum.codes:
            text += " Values: " + ", ".join(self.enum.codes) + "."
        return text


_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "INTEGER": pl.Int32(),
    "BIGINT": pl.Int64(),
    "BOOLEAN": pl.Boolean(),
    "DATE": pl.Date(),
}
DUCKDB_TYPES: dict[pl.DataType, str] = {t: name for name, t in _POLARS_TYPES.items()} | {pl.Float64(): "DOUBLE"}
"""polars type -> DuckDB type (how a polars frame's column lands in DuckDB)."""
_DEFAULT_DUCKDB = {"text": "VARCHAR", "enum": "VARCHAR", "int": "BIGINT", "bool": "BOOLEAN", "date": "DATE"}

COMMON_RAW_COLUMNS: tuple[RawColumn, ...] = (
    RawColumn("file_name", "VARCHAR", False, "Base name of the raw file the row was loaded from."),
    RawColumn(
        "row_number", "INTEGER", False,
        "1-based data row after the header (as in audit.rejected_rows); blank rows and a "
        "column-number row are not counted.",
        min_value=1,
    ),
    RawColumn(
        "province_code", "VARCHAR", False,
        "Two-digit official province code in the list in force on the row's date.",
        pattern=r"^\d{2}$",
    ),
    RawColumn(
        "province_list", "VARCHAR", False,
        "Province list of province_code: old (63 provinces, before 1 July 2025) or new (34).",
        enum=Enumeration("province_list", dict.fromkeys(PROVINCE_LISTS.codes, ())),
    ),
    RawColumn(
        "province_remapped", "BOOLEAN", False,
        "An old province named on a row dated on/after 1 July 2025, mapped to its successor.",
    ),
)


@dataclass(frozen=True)
class Source:
    """One raw source: a landing folder and its raw table."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    """Key of a row in the file (field names; province after resolution)."""
    rules: tuple[Rule, ...] = ()
    period: Period = "year"
    """How a row is dated: end of (year, month), 31 Dec of year, or end_date."""

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return self.by_name[name]

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.label)

    @cached_property
    def raw_columns(self) -> tuple[RawColumn, ...]:
        """The raw table: common columns, then the stored fields in registry order."""
        cols = list(COMMON_RAW_COLUMNS)
        for f in self.fields:
            out = f.output_name
            if out is None:
                continue
            if f.pii == "pseudonymise":
                cols.append(RawColumn(
                    out, "VARCHAR", not f.required,
                    f"Hex HMAC-SHA256 of {f.name} keyed with TGXH_PII_SALT; {f.name} itself is never stored.",
                    pattern=r"^[0-9a-f]{64}$",
                ))
                continue
            cols.append(RawColumn(
                out,
                f.duckdb_type or _DEFAULT_DUCKDB[f.type],
                not f.required,
                f.description,
                unit=f.unit,
                enum=f.enum,
                min_value=f.min_value,
                max_value=f.max_value,
            ))
        return tuple(cols)

    @property
    def raw_key(self) -> tuple[str, ...]:
        """Unique key of a raw row: the file and the source key, in raw column names."""
        out = ["file_name"]
        for k in self.key:
            out.append("province_code" if k == "province" else self.field(k).output_name)
        return tuple(out)


# --- enumerations (docs/contract.md §2.2–2.4) -----------------------------------------

BENEFICIARY_GROUPS = Enumeration("beneficiary_group", {
    "elderly": ("Người cao tuổi",),
    "disabled": ("Người khuyết tật",),
    "children": (
        "Trẻ em có hoàn cảnh đặc biệt", "Trẻ em", "Trẻ em có hoàn cảnh đặc biệt khó khăn",
    ),
    "mental_illness": (
        "Người tâm thần, rối nhiễu tâm trí", "Người tâm thần", "Người rối nhiễu tâm trí",
        "Người tâm thần / rối nhiễu tâm trí",
    ),
    "hiv": ("Người nhiễm HIV/AIDS", "Người nhiễm HIV", "HIV/AIDS"),
    "other": ("Đối tượng khác", "Khác"),
})

OWNERSHIP = Enumeration("ownership", {
    "public": ("Công lập",),
    "non_public": ("Ngoài công lập",),
})


def _sa_labels(who: str) -> tuple[str, ...]:
    return (
        f"Cơ sở trợ giúp xã hội chăm sóc {who}",
        f"Cơ sở trợ giúp xã hội {who}",
        f"Cơ sở chăm sóc {who}",
        f"Chăm sóc {who}",
        who.capitalize(),
    )


UNIT_TYPES = Enumeration("unit_type", {
    "sa_comprehensive": ("Cơ sở trợ giúp xã hội tổng hợp",),
    "sa_elderly": _sa_labels("người cao tuổi"),
    "sa_children": _sa_labels("trẻ em"),
    "sa_disabled": _sa_labels("người khuyết tật"),
    "sa_mental": _sa_labels("người tâm thần"),
    "sa_social_work_centre": ("Trung tâm công tác xã hội",),
    "drug_rehab": ("Cơ sở cai nghiện ma túy", "Cơ sở cai nghiện"),
    "health": ("Cơ sở y tế", "Bệnh viện", "Cơ sở y tế / Bệnh viện"),
    "education": ("Cơ sở giáo dục", "Trường học", "Cơ sở giáo dục / Trường học"),
    "justice": ("Trại giam / cơ quan tư pháp", "Trại giam", "Cơ quan tư pháp"),
    "commune": ("UBND xã/phường", "UBND xã", "UBND phường", "Ủy ban nhân dân xã/phường"),
    "other": ("Khác",),
})

FACILITY_STATUS = Enumeration("facility_status", {
    "active": ("Đang hoạt động",),
    "closed": ("Đã giải thể, sáp nhập", "Đã giải thể", "Đã sáp nhập", "Giải thể", "Sáp nhập"),
})

TRAINING_ROLES = Enumeration("training_role", {
    "staff": ("Cán bộ, công chức, viên chức, nhân viên", "Cán bộ", "Công chức", "Viên chức", "Nhân viên"),
    "collaborator": ("Cộng tác viên",),
    "family": ("Người chăm sóc, gia đình", "Người chăm sóc", "Gia đình"),
})

COURSE_LEVELS = Enumeration("course_level", {
    "short_course": ("Tập huấn, bồi dưỡng", "Tập huấn", "Bồi dưỡng"),
    "intermediate": ("Trung cấp",),
    "college": ("Cao đẳng",),
    "university": ("Đại học",),
    "postgraduate": ("Sau đại học",),
})

ENUMERATIONS = (BENEFICIARY_GROUPS, OWNERSHIP, UNIT_TYPES, FACILITY_STATUS, TRAINING_ROLES, COURSE_LEVELS)

# --- fields shared by several sources ----------------------------------------------

_PROVINCE_HEADERS = ("Tỉnh/Thành phố", "Tỉnh/TP", "Tỉnh, thành phố", "Tỉnh")


def _province(description: str) -> Field:
    return Field(
        "province", _PROVINCE_HEADERS, "text", description, required=True, label=True, output=None,
    )


def _year(description: str) -> Field:
    return Field(
        "year", ("Năm",), "int", description, required=True, unit="year",
        min_value=YEAR_MIN, max_value=YEAR_MAX, duckdb_type="INTEGER",
    )


def _count(name: str, header: str, description: str, unit: str = "people") -> Field:
    return Field(name, (header,), "int", description, unit=unit, min_value=0)


# --- the three sources ------------------------------------------------------------

BENEFICIARIES = Source(
    name="beneficiaries",
    description="Beneficiary counts reported by province, district or commune (docs/contract.md §2.2).",
    fields=(
        _province("Province name or code, resolved to province_code."),
        Field("district", ("Huyện/Thị xã/Thành phố thuộc tỉnh", "Huyện", "Quận/Huyện"), "text",
              "District (pre-2025 reports); NULL for province- or commune-level rows.", label=True),
        Field("commune", ("Xã/Phường/Thị trấn", "Xã", "Xã/Phường"), "text",
              "Commune; NULL for province- or district-level rows.", label=True),
        _year("Reporting year."),
        Field("month", ("Tháng",), "int", "Reporting month; NULL = annual report (treated as month 12).",
              unit="month", min_value=1, max_value=12, duckdb_type="INTEGER"),
        Field("group", ("Nhóm đối tượng", "Đối tượng"), "enum", "Beneficiary group.",
              required=True, enum=BENEFICIARY_GROUPS, label=True, output="group_code"),
        _count("in_difficulty", "Số người có hoàn cảnh đặc biệt khó khăn",
               "People in especially difficult circumstances (stock at the end of the period)."),
        _count("served", "Số người được cung cấp dịch vụ trợ giúp xã hội phù hợp",
               "Of whom provided suitable social assistance services (stock)."),
        _count("comprehensive", "Số người được cung cấp dịch vụ trợ giúp xã hội toàn diện",
               "Of whom provided comprehensive services (stock)."),
        _count("case_managed", "Số người được tư vấn, hỗ trợ, quản lý trường hợp",
               "Counselled, supported or case-managed by facilities (stock)."),
        _count("emergency_cases", "Số người gặp khó khăn đột xuất",
               "People facing sudden hardship in the period (flow)."),
        _count("emergency_assisted", "Số người được trợ giúp kịp thời",
               "Of whom assisted in time (flow)."),
        _count("monthly_allowance", "Số người hưởng trợ cấp xã hội hàng tháng",
               "People receiving the monthly social allowance (stock)."),
    ),
    key=("province", "district", "commune", "year", "month", "group"),
    rules=(
        Rule("comprehensive", "<=", "served"),
        Rule("served", "<=", "in_difficulty"),
        Rule("comprehensive", "<=", "in_difficulty", unless_reported="served"),
        Rule("case_managed", "<=", "in_difficulty"),
        Rule("emergency_assisted", "<=", "emergency_cases"),
    ),
    period="month",
)

FACILITIES = Source(
    name="facilities",
    description="Roster of social assistance facilities and other units, one snapshot per year (docs/contract.md §2.3).",
    fields=(
        Field("facility_id", ("Mã cơ sở",), "text", "Stable unit code.", required=True, label=True),
        Field("name", ("Tên cơ sở",), "text", "Name of the unit.", required=True, label=True),
        _province("Province of the unit, resolved to province_code."),
        Field("district", ("Huyện", "Huyện/Thị xã/Thành phố thuộc tỉnh", "Quận/Huyện"), "text",
              "District of the unit.", label=True),
        _year("Snapshot year."),
        Field("ownership", ("Loại hình",), "enum", "Public or non-public unit.", enum=OWNERSHIP),
        Field("unit_type", ("Loại cơ sở",), "enum", "Kind of unit: sa_* are social assistance facilities.",
              required=True, enum=UNIT_TYPES),
        _count("capacity", "Công suất (giường)", "Places.", unit="places"),
        _count("residents", "Số đối tượng đang chăm sóc", "People cared for at year end."),
        Field("provides_social_work", ("Cung cấp dịch vụ công tác xã hội",), "bool",
              "The unit provides social work services."),
        Field("meets_accessibility", ("Đạt điều kiện tiếp cận cho người khuyết tật",), "bool",
              "Meets minimum accessibility for people with severe disabilities."),
        _count("staff_total", "Tổng số nhân viên", "Staff of the unit."),
        _count("staff_social_work", "Số nhân viên công tác xã hội", "Staff assigned to social work."),
        Field("status", ("Tình trạng",), "enum", "Active, or closed/merged.", enum=FACILITY_STATUS),
    ),
    key=("facility_id", "year"),
    rules=(Rule("staff_social_work", "<=", "staff_total"),),
    period="year",
)

TRAINING = Source(
    name="training",
    description="Social-work training: one row per person per course (docs/contract.md §2.4).",
    fields=(
        Field("record_id", ("Mã bản ghi",), "text", "Record identifier.", required=True, label=True),
        Field("person_id", ("Số CCCD/CMND", "Số CCCD", "Số CMND", "CCCD/CMND"), "text",
              "National ID or other personal identifier of the trainee.",
              required=True, output="person_key", pii="pseudonymise"),
        Field("full_name", ("Họ và tên", "Họ tên"), "text", "Name of the trainee: never stored.",
              label=True, output=None, pii="drop"),
        _province("Province of the trainee's unit, resolved to province_code."),
        Field("facility_id", ("Mã cơ sở",), "text", "The unit the person works at."),
        Field("role", ("Đối tượng tham gia",), "enum", "Staff, collaborator or family carer.",
              enum=TRAINING_ROLES),
        Field("course_level", ("Hình thức đào tạo",), "enum", "Level of the course.", enum=COURSE_LEVELS),
        Field("start_date", ("Ngày bắt đầu",), "date", "First day of the course."),
        Field("end_date", ("Ngày kết thúc",), "date", "Last day of the course; dates the row."),
        Field("completed", ("Hoàn thành",), "bool", "The person completed the course."),
    ),
    key=("record_id",),
    rules=(Rule("end_date", ">=", "start_date"),),
    period="end_date",
)

SOURCES: dict[str, Source] = {s.name: s for s in (BENEFICIARIES, FACILITIES, TRAINING)}


# --- audit tables ---------------------------------------------------------------

FILE_STATUSES = Enumeration("file_status", {
    "loaded": (), "rejected": (), "skipped_duplicate": (), "deferred": (), "withdrawn": (), "not_read": (),
})
_LEDGER_COLUMNS = (
    RawColumn("source", "VARCHAR", False, "Source folder: beneficiaries, facilities or training."),
    RawColumn("file_name", "VARCHAR", False, "Base name of the file (or other entry) of the source folder."),
    RawColumn(
        "sha256", "VARCHAR", False,
        "SHA-256 of the file's bytes; for an entry that is not read, of its name (and link target).",
        pattern=r"^[0-9a-f]{64}$",
    ),
    RawColumn(
        "status", "VARCHAR", False,
        "loaded; rejected (the file cannot be read at all); skipped_duplicate (same bytes as a file "
        "loaded under an earlier name); deferred (still being written: read by a later build); "
        "withdrawn (loaded earlier, gone from the folder now: its rows left the tables); not_read "
        "(a subfolder, FIFO, symbolic link or unknown file type).",
        enum=FILE_STATUSES,
    ),
    RawColumn("rows_read", "BIGINT", False,
              "Data lines (CSV) or rows (XLSX) of the file, rows_loaded + rows_rejected.", min_value=0),
    RawColumn("rows_loaded", "BIGINT", False, "Rows loaded into the raw table.", min_value=0),
    RawColumn("rows_rejected", "BIGINT", False, "Rows written to audit.rejected_rows.", min_value=0),
    RawColumn("message", "VARCHAR", True,
              "Why a file was rejected, skipped, deferred, withdrawn or not read; ignored columns; notes."),
)
INGESTED_FILES = _LEDGER_COLUMNS

FILE_VERSIONS = (
    *_LEDGER_COLUMNS,
    RawColumn("replaced_by_build", "VARCHAR", False,
              "The build (Dagster run id) that replaced this version with another one of the same file "
              "name, or withdrew it."),
)

REJECTED_ROWS = (
    RawColumn("source", "VARCHAR", False, "Source folder."),
    RawColumn("file_name", "VARCHAR", False, "Base name of the file."),
    RawColumn("row_number", "INTEGER", False, "1-based data row after the header.", min_value=1),
    RawColumn("column_name", "VARCHAR", True, "First offending column; NULL when the whole row is at fault."),
    RawColumn("reason", "VARCHAR", False,
              "Every problem of the row, joined by '; ' (a duplicate key names the key and the line of the "
              "other row)."),
    RawColumn(
        "line_number", "BIGINT", True,
        "The row as the file's own program shows it: the line of a CSV file (1 = its first line), "
        "the row of an Excel sheet. NULL for rows rejected before line numbers were recorded.",
        min_value=1,
    ),
)

FILE_STATE = (
    RawColumn("source", "VARCHAR", False, "Source folder."),
    RawColumn("file_name", "VARCHAR", False, "Base name of the file."),
    RawColumn("sha256", "VARCHAR", False, "SHA-256 of the bytes the warehouse currently holds for this name."),
    RawColumn("status", "VARCHAR", False, "Status of that version (as in audit.ingested_files).",
              enum=FILE_STATUSES),
)
"""Internal bookkeeping: the current version of each file name, the part of the ledger
that the SQL models' state reads (pipelines/sql/state.py)."""

AUDIT_TABLES: dict[str, tuple[RawColumn, ...]] = {
    "audit.ingested_files": INGESTED_FILES,
    "audit.rejected_rows": REJECTED_ROWS,
    "audit.ingest_file_state": FILE_STATE,
    "audit.ingested_file_versions": FILE_VERSIONS,
}
AUDIT_DESCRIPTIONS: dict[str, str] = {
    "audit.ingested_files": "The file ledger: one row per file name in the source folders (its current "
    "version), plus one per withdrawn file; sum(rows_loaded) equals the rows of the raw tables.",
    "audit.rejected_rows": "Every data row of a file in force that was not loaded, with the reason.",
    "audit.ingest_file_state": "Current version (SHA-256 and status) of each file name of the ledger; "
    "the SQL models are rebuilt when it changes.",
    "audit.ingested_file_versions": "Earlier versions of the ledger's rows: a file replaced by other "
    "bytes under the same name, withdrawn, or gone from the folder, with the build that replaced it.",
}
AUDIT_KEYS: dict[str, tuple[str, ...]] = {
    "audit.ingested_files": ("source", "file_name"),
    "audit.rejected_rows": ("source", "file_name", "row_number"),
    "audit.ingest_file_state": ("source", "file_name"),
    "audit.ingested_file_versions": (),
}
"""What identifies a row of each audit table (none: a history of versions)."""


MODEL_VERSIONS = (
    RawColumn("model", "VARCHAR", False, "The model, as schema.table (dbt_like_sql/<schema>/<table>.sql)."),
    RawColumn("version", "VARCHAR", False,
              "Data hash: the model's SQL, kind and partitioning and the versions of its inputs."),
    RawColumn("checks", "VARCHAR", False,
              "Outcome of the model's checks at that build (JSON), reported again while the model is skipped."),
    RawColumn("metadata_version", "VARCHAR", True,
              "Metadata hash: descriptions, grain and audits (a change re-runs the checks and rewrites the "
              "comments, never the rows)."),
)
MODEL_PARTITIONS = (
    RawColumn("model", "VARCHAR", False, "The incremental model, as schema.table."),
    RawColumn("partition_value", "BIGINT", False, "The partition (a year)."),
    RawColumn("signature", "VARCHAR", False, "Hash of the inputs the partition was last built from."),
)
BUILDS = (
    RawColumn("build_id", "VARCHAR", False, "Dagster run id of the build."),
    RawColumn("published_at", "TIMESTAMP WITH TIME ZONE", True, "When the build was published (UTC)."),
    RawColumn("raw_dir", "VARCHAR", True, "Landing folders the build read (TGXH_RAW_DIR)."),
    RawColumn("marts_checksum", "VARCHAR", True,
              "<table>=<rows>:<md5 of its rows as text, sorted> of marts.indicator_values and "
              "marts.target_vs_actual as published by this build, joined by ;."),
    RawColumn("content_checksum", "VARCHAR", True,
              "The same checksum over every table of the schemas marts, seeds and audit (the ledger stands for "
              "the raw tables; audit.builds and audit.rejected_rows left out): a build with the content of the "
              "latest publication publishes nothing."),
)
STATE_TABLES: dict[str, tuple[RawColumn, ...]] = {
    "audit.model_versions": MODEL_VERSIONS,
    "audit.model_partitions": MODEL_PARTITIONS,
    "audit.builds": BUILDS,
}
"""The SQL runner's build state (pipelines/sql/state.py) and the publisher's record of builds
(pipelines/resources.py): written by the build, not by ingestion."""
STATE_DESCRIPTIONS: dict[str, str] = {
    "audit.model_versions": "Version of each SQL model as last built (pipelines/sql/state.py), the hash of its "
    "descriptions and audits then, and the outcome of its checks; a model whose inputs have the same versions "
    "is not rebuilt.",
    "audit.model_partitions": "Per partition (year) of each incremental SQL model: the signature of the inputs "
    "it was last built from; only partitions whose signature changed are rebuilt.",
    "audit.builds": "One row per published build.",
}
STATE_KEYS: dict[str, tuple[str, ...]] = {
    "audit.model_versions": ("model",),
    "audit.model_partitions": ("model", "partition_value"),
    "audit.builds": ("build_id",),
}
"""Primary keys of the state tables (their rows are replaced by key)."""


def state_table_ddl(table: str) -> list[str]:
    """DDL (with its primary key) and comments of a state table of ``STATE_TABLES``."""
    return table_ddl(table, STATE_TABLES[table], STATE_DESCRIPTIONS[table], primary_key=STATE_KEYS[table])


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_ddl(
    table: str, columns: tuple[RawColumn, ...], description: str | None = None, primary_key: tuple[str, ...] = ()
) -> list[str]:
    """``create table if not exists`` plus ``comment on`` statements (registry text only, no data)."""
    body = ", ".join(f'"{c.name}" {c.duckdb_type}{"" if c.nullable else " NOT NULL"}' for c in columns)
    if primary_key:
        body += ", primary key (" + ", ".join(f'"{c}"' for c in primary_key) + ")"
    stmts = [f"create table if not exists {table} ({body})"]
    if description:
        stmts.append(f"comment on table {table} is {_sql_literal(description)}")
    for c in columns:
        stmts.append(f'comment on column {table}."{c.name}" is {_sql_literal(c.description + c.comment_suffix)}')
    return stmts


def raw_table_ddl(source: Source) -> list[str]:
    """DDL of ``raw.<source>``."""
    return table_ddl(source.table, source.raw_columns, source.description)
