"""The end-of-run summary: counts per plan on the fixture warehouse, and its text form."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.reports.summary import SUMMARY_SCHEMA, format_summary, plan_summary
from tests.fixtures.reports_fixture import BEN_CAT, CA_MAU, KON_TUM, LAO_CAI, build_reports_warehouse


@pytest.fixture()
def con():
    con = build_reports_warehouse(duckdb.connect())
    yield con
    con.close()


def test_plan_summary_counts(con):
    df = plan_summary(con)
    assert df.schema == pl.Schema(SUMMARY_SCHEMA)
    # By hand from the fixture's statuses:
    # BD: BD-01 no_data, BD-02 achieved.
    # CM: achieved CM-01, CM-03; on_track CM-05; off_track = not_achieved CM-02 +
    #     acceleration_needed CM-06 + deteriorating CM-04; no_data CM-07, CM-08.
    # KT: no targets at all, still listed.
    # LC: off_track LC-01, LC-02; no_data = insufficient_data LC-03 + no_data LC-05;
    #     not_measurable LC-04.
    assert df.rows() == [
        (BEN_CAT, "Bình Dương", 2, 1, 0, 0, 1, 0),
        (CA_MAU, "Cà Mau", 8, 2, 1, 3, 2, 0),
        (KON_TUM, "Kon Tum", 0, 0, 0, 0, 0, 0),
        (LAO_CAI, "Lào Cai", 5, 0, 0, 2, 2, 1),
    ]


def test_plan_summary_counts_follow_status_changes(con):
    # One more insufficient_data target and one achieved for Lào Cai move the counts.
    con.execute("update marts.target_vs_actual set status = 'insufficient_data' where target_id = 'LC-01'")
    con.execute("update marts.target_vs_actual set status = 'achieved' where target_id = 'LC-02'")
    row = plan_summary(con).filter(pl.col("plan_id") == LAO_CAI).row(0, named=True)
    assert (row["targets"], row["achieved"], row["off_track"], row["no_data"]) == (5, 1, 0, 3)


def test_a_plan_only_named_by_targets_is_not_lost(con):
    con.execute("delete from seeds.plans where plan_id = ?", [LAO_CAI])
    row = plan_summary(con).filter(pl.col("plan_id") == LAO_CAI).row(0, named=True)
    assert row["province_name"] == "Lào Cai"  # taken from marts.target_vs_actual
    assert row["targets"] == 5


def test_format_summary_is_a_fixed_width_table(con):
    text = format_summary(plan_summary(con))
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "Plan targets by status (marts.target_vs_actual)"
    assert lines[1].split() == list(SUMMARY_SCHEMA)
    # header, rule, 4 plans, rule, total: every table line has the same width (trailing blanks aside)
    assert len(lines) == 1 + 1 + 1 + 4 + 1 + 1
    assert len(lines[2]) == len(lines[7]) and set(lines[2]) == {"-", " "}
    widths = {len(line) for line in lines[1:]}
    assert max(widths) == len(lines[2])
    body = {line.split()[0]: line.split()[1:] for line in lines[3:7]}
    assert body[CA_MAU] == ["Cà", "Mau", "8", "2", "1", "3", "2", "0"]
    assert body[KON_TUM] == ["Kon", "Tum", "0", "0", "0", "0", "0", "0"]
    # counts are right-aligned under their headers
    header, ca_mau = lines[1], next(line for line in lines if line.startswith(CA_MAU))
    assert ca_mau[: header.index("targets") + len("targets")].endswith("8")
    # totals: 15 targets = 3 achieved + 1 on track + 5 off track + 5 without data + 1 not measurable
    assert lines[8].split() == ["TOTAL", "15", "3", "1", "5", "5", "1"]


def test_format_summary_of_no_plans():
    assert format_summary(pl.DataFrame(schema=SUMMARY_SCHEMA)) == (
        "Plan targets by status (marts.target_vs_actual)\n(no plans)\n"
    )
