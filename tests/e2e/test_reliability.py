"""The warehouse keeps its promises under load, faults and bad input (issue 7).

One scenario (module fixture ``scenario``) runs real builds of the ``build_warehouse`` job
in subprocesses, on a small copy of the sample data, while a separate reader process
polls the published warehouse every 100 ms:

1. a build killed with SIGKILL during ingestion, before anything was ever published;
2. build A1 from empty;
3. an extra sample file per source and two hostile files (formula-looking and
   SQL-looking file names and values) land in the raw folder;
4. builds killed with SIGKILL at chosen moments, spread over ingestion, seeds, SQL
   models, checks, reports and publishing (a kill lands a fixed delay after the step's
   STEP_START line appears on the build's console: outside observation, no hook);
5. build A2, which must succeed without any clean-up by hand;
6. build B, into another warehouse, of the same files copied in the reverse order with
   other modification times.

Builds are forked from one server process that imported the code location and Great
Expectations once (a fresh interpreter per build would spend most of the test importing),
and they use a persistent Dagster instance (sqlite in a temporary DAGSTER_HOME), as
``make run`` does, where a killed run would stay "started" for ever unless marked failed.

The tests then check, each on the scenario's record: readers never saw an error or a
mixed build; every kill left the published warehouse (and reports) byte-identical to the
last good build, or, when the kill came after the publishing rename, a complete new
build; every table of A2 equals B's; no personal data in any table, report or event log;
formulas reach the scorecard as text; SQL fragments are stored literally. A last test
starts the webserver the way ``make dev`` does and checks it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.request
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import dagster as dg
import duckdb
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.resources import marts_checksum
from sample_data.files import build_records

SAMPLE = PROJECT_ROOT / "data" / "raw"
FIRST_FILES = {
    "beneficiaries": [
        "2016_camau_bao_cao_nam.xlsx",
        "2017-2018_camau_bao_cao_nam.csv",
        "2019-2020_camau_bao_cao_nam.xlsx",
        "2019_dongthap_bao_cao_nam_toan_tinh.csv",
    ],
    "facilities": ["2016_camau_danh_sach_co_so.xlsx", "2017-2024_camau_danh_sach_co_so.csv"],
    "training": ["2021-2025_laocai_yenbai_dao_tao.xlsx", "2025_06_dao_tao_6_thang_dau_nam.csv"],
}
EXTRA_FILES = {
    "beneficiaries": ["2021-2023_camau_bao_cao_nam.csv"],
    "facilities": [],
    "training": ["2025_12_dao_tao_6_thang_cuoi_nam.csv"],
}
FORMULA_LINK = '=HYPERLINK("evil.example","click")'
FORMULA_DDE = "=cmd|' -C calc'!A0"
SQL_FRAGMENT = "'; drop table raw.training; --"
HTML_FRAGMENT = "<img src=x onerror=alert(1)>"
HOSTILE_FILES = {
    # file name -> content; each has one row with an unknown province, so its file name
    # starts a message of marts.data_quality_warnings, i.e. a cell of the scorecard.
    ("beneficiaries", f"{FORMULA_LINK} {SQL_FRAGMENT}.csv"): (
        "province,district,year,group,in_difficulty,served\n"
        f'Cà Mau,"{FORMULA_LINK.replace(chr(34), chr(34) * 2)}",2024,elderly,100,50\n'
        f"Cà Mau,\"{SQL_FRAGMENT}\",2024,elderly,80,40\n"
        "Ca Mua,Thới Bình,2024,elderly,10,5\n"
    ),
    ("facilities", f"{FORMULA_DDE} {HTML_FRAGMENT}.csv"): (
        "facility_id,name,province,district,year,ownership,unit_type,capacity,residents,status\n"
        f"HX-1,\"{FORMULA_DDE}\",Cà Mau,Thới Bình,2024,public,sa_elderly,50,40,active\n"
        f"HX-2,\"{SQL_FRAGMENT}\",Cà Mau,Thới Bình,2024,non_public,sa_children,30,20,active\n"
        f"HX-3,\"{HTML_FRAGMENT}\",Ca Mua,Thới Bình,2024,public,sa_elderly,10,5,active\n"
    ),
}

# (step whose STEP_START arms the kill, when to kill, phase). "When" is a delay in seconds
# after the STEP_START line, or a file-system event watched from outside (every 2 ms):
# "staged" = a scorecard of this run is written (into .build/<run id>.reports/),
# "wal" = the working file's write-ahead log appears (publish is writing audit.builds),
# "renamed" = the published file is another file (the publishing rename happened).
# A step name ending in "__" arms at the first step of that prefix.
KILL_BEFORE_FIRST_PUBLICATION = ("raw__beneficiaries", 0.05, "ingestion")
KILL_POINTS = [
    ("raw__beneficiaries", 0.0, "ingestion"),
    ("raw__facilities", 0.05, "ingestion"),
    ("plan_seeds", 0.2, "seeds"),
    ("sql_models", 0.05, "sql models"),  # the SQL layer is one step: killed early in it
    ("sql_models", 0.5, "sql models"),  # and later, while it builds and checks the models
    ("marts__target_vs_actual_great_expectations_suite", 0.3, "checks"),
    ("reports__", "staged", "reports"),
    ("warehouse", "wal", "publishing"),
    ("warehouse", "renamed", "publishing"),
]
STEP_TIMEOUT = 240  # seconds a build may take to reach a step (a loaded 2-core machine)


def phase_of(step: str) -> str:
    """The phase of a build a step belongs to, as named in KILL_POINTS."""
    if step.startswith("raw__"):
        return "ingestion"
    if step in ("plan_seeds", "provinces", "seeds__provinces"):
        return "seeds"
    if step.startswith("reports__"):
        return "reports"
    if step == "warehouse":
        return "publishing"
    if step.endswith(("_great_expectations_suite", "_unique_grain", "_not_null_grain")):
        return "checks"
    return "sql models"

SERVER = r"""
import atexit, json, os, sys
import dagster as dg
from pipelines.definitions import defs
import pipelines.quality.expectations  # slow import: once, before forking
job = defs.resolve_job_def("build_warehouse")
print("READY", flush=True)
for line in sys.stdin:
    env = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 3
        atexit._clear()  # the exit handlers the parent registered are not the build's
        try:
            os.environ.update(env)
            result = job.execute_in_process(instance=dg.DagsterInstance.get(), raise_on_error=False)
            print(f"RESULT {result.run_id} {'success' if result.success else 'failure'}", flush=True)
            code = 0 if result.success else 1
        except BaseException as exc:
            print(f"CRASH {exc!r}", flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            atexit._run_exitfuncs()  # as the end of a run worker's process: the run's lock goes
            os._exit(code)
    print(f"CHILD {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"EXIT {os.waitstatus_to_exitcode(status)}", flush=True)
"""

READER = r"""
import duckdb, json, os, sys, time
path, out, stop = sys.argv[1:4]
TABLES = ("marts.indicator_values", "marts.target_vs_actual")

def view(con):
    # One read transaction: the latest audit.builds row and the marts it must describe.
    con.execute("begin transaction")
    try:
        build_id, stored = con.execute(
            "select build_id, marts_checksum from audit.builds order by published_at desc limit 1").fetchone()
        parts = []
        for table in TABLES:
            rows, md5 = con.execute(
                "select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), ''))"
                f" from {table} as t").fetchone()
            parts.append(f"{table}={rows}:{md5}")
        targets, with_status = con.execute("select count(*), count(status) from marts.target_vs_actual").fetchone()
    finally:
        con.execute("commit")
    return {"build_id": build_id, "stored": stored, "computed": ";".join(parts),
            "targets": targets, "with_status": with_status}

records = []
print("READY", flush=True)
while not os.path.exists(stop):
    started = time.time()
    record = {"t": started}
    try:
        if os.path.exists(path):
            con = duckdb.connect(path, read_only=True)
            try:
                record.update(view(con))
            finally:
                con.close()
        else:
            record["absent"] = True
    except Exception as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
    records.append(record)
    time.sleep(max(0.0, 0.1 - (time.time() - started)))
with open(out, "w") as fh:
    json.dump(records, fh)
"""

STEP_START = re.compile(r" - ([0-9a-f-]{36}) - \d+ - (\S+) - STEP_START - ")


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _copy_files(raw: Path, files: dict[str, list[str]], reverse: bool = False) -> None:
    """Copy sample files into ``raw`` one by one, each with its own modification time."""
    items = [(source, name) for source, names in files.items() for name in names]
    for i, (source, name) in enumerate(reversed(items) if reverse else items):
        target = raw / source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / source / name, target)
        stamp = (1_500_000_000 if reverse else 1_700_000_000) + (-1 if reverse else 1) * 3600 * i
        os.utime(target, (stamp, stamp))


def _write_hostile(raw: Path) -> None:
    for (source, name), content in HOSTILE_FILES.items():
        (raw / source).mkdir(parents=True, exist_ok=True)
        (raw / source / name).write_text(content, encoding="utf-8")


class BuildServer:
    """The fork server: ``build(env)`` forks one build of the job; the test reads the
    build's console (Dagster's log lines) as it is written and may SIGKILL the build."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            cwd=PROJECT_ROOT, env=env, text=True, bufsize=1,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.console: list[str] = []
        self.child: int | None = None
        threading.Thread(target=self._pump, daemon=True).start()
        self._expect(lambda line: line == "READY", timeout=300)

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.console.append(line)
            self.lines.put((time.monotonic(), line.rstrip("\n")))
        self.lines.put((time.monotonic(), "<server exited>"))

    def _expect(self, match, timeout: float) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                at, line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for the build server ({timeout} s)") from None
            if match(line):
                return at, line
            if line == "<server exited>":
                raise AssertionError("the build server exited:\n" + "".join(self.console[-40:]))

    def build(self, env: dict[str, str], kill_at: tuple[str, float | str] | None = None) -> dict:
        """One build; with ``kill_at = (step, when)`` it is killed with SIGKILL ``when``
        seconds after the step starts, or when the file-system event ``when`` is seen
        (see KILL_POINTS). Returns the run id, exit code, result and the steps started."""
        warehouse = Path(env["TGXH_WAREHOUSE"])
        inode = warehouse.stat().st_ino if warehouse.exists() else None
        self.proc.stdin.write(json.dumps(env) + "\n")
        self.proc.stdin.flush()
        _, line = self._expect(lambda s: s.startswith("CHILD "), timeout=60)
        self.child = pid = int(line.split()[1])
        started: list[tuple[float, str]] = []
        run_id = result = killed_at = waited = None
        while True:
            at, line = self._expect(lambda s: True, timeout=STEP_TIMEOUT)
            m = STEP_START.search(line)
            if m:
                run_id = m.group(1)
                started.append((at, m.group(2)))
                if kill_at is not None and killed_at is None and _arms(kill_at[0], m.group(2)):
                    when = kill_at[1]
                    if isinstance(when, str):
                        build_dir = warehouse.parent / ".build"
                        wal = build_dir / f"{run_id}.duckdb.wal"
                        staged = build_dir / f"{run_id}.reports"
                        seen = {
                            "staged": lambda staged=staged: staged.is_dir() and any(
                                not f.name.startswith(".") for f in staged.iterdir()),
                            "wal": wal.exists,
                            "renamed": lambda: warehouse.exists() and warehouse.stat().st_ino != inode,
                        }[when]
                        while not seen() and _alive(pid):
                            time.sleep(0.002)
                    else:
                        time.sleep(max(0.0, at + when - time.monotonic()))
                    os.kill(pid, signal.SIGKILL)
                    killed_at = time.monotonic()
                    waited = killed_at - at
            elif line.startswith("RESULT "):
                run_id, result = line.split()[1:3]
            elif line.startswith("EXIT "):
                self.child = None
                return {
                    "run_id": run_id, "exit": int(line.split()[1]), "result": result, "waited": waited,
                    "steps": [step for _, step in started],
                    # steps whose STEP_START line had arrived when the kill was sent
                    "killed_after": None if killed_at is None else [s for t, s in started if t <= killed_at],
                }

    def close(self) -> None:
        if self.child is not None:  # a build of ours still running after a failure
            try:
                os.kill(self.child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _arms(marker: str, step: str) -> bool:
    return step == marker or (marker.endswith("__") and step.startswith(marker))


def _alive(pid: int) -> bool:
    """Whether the process runs (not exited, not a zombie waiting for its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _published_state(warehouse: Path) -> dict | None:
    """The published file's latest build and whether its stored checksum matches its marts."""
    if not warehouse.exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        build_id, stored = con.execute(
            "select build_id, marts_checksum from audit.builds order by published_at desc limit 1"
        ).fetchone()
        return {"build_id": build_id, "consistent": stored == marts_checksum(con)}
    finally:
        con.close()


def _reports(reports_dir: Path) -> dict[str, str | None]:
    return {name: _sha(reports_dir / name) for name in ("scorecard.xlsx", "scorecard.html")}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, dagster_home):
    tmp = tmp_path_factory.mktemp("reliability")
    home = dagster_home
    raw_a, raw_b = tmp / "raw_a", tmp / "raw_b"
    _copy_files(raw_a, FIRST_FILES)
    env_a = {
        "TGXH_RAW_DIR": str(raw_a),
        "TGXH_WAREHOUSE": str(tmp / "a" / "tgxh.duckdb"),
        "TGXH_REPORTS_DIR": str(tmp / "a_reports"),
        "TGXH_PII_SALT": "reliability-salt",
    }
    env_b = {**env_a, "TGXH_RAW_DIR": str(raw_b), "TGXH_WAREHOUSE": str(tmp / "b" / "tgxh.duckdb"),
             "TGXH_REPORTS_DIR": str(tmp / "b_reports")}
    warehouse, reports_dir = Path(env_a["TGXH_WAREHOUSE"]), Path(env_a["TGXH_REPORTS_DIR"])
    base_env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT), **env_a}

    stop, out = tmp / "reader.stop", tmp / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(out), str(stop)],
        stdout=subprocess.PIPE, text=True,
    )
    server = BuildServer(base_env)
    rec: dict = {"tmp": tmp, "home": home, "env_a": env_a, "env_b": env_b, "kills": []}
    try:
        assert reader.stdout.readline().strip() == "READY"

        def kill(point: tuple[str, float | str, str]) -> None:
            before = {"warehouse": _sha(warehouse), "reports": _reports(reports_dir),
                      "state": _published_state(warehouse)}
            run = server.build(env_a, kill_at=point[:2])
            rec["kills"].append({
                "point": point, **run, "before": before,
                "after": {"warehouse": _sha(warehouse), "reports": _reports(reports_dir),
                          "state": _published_state(warehouse), "completed": _completed(warehouse)},
            })

        kill(KILL_BEFORE_FIRST_PUBLICATION)
        rec["a1"] = server.build(env_a)
        rec["a1_state"] = _published_state(warehouse)
        _copy_files(raw_a, EXTRA_FILES)
        _write_hostile(raw_a)
        for point in KILL_POINTS:
            kill(point)
        rec["a2"] = server.build(env_a)
        rec["a2_state"] = _published_state(warehouse)
        rec["build_dir_after_a2"] = sorted(p.name for p in (warehouse.parent / ".build").iterdir())
        stop.touch()
        reader.wait(timeout=60)
        rec["reader"] = json.loads(out.read_text())

        _copy_files(raw_b, {s: FIRST_FILES[s] + EXTRA_FILES[s] for s in FIRST_FILES}, reverse=True)
        _write_hostile(raw_b)
        rec["b"] = server.build(env_b)
    finally:
        stop.touch()
        server.close()
        if reader.poll() is None:
            try:
                reader.wait(timeout=30)
            except subprocess.TimeoutExpired:
                reader.kill()
                reader.wait()
    rec["console"] = "".join(server.console)
    return rec


def _completed(warehouse: Path) -> str | None:
    """The build whose publication went through to its end (reports and exports included)."""
    marker = warehouse.parent / f".{warehouse.name}.published"
    return marker.read_text(encoding="utf-8") if marker.exists() else None


def _published_by_a2(scenario) -> str:
    """The build A2 leaves published: its own, unless the build killed just before it
    ("renamed") was killed only after its publication had gone through to its end (a
    loaded machine can deliver the kill that late). A2 then finds its content published
    and publishes nothing."""
    last = scenario["kills"][-1]
    return last["run_id"] if last["after"]["completed"] == last["run_id"] else scenario["a2"]["run_id"]


def _open(path: str | Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


# --- the builds themselves -------------------------------------------------------------------

def test_the_good_builds_succeed(scenario):
    for name in ("a1", "a2", "b"):
        run = scenario[name]
        assert (run["exit"], run["result"]) == (0, "success"), (name, scenario["console"][-5000:])
    assert scenario["a1_state"] == {"build_id": scenario["a1"]["run_id"], "consistent": True}
    assert scenario["a2_state"] == {"build_id": _published_by_a2(scenario), "consistent": True}


# --- readers during builds -------------------------------------------------------------------

def test_readers_never_get_an_error_and_always_see_one_complete_build(scenario):
    records = scenario["reader"]
    errors = [r for r in records if "error" in r]
    assert not errors, errors[:5]
    assert len(records) >= 200, "the reader polled every 100 ms through the builds"
    seen = [r for r in records if not r.get("absent")]
    # absent only before the first publication, never after it
    first = records.index(seen[0])
    assert all(not r.get("absent") for r in records[first:])
    n_targets = sum(1 for _ in open(PROJECT_ROOT / "data" / "seeds" / "plan_targets.csv", encoding="utf-8")) - 1
    for r in seen:
        assert r["stored"] == r["computed"], r  # the build row and the marts belong together
        assert r["targets"] == r["with_status"] == n_targets, r  # complete: one judged row per target
    ids = list(dict.fromkeys(r["build_id"] for r in seen))
    assert ids[0] == scenario["a1"]["run_id"] and ids[-1] == _published_by_a2(scenario)
    checksums = {r["build_id"]: r["stored"] for r in seen}
    assert checksums[ids[0]] != checksums[ids[-1]], "the extra files changed the marts"
    # the reader saw each build as one: a build id never comes back after a newer one
    assert [r["build_id"] for r in seen] == sorted((r["build_id"] for r in seen), key=ids.index)


# --- crash safety ----------------------------------------------------------------------------

def test_a_killed_build_leaves_the_published_warehouse_as_it_was(scenario):
    kills = scenario["kills"]
    assert len(kills) >= 10
    phases = [k["point"][2] for k in kills]
    assert phases.count("ingestion") >= 3 and phases.count("publishing") >= 2
    assert sum(p in ("seeds", "sql models", "checks") for p in phases) >= 4
    for k in kills:
        step, when, phase = k["point"]
        assert k["exit"] == -signal.SIGKILL, (k["point"], k["exit"], k["result"])
        assert k["killed_after"] and any(s.startswith(step) for s in k["killed_after"]), k["point"]
        assert phase_of(k["killed_after"][-1]) in (phase, "checks"), (k["point"], k["killed_after"][-3:])
        if when == "renamed":
            # killed after the publishing rename: the file holds that build, complete and
            # consistent (its reports may still be the previous ones until the next build)
            assert k["after"]["warehouse"] != k["before"]["warehouse"], k["point"]
            assert k["after"]["state"] == {"build_id": k["run_id"], "consistent": True}, k["point"]
        else:
            # byte-identical to the last good build, and so are the reports it published
            assert k["after"]["warehouse"] == k["before"]["warehouse"], k["point"]
            assert k["after"]["reports"] == k["before"]["reports"], k["point"]
            assert k["after"]["state"] == k["before"]["state"], k["point"]
    assert kills[0]["before"]["warehouse"] is None and kills[0]["after"]["warehouse"] is None


def test_the_next_build_needs_no_clean_up(scenario):
    # every killed build left files behind; the next build removed them and marked the
    # killed run failed in the persistent Dagster instance (it would stay "started" for
    # ever there, holding back a queue that runs one build at a time)
    assert scenario["build_dir_after_a2"] == []
    instance = dg.DagsterInstance.from_config(str(scenario["home"]))
    try:
        statuses = {r.run_id: r.status for r in instance.get_runs()}
    finally:
        instance.dispose()
    assert {statuses[k["run_id"]] for k in scenario["kills"]} == {dg.DagsterRunStatus.FAILURE}
    with _open(scenario["env_a"]["TGXH_WAREHOUSE"]) as con:
        ledger = con.execute("select file_name, count(*) from audit.ingested_files group by all").fetchall()
        builds = [b for (b,) in con.execute("select build_id from audit.builds").fetchall()]
    assert all(n == 1 for _, n in ledger), "killed builds recorded nothing"
    assert _published_by_a2(scenario) in builds and scenario["a1"]["run_id"] in builds


# --- determinism -----------------------------------------------------------------------------

def _table_digests(path: str | Path) -> dict[str, tuple[int, str]]:
    with _open(path) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal"
            " union all select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        out = {}
        for schema, table in tables:
            out[f"{schema}.{table}"] = con.execute(
                "select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10)"
                f' order by cast(t as varchar)), \'\')) from "{schema}"."{table}" as t'
            ).fetchone()
    return out


def test_the_same_files_in_any_order_give_identical_tables(scenario):
    a = _table_digests(scenario["env_a"]["TGXH_WAREHOUSE"])
    b = _table_digests(scenario["env_b"]["TGXH_WAREHOUSE"])
    assert set(a) == set(b)
    compared = sorted(set(a) - {"audit.builds"})  # build id and time differ by design
    assert len(compared) == len(a) - 1 and len(compared) >= 30
    assert {"raw.beneficiaries", "audit.ingested_files", "marts.target_vs_actual"} <= set(compared)
    different = [t for t in compared if a[t] != b[t]]
    assert not different
    assert all(a[t][0] > 0 for t in ("raw.beneficiaries", "raw.facilities", "raw.training"))


# --- personal data ---------------------------------------------------------------------------

def _all_table_text(path: str | Path) -> str:
    with _open(path) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        parts = []
        for schema, table in tables:
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
                parts.append("\t".join(str(v) for v in row))
        parts += [str(c) for (c,) in con.execute("select comment from duckdb_columns() where comment is not null").fetchall()]
    return "\n".join(parts)


def _report_text(reports_dir: Path) -> str:
    parts = [(reports_dir / "scorecard.html").read_text(encoding="utf-8")]
    with zipfile.ZipFile(reports_dir / "scorecard.xlsx") as archive:
        for name in archive.namelist():
            parts.append(archive.read(name).decode("utf-8", "replace"))
    return "\n".join(parts)


def _event_log_text(home: Path) -> tuple[str, int]:
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        runs = instance.get_runs()
        parts = []
        for run in runs:
            for entry in instance.all_logs(run.run_id):
                # the whole record (message, event, metadata); serialize_value escapes
                # non-ASCII characters, so decode and dump it again with them as they are
                parts.append(json.dumps(json.loads(dg.serialize_value(entry)), ensure_ascii=False))
        return "\n".join(parts), len(runs)
    finally:
        instance.dispose()


class PersonalData:
    """Finds the national IDs and full names of the sample's training records in a text:
    an ID anywhere inside a run of digits, a name as a sequence of words in any case."""

    def __init__(self, records: list[dict]) -> None:
        self.ids = {r["person_id"] for r in records}
        self.id_lengths = sorted({len(i) for i in self.ids})
        self.names = {self._words(r["full_name"]): r["full_name"] for r in records if r.get("full_name")}
        self.prefixes = {name[:2] for name in self.names}
        self.name_lengths = sorted({len(name) for name in self.names})

    @staticmethod
    def _words(text: str) -> tuple[str, ...]:
        return tuple(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))

    def find(self, text: str) -> tuple[set[str], set[str]]:
        """(IDs, names) of the records that occur in ``text``."""
        ids = set()
        for run in re.findall(rf"\d{{{self.id_lengths[0]},}}", text):
            for n in self.id_lengths:
                ids.update(run[k:k + n] for k in range(len(run) - n + 1) if run[k:k + n] in self.ids)
        words = self._words(text)
        names = set()
        for i in range(len(words) - 1):
            if words[i:i + 2] in self.prefixes:
                names.update(self.names[words[i:i + n]] for n in self.name_lengths if words[i:i + n] in self.names)
        return ids, names


def test_no_personal_data_in_tables_reports_or_event_logs(scenario):
    pii = PersonalData(build_records()["training"])
    raw_text = "\n".join(
        (scenario["tmp"] / "raw_a" / "training" / n).read_bytes().decode("utf-8", "replace")
        for n in FIRST_FILES["training"] + EXTRA_FILES["training"] if n.endswith(".csv")
    )
    ids, names = pii.find(raw_text)  # the scan finds what is there
    assert len(ids) >= 100 and len(names) >= 40, "the scenario's raw files carry real-looking IDs and names"
    log_text, n_runs = _event_log_text(scenario["home"])
    assert n_runs == 3 + len(scenario["kills"]) and len(log_text) > 100_000
    assert "Cà Mau" in log_text  # decoded text, not \u escapes
    sources = {
        "warehouse A": _all_table_text(scenario["env_a"]["TGXH_WAREHOUSE"]),
        "warehouse B": _all_table_text(scenario["env_b"]["TGXH_WAREHOUSE"]),
        "reports": _report_text(Path(scenario["env_a"]["TGXH_REPORTS_DIR"])),
        "event logs": log_text,
        "console": scenario["console"],
    }
    for where, text in sources.items():
        leaked_ids, leaked_names = pii.find(text)
        assert not leaked_ids and not leaked_names, (where, sorted(leaked_ids)[:3], sorted(leaked_names)[:3])


# --- bad input through the whole build ---------------------------------------------------------

SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def test_formulas_reach_the_scorecard_as_text_never_as_formulas(scenario):
    reports = Path(scenario["env_a"]["TGXH_REPORTS_DIR"])
    with zipfile.ZipFile(reports / "scorecard.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert len(sheets) >= 3
        for name in sheets:  # no formula cell anywhere
            assert not list(ElementTree.fromstring(archive.read(name)).iter(f"{SHEET_NS}f")), name
        strings = [
            "".join(t.text or "" for t in si.iter(f"{SHEET_NS}t"))
            for si in ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        ]
    # the warnings sheet lists the files with a rejected row, the message starting with the name
    for fragment in (FORMULA_LINK, FORMULA_DDE):
        assert any(s.startswith(fragment) for s in strings), fragment
    html = (reports / "scorecard.html").read_text(encoding="utf-8")
    assert HTML_FRAGMENT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_sql_fragments_are_stored_literally_and_no_table_is_dropped(scenario):
    with _open(scenario["env_a"]["TGXH_WAREHOUSE"]) as con:
        names = dict(con.execute("select facility_id, name from raw.facilities where facility_id like 'HX-%'").fetchall())
        districts = {d for (d,) in con.execute("select district from raw.beneficiaries where year = 2024").fetchall()}
        files = {f for (f,) in con.execute("select file_name from audit.ingested_files").fetchall()}
        training_rows = con.execute("select count(*) from raw.training").fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_facilities where name = ?", [SQL_FRAGMENT]).fetchone()
    assert names == {"HX-1": FORMULA_DDE, "HX-2": SQL_FRAGMENT}  # HX-3: unknown province, rejected
    assert {FORMULA_LINK, SQL_FRAGMENT} <= districts
    assert {name for (_, name) in HOSTILE_FILES} <= files
    assert training_rows > 0 and staged == (1,)


# --- exposure: the webserver as `make dev` starts it -------------------------------------------

def _dev_recipe() -> str:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(r"^dev:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert m, "the Makefile has a dev target"
    return m.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> set[int]:
    """``pid`` and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, grew = {pid}, True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return tree


def _listening(pids: set[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state owned by ``pids``."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    out = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A" and fields[9] in inodes:
                raw = bytes.fromhex(address)
                host = ".".join(str(b) for b in raw[::-1]) if width == 8 else raw.hex()
                out.append((host, int(port, 16)))
    return out


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from /proc")
def test_the_webserver_listens_on_localhost_only(tmp_path, process_group):
    recipe = _dev_recipe()
    m = re.search(r"dagster dev (.*)", recipe)
    assert m, recipe
    args = m.group(1).split()
    host = args[args.index("-h") + 1]
    assert host == "127.0.0.1", "make dev binds the webserver to localhost"
    module = args[args.index("-m") + 1]
    port = _free_port()
    webserver = Path(sys.executable).parent / "dagster-webserver"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = process_group(
        [str(webserver), "-m", module, "-h", host, "-p", str(port)],
        grace=20, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline, ready = time.monotonic() + 180, False
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as resp:
                ready = resp.status == 200
                break
        except OSError:
            time.sleep(0.5)
    assert ready, "the webserver answered on 127.0.0.1"
    sockets = _listening(_tree(proc.pid))
    assert ("127.0.0.1", port) in sockets, sockets
    loopback = {"127.0.0.1", "00000000000000000000000001000000"}  # ::1
    assert {h for h, _ in sockets} <= loopback, sockets
