"""Peak memory and time of ingesting one big beneficiaries CSV (about 1 GB).

Writes, with ``benchmarks.generate``, the national beneficiary files of the years
``--years`` (no correction files, so no key repeats) and joins them into one CSV
under one header, then ingests that single file in a child process into a fresh
warehouse and reports the child's peak resident memory (``ru_maxrss``), its wall
and CPU time and the rows loaded. The goal is a peak under 2 GB: a file is read in
chunks, so memory follows the chunk, not the file.

    uv run python -m benchmarks.big_csv --work /tmp/big
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import Config, write_beneficiaries
from models.sources import YEAR_MIN

BIG_NAME = "ben_all_years_one_file.csv"
CHILD = """
import json, sys, time
from pathlib import Path
import duckdb
from pipelines.ingest import ingest_source
from pipelines.resources import WORKING_FILE_CONFIG
folder, db = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db, config=WORKING_FILE_CONFIG)  # as a build's working file
started = time.perf_counter()
report = ingest_source(con, "beneficiaries", folder, "big-csv-benchmark-salt")
con.close()
print(json.dumps({"seconds": time.perf_counter() - started, "rows_loaded": report.rows_loaded,
                  "rows_rejected": report.rows_rejected, "files_loaded": report.files_loaded}))
"""


def write_big_csv(work: Path, first_year: int, last_year: int) -> Path:
    """One CSV holding the rows of every generated beneficiary file (one header)."""
    parts = work / "parts"
    shutil.rmtree(parts, ignore_errors=True)
    write_beneficiaries(Config(first_year=first_year, last_year=last_year, corrections=0.0), parts)
    folder = work / "raw" / "beneficiaries"
    folder.mkdir(parents=True, exist_ok=True)
    big = folder / BIG_NAME
    with big.open("wb") as out:
        for i, part in enumerate(sorted((parts / "beneficiaries").iterdir())):
            with part.open("rb") as fh:
                header = fh.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out, 16 << 20)
    shutil.rmtree(parts)
    return big


def measure(folder: Path, db: Path) -> dict:
    """Ingest ``folder`` in a child process; its peak RSS, CPU and wall time."""
    db.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(db)],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        **result,
        "process_wall_s": round(wall, 1),
        "process_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_gb": round(after.ru_maxrss / 2**20, 2),  # kilobytes on Linux
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", required=True, type=Path, help="folder for the CSV and the warehouse")
    p.add_argument("--first-year", type=int, default=YEAR_MIN, help=f"first year generated ({YEAR_MIN})")
    p.add_argument("--last-year", type=int, default=2026)
    p.add_argument("--reuse", action="store_true", help="keep the CSV of an earlier run")
    args = p.parse_args(argv)
    big = args.work / "raw" / "beneficiaries" / BIG_NAME
    if not (args.reuse and big.exists()):
        big = write_big_csv(args.work, args.first_year, args.last_year)
    figures = {"file_mb": round(big.stat().st_size / 1e6), **measure(big.parent, args.work / "big.duckdb")}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
