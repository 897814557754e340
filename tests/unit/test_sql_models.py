"""The SQL model runner: header parsing, dependency inference, graph validation, execution,
built-in audits, and build state (data hash apart from metadata hash)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest
import sqlglot

from pipelines.sql import (
    Action,
    GraphError,
    Kind,
    ModelParseError,
    load_models,
    parse_model_file,
    run,
    topological_order,
    validate_graph,
)
from pipelines.sql.audits import NotNull, UniqueValues, markdown_table, run_check_query
from pipelines.sql.execute import (
    ColumnDocError,
    materialize,
    materialize_partitions,
    preview,
    preview_sql,
)
from pipelines.sql.graph import table_references


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def header(grain="[id]", extra="") -> str:
    return f"/* @model\ngrain: {grain}\ndescription: test model\n{extra}*/\n"


def deps(sql: str) -> set[str]:
    return {r.table for r in table_references(sqlglot.parse_one(sql, read="duckdb"))}


# ------------------------------------------------------------------ header parsing


def test_header_fields_are_parsed(tmp_path):
    path = write(tmp_path, "marts/fct_x.sql", """
        /* @model
        materialized: view
        grain: [province_code, year]
        description: One row per province and year.
        audits:
          - name: no_future_years
            description: years are not in the future
            sql: select * from marts.fct_x where year > 2035
          - name: codes_two_digits
            description: codes have two digits
            blocking: true
            sql: |
              select *
              from marts.fct_x
              where length(province_code) <> 2
        */
        select province_code, year from staging.stg_y;
        """)
    m = parse_model_file(path)
    assert (m.schema, m.name, m.key, m.key_path) == ("marts", "fct_x", "marts.fct_x", ["marts", "fct_x"])
    assert m.materialized == "view"
    assert m.grain == ["province_code", "year"]
    assert m.description == "One row per province and year."
    assert m.group == "marts"  # the Dagster group is the folder
    assert m.columns == {}  # not in the data model (models/tables.py): no column described
    assert [(a.name, a.blocking) for a in m.audits] == [("no_future_years", False), ("codes_two_digits", True)]
    assert m.audits[1].sql.startswith("select *")
    assert {r.table for name, r in m.audit_references if name == "codes_two_digits"} == {"marts.fct_x"}
    # the body is the SQL without header and without the trailing semicolon
    assert m.sql == "select province_code, year from staging.stg_y"
    assert m.depends_on == {"staging.stg_y"}


def test_header_defaults(tmp_path):
    m = parse_model_file(write(tmp_path, "staging/stg_a.sql", header() + "select 1 as id"))
    assert m.materialized == "table"
    assert m.group == "staging"  # the folder name
    assert m.columns == {} and m.audits == []
    assert m.depends_on == set()


def test_missing_header_names_the_file(tmp_path):
    path = write(tmp_path, "staging/stg_a.sql", "select 1 as id")
    with pytest.raises(ModelParseError, match=r"stg_a\.sql, line 1: missing header"):
        parse_model_file(path)


@pytest.mark.parametrize(
    "head, message",
    [
        ("/* @model\ndescription: x\n*/\n", "grain"),
        ("/* @model\ngrain: [id]\n*/\n", "description"),
        ("/* @model\ngrain: id\ndescription: x\n*/\n", "grain"),
        ("/* @model\ngrain: [id]\ndescription: x\nmaterialised: view\n*/\n", "unknown header key"),
        ("/* @model\ngrain: [id]\ndescription: x\nmaterialized: incremental\n*/\n", "materialized"),
        ("/* @model\ngrain: [id]\ndescription: x\naudits:\n  - name: a\n    sql: select 1\n*/\n", "description"),
    ],
)
def test_invalid_header_fields_are_rejected(tmp_path, head, message):
    path = write(tmp_path, "staging/stg_a.sql", head + "select 1 as id")
    with pytest.raises(ModelParseError, match=message) as err:
        parse_model_file(path)
    assert "stg_a.sql" in str(err.value)


def test_invalid_yaml_names_file_and_line(tmp_path):
    # line 1 '/* @model', line 2 grain, line 3 description, line 4 the broken mapping
    path = write(tmp_path, "staging/stg_a.sql", "/* @model\ngrain: [id]\ndescription: x\ncolumns: {a: b\n*/\nselect 1 as id")
    with pytest.raises(ModelParseError, match=r"stg_a\.sql, line [45]: invalid header YAML"):
        parse_model_file(path)


def test_sql_parse_error_names_file_and_line(tmp_path):
    # header is lines 1-4; the broken 'from where' is on line 6
    path = write(tmp_path, "staging/stg_a.sql", header() + "select id,\n  name from where x = 1\n")
    with pytest.raises(ModelParseError, match=r"stg_a\.sql, line 6: cannot parse SQL"):
        parse_model_file(path)


def test_body_must_be_one_select(tmp_path):
    path = write(tmp_path, "staging/stg_a.sql", header() + "delete from raw.a")
    with pytest.raises(ModelParseError, match="must be a SELECT"):
        parse_model_file(path)
    path = write(tmp_path, "staging/stg_b.sql", header() + "select 1 as id; select 2 as id")
    with pytest.raises(ModelParseError, match="exactly one"):
        parse_model_file(path)


# ------------------------------------------------------------------ dependencies


def test_dependencies_ignore_cte_names():
    sql = """
        with base as (select * from raw.beneficiaries),
             latest as (select * from base where month = 12)
        select * from latest join seeds.plan_targets as t on true
    """
    assert deps(sql) == {"raw.beneficiaries", "seeds.plan_targets"}


def test_dependencies_cover_subqueries_joins_unions_and_exists():
    sql = """
        select a.x from Staging.Stg_A as a
        left join (select * from intermediate.int_b) as b on a.x = b.x
        where exists (select 1 from raw.c where raw.c.x = a.x)
          and a.x in (select x from raw.d)
        union all
        select x from (with e as (select x from raw.e) select x from e)
    """
    assert deps(sql) == {"staging.stg_a", "intermediate.int_b", "raw.c", "raw.d", "raw.e"}


def test_qualified_table_with_a_cte_name_is_still_a_dependency():
    # the CTE 'stg_a' shadows only the unqualified name
    sql = "with stg_a as (select 1 as x) select * from stg_a join staging.stg_a as s on true"
    assert deps(sql) == {"staging.stg_a"}


def test_table_functions_are_not_dependencies():
    assert deps("select * from range(3) as r(i) join raw.a on true") == {"raw.a"}


def test_reference_lines_are_file_lines(tmp_path):
    path = write(tmp_path, "marts/m.sql", header() + "select a.id\nfrom staging.a as a\njoin raw.b as b using (id)\n")
    m = parse_model_file(path)
    assert [(r.table, r.line) for r in m.references] == [("staging.a", 6), ("raw.b", 7)]


# ------------------------------------------------------------------ graph


def test_unknown_table_fails_with_file_line_and_table(tmp_path):
    write(tmp_path, "staging/stg_a.sql", header() + "select id from raw.a")
    write(tmp_path, "marts/m.sql", header() + "select s.id\nfrom staging.stg_a as s\n  join raw.missing as r using (id)\n")
    models = load_models(tmp_path)
    with pytest.raises(GraphError) as err:
        validate_graph(models, external={"raw.a"})
    msg = str(err.value)
    assert "m.sql, line 7" in msg and "'raw.missing'" in msg
    assert "staging.stg_a" not in msg  # the model that exists is not blamed
    validate_graph(models, external={"raw.a", "raw.missing"})  # known -> fine


def test_unknown_table_in_an_audit_fails(tmp_path):
    extra = "audits:\n  - name: a1\n    description: d\n    sql: select * from raw.ghost\n"
    write(tmp_path, "staging/stg_a.sql", header(extra=extra) + "select 1 as id")
    with pytest.raises(GraphError, match=r"stg_a\.sql, line 7 \(audit 'a1'\): unknown table 'raw.ghost'"):
        validate_graph(load_models(tmp_path), external=set())


def test_audit_may_not_read_a_downstream_model(tmp_path):
    extra = "audits:\n  - name: a1\n    description: d\n    sql: select * from marts.m\n"
    write(tmp_path, "staging/a.sql", header(extra=extra) + "select 1 as id")
    write(tmp_path, "marts/m.sql", header() + "select id from staging.a")
    with pytest.raises(GraphError, match="built from staging.a"):
        validate_graph(load_models(tmp_path), external=set())


def test_cycle_fails_naming_it(tmp_path):
    write(tmp_path, "staging/a.sql", header() + "select id from intermediate.b")
    write(tmp_path, "intermediate/b.sql", header() + "select id from staging.a")
    write(tmp_path, "marts/c.sql", header() + "select id from staging.a")
    with pytest.raises(GraphError) as err:
        validate_graph(load_models(tmp_path), external=set())
    msg = str(err.value)
    assert "cycle" in msg
    assert ("staging.a -> intermediate.b -> staging.a" in msg) or (
        "intermediate.b -> staging.a -> intermediate.b" in msg
    )
    assert "marts.c" not in msg


def test_self_reference_is_a_cycle(tmp_path):
    write(tmp_path, "staging/a.sql", header() + "select id from staging.a")
    with pytest.raises(GraphError, match="staging.a -> staging.a"):
        topological_order(load_models(tmp_path))


def test_topological_order(tmp_path):
    write(tmp_path, "marts/m.sql", header() + "select * from intermediate.i join staging.b using (id)")
    write(tmp_path, "intermediate/i.sql", header() + "select * from staging.a")
    write(tmp_path, "staging/a.sql", header() + "select id from raw.x")
    write(tmp_path, "staging/b.sql", header() + "select id from raw.y")
    order = topological_order(load_models(tmp_path))
    assert sorted(order) == ["intermediate.i", "marts.m", "staging.a", "staging.b"]
    pos = {k: i for i, k in enumerate(order)}
    assert pos["staging.a"] < pos["intermediate.i"] < pos["marts.m"]
    assert pos["staging.b"] < pos["marts.m"]
    # deterministic: ties alphabetical
    assert order == ["staging.a", "staging.b", "intermediate.i", "marts.m"]


# ------------------------------------------------------------------ execution


@pytest.fixture()
def con():
    c = duckdb.connect()
    c.execute("create schema raw")
    c.execute("create table raw.a as select * from (values (1, 'x', 2.5), (2, 'y', null)) as t(id, name, v)")
    yield c
    c.close()


def test_materialize_table_with_comments(tmp_path, con, monkeypatch):
    from models.tables import MODEL_COLUMNS, Column

    monkeypatch.setitem(MODEL_COLUMNS, "staging.stg_a", (Column("id", "INTEGER", "the key"),
                                                         Column("name", "VARCHAR", "it's the name")))
    m = parse_model_file(write(tmp_path, "staging/stg_a.sql", header() + "select id, name, v from raw.a"))
    result = materialize(con, m)
    assert result.row_count == 2
    assert result.columns == [("id", "INTEGER"), ("name", "VARCHAR"), ("v", "DECIMAL(2,1)")]
    assert result.undocumented_columns == ["v"]
    assert m.sql == "select id, name, v from raw.a"
    assert con.execute(
        "select comment from duckdb_tables() where schema_name = 'staging' and table_name = 'stg_a'"
    ).fetchone() == ("test model",)
    comments = dict(con.execute(
        "select column_name, comment from duckdb_columns() where schema_name = 'staging' and table_name = 'stg_a'"
    ).fetchall())
    assert comments == {"id": "the key", "name": "it's the name", "v": None}


def test_materialize_view_and_switch_to_table(tmp_path, con):
    path = write(tmp_path, "staging/stg_a.sql", header(extra="materialized: view\n") + "select id from raw.a")
    materialize(con, parse_model_file(path))
    assert con.execute("select comment from duckdb_views() where view_name = 'stg_a'").fetchone() == ("test model",)
    write(tmp_path, "staging/stg_a.sql", header() + "select id from raw.a")
    assert materialize(con, parse_model_file(path)).row_count == 2
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'stg_a'").fetchone() == (1,)
    assert con.execute("select count(*) from duckdb_views() where view_name = 'stg_a'").fetchone() == (0,)


def test_documented_missing_column_fails_and_keeps_previous_version(tmp_path, con, monkeypatch):
    from models.tables import MODEL_COLUMNS, Column

    path = write(tmp_path, "staging/stg_a.sql", header() + "select id, name from raw.a")
    materialize(con, parse_model_file(path))
    # the data model describes a column the model does not produce
    monkeypatch.setitem(MODEL_COLUMNS, "staging.stg_a", (Column("id", "INTEGER", "k"), Column("nmae", "VARCHAR", "typo")))
    write(tmp_path, "staging/stg_a.sql", header() + "select id from raw.a")
    with pytest.raises(ColumnDocError, match=r"stg_a\.sql: header documents column\(s\) \['nmae'\]"):
        materialize(con, parse_model_file(path))
    # rolled back: the earlier table with two columns is still there
    assert [r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = 'stg_a'").fetchall()] == ["id", "name"]


def test_grain_column_missing_from_result_fails(tmp_path, con):
    path = write(tmp_path, "staging/stg_a.sql", header(grain="[id, year]") + "select id from raw.a")
    with pytest.raises(ColumnDocError, match="grain column"):
        materialize(con, parse_model_file(path))


def test_grain_check_queries_find_bad_rows(tmp_path, con):
    m = parse_model_file(write(tmp_path, "staging/stg_a.sql", header(grain="[k]") + (
        "select * from (values (1, 'a'), (1, 'b'), (2, 'c'), (null, 'd')) as t(k, v)")))
    materialize(con, m)
    n, cols, rows = run_check_query(con, UniqueValues(columns=m.grain).bad_rows_sql(m.relation))
    assert (n, cols, sorted(rows)) == (2, ["k", "v"], [(1, "a"), (1, "b")])  # both rows of key 1
    n, _, rows = run_check_query(con, NotNull(columns=m.grain).bad_rows_sql(m.relation))
    assert (n, rows) == (1, [(None, "d")])


def test_unique_check_compares_the_columns_not_only_their_hash(tmp_path, con):
    # Rows sharing a key (NULLs included, as in a grain partition) are found, in the
    # partitions asked for only; rows whose keys differ pass whatever their hashes.
    m = parse_model_file(write(tmp_path, "staging/stg_a.sql", header(grain="[k, year]") + (
        "select * from (values (1, 2020, 'a'), (1, 2020, 'b'), (null, 2021, 'c'), (null, 2021, 'd'),"
        " (2, 2021, 'e'), (3, 2021, 'f')) as t(k, year, v)")))
    materialize(con, m)
    unique = UniqueValues(columns=m.grain)
    n, _, rows = run_check_query(con, unique.bad_rows_sql(m.relation))
    assert (n, sorted(r[2] for r in rows)) == (4, ["a", "b", "c", "d"])
    n, _, rows = run_check_query(con, unique.bad_rows_sql(m.relation, '"year" in (2021)'))
    assert (n, sorted(r[2] for r in rows)) == (2, ["c", "d"])
    # a hash shared by two different keys is not a duplicate
    collide = unique.bad_rows_sql(m.relation).replace('hash("k", "year")', "0")
    assert "hash" not in collide and run_check_query(con, collide)[0] == 4


class CountingConnection:
    """A connection that counts the queries run through it."""

    def __init__(self, con):
        self.con, self.queries = con, []

    def execute(self, sql, *args):
        self.queries.append(sql)
        return self.con.execute(sql, *args)


def test_a_check_query_runs_once_unless_there_are_more_bad_rows_than_the_preview(con):
    bad_rows = "select * from range(?) as t(i) where i % 2 = 1"
    for n_rows, failing, queries in ((0, 0, 1), (20, 10, 1), (21, 10, 1), (22, 11, 2), (1000, 500, 2)):
        counting = CountingConnection(con)
        n, cols, rows = run_check_query(counting, bad_rows.replace("?", str(n_rows)), limit=10)
        assert (n, len(counting.queries)) == (failing, queries), n_rows
        assert len(rows) == min(failing, 10) and cols == (["i"] if failing else [])
        assert all(i % 2 == 1 for (i,) in rows)


def test_preview_orders_a_small_table_by_grain_and_only_the_first_rows_of_a_big_one(tmp_path, con):
    m = parse_model_file(write(tmp_path, "staging/stg_a.sql", header(grain="[k]") + (
        "select 10 - i as k, 'row ' || i as v from range(10) as t(i)")))
    materialize(con, m)
    assert "| k | v |" in preview(con, m, limit=3)
    assert con.execute(preview_sql(m, limit=3)).fetchall() == [(1, "row 9"), (2, "row 8"), (3, "row 7")]
    sql = preview_sql(m, limit=3, scan_rows=5)
    assert "limit 5" in sql and "order by" in sql
    assert len(con.execute(sql).fetchall()) == 3
    unique = UniqueValues(columns=m.grain).bad_rows_sql(m.relation)
    assert "order by" not in unique.lower()  # a passing grain check orders nothing


def test_markdown_table_escapes_pipes_and_shows_null():
    md = markdown_table(["a", "b"], [("x|y", None), (1.5, 2)])
    assert md.splitlines() == ["| a | b |", "| --- | --- |", "| x\\|y | NULL |", "| 1.5 | 2 |"]


def test_the_data_model_describes_a_models_columns(tmp_path, monkeypatch):
    # A column shared by several tables is described once (SHARED) and named by the
    # model's entry; a column of the model's own is a Column of that entry.
    from models import tables

    monkeypatch.setitem(tables.MODEL_COLUMNS, "staging.stg_x", ("year", tables.Column("v", "INTEGER", "the value")))
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging" / "stg_x.sql").write_text(
        "/* @model\ngrain: [year]\ndescription: x\n*/\nselect 2024 as year, 1 as v, 2 as w\n", encoding="utf-8",
    )
    model = load_models(tmp_path)["staging.stg_x"]
    con = duckdb.connect()
    result = materialize(con, model)
    assert result.undocumented_columns == ["w"]
    comments = dict(con.execute(
        "select column_name, comment from duckdb_columns() where table_name = 'stg_x'").fetchall())
    assert comments == {"year": tables.SHARED["year"].description, "v": "the value", "w": None}


def test_real_models_document_every_column():
    # Every column of every real model is described by the data model (models/tables.py),
    # so analysts see a comment on each in duckdb_columns().
    from pipelines.config import PROJECT_ROOT
    from tests.fixtures.model_warehouse import warehouse_from_rows

    con = warehouse_from_rows()
    models = load_models(PROJECT_ROOT / "dbt_like_sql")
    undocumented = {k: materialize(con, models[k]).undocumented_columns for k in topological_order(models)}
    assert {k: v for k, v in undocumented.items() if v} == {}


# ------------------------------------------------------------------ typed header


@pytest.mark.parametrize(
    "extra, message",
    [
        # (header lines after grain and description, message); the header's line 4 is the first extra line
        ("materialized: tabel\n", r"line 4: materialized: Input should be 'table', 'view' or 'incremental'"),
        ("columns:\n  a: x\n", r"line 4: unknown header key 'columns'"),  # the data model describes them
        ("audits:\n  - accepted_values: {column: s, vocabulary: statusses}\n",
         r"line 5: audits.0.accepted_values: unknown vocabulary 'statusses'; the data model's are: statuses, "),
        ("audits:\n  - accepted_values: {column: s, vocabulary: statuses, values: [a]}\n",
         r"line 5: audits.0.accepted_values: accepted_values takes either 'values' or 'vocabulary'"),
        ("audits:\n  - unique_values: {colums: [id]}\n", r"line 5: audits.0.unique_values: unknown key 'colums'"),
        ("audits:\n  - accepted_values: status\n", r"line 5: audits.0: accepted_values takes a mapping"),
        ("audits:\n  - uniq: {columns: [id]}\n", r"line 5: audits.0: unknown built-in audit 'uniq'"),
        ("audits:\n  - not_null: {columns: [id]}\n  - not_null: {columns: [id]}\n", r"used twice or reserved"),
        ("audits:\n  - not_null: {name: unique_grain, columns: [id]}\n", r"used twice or reserved"),
        ("audits:\n  - relationships: {column: id, to: provinces, field: code}\n",
         r"line 5: audits.0.relationships.to: String should match pattern"),
    ],
)
def test_header_errors_name_file_line_and_field(tmp_path, extra, message):
    path = write(tmp_path, "staging/stg_a.sql", header(extra=extra) + "select 1 as id")
    with pytest.raises(ModelParseError, match=message) as err:
        parse_model_file(path)
    assert str(err.value).startswith(str(path))


def test_builtin_audit_where_is_parsed_with_the_file_named(tmp_path):
    extra = "audits:\n  - is_null: {columns: [id], where: 'id >>> 2'}\n"
    path = write(tmp_path, "staging/stg_a.sql", header(extra=extra) + "select 1 as id")
    with pytest.raises(ModelParseError, match=r"stg_a\.sql \(audit 'is_null_id'\).*cannot parse SQL"):
        parse_model_file(path)


def test_header_kind_is_an_enum_and_the_group_is_the_folder(tmp_path):
    m = parse_model_file(write(tmp_path, "intermediate/int_a.sql", header(extra="materialized: view\n") + "select 1 as id"))
    assert m.materialized is Kind.VIEW and m.group == "intermediate"


# ------------------------------------------------------------------ built-in audits


BAD_ROWS_MODEL = """\
/* @model
grain: [id]
description: one bad row for each built-in audit
audits:
  - unique_values: {columns: [code]}
  - not_null: {columns: [code]}
  - accepted_values: {column: status, values: [ok, late]}
  - relationships: {column: province_code, to: raw.provinces, field: province_code}
  - accepted_range: {column: pct, min_value: 0, max_value: 100, where: "kind = 'pct'"}
  - match_regex: {column: province_code, pattern: '^\\d{2}$'}
  - is_null: {columns: [ratio], where: "status = 'ok'"}
  - row_count: {equal_to_rows_of: raw.provinces}
*/
select * from (values
    (1, 'a', 'ok', '01', 'pct', 50.0, null),
    (2, 'a', 'late', '01', 'count', 500.0, 0.5),
    (3, null, 'ok', '01', 'pct', 10.0, null),
    (4, 'b', 'lost', '01', 'pct', 10.0, null),
    (5, 'c', 'ok', '99', 'pct', 10.0, null),
    (6, 'd', 'ok', '01', 'pct', 120.0, null),
    (7, 'e', 'ok', '1', 'pct', 10.0, null),
    (8, 'f', 'ok', '01', 'pct', 10.0, 0.7)
) as t(id, code, status, province_code, kind, pct, ratio)
"""


def test_each_builtin_audit_catches_its_bad_row(tmp_path, con):
    # Rows 1-8: row 2 repeats code 'a' (unique: rows 1 and 2), row 3 has no code, row 4 an
    # unknown status, row 5 a province missing from raw.provinces (01 and 1 are there), row 6
    # a percentage of 120 (row 2's 500 is a count), row 7 a one-digit code, row 8 a ratio with
    # status ok (row 2's ratio is allowed: late); 8 rows against 2 provinces.
    con.execute("create table raw.provinces as select * from (values ('01'), ('1')) as t(province_code)")
    write(tmp_path, "staging/stg_bad.sql", BAD_ROWS_MODEL)
    (done,) = run(con, load_models(tmp_path))
    failing = {c.name: c.failing_rows for c in done.checks}
    assert failing == {
        "unique_grain": 0, "not_null_grain": 0,
        "unique_values_code": 2, "not_null_code": 1, "accepted_values_status": 1,
        "relationships_province_code": 1, "accepted_range_pct": 1, "match_regex_province_code": 1,
        "is_null_ratio": 1, "row_count": 1,
    }
    by_name = {c.name: c for c in done.checks}
    assert "| 4 | b | lost |" in by_name["accepted_values_status"].preview
    assert "| 99 |" in by_name["relationships_province_code"].preview
    assert not any(c.blocking for c in done.checks if c.name not in ("unique_grain", "not_null_grain"))


def test_grain_is_unique_and_not_null_and_blocks_downstream(tmp_path, con):
    write(tmp_path, "staging/a.sql", header(grain="[k]") + "select * from (values (1), (1), (null)) as t(k)")
    write(tmp_path, "marts/b.sql", header(grain="[k]") + "select distinct k from staging.a where k is not null")
    a, b = run(con, load_models(tmp_path))
    assert {c.name: (c.passed, c.failing_rows, c.blocking) for c in a.checks} == {
        "unique_grain": (False, 2, True), "not_null_grain": (False, 1, True)}
    assert a.blocking_failures == ["unique_grain", "not_null_grain"]
    assert (b.action, b.table) == (Action.BLOCKED, None)
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'b'").fetchone() == (0,)


# ------------------------------------------------------------------ data hash and metadata hash


def test_a_description_edit_rebuilds_nothing_but_updates_the_comments(tmp_path, con, monkeypatch):
    from models.tables import MODEL_COLUMNS, Column

    monkeypatch.setitem(MODEL_COLUMNS, "staging.stg_a", (Column("id", "INTEGER", "the key"),))
    path = write(tmp_path, "staging/stg_a.sql", header() + "select id from raw.a")
    write(tmp_path, "marts/m.sql", header() + "select id from staging.stg_a")
    models = load_models(tmp_path)
    first = run(con, models)
    assert [r.action for r in first] == [Action.BUILD, Action.BUILD]
    # a row only this table has: a rebuild would drop it
    con.execute("insert into staging.stg_a values (99)")

    path.write_text(path.read_text().replace("test model", "edited model"))
    monkeypatch.setitem(MODEL_COLUMNS, "staging.stg_a", (Column("id", "INTEGER", "the new key"),))  # the data model's text
    edited = load_models(tmp_path)
    before, after = models["staging.stg_a"], edited["staging.stg_a"]
    assert after.data_hash == before.data_hash and after.metadata_hash != before.metadata_hash
    stg, mart = run(con, edited)
    assert (stg.action, mart.action) == (Action.DOCUMENT, Action.SKIP)
    assert con.execute("select count(*) from staging.stg_a where id = 99").fetchone() == (1,)
    assert con.execute("select comment from duckdb_tables() where table_name = 'stg_a'").fetchone() == ("edited model",)
    assert con.execute(
        "select comment from duckdb_columns() where table_name = 'stg_a' and column_name = 'id'"
    ).fetchone() == ("the new key",)
    assert [c.name for c in stg.checks] == ["unique_grain", "not_null_grain"]  # re-run, not replayed
    assert all(c.evaluated_earlier is None for c in stg.checks)

    assert [r.action for r in run(con, edited)] == [Action.SKIP, Action.SKIP]
    path.write_text(path.read_text().replace("select id from raw.a", "select id from raw.a where id > 1"))
    assert [r.action for r in run(con, load_models(tmp_path))] == [Action.BUILD, Action.BUILD]
    assert con.execute("select count(*) from marts.m").fetchone() == (1,)


def test_an_audit_edit_reruns_the_checks_without_rebuilding(tmp_path, con):
    path = write(tmp_path, "staging/stg_a.sql", header() + "select id, name from raw.a")
    run(con, load_models(tmp_path))
    path.write_text(path.read_text().replace(
        "description: test model\n", "description: test model\naudits:\n  - not_null: {columns: [name]}\n"))
    (done,) = run(con, load_models(tmp_path))
    assert done.action is Action.DOCUMENT
    assert {c.name: c.failing_rows for c in done.checks}["not_null_name"] == 0
    (again,) = run(con, load_models(tmp_path))
    assert again.action is Action.SKIP and again.checks[-1].evaluated_earlier


def test_a_partition_build_reads_only_those_partitions_of_its_partitioned_inputs(tmp_path, con):
    # The model counts every row of raw.y in each partition: reading only the partition
    # asked for shows in the count. raw.w (not partitioned) and the common table
    # expression named like a table are read whole.
    con.execute("create table raw.y as select * from (values (2024, 1), (2024, 2), (2025, 3)) as t(year, v)")
    con.execute("create table raw.w as select * from (values (10), (20)) as t(w)")
    m = parse_model_file(write(tmp_path, "staging/stg_y.sql", header(
        grain="[year]", extra="materialized: incremental\npartition_by: year\n") + (
        "with y as (select * from raw.y), w as (select sum(w) as w from raw.w)\n"
        "select a.year, (select count(*) from y) as n, any_value(w.w) as w\n"
        "from y as a cross join w group by a.year")))
    materialize(con, m)
    assert con.execute(f"select * from {m.relation} order by year").fetchall() == [(2024, 3, 30), (2025, 3, 30)]
    materialize_partitions(con, m, [2024], ["raw.y"])
    assert con.execute(f"select * from {m.relation} order by year").fetchall() == [(2024, 2, 30), (2025, 3, 30)]
    materialize_partitions(con, m, [2025], [])  # no partitioned input: the model's rows, filtered
    assert con.execute(f"select * from {m.relation} order by year").fetchall() == [(2024, 2, 30), (2025, 3, 30)]
