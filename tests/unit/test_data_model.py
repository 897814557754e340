"""The data model (models/): every column of every SQL model registered, and nothing
registered that no model produces; the vocabularies the audits name resolve; the
reports' status labels and colours are the status vocabulary's; docs/data_model.md is
generated from it and not stale."""

from __future__ import annotations

import pytest

from models import docs, vocabularies
from models.tables import MODEL_COLUMNS, SHARED, Column, calendar, model_columns
from pipelines.config import PROJECT_ROOT
from pipelines.sql import load_models
from pipelines.sql.audits import AcceptedValues

MODELS = load_models(PROJECT_ROOT / "dbt_like_sql")


@pytest.fixture(scope="module")
def built_columns() -> dict[str, list[tuple[str, str]]]:
    """(column, DuckDB type) of every SQL model as the runner builds it, by schema.name."""
    from tests.fixtures.model_warehouse import warehouse_from_rows

    con = warehouse_from_rows()
    rows = con.execute(
        "select schema_name || '.' || table_name, column_name, data_type from duckdb_columns()"
        " where schema_name in ('staging', 'intermediate', 'marts') order by schema_name, table_name, column_index"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in rows:
        out.setdefault(table, []).append((column, type_))
    return out


def test_every_model_is_registered_and_every_registered_table_is_a_model(built_columns):
    assert set(built_columns) == set(MODELS)
    assert set(MODEL_COLUMNS) == set(MODELS), "models/tables.py names a table no SQL model produces, or misses one"


def test_every_column_a_model_produces_is_registered_with_its_type_in_order(built_columns):
    for key, produced in built_columns.items():
        registered = [(c.name, c.type) for c in model_columns(key)]
        assert registered == produced, f"{key}: models/tables.py does not list exactly the model's columns"


def test_every_shared_column_is_used_and_a_models_own_column_is_not_a_shared_one_retyped():
    named = {c for entry in MODEL_COLUMNS.values() for c in entry if isinstance(c, str)}
    assert set(SHARED) == named, "a shared column no model names is stale"
    for key, entry in MODEL_COLUMNS.items():
        for c in entry:
            if isinstance(c, Column) and c.name in SHARED:
                assert c != SHARED[c.name], f"{key}.{c.name}: the same as the shared column: name it instead"
                assert c.description != SHARED[c.name].description, f"{key}.{c.name} retypes the shared description"


def test_every_registered_column_has_a_description():
    for key in MODEL_COLUMNS:
        assert all(c.description.strip() and c.type for c in model_columns(key)), key


def test_the_runner_comments_a_model_with_the_data_models_descriptions():
    model = MODELS["marts.target_vs_actual"]
    own = {c.name: c for c in MODEL_COLUMNS["marts.target_vs_actual"] if isinstance(c, Column)}
    assert model.column_description("status") == own["status"].description
    assert model.column_description("plan_id") == SHARED["plan_id"].description


def _accepted_values() -> list[tuple[str, AcceptedValues]]:
    return [(key, a) for key, m in MODELS.items() for a in m.audits if isinstance(a, AcceptedValues)]


def test_vocabularies_named_by_audits_resolve_to_their_codes():
    named = [(key, a) for key, a in _accepted_values() if a.vocabulary is not None]
    assert {a.vocabulary for _, a in named} >= {"statuses", "comparators", "geographies", "geography_bases",
                                                "plan_levels"}
    for key, audit in named:
        assert audit.values == list(vocabularies.VOCABULARIES[audit.vocabulary].codes), (key, audit.check_name)


def test_no_audit_retypes_a_vocabulary():
    codes = {frozenset(v.codes): name for name, v in vocabularies.VOCABULARIES.items()}
    retyped = [(key, a.check_name, codes[frozenset(a.values)]) for key, a in _accepted_values()
               if a.vocabulary is None and frozenset(a.values) in codes]
    assert retyped == [], "name the vocabulary (accepted_values: {column: ..., vocabulary: ...})"


def test_every_status_has_a_label_a_tone_with_colours_and_a_bucket():
    for status in vocabularies.STATUSES.terms:
        assert status.label_vi.strip(), f"status {status.code} has no Vietnamese label"
        assert status.tone in vocabularies.TONE_COLOURS, status.code
        assert status.bucket in ("final", "progress", "unjudged"), status.code
    assert len({s.label_vi for s in vocabularies.STATUSES.terms}) == len(vocabularies.STATUSES.terms)


def test_the_reports_read_the_status_vocabulary():
    from pipelines import reports

    assert reports.STATUS_ORDER == vocabularies.STATUSES.codes
    for status in vocabularies.STATUSES.terms:
        assert reports.status_label(status.code) == status.label_vi
        assert reports.status_tone(status.code) == status.tone
    assert reports.TONE_COLOURS is vocabularies.TONE_COLOURS


def test_the_reform_date_and_national_periods_are_the_data_models():
    from pipelines import geo, reports

    assert geo.REFORM_DATE is vocabularies.REFORM_DATE
    assert reports.REFORM_YEAR == vocabularies.REFORM_DATE.year
    (row,) = calendar().iter_rows(named=True)
    assert row == {"reform_date": vocabularies.REFORM_DATE, "reform_year": 2025, "reform_month": 7,
                   "national_period_start": 2011, "national_period_years": 5}


def test_no_sql_model_writes_the_reform_year_or_the_national_periods_out():
    # they come from seeds.calendar (models/tables.py)
    import re

    for key, model in MODELS.items():
        body = re.sub(r"'[^']*'|--[^\n]*", "", model.sql)  # prose in strings and comments may name them
        assert not re.search(r"\b(2025|2011)\b", body), key


def test_the_data_dictionary_is_generated_and_not_stale():
    assert docs.main(["--check"]) == 0, "docs/data_model.md is stale: run python -m models.docs"


def test_the_data_dictionary_lists_every_published_table_and_vocabulary():
    text = docs.OUTPUT.read_text(encoding="utf-8")
    for key in [*MODELS, "raw.beneficiaries", "seeds.plans", "seeds.provinces", "audit.ingested_files"]:
        assert f"### `{key}`" in text, key
    for name in vocabularies.VOCABULARIES:
        assert f"### `{name}`" in text, name
