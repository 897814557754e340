"""What an analyst finds besides the rows: a description of every table and column of the
published schemas and the vn_fold macro for Vietnamese search (the marts' Parquet and CSV
exports: tests/e2e/test_published_for_users.py)."""

import unicodedata

import duckdb
import pytest

from tests.e2e.test_build_sample import built  # noqa: F401  (the sample build, as a fixture)

PUBLISHED_SCHEMAS = ("raw", "seeds", "staging", "intermediate", "marts", "audit")


def _undescribed(con) -> set[str]:
    """Tables (schema.table) and columns (schema.table.column) without a description."""
    tables = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables()"
        " where list_contains(?, schema_name) and coalesce(trim(comment), '') = ''",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    columns = con.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()"
        " where list_contains(?, schema_name) and coalesce(trim(comment), '') = ''",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    return {name for (name,) in tables + columns}


@pytest.fixture(scope="module")
def con(built):  # noqa: F811
    assert built["first"].success
    with duckdb.connect(str(built["warehouse"]), read_only=True) as connection:
        yield connection


def test_every_published_schema_is_there(con):
    schemas = {s for (s,) in con.execute("select schema_name from duckdb_tables()").fetchall()}
    assert set(PUBLISHED_SCHEMAS) <= schemas


def test_every_table_and_column_of_the_published_schemas_has_a_description(con):
    assert _undescribed(con) == set()


def test_every_table_and_column_is_described_as_the_data_model_says(con):
    """The published comments are the data model's (models/): raw, seeds and audit tables
    from their registries, the SQL models' columns from models/tables.py, and no published
    table of those schemas is missing from it."""
    from models.tables import model_columns, published_tables
    from pipelines.config import PROJECT_ROOT
    from pipelines.sql import load_models

    expected = {key: {c.name: c.comment for c in t.columns} for key, t in published_tables().items()}
    models = load_models(PROJECT_ROOT / "dbt_like_sql")
    expected |= {key: {c.name: c.comment for c in model_columns(key)} for key in models}
    published = {}
    for table, column, comment in con.execute(
        "select schema_name || '.' || table_name, column_name, comment from duckdb_columns()"
        " where list_contains(?, schema_name) order by column_index", [list(PUBLISHED_SCHEMAS)]
    ).fetchall():
        published.setdefault(table, {})[column] = comment
    assert set(published) == set(expected)
    comments = dict(con.execute(
        "select schema_name || '.' || table_name, comment from duckdb_tables() where list_contains(?, schema_name)",
        [list(PUBLISHED_SCHEMAS)]).fetchall())
    for key, table in published_tables().items():
        assert comments[key] == table.description, key
    for table, columns in expected.items():
        documented = {c: text for c, text in published[table].items() if c in columns}
        assert documented == columns, table
        assert set(published[table]) == set(columns), table


def test_the_seeds_are_described_from_their_schemas(con):
    from models.seeds import RESOLVED_DISTRICT_COLUMNS, SCHEMAS

    for name, model in SCHEMAS.items():
        schema = model.to_schema()
        (comment,), = con.execute(
            "select comment from duckdb_tables() where schema_name = 'seeds' and table_name = ?", [name]
        ).fetchall()
        assert comment == schema.description
        columns = dict(con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'seeds' and table_name = ?", [name]
        ).fetchall())
        expected = {column: spec.description for column, spec in schema.columns.items()}
        if name == "plans":  # the official district each district plan resolves to
            expected |= RESOLVED_DISTRICT_COLUMNS
        assert columns == expected


def test_descriptions_cite_the_projects_own_documents(con):
    texts = con.execute(
        "select comment from duckdb_tables() where schema_name = 'seeds'"
        " union all select comment from duckdb_columns() where schema_name = 'seeds'"
        " union all select comment from duckdb_functions() where function_name = 'vn_fold'"
    ).fetchall()
    cited = [t for (t,) in texts if "§" in t]
    assert cited and all("docs/contract.md §" in t for t in cited)
    assert not [t for (t,) in texts if "CONTRACT" in t or "shared/" in t]


@pytest.mark.parametrize("typed", ["ca mau", "CA MAU", "Ca Mau", "  ca   mau "])
def test_vn_fold_finds_ca_mau_however_it_is_typed(con, typed):
    found = con.execute(
        "select distinct province_name from seeds.provinces where vn_fold(province_name) = vn_fold(?)", [typed]
    ).fetchall()
    assert found == [("Cà Mau",)]


def test_vn_fold_folds_d_with_stroke_and_decomposed_text(con):
    names = [name for (name,) in con.execute("select distinct province_name from seeds.provinces").fetchall()]
    folded = dict(con.execute(
        "select province_name, vn_fold(province_name) from seeds.provinces"
    ).fetchall())
    assert folded["Đồng Tháp"] == "dong thap"
    assert folded["Đắk Lắk"] == "dak lak"
    for name in names:  # plain ASCII letters, digits, spaces and hyphens only, in lower case
        assert folded[name].isascii() and folded[name] == folded[name].lower(), name
        nfd = unicodedata.normalize("NFD", name)
        assert con.execute("select vn_fold(?)", [nfd]).fetchone() == (folded[name],), name


def test_vn_fold_is_documented_in_the_file(con):
    (comment, parameters), = con.execute(
        "select comment, parameters from duckdb_functions() where function_name = 'vn_fold' and schema_name = 'main'"
    ).fetchall()
    assert "vn_fold(province_name) = 'ca mau'" in comment and len(parameters) == 1
