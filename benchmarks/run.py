"""The national-scale benchmark: generate, build, measure, compare with the floor.

On one generated data set (``benchmarks.generate``) it measures and prints

* process start-up (``python -c "import pipelines.definitions"``);
* the floor (``benchmarks.floor``: bare DuckDB, the project's own SQL models);
* the full build from empty: the real ``build_warehouse`` Dagster job, in process,
  in a child process, with the time of every step from the run's event log;
* that the build's ``marts.indicator_values`` equals the floor's (EXCEPT ALL both ways);
* the latency of a typical analyst query on ``marts.target_vs_actual`` (median of
  ``--query-runs`` runs on a read-only connection to the published file);
* the nightly increment: one more month of files, the job again on the same warehouse;
* peak memory (``ru_maxrss`` of each child process);

and appends the figures, the goals and the machine to BENCHMARKS.md.

    uv run python -m benchmarks.run --scale 0.1
    uv run python -m benchmarks.run --scale 1.0 --workdir /tmp/tgxh-bench
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from pipelines.config import PROJECT_ROOT

BENCHMARKS_MD = PROJECT_ROOT / "benchmarks" / "BENCHMARKS.md"
GOALS = {
    "full_build_s": 90.0,
    "full_over_floor": 2.0,
    "increment_s": 15.0,
    "peak_memory_gb": 6.0,
    "query_ms": 100.0,
}
ANALYST_QUERY = """
select indicator_code, comparator, target_value, actual_value, actual_year,
       baseline_value, baseline_year, status, progress_ratio, status_reason
from marts.target_vs_actual
where plan_id = ? and target_year = ?
order by indicator_code
"""
PII_SALT = "benchmark-salt"
PREFERRED_PLAN = "camau_tgxh_2017_2025"
"""The README's example plan; the query asks for its latest target year."""


# --------------------------------------------------------------------------- child: one build


def _step_kinds(defs) -> dict[str, tuple[str, str]]:
    """op name -> (asset|check, group) for every step of the job."""
    kinds: dict[str, tuple[str, str]] = {}
    for a in defs.assets or []:
        groups = set(getattr(a, "group_names_by_key", {}).values()) or {"?"}
        kinds[a.op.name] = ("asset", sorted(groups)[0])
    for c in defs.asset_checks or []:
        asset_key = next(iter(c.check_keys)).asset_key
        group = next(
            (a.group_names_by_key.get(asset_key) for a in defs.assets or []
             if asset_key in getattr(a, "group_names_by_key", {})), "?"
        )
        kinds[c.op.name] = ("check", group)
    return kinds


class _RssSampler(threading.Thread):
    """Samples this process's resident memory (``/proc/self/statm``) every ``interval`` s."""

    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                resident = int(Path("/proc/self/statm").read_text().split()[1]) * self._page
            except (OSError, IndexError, ValueError):
                return
            self.samples.append((time.time(), resident))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def build_once(raw: Path, warehouse: Path, reports: Path) -> dict:
    """Run the ``build_warehouse`` job in this process; timings from its event log, and
    the highest resident memory sampled while each step ran."""
    t0 = time.perf_counter()
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import WarehouseResource

    t1 = time.perf_counter()
    job = defs.resolve_job_def("build_warehouse")
    instance = dg.DagsterInstance.ephemeral()
    resource = WarehouseResource(
        raw_dir=str(raw), warehouse=str(warehouse), reports_dir=str(reports), pii_salt=PII_SALT
    )
    t2 = time.perf_counter()
    sampler = _RssSampler()
    sampler.start()
    try:
        result = job.execute_in_process(
            resources={"warehouse": resource}, instance=instance, raise_on_error=False
        )
    finally:
        sampler.stop()
    t3 = time.perf_counter()
    kinds = _step_kinds(defs)
    steps: dict[str, dict] = {}
    run_start = run_end = None
    failures = []
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind == dg.DagsterEventType.RUN_START:
            run_start = entry.timestamp
        elif kind in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
            run_end = entry.timestamp
        elif kind == dg.DagsterEventType.STEP_START:
            steps.setdefault(entry.step_key, {})["start"] = entry.timestamp
        elif kind == dg.DagsterEventType.STEP_SUCCESS:
            steps.setdefault(entry.step_key, {})["seconds"] = event.event_specific_data.duration_ms / 1000
            steps[entry.step_key]["end"] = entry.timestamp
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            err = event.event_specific_data.error
            failures.append(f"{entry.step_key}: {err.message.strip().splitlines()[0] if err else '?'}")
            steps.setdefault(entry.step_key, {})["seconds"] = None
            steps[entry.step_key]["end"] = entry.timestamp
    step_rows = [
        {"step": k, "kind": kinds.get(k, ("?", "?"))[0], "group": kinds.get(k, ("?", "?"))[1],
         "seconds": v.get("seconds"),
         "peak_rss_gb": max((r for t, r in sampler.samples if v.get("start", 0) <= t <= v.get("end", 0)),
                            default=0) / 1e9}
        for k, v in sorted(steps.items(), key=lambda kv: kv[1].get("start", 0))
    ]
    return {
        "success": result.success,
        "failures": failures,
        "import_s": t1 - t0,
        "setup_s": t2 - t1,
        "execute_s": t3 - t2,
        "run_s": (run_end - run_start) if run_start and run_end else None,
        "steps": step_rows,
    }


# --------------------------------------------------------------------------- parent: measuring


def _child(args: list[str], timeout: float) -> tuple[dict, float, int]:
    """Run ``python -m benchmarks.<args>`` printing JSON last; (json, wall seconds, max RSS bytes)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    wall = time.perf_counter() - start
    # The child reports its own ru_maxrss (RUSAGE_SELF): DuckDB runs inside it.
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {proc.returncode}:\n{err[-4000:]}")
    payload = json.loads(out.strip().splitlines()[-1])
    return payload, wall, int(payload.get("maxrss_bytes", 0))


def _self_usage() -> dict:
    """This process's peak resident memory and CPU time (all threads, DuckDB's included)."""
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return {"maxrss_bytes": u.ru_maxrss * 1024, "cpu_s": u.ru_utime + u.ru_stime}


def load_average() -> float:
    """The 1-minute load average: other processes competing for the 2 cores distort wall times."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def startup_seconds(repeat: int = 3) -> float:
    """Median wall time of ``python -c "import pipelines.definitions"``."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pipelines.definitions"], cwd=PROJECT_ROOT,
                       env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare_indicator_values(build_db: Path, floor_db: Path) -> dict:
    """Rows of ``marts.indicator_values`` in one file and not the other (EXCEPT ALL both ways)."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as build (read_only)", [str(build_db)])
        con.execute("attach ? as floor (read_only)", [str(floor_db)])
        out = {}
        for a, b in (("build", "floor"), ("floor", "build")):
            out[f"{a}_minus_{b}"] = con.execute(
                f"select count(*) from (select * from {a}.marts.indicator_values "
                f"except all select * from {b}.marts.indicator_values)"
            ).fetchone()[0]
            out[f"{a}_rows"] = con.execute(f"select count(*) from {a}.marts.indicator_values").fetchone()[0]
        out["equal"] = out["build_minus_floor"] == 0 and out["floor_minus_build"] == 0
        return out
    finally:
        con.close()


def query_latency(warehouse: Path, runs: int = 20) -> dict:
    """Median and max latency (ms) of ANALYST_QUERY on a read-only connection, and a cold run."""
    start = time.perf_counter()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        plan = con.execute(
            "select plan_id, target_year from marts.target_vs_actual "
            "order by plan_id = ? desc, plan_id, target_year desc limit 1",
            [PREFERRED_PLAN],
        ).fetchone()
        params = [plan[0], plan[1]]
        rows = con.execute(ANALYST_QUERY, params).fetchall()
        cold = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            con.execute(ANALYST_QUERY, params).fetchall()
            times.append((time.perf_counter() - t) * 1000)
    finally:
        con.close()
    return {"median_ms": statistics.median(times), "max_ms": max(times), "cold_ms": cold,
            "rows": len(rows), "plan_id": params[0], "target_year": params[1], "runs": runs}


def machine() -> dict:
    """CPU model, cores, RAM, date, git commit and library versions."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    import dagster
    import polars

    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024**2, 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit,
        "python": platform.python_version(), "duckdb": duckdb.__version__,
        "dagster": dagster.__version__, "polars": polars.__version__,
    }


def _layers(steps: list[dict]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in steps:
        key = f"{s['kind']}:{s['group']}"
        out[key] = out.get(key, 0.0) + (s["seconds"] or 0.0)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _breakdown(build: dict, wall: float) -> dict:
    steps = sum(s["seconds"] or 0.0 for s in build["steps"])
    return {
        "wall_s": wall,
        "process_and_import_s": wall - build["setup_s"] - build["execute_s"],
        "import_s": build["import_s"],
        "run_s": build["run_s"],
        "steps_s": steps,
        "between_steps_s": (build["run_s"] or 0.0) - steps,
        "outside_run_s": build["execute_s"] - (build["run_s"] or 0.0),
        "step_count": len(build["steps"]),
        "layers": _layers(build["steps"]),
        "slowest": sorted((s for s in build["steps"] if s["seconds"] is not None),
                          key=lambda s: -s["seconds"])[:12],
    }


def run_benchmark(args: argparse.Namespace) -> dict:
    """Everything the module docstring lists; returns the results."""
    # Imported here, not by the build child (``_build``), whose time it would inflate.
    from benchmarks import generate as gen

    work = Path(args.workdir)
    raw, wh_dir, reports = work / "raw", work / "warehouse", work / "reports"
    warehouse = wh_dir / "tgxh.duckdb"
    floor_db = work / "floor.duckdb"
    for p in (wh_dir, reports, floor_db, Path(f"{floor_db}.wal")):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    results: dict = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}}

    first, last = (int(y) for y in args.years.split("-"))
    cfg = gen.Config(scale=args.scale, first_year=first, last_year=last,
                     provinces=tuple(args.provinces.split(",")) if args.provinces else None)
    shutil.rmtree(raw, ignore_errors=True)
    t = time.perf_counter()
    manifest = gen.generate(cfg, raw)
    results["generate"] = {"seconds": time.perf_counter() - t, "rows": manifest["rows"], "files": manifest["files"],
                           "bytes": sum(f.stat().st_size for f in raw.rglob("*.csv"))}
    _say(f"generated {manifest['rows']} rows in {manifest['files']} files "
         f"({results['generate']['bytes'] / 1e6:.0f} MB) in {results['generate']['seconds']:.1f} s")

    results["startup_s"] = startup_seconds()
    _say(f"start-up (python -c 'import pipelines.definitions'): {results['startup_s']:.2f} s")

    load = load_average()
    floor, wall, rss = _child(["benchmarks.run", "_floor", "--raw", str(raw), "--db", str(floor_db)], args.timeout)
    results["floor"] = {**floor, "wall_s": wall, "peak_rss_gb": rss / 1e9, "load_before": load,
                        "load_after": load_average()}
    _say(f"floor: {floor['seconds']:.1f} s in DuckDB ({wall:.1f} s with process start), "
         f"peak RSS {rss / 1e9:.2f} GB; raw {floor['raw']:.1f} s, models {floor['models']:.1f} s")

    load = load_average()
    build, wall, rss = _child(["benchmarks.run", "_build", "--raw", str(raw), "--warehouse", str(warehouse),
                               "--reports", str(reports)], args.timeout)
    results["full"] = {"success": build["success"], "failures": build["failures"], "cpu_s": build["cpu_s"],
                       "peak_rss_gb": rss / 1e9, **_breakdown(build, wall), "steps": build["steps"],
                       "load_before": load, "load_after": load_average()}
    _say(f"full build: {wall:.1f} s wall (run {build['run_s'] or 0:.1f} s, import {build['import_s']:.1f} s), "
         f"success={build['success']}, peak RSS {rss / 1e9:.2f} GB")
    for f in build["failures"]:
        _say(f"  FAILED {f}")

    if build["success"]:
        results["equality"] = compare_indicator_values(warehouse, floor_db)
        _say(f"indicator_values build vs floor: {results['equality']}")
        results["query"] = query_latency(warehouse, args.query_runs)
        _say(f"analyst query on marts.target_vs_actual: median {results['query']['median_ms']:.1f} ms "
             f"(cold {results['query']['cold_ms']:.1f} ms, {results['query']['rows']} rows)")

    inc = gen.increment(raw)
    load = load_average()
    build2, wall2, rss2 = _child(["benchmarks.run", "_build", "--raw", str(raw), "--warehouse", str(warehouse),
                                  "--reports", str(reports)], args.timeout)
    results["increment"] = {"month": inc["month"], "files": inc["files"], "rows": inc["rows"],
                            "success": build2["success"], "failures": build2["failures"],
                            "peak_rss_gb": rss2 / 1e9, **_breakdown(build2, wall2), "steps": build2["steps"],
                            "cpu_s": build2["cpu_s"], "load_before": load, "load_after": load_average()}
    _say(f"nightly increment ({inc['files']} files, {inc['rows']} rows for {inc['month']}): "
         f"{wall2:.1f} s wall, success={build2['success']}, peak RSS {rss2 / 1e9:.2f} GB")

    results["goals"] = evaluate_goals(results)
    return results


def evaluate_goals(r: dict) -> list[dict]:
    """Each goal of the brief with the measured figure and whether it is met."""
    full = r["full"]["wall_s"] if r["full"]["success"] else None
    floor = r["floor"]["wall_s"]
    rows = [
        ("full build from empty", full, "s", GOALS["full_build_s"]),
        ("full build / floor", full / floor if full else None, "×", GOALS["full_over_floor"]),
        ("full build / floor in CPU time (less sensitive to other load)",
         r["full"]["cpu_s"] / r["floor"]["cpu_s"] if full else None, "×", GOALS["full_over_floor"]),
        ("nightly increment", r["increment"]["wall_s"] if r["increment"]["success"] else None, "s",
         GOALS["increment_s"]),
        ("peak memory (max of the processes)",
         max(r["full"]["peak_rss_gb"], r["increment"]["peak_rss_gb"], r["floor"]["peak_rss_gb"]), "GB",
         GOALS["peak_memory_gb"]),
        ("target-vs-actual query (median)", r.get("query", {}).get("median_ms"), "ms", GOALS["query_ms"]),
    ]
    return [{"goal": g, "value": v, "unit": u, "limit": lim, "met": v is not None and v <= lim}
            for g, v, u, lim in rows]


# --------------------------------------------------------------------------- output


def _say(text: str) -> None:
    print(text, flush=True)


def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{v:.2f}{unit}" if v < 10 else f"{v:.1f}{unit}"


def markdown(r: dict) -> str:
    """The results as a BENCHMARKS.md section."""
    m, g, fl, full, inc = r["machine"], r["generate"], r["floor"], r["full"], r["increment"]
    lines = [
        f"### {m['date']} — scale {r['args']['scale']}, years {r['args']['years']}"
        + (f", provinces {r['args']['provinces']}" if r["args"].get("provinces") not in (None, "None") else ""),
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; commit {m['commit']}; "
        f"Python {m['python']}, DuckDB {m['duckdb']}, Dagster {m['dagster']}, polars {m['polars']}.",
        "",
        f"Data: {g['rows']['beneficiaries']:,} beneficiary rows, {g['rows']['facilities']:,} roster rows, "
        f"{g['rows']['training']:,} training records in {sum(g['files'].values())} files "
        f"({g['bytes'] / 1e6:.0f} MB CSV), generated in {g['seconds']:.1f} s.",
        "",
        "| goal | measured | limit | met |",
        "|---|---:|---:|---|",
        *[f"| {x['goal']} | {_fmt(x['value'], ' ' + x['unit'])} | {x['limit']} {x['unit']} | "
          f"{'yes' if x['met'] else '**no**'} |" for x in r["goals"]],
        "",
        "| figure | seconds |",
        "|---|---:|",
        f"| process start-up (`import pipelines.definitions`) | {_fmt(r['startup_s'])} |",
        f"| floor, whole process | {_fmt(fl['wall_s'])} |",
        f"| floor: read + resolve CSV into raw.* | {_fmt(fl['raw'])} |",
        f"| floor: SQL models up to marts.indicator_values | {_fmt(fl['models'])} |",
        f"| full build, whole process | {_fmt(full['wall_s'])} |",
        f"| full build: process start + imports | {_fmt(full['process_and_import_s'])} |",
        f"| full build: Dagster run (RUN_START → RUN_SUCCESS) | {_fmt(full['run_s'])} |",
        f"| full build: sum of {full['step_count']} step durations | {_fmt(full['steps_s'])} |",
        f"| full build: between steps (orchestration) | {_fmt(full['between_steps_s'])} |",
        f"| full build: outside the run (plan, instance) | {_fmt(full['outside_run_s'])} |",
        f"| nightly increment ({inc['files']} files, {inc['rows']:,} rows), whole process | {_fmt(inc['wall_s'])} |",
        f"| nightly increment: sum of step durations | {_fmt(inc['steps_s'])} |",
        f"| CPU time (user + sys, all threads): floor / full build / increment | "
        f"{_fmt(fl['cpu_s'])} / {_fmt(full['cpu_s'])} / {_fmt(inc['cpu_s'])} |",
        "",
        f"1-minute load average before → after (other processes share the {m['cores']} cores and inflate "
        f"wall times): floor {fl['load_before']:.1f} → {fl['load_after']:.1f}, full build "
        f"{full['load_before']:.1f} → {full['load_after']:.1f}, increment {inc['load_before']:.1f} → "
        f"{inc['load_after']:.1f}.",
        "",
        f"Peak RSS: floor {fl['peak_rss_gb']:.2f} GB, full build {full['peak_rss_gb']:.2f} GB, "
        f"increment {inc['peak_rss_gb']:.2f} GB.",
    ]
    if "query" in r:
        q = r["query"]
        lines += ["", f"Analyst query (`{q['plan_id']}`, {q['target_year']}, {q['rows']} rows): median "
                      f"{q['median_ms']:.1f} ms over {q['runs']} runs, max {q['max_ms']:.1f} ms, cold "
                      f"(connect + first run) {q['cold_ms']:.1f} ms."]
    if "equality" in r:
        e = r["equality"]
        lines += ["", f"`marts.indicator_values` build vs floor: {e['build_rows']:,} vs {e['floor_rows']:,} rows, "
                      f"{e['build_minus_floor']} only in the build, {e['floor_minus_build']} only in the floor "
                      f"→ **{'equal' if e['equal'] else 'DIFFERENT'}**."]
    for f in full["failures"] + inc["failures"]:
        lines += ["", f"Failed step: `{f}`"]
    lines += ["", "Time by layer (full build; increment):", "", "| layer | full s | increment s |", "|---|---:|---:|"]
    for layer, secs in full["layers"].items():
        lines.append(f"| {layer} | {secs:.1f} | {inc['layers'].get(layer, 0.0):.1f} |")
    lines += ["", "Slowest steps of the full build (a model's step includes its grain and audit checks; "
              "floor time of the same model where there is one; resident memory sampled during the step):", "",
              "| step | s | floor s | increment s | peak RSS GB |", "|---|---:|---:|---:|---:|"]
    floor_models = {k.replace(".", "__"): v for k, v in fl["model_seconds"].items()}
    inc_steps = {s["step"]: s["seconds"] for s in inc["steps"]}
    for s in full["slowest"]:
        lines.append(f"| {s['step']} | {s['seconds']:.1f} | {_fmt(floor_models.get(s['step']))} | "
                     f"{_fmt(inc_steps.get(s['step']))} | {s.get('peak_rss_gb', 0):.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: ``run`` (default) measures; ``_build``/``_floor`` are the child processes."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_build":
        p = argparse.ArgumentParser()
        p.add_argument("--raw", type=Path, required=True)
        p.add_argument("--warehouse", type=Path, required=True)
        p.add_argument("--reports", type=Path, required=True)
        a = p.parse_args(argv[1:])
        out = build_once(a.raw, a.warehouse, a.reports)
        print(json.dumps({**out, **_self_usage()}))
        return
    if argv and argv[0] == "_floor":
        from benchmarks.floor import build_floor

        p = argparse.ArgumentParser()
        p.add_argument("--raw", type=Path, required=True)
        p.add_argument("--db", type=Path, required=True)
        a = p.parse_args(argv[1:])
        out = build_floor(a.raw, a.db)
        print(json.dumps({**out, **_self_usage()}))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--years", default="2016-2026")
    p.add_argument("--provinces", default=None, help="comma-separated old province codes (default all)")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/tgxh-bench"))
    p.add_argument("--query-runs", type=int, default=20)
    p.add_argument("--timeout", type=float, default=3600, help="seconds allowed per child process")
    p.add_argument("--no-record", action="store_true", help="do not append the results to BENCHMARKS.md")
    p.add_argument("--json", type=Path, default=None, help="also write the full results as JSON here")
    a = p.parse_args(argv)
    results = run_benchmark(a)
    text = markdown(results)
    print()
    print(text)
    if a.json:
        a.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    if not a.no_record:
        with BENCHMARKS_MD.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
