"""The registry (models/sources.py) against the contract, and the
pandera schemas and DDL generated from it (models/schemas.py)."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from models.pandera_polars import errors as pandera_errors
from models.schemas import audit_schema, empty_raw_frame, raw_schema
from models.sources import AUDIT_TABLES, SOURCES
from pipelines.ingest import ensure_tables
from tests.fixtures.ingest.builders import ingest_one

COMMON = ["file_name", "row_number", "province_code", "province_list", "province_remapped"]


def test_raw_columns_are_the_registered_ones():
    assert [c.name for c in SOURCES["beneficiaries"].raw_columns] == COMMON + [
        "district", "commune", "year", "month", "group_code", "in_difficulty", "served", "comprehensive",
        "case_managed", "emergency_cases", "emergency_assisted", "monthly_allowance",
    ]
    assert [c.name for c in SOURCES["facilities"].raw_columns] == COMMON + [
        "facility_id", "name", "district", "year", "ownership", "unit_type", "capacity", "residents",
        "provides_social_work", "meets_accessibility", "staff_total", "staff_social_work", "status",
    ]
    assert [c.name for c in SOURCES["training"].raw_columns] == COMMON + [
        "record_id", "person_key", "facility_id", "role", "course_level", "start_date", "end_date", "completed",
    ]
    types = {c.name: c.duckdb_type for c in SOURCES["beneficiaries"].raw_columns}
    assert (types["year"], types["month"], types["in_difficulty"], types["row_number"]) == (
        "INTEGER", "INTEGER", "BIGINT", "INTEGER"
    )


def test_enumerations_are_the_contracts():
    enum = {(s, f.name): list(f.enum.codes) for s, src in SOURCES.items() for f in src.fields if f.enum}
    assert enum == {
        ("beneficiaries", "group"): ["elderly", "disabled", "children", "mental_illness", "hiv", "other"],
        ("facilities", "ownership"): ["public", "non_public"],
        ("facilities", "unit_type"): [
            "sa_comprehensive", "sa_elderly", "sa_children", "sa_disabled", "sa_mental",
            "sa_social_work_centre", "drug_rehab", "health", "education", "justice", "commune", "other",
        ],
        ("facilities", "status"): ["active", "closed"],
        ("training", "role"): ["staff", "collaborator", "family"],
        ("training", "course_level"): ["short_course", "intermediate", "college", "university", "postgraduate"],
    }


def test_required_fields_keys_and_personal_data():
    req = {s: [f.name for f in src.required] for s, src in SOURCES.items()}
    assert req == {
        "beneficiaries": ["province", "year", "group"],
        "facilities": ["facility_id", "name", "province", "year", "unit_type"],
        "training": ["record_id", "person_id", "province"],
    }
    assert {s: src.key for s, src in SOURCES.items()} == {
        "beneficiaries": ("province", "district", "commune", "year", "month", "group"),
        "facilities": ("facility_id", "year"),
        "training": ("record_id",),
    }
    pii = {f.name: f.pii for f in SOURCES["training"].fields if f.pii}
    assert pii == {"person_id": "pseudonymise", "full_name": "drop"}
    assert all(c.description for src in SOURCES.values() for c in src.raw_columns)


def _beneficiary(**over) -> pl.DataFrame:
    row = dict(file_name="a.csv", row_number=1, province_code="96", province_list="old", province_remapped=False,
               district=None, commune=None, year=2024, month=12, group_code="elderly", in_difficulty=100,
               served=80, comprehensive=50, case_managed=40, emergency_cases=5, emergency_assisted=5,
               monthly_allowance=900)
    row.update(over)
    return pl.DataFrame([row], schema=empty_raw_frame("beneficiaries").schema)


def test_raw_schema_accepts_a_good_row():
    raw_schema("beneficiaries").validate(_beneficiary())
    raw_schema("beneficiaries").validate(_beneficiary(served=None, in_difficulty=None, month=None))


@pytest.mark.parametrize("bad", [
    {"group_code": "poor"}, {"in_difficulty": -1}, {"province_code": "9"}, {"province_list": "current"},
    {"year": 2009}, {"month": 13}, {"served": 120}, {"comprehensive": 90}, {"case_managed": 101},
    {"emergency_assisted": 6}, {"file_name": None}, {"year": None},
])
def test_raw_schema_rejects_each_broken_contract(bad):
    with pytest.raises((pandera_errors.SchemaError, pandera_errors.SchemaErrors)):
        raw_schema("beneficiaries").validate(_beneficiary(**bad), lazy=True)


def test_raw_schema_rejects_a_repeated_key_and_extra_columns():
    frame = pl.concat([_beneficiary(), _beneficiary(row_number=2)])
    with pytest.raises((pandera_errors.SchemaError, pandera_errors.SchemaErrors)):
        raw_schema("beneficiaries").validate(frame, lazy=True)
    with pytest.raises((pandera_errors.SchemaError, pandera_errors.SchemaErrors)):
        raw_schema("beneficiaries").validate(_beneficiary().with_columns(pl.lit("x").alias("person_id")))


def test_training_schema_checks_the_pseudonym_and_dates():
    schema = raw_schema("training")
    row = dict(file_name="t.csv", row_number=1, province_code="96", province_list="old", province_remapped=False,
               record_id="R1", person_key="a" * 64, facility_id=None, role="staff", course_level="college",
               start_date=date(2024, 1, 1), end_date=date(2024, 2, 1), completed=True)
    good = pl.DataFrame([row], schema=empty_raw_frame("training").schema)
    schema.validate(good)
    for bad in ({"person_key": "079190001234"}, {"end_date": date(2023, 12, 1)}):
        with pytest.raises((pandera_errors.SchemaError, pandera_errors.SchemaErrors)):
            schema.validate(good.with_columns(**{k: pl.lit(v) for k, v in bad.items()}), lazy=True)


def test_ddl_creates_commented_tables_idempotently_and_ingested_tables_pass_the_schemas(tmp_path):
    con = duckdb.connect()
    ensure_tables(con)
    ensure_tables(con)
    comment = con.execute(
        "select comment from duckdb_columns() where schema_name = 'raw' and table_name = 'beneficiaries'"
        " and column_name = 'group_code'"
    ).fetchone()[0]
    assert comment == "Beneficiary group. Values: elderly, disabled, children, mental_illness, hiv, other."
    con, _ = ingest_one(tmp_path, "beneficiaries", "b09_row_rules.csv")
    for table, columns in AUDIT_TABLES.items():
        rows = con.execute(f"select * from {table}").fetchall()
        frame = pl.DataFrame(rows, schema={c.name: c.polars_type for c in columns}, orient="row")
        assert frame.height > 0 or table == "audit.ingested_file_versions"  # no file replaced yet
        if table in ("audit.ingested_files", "audit.rejected_rows"):
            audit_schema(table).validate(frame)
