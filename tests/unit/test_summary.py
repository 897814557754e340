"""The end-of-run summary: counts per plan on the fixture warehouse, its text form with
the scorecards' Vietnamese status labels, and the data/build dates above it."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.reports import STATUS_LABELS_VI, STATUS_ORDER
from pipelines.reports.scorecard import (
    SUMMARY_HEADER_ROW,
    SUMMARY_SHEET,
    write_scorecard,
)
from pipelines.reports.summary import (
    SUMMARY_SCHEMA,
    format_summary,
    plan_summary,
    summary_text,
)
from tests.fixtures.reports_fixture import (
    BEN_CAT,
    BUILT_AT,
    CA_MAU,
    KON_TUM,
    LAO_CAI,
    build_reports_warehouse,
)


@pytest.fixture()
def con():
    con = build_reports_warehouse(duckdb.connect())
    yield con
    con.close()


def test_plan_summary_counts_every_status_apart(con):
    df = plan_summary(con)
    assert df.schema == pl.Schema(SUMMARY_SCHEMA)
    # By hand from the fixture's statuses, in STATUS_ORDER:
    # BD: BD-02 achieved, BD-01 no_data.
    # CM: achieved CM-01, CM-03, CM-05; not_achieved CM-02; on_track CM-07; acceleration_needed
    #     CM-06; deteriorating CM-04; no_data CM-08.
    # KT: no targets at all, still listed.
    # LC: off_track LC-01, LC-02; insufficient_data LC-03; no_data LC-05; not_measurable LC-04.
    assert df.rows() == [
        (BEN_CAT, "Thị xã Bến Cát 2019–2025", "Bình Dương", 2, 1, 0, 0, 0, 0, 0, 0, 1, 0),
        (CA_MAU, "Cà Mau 2017–2030", "Cà Mau", 8, 3, 1, 1, 1, 0, 1, 0, 1, 0),
        (KON_TUM, "Kon Tum 2016–2020", "Kon Tum", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (LAO_CAI, "Lào Cai 2021–2030", "Lào Cai", 5, 0, 0, 0, 0, 2, 0, 1, 1, 1),
    ]


def test_plan_summary_counts_follow_status_changes(con):
    con.execute("update marts.target_vs_actual set status = 'insufficient_data' where target_id = 'LC-01'")
    con.execute("update marts.target_vs_actual set status = 'not_achieved' where target_id = 'LC-02'")
    row = plan_summary(con).filter(pl.col("plan_id") == LAO_CAI).row(0, named=True)
    assert (row["targets"], row["off_track"], row["not_achieved"], row["insufficient_data"], row["no_data"]) == (
        5, 0, 1, 2, 1,
    )


def test_a_plan_only_named_by_targets_is_not_lost(con):
    con.execute("delete from seeds.plans where plan_id = ?", [LAO_CAI])
    row = plan_summary(con).filter(pl.col("plan_id") == LAO_CAI).row(0, named=True)
    assert row["province_name"] == "Lào Cai"  # taken from marts.target_vs_actual
    assert row["plan_name"] == "Lào Cai"  # no phases known
    assert row["targets"] == 5


def test_summary_counts_equal_the_scorecard_summary_sheet(con, tmp_path):
    path = tmp_path / "scorecard.xlsx"
    write_scorecard(con, path, now=BUILT_AT)
    ws = openpyxl.load_workbook(path)[SUMMARY_SHEET]
    rows = list(ws.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, values_only=True))
    header = rows[0]
    sheet = {r[header.index("Mã kế hoạch")]: [r[header.index(STATUS_LABELS_VI[s])] for s in STATUS_ORDER]
             for r in rows[1:]}
    df = plan_summary(con)
    assert {r["plan_id"]: [r[s] for s in STATUS_ORDER] for r in df.iter_rows(named=True)} == sheet


def test_format_summary_is_a_fixed_width_table_of_vietnamese_statuses(con):
    text = format_summary(plan_summary(con))
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "Chỉ tiêu kế hoạch theo đánh giá (marts.target_vs_actual)"
    # Two header lines: each plan's area over its years, then the total column.
    assert lines[1].split() == ["Thị", "xã", "Bến", "Cát", "Cà", "Mau", "Kon", "Tum", "Lào", "Cai"]
    assert lines[2].split() == ["2019–2025", "2017–2030", "2016–2020", "2021–2030", "Tổng"]
    assert set(lines[3]) == {"-", " "}
    body = lines[4:13]
    assert [line[: len(lines[3].split()[0])].strip() for line in body] == [STATUS_LABELS_VI[s] for s in STATUS_ORDER]
    counts = {line[: len(lines[3].split()[0])].strip(): line.split()[-5:] for line in body}
    assert counts["Đạt"] == ["1", "3", "0", "0", "4"]
    assert counts["Không đạt"] == ["0", "1", "0", "0", "1"]  # not folded into Chậm tiến độ
    assert counts["Chậm tiến độ"] == ["0", "0", "0", "2", "2"]
    assert counts["Chưa đủ số liệu"] == ["0", "0", "0", "1", "1"]  # not folded into Không có số liệu
    assert counts["Không có số liệu"] == ["1", "1", "0", "1", "3"]
    assert lines[13] == lines[3]
    assert lines[14].split() == ["Số", "chỉ", "tiêu", "2", "8", "0", "5", "15"]
    # counts are right-aligned under their headers: every line of the table is as wide as the rule
    assert {len(line) for line in lines[4:]} == {len(lines[3])}


def test_format_summary_of_no_plans():
    assert format_summary(pl.DataFrame(schema=SUMMARY_SCHEMA)) == (
        "Chỉ tiêu kế hoạch theo đánh giá (marts.target_vs_actual)\n(chưa có kế hoạch nào)\n"
    )


def test_summary_text_shows_the_dates_and_warns_when_the_build_is_old(con):
    fresh = summary_text(con, now=BUILT_AT + timedelta(days=1)).split("\n")
    assert fresh[:2] == [
        "Số liệu đến tháng 9/2026",
        "Cập nhật lần cuối (lần dựng thành công gần nhất): 01/12/2026 06:00 (giờ Việt Nam)",
    ]
    assert not any("CẢNH BÁO" in line for line in fresh)
    assert "Chỉ tiêu kế hoạch theo đánh giá (marts.target_vs_actual)" in fresh
    stale = summary_text(con, now=BUILT_AT + timedelta(days=2, minutes=1)).split("\n")
    assert stale[2] == (
        "CẢNH BÁO: lần dựng thành công gần nhất đã cách đây 2 ngày (quá 2 ngày). "
        "Số liệu có thể chưa được cập nhật: cần kiểm tra việc chạy hằng đêm."
    )


def test_summary_text_without_any_build(con):
    con.execute("delete from audit.builds")
    lines = summary_text(con, now=BUILT_AT).split("\n")
    assert lines[1:3] == [
        "Chưa có lần dựng kho dữ liệu nào thành công",
        "CẢNH BÁO: kho dữ liệu chưa được dựng thành công lần nào.",
    ]


def test_summary_text_lists_the_withdrawn_files_after_the_table(con):
    assert "withdrawn" not in summary_text(con, now=BUILT_AT)
    con.execute("create schema if not exists audit")
    con.execute("create table audit.ingested_files (source varchar, file_name varchar, status varchar, message varchar)")
    con.execute("insert into audit.ingested_files values ('facilities', 'a.csv', 'withdrawn', 'gone at build b1'),"
                " ('facilities', 'b.csv', 'loaded', null)")
    text = summary_text(con, now=BUILT_AT)
    assert text.index("Files withdrawn from the raw folder (audit.ingested_files): 1") > text.index("Đạt")
    assert "  facilities/a.csv: gone at build b1" in text and "b.csv" not in text
