"""The seeds taken from the five plan documents: quotes, counts, catalogue and validation rules."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from models.seeds import load_seed, load_seeds, validate_seeds
from pipelines.geo import province_table

REPO = Path(__file__).resolve().parents[2]
SEED_DIR = REPO / "data" / "seeds"
DOCS_DIR = SEED_DIR / "documents"

# Targets counted by hand in each document (second reading); deleting or adding a row fails.
EXPECTED_TARGETS = {
    "000_c10d3e9b42b801f4.txt": 3,  # Đồng Tháp: case management 2020 and 2025, accessibility 2025
    "001_ba8ea59410730d3a.txt": 9,  # Bình Dương town: emergency, served, comprehensive × 3 phases
    "002_41aab9831a0c307f.txt": 13,  # Lào Cai: 5 (2021-25) + 6 (2026-30) + 2 whole-period training
    "003_5d5daf9810852eaa.txt": 23,  # Kon Tum: 3 + 2 children + 9 gender + 6 drugs/trafficking + 3 section III
    "004_8d2ad3b78df78075.txt": 9,  # Cà Mau: emergency, served, comprehensive × 3 phases
}

# docs/contract.md §3: the measurable indicators and the source each is computed from.
MEASURABLE = {
    "served_pct": "beneficiaries",
    "comprehensive_pct": "beneficiaries",
    "case_managed_pct": "beneficiaries",
    "emergency_timely_pct": "beneficiaries",
    "allowance_recipients": "beneficiaries",
    "facility_accessible_pct": "facilities",
    "facility_residents_avg": "facilities",
    "sw_service_units_pct": "facilities",
    "sw_staffed_units_pct": "facilities",
    "sw_staff_trained_pct": "training",
    "staff_trained_per_year": "training",
    "family_trained_per_year": "training",
    "units_two_degree_pct": "training",
}


def _norm(text: str) -> str:
    """NFC, every run of whitespace (including no-break spaces) collapsed to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


@pytest.fixture(scope="module")
def seeds() -> dict[str, pl.DataFrame]:
    return load_seeds(SEED_DIR)


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    assert DOCS_DIR.is_dir(), f"plan documents not found at {DOCS_DIR}"
    return {path.name: _norm(path.read_text(encoding="utf-8")) for path in DOCS_DIR.glob("*.txt")}


def test_every_quote_occurs_verbatim_in_its_document(seeds, documents):
    missing = [
        row["target_id"]
        for row in seeds["plan_targets"].iter_rows(named=True)
        if _norm(row["source_quote"]) not in documents[row["source_file"]]
    ]
    assert missing == []


def test_each_plan_points_at_an_existing_document(seeds, documents):
    assert set(seeds["plans"]["source_file"]) == set(documents) == set(EXPECTED_TARGETS)


def test_every_plan_has_targets(seeds):
    with_targets = set(seeds["plan_targets"]["plan_id"])
    assert set(seeds["plans"]["plan_id"]) <= with_targets


def test_target_count_per_document(seeds):
    counts = dict(seeds["plan_targets"].group_by("source_file").len().iter_rows())
    assert counts == EXPECTED_TARGETS


def test_measurable_indicators_are_exactly_the_contract_ones(seeds):
    ingested = seeds["indicators"].filter(pl.col("source") != "not_ingested")
    assert dict(ingested.select("indicator_code", "source").iter_rows()) == MEASURABLE


def test_every_target_indicator_is_catalogued_and_none_is_dropped(seeds):
    used = set(seeds["plan_targets"]["indicator_code"])
    catalogue = set(seeds["indicators"]["indicator_code"])
    assert used <= catalogue
    # every not_ingested entry exists because some target needs it
    not_ingested = set(seeds["indicators"].filter(pl.col("source") == "not_ingested")["indicator_code"])
    assert not_ingested <= used


def test_conflicting_targets_are_the_lao_cai_2026_2030_pair(seeds):
    conflicting = seeds["plan_targets"].filter(pl.col("is_conflicting"))
    assert sorted(conflicting["target_value"].to_list()) == [60.0, 80.0]
    assert set(conflicting["indicator_code"]) == {"sw_service_units_pct"}
    assert set(conflicting["plan_id"]) == {"laocai_ctxh_2021_2030"}


def test_key_targets_carry_the_document_values(seeds):
    # hand-checked against the text: "trong đó tối thiểu 10% … toàn diện" (Bình Dương 2019-2020)
    # and "hơn 50% … dịch vụ toàn diện" (Cà Mau, vision 2030: "hơn" is strict)
    t = seeds["plan_targets"]
    rows = {
        (r["plan_id"], r["indicator_code"], r["target_year"]): (r["comparator"], r["target_value"])
        for r in t.iter_rows(named=True)
        if not r["is_conflicting"]
    }
    assert rows[("binhduong_thixa_tgxh_2019_2030", "comprehensive_pct", 2020)] == (">=", 10.0)
    assert rows[("camau_tgxh_2017_2025", "comprehensive_pct", 2030)] == (">", 50.0)
    assert rows[("kontum_httgxh_2016_2020", "children_special_assisted_pct", 2020)] == (">=", 86.5)
    assert rows[("laocai_ctxh_2021_2030", "staff_trained_per_year", 2030)] == (">=", 500.0)


def test_plan_provinces_use_the_old_list(seeds):
    old = province_table().filter(pl.col("province_list") == "old")
    names = dict(old.select("province_code", "province_name").iter_rows())
    for plan in seeds["plans"].iter_rows(named=True):
        assert names[plan["province_code"]] == plan["province_name"], plan["plan_id"]


def test_text_is_nfc(seeds):
    for frame in seeds.values():
        for column in frame.select(pl.col(pl.Utf8)).columns:
            for value in frame[column].drop_nulls():
                assert unicodedata.is_normalized("NFC", value), (column, value)


def test_load_seed_reads_explicit_dtypes(seeds):
    schema = seeds["plan_targets"].schema
    assert schema["target_year"] == pl.Int64
    assert schema["target_value"] == pl.Float64
    assert schema["is_conflicting"] == pl.Boolean
    assert schema["source_quote"] == pl.Utf8


# ---- negative tests on small frames -------------------------------------------------------


def _small() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    plans = pl.DataFrame({"plan_id": ["p_one"], "source_file": ["000_0000000000000000.txt"]})
    indicators = pl.DataFrame(
        {"indicator_code": ["served_pct"], "unit": ["%"], "measure_type": ["percentage"]}
    )
    targets = pl.DataFrame(
        {
            "target_id": ["p_one-001", "p_one-002"],
            "plan_id": ["p_one", "p_one"],
            "indicator_code": ["served_pct", "served_pct"],
            "phase_start": [2016, 2021],
            "phase_end": [2020, 2025],
            "target_year": [2020, 2025],
            "comparator": [">=", ">="],
            "target_value": [50.0, 70.0],
            "unit": ["%", "%"],
            "is_conflicting": [False, False],
            "source_file": ["000_0000000000000000.txt"] * 2,
        }
    )
    return plans, targets, indicators


def test_small_frames_are_valid():
    validate_seeds(*_small())  # the baseline the negative tests change one thing in


def test_rejects_unknown_indicator():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("indicator_code", ["served_pct", "no_such_pct"]))
    with pytest.raises(ValueError, match=r"plan_targets\.csv row 2, column indicator_code: unknown indicator_code 'no_such_pct'"):
        validate_seeds(plans, targets, indicators)


def test_rejects_duplicate_target_id():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("target_id", ["p_one-001", "p_one-001"]))
    with pytest.raises(ValueError, match=r"plan_targets\.csv row 2, column target_id: duplicate target_id 'p_one-001'"):
        validate_seeds(plans, targets, indicators)


def test_rejects_target_year_outside_phase():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("target_year", [2020, 2030]))
    with pytest.raises(ValueError, match=r"plan_targets\.csv row 2, column target_year: target_year 2030 outside phase 2021-2025"):
        validate_seeds(plans, targets, indicators)


def test_rejects_phase_start_after_phase_end():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("phase_start", [2021, 2026]))
    with pytest.raises(ValueError, match=r"row 2, column phase_start: phase_start 2026 > phase_end 2025"):
        validate_seeds(plans, targets, indicators)


def test_rejects_unknown_plan_and_bad_comparator():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("plan_id", ["p_one", "p_two"]), pl.Series("comparator", ["=>", ">="]))
    with pytest.raises(ValueError) as excinfo:
        validate_seeds(plans, targets, indicators)
    message = str(excinfo.value)
    assert "row 2, column plan_id: unknown plan_id 'p_two'" in message
    assert "row 1, column comparator: comparator '=>'" in message


def test_rejects_a_lone_conflicting_target():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("is_conflicting", [True, False]))
    with pytest.raises(ValueError, match=r"row 1, column is_conflicting: conflicting target has no counterpart"):
        validate_seeds(plans, targets, indicators)


def test_rejects_an_unflagged_second_value_for_the_same_phase():
    plans, targets, indicators = _small()
    same_phase = targets.with_columns(
        pl.Series("phase_start", [2021, 2021]), pl.Series("phase_end", [2025, 2025]), pl.Series("target_year", [2025, 2025])
    )
    with pytest.raises(ValueError, match=r"not flagged is_conflicting"):
        validate_seeds(plans, same_phase, indicators)
    # flagged as a pair, the same two rows are accepted
    validate_seeds(plans, same_phase.with_columns(pl.lit(True).alias("is_conflicting")), indicators)


def test_rejects_percentage_over_100_and_wrong_duplicate_plan():
    plans, targets, indicators = _small()
    targets = targets.with_columns(pl.Series("target_value", [50.0, 150.0]))
    plans = pl.concat([plans, plans])
    with pytest.raises(ValueError) as excinfo:
        validate_seeds(plans, targets, indicators)
    message = str(excinfo.value)
    assert "plan_targets.csv row 2, column target_value: percentage target 150.0 > 100" in message
    assert "plans.csv row 2, column plan_id: duplicate plan_id 'p_one'" in message


# ---- load_seed on broken files -------------------------------------------------------------


def test_load_seed_rejects_a_wrong_header(tmp_path):
    path = tmp_path / "indicators.csv"
    path.write_text("indicator_code,name\nserved_pct,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^indicators\.csv: header"):
        load_seed("indicators", path)


def test_load_seed_names_file_row_and_column_of_a_schema_failure(tmp_path):
    good = (SEED_DIR / "plan_targets.csv").read_text(encoding="utf-8")
    header, first, *rest = good.splitlines()
    broken = first.replace(",>=,", ",=>,", 1)
    assert broken != first
    path = tmp_path / "plan_targets.csv"
    path.write_text("\n".join([header, broken, *rest]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"plan_targets\.csv row 1, column comparator: isin"):
        load_seed("plan_targets", path)


def test_load_seed_normalises_to_nfc(tmp_path):
    good = (SEED_DIR / "indicators.csv").read_text(encoding="utf-8")
    path = tmp_path / "indicators.csv"
    path.write_text(unicodedata.normalize("NFD", good), encoding="utf-8")
    decomposed = load_seed("indicators", path)
    assert decomposed.equals(load_seed("indicators", SEED_DIR / "indicators.csv"))
