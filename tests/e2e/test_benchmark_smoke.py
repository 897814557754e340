"""Smoke test of the benchmark scripts (benchmarks/, benchmarks/BENCHMARKS.md) at a tiny scale:
the generator writes valid, deterministic files, the floor and the real Dagster build
both run on them, and the build's marts.indicator_values equals the floor's, value for
value. No timings are asserted.

Kon Tum (62) and Quảng Ngãi (51) merge into Quảng Ngãi (51) on 1 July 2025, so 2024–2025
covers both province lists and the merge.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from benchmarks import generate as gen
from benchmarks.run import main
from pipelines.reports.pdf import find_chromium

CFG = gen.Config(scale=0.08, first_year=2024, last_year=2025, provinces=("62", "51"), corrections=0.5)


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.csv"))
    }


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "raw"
    gen.generate(CFG, root)
    return root


def test_generator_files_follow_the_contract(raw: Path, tmp_path: Path) -> None:
    manifest = gen.read_manifest(raw)
    # 2024: two old provinces; 2025: two old (Jan-Jun) + one new (Jul-Dec) -> 5 yearly files
    # plus corrections; rosters 2 (2024) + 1 (2025); training one file per new province.
    ben = sorted(p.name for p in (raw / "beneficiaries").glob("*.csv"))
    assert [n for n in ben if not n.endswith("_v2.csv")] == [
        "ben_2024m01-12_51_quang-ngai.csv",
        "ben_2024m01-12_62_kon-tum.csv",
        "ben_2025m01-06_51_quang-ngai.csv",
        "ben_2025m01-06_62_kon-tum.csv",
        "ben_2025m07-12_51_quang-ngai.csv",
    ]
    assert sorted(p.name for p in (raw / "facilities").glob("*.csv")) == [
        "roster_2024_51_quang-ngai.csv", "roster_2024_62_kon-tum.csv", "roster_2025_51_quang-ngai.csv",
    ]
    assert [p.name for p in (raw / "training").glob("*.csv")] == ["training_51_quang-ngai.csv"]

    con = duckdb.connect()
    ben_rows = con.execute(
        "select count(*) from read_csv(?, all_varchar = true)", [f"{raw}/beneficiaries/*.csv"]
    ).fetchone()[0]
    assert ben_rows == manifest["rows"]["beneficiaries"] > 0
    bad = con.execute(
        """
        select count(*) from read_csv(?, header = true)
        where comprehensive > served or served > in_difficulty or case_managed > in_difficulty
           or emergency_assisted > emergency_cases or least(in_difficulty, served, comprehensive,
              case_managed, emergency_cases, emergency_assisted, monthly_allowance) < 0
        """,
        [f"{raw}/beneficiaries/*.csv"],
    ).fetchone()[0]
    assert bad == 0
    # Months by list: the old provinces stop in June 2025, the new one starts in July.
    months = con.execute(
        "select province, min(year * 100 + month), max(year * 100 + month) "
        "from read_csv(?, header = true) group by province order by province",
        [f"{raw}/beneficiaries/*.csv"],
    ).fetchall()
    # Odd codes write the full name (Tỉnh …), even codes the short one: both resolve.
    assert months == [("Kon Tum", 202401, 202506), ("Tỉnh Quảng Ngãi", 202401, 202512)]
    keys = con.execute(
        "select count(*) from (select filename, province, district, commune, year, month, \"group\" "
        "from read_csv(?, all_varchar = true, filename = true) group by all having count(*) > 1)",
        [f"{raw}/beneficiaries/*.csv"],
    ).fetchone()[0]
    assert keys == 0, "no duplicate key inside a file"
    assert con.execute(
        "select count(*) from read_csv(?, header = true) where staff_social_work > staff_total",
        [f"{raw}/facilities/*.csv"],
    ).fetchone()[0] == 0
    assert con.execute(
        "select count(*) from read_csv(?, header = true) where end_date < start_date",
        [f"{raw}/training/*.csv"],
    ).fetchone()[0] == 0

    # Same arguments, same bytes.
    again = tmp_path / "again"
    gen.generate(CFG, again)
    assert _digests(again) == _digests(raw)


def test_increment_writes_the_next_month(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    gen.generate(gen.Config(scale=0.05, first_year=2025, last_year=2025, provinces=("62",)), root)
    first = gen.increment(root)
    second = gen.increment(root)
    assert (first["month"], second["month"]) == ("2026-01", "2026-02")
    assert (root / "beneficiaries" / "ben_2026m01-01_51_quang-ngai.csv").exists()
    assert gen.read_manifest(root)["last_month"] == "2026-02"
    rows = duckdb.connect().execute(
        "select distinct year, month from read_csv(?, header = true)",
        [f"{root}/beneficiaries/ben_2026m02-02_*.csv"],
    ).fetchall()
    assert rows == [(2026, 2)]


def test_floor_and_full_build_agree_on_a_raw_folder(raw: Path, tmp_path: Path, capsys) -> None:
    """``run.py --raw``: floor and build measured on an existing folder, which is only read;
    the floor twice, before and after the build, and the ratios against the faster run."""
    before = _digests(raw)
    work, out = tmp_path / "work", tmp_path / "results.json"
    main(["--raw", str(raw), "--workdir", str(work), "--json", str(out), "--query-runs", "2"])
    results = json.loads(out.read_text(encoding="utf-8"))
    assert _digests(raw) == before and sorted(p.name for p in raw.iterdir()) == sorted(
        ["beneficiaries", "facilities", "training", gen.MANIFEST]
    )

    floor = results["floor"]
    assert floor["rows"]["beneficiaries"] == gen.read_manifest(raw)["rows"]["beneficiaries"]
    runs = results["floor_runs"]
    assert len(runs) == 2 and runs[0]["rows"] == runs[1]["rows"]
    assert floor == min(runs, key=lambda f: f["wall_s"])
    assert not (work / "floor_again.duckdb").exists()
    printed = capsys.readouterr().out
    assert "| floor, before the build" in printed and "| floor, after the build" in printed
    # whether the builds printed the PDF (without Chromium they are shorter) is on record
    assert results["machine"]["chromium"] == find_chromium()
    assert ("printing the PDF" if find_chromium() else "every build left the PDF out") in printed
    assert floor["cpu_s"] > 0 and set(floor["phases_cpu"]) == set(floor["phases"])
    full = results["full"]
    assert full["success"], full["failures"]
    assert full["cpu_s"] > 0
    # the processes the build starts count in its CPU time: the Great Expectations child ran
    assert 0 < full["children_cpu_s"] < full["cpu_s"]
    # the whole process in parts: imports, the Dagster instance, the run, the interpreter's exit
    assert full["import_s"] > 0 and full["instance_s"] > 0 and full["exit_s"] is not None
    assert full["import_s"] + full["instance_s"] + full["run_s"] + full["exit_s"] < full["wall_s"]
    assert any(s["step"] == "raw__beneficiaries" and s["seconds"] is not None for s in full["steps"])
    assert "increment" not in results  # an operator's folder gets no new files

    con = duckdb.connect(str(work / "warehouse" / "tgxh.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from audit.rejected_rows").fetchone()[0] == 0
        assert con.execute("select count(*) from raw.beneficiaries").fetchone()[0] == floor["rows"]["beneficiaries"]
    finally:
        con.close()

    same = results["equality"]
    assert same["differing_indicators"] == {}, same
    assert same["build_rows"] == floor["rows"]["marts.indicator_values"]
    assert [g["goal"] for g in results["goals"]] == ["full build / floor, wall time", "full build / floor, CPU time"]
    assert results["query"]["runs"] == 2


def test_raw_folder_without_sources_is_refused(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--raw", str(tmp_path)])
    assert stop.value.code != 0
    assert f"--raw {tmp_path}: no beneficiaries/, facilities/ or training/ folder" in capsys.readouterr().err
