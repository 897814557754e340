"""Configuration of a build (docs/contract.md §1), read when a run starts, never at import time.

``python -m pipelines.config`` checks the configuration before a build (``make run`` calls
it first): a configuration that cannot be right, a build already running on the
warehouse, or a published file that cannot be opened, is one line on stderr naming the
variable, its value and the problem, and exit status 2. The warehouse resource runs the
same checks when a build starts, for the builds the daemon and the UI launch."""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE = "data/warehouse/tgxh.duckdb"
DEFAULT_REPORTS_DIR = "data/reports"
DEV_PII_SALT = "tgxh-dev-salt-not-for-production"
SOURCES = ("beneficiaries", "facilities", "training")
ENGINES = ("duckdb", "spark")
"""Where the SQL models run (``TGXH_ENGINE``); the first is the default."""


TRUE_VALUES = ("1", "true", "yes")


class ConfigError(Exception):
    """A configuration that cannot be right; the message is one line naming the variable,
    its value and what is wrong."""

    def __init__(self, variable: str, value: object, problem: str) -> None:
        super().__init__(f"{variable}={value}: {problem}")


class DevSaltWarning(UserWarning):
    """The development salt is in use: pseudonyms are not secret."""


@cache
def _warn_dev_salt() -> None:
    """Warn once per process that personal identifiers are hashed with the public dev salt."""
    warnings.warn(
        "TGXH_PII_SALT is not set: using the fixed development salt; "
        "set a secret salt for real personal data",
        DevSaltWarning,
        stacklevel=3,
    )


def _resolve(path: str | os.PathLike) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p)


def _seconds(variable: str, value: str) -> float:
    """A number of seconds ≥ 0, else ConfigError naming the variable and its value."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise ConfigError(variable, repr(value), "not a number of seconds (0 or more)")
    return seconds


REPORT_KINDS = ("xlsx", "html", "pdf")
"""The scorecards published with each build, by file extension."""


DEFAULT_MEMORY_LIMIT = "2GB"
"""DuckDB's ``memory_limit`` for a build's connections unless ``TGXH_MEMORY_LIMIT`` says otherwise."""


@cache
def _memory_limit(value: str) -> str:
    """A memory size DuckDB reads (``2GB``, ``512MiB``, ``80%``), else ConfigError. Asked
    once per value and process: the settings are read at every step of a run, and DuckDB
    answers only by opening a database (about 20 ms)."""
    import duckdb

    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error:
        raise ConfigError("TGXH_MEMORY_LIMIT", repr(value), "not a memory size DuckDB reads (e.g. 2GB, 512MiB, 80%)") from None
    return value


@dataclass(frozen=True)
class Settings:
    """The settings of docs/contract.md §1, with paths made absolute; where the
    scorecards are written (``TGXH_REPORTS_DIR``, default ``data/reports``); whether a
    build waits for a running one (``TGXH_WAIT_FOR_BUILD=1``) and whether it starts from
    an empty warehouse instead of the published one (``TGXH_REBUILD=1``, ``make rebuild``)."""

    raw_dir: Path
    warehouse: Path
    pii_salt: str
    reports_dir: Path
    wait_for_build: bool = False
    rebuild: bool = False
    settle_seconds: float = 0
    """``TGXH_SETTLE_SECONDS``: files modified less than this before the build are deferred."""
    allow_withdrawal: bool = False
    """``TGXH_ALLOW_WITHDRAWAL=1``: a build may withdraw more than half of a source's files."""
    engine: str = ENGINES[0]
    """``TGXH_ENGINE``: where the SQL models run (``duckdb`` or ``spark``)."""
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    """``TGXH_MEMORY_LIMIT``: DuckDB's ``memory_limit`` on a build's connections (``2GB``,
    ``80%``...); beyond it DuckDB spills into the run's ``.build/<run_id>.tmp/``."""

    @classmethod
    def from_env(
        cls,
        raw_dir: str | None = None,
        warehouse: str | None = None,
        pii_salt: str | None = None,
        reports_dir: str | None = None,
        environ: dict[str, str] | None = None,
        engine: str | None = None,
    ) -> Settings:
        """Explicit values win, then the environment, then the defaults of docs/contract.md §1.
        Raises ConfigError for an engine other than those of ``ENGINES`` or a settle time
        that is not a number of seconds."""
        env = os.environ if environ is None else environ
        chosen = engine or env.get("TGXH_ENGINE") or ENGINES[0]
        if chosen not in ENGINES:
            raise ConfigError("TGXH_ENGINE", repr(chosen), f"not an engine: use {' or '.join(ENGINES)}")
        salt = pii_salt or env.get("TGXH_PII_SALT")
        if not salt:
            _warn_dev_salt()
            salt = DEV_PII_SALT
        return cls(
            raw_dir=_resolve(raw_dir or env.get("TGXH_RAW_DIR") or DEFAULT_RAW_DIR),
            warehouse=_resolve(warehouse or env.get("TGXH_WAREHOUSE") or DEFAULT_WAREHOUSE),
            pii_salt=salt,
            reports_dir=_resolve(reports_dir or env.get("TGXH_REPORTS_DIR") or DEFAULT_REPORTS_DIR),
            wait_for_build=env.get("TGXH_WAIT_FOR_BUILD", "").strip().lower() in TRUE_VALUES,
            rebuild=env.get("TGXH_REBUILD", "").strip().lower() in TRUE_VALUES,
            settle_seconds=_seconds("TGXH_SETTLE_SECONDS", env.get("TGXH_SETTLE_SECONDS") or "0"),
            allow_withdrawal=env.get("TGXH_ALLOW_WITHDRAWAL", "").strip().lower() in TRUE_VALUES,
            engine=chosen,
            memory_limit=_memory_limit(env.get("TGXH_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT),
        )

    def source_dir(self, source: str) -> Path:
        return self.raw_dir / source

    def report_path(self, kind: str) -> Path:
        """The published scorecard of ``kind`` (one of ``REPORT_KINDS``) in the reports folder."""
        if kind not in REPORT_KINDS:
            raise ValueError(f"unknown report kind {kind!r}: expected one of {', '.join(REPORT_KINDS)}")
        return self.reports_dir / f"scorecard.{kind}"

    def check_raw_dir(self) -> None:
        """``TGXH_RAW_DIR`` is a folder holding at least one of the source folders."""
        if not self.raw_dir.exists():
            raise ConfigError("TGXH_RAW_DIR", self.raw_dir, "no such folder")
        if not self.raw_dir.is_dir():
            raise ConfigError("TGXH_RAW_DIR", self.raw_dir, "not a folder")
        if not any(self.source_dir(s).is_dir() for s in SOURCES):
            raise ConfigError(
                "TGXH_RAW_DIR", self.raw_dir,
                "holds none of the source folders " + ", ".join(f"{s}/" for s in SOURCES),
            )

    def check_warehouse_dir(self) -> None:
        """The warehouse's folder exists (it is created when its own parent folder exists)
        and a file can be created in it."""
        folder = self.warehouse.parent
        if not folder.exists() and folder.parent.is_dir():
            try:
                folder.mkdir()
            except OSError as exc:
                problem = f"cannot create its folder {folder}: {exc.strerror}"
                raise ConfigError("TGXH_WAREHOUSE", self.warehouse, problem) from None
        if not folder.exists():
            raise ConfigError("TGXH_WAREHOUSE", self.warehouse, f"its folder {folder} does not exist")
        if not folder.is_dir():
            raise ConfigError("TGXH_WAREHOUSE", self.warehouse, f"{folder} is not a folder")
        if self.warehouse.is_dir():
            raise ConfigError("TGXH_WAREHOUSE", self.warehouse, "is a folder, not a file")
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise ConfigError("TGXH_WAREHOUSE", self.warehouse, f"its folder {folder} is not writable ({exc.strerror})") from None

    def check_published(self) -> None:
        """The published warehouse, if any, opens (skipped for a rebuild, which replaces it)."""
        if self.rebuild or not self.warehouse.exists():
            return
        import duckdb  # here: the other checks need no database

        try:
            duckdb.connect(str(self.warehouse), read_only=True).close()
        except duckdb.Error as exc:
            raise ConfigError("TGXH_WAREHOUSE", self.warehouse, corrupt_message(exc)) from None


def corrupt_message(exc: Exception) -> str:
    """What to do when the published warehouse cannot be opened."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (
        f"the published warehouse cannot be opened ({reason}); restore it from a backup, "
        "or rebuild it from the raw folder with `make rebuild`"
    )


def check(settings: Settings) -> None:
    """Every check of a configuration before a build; raises ``ConfigError``, or
    ``pipelines.lock.BuildRunning`` when a build runs on the warehouse and the settings
    do not ask to wait for it."""
    from pipelines.lock import BuildRunning, running_build

    settings.check_raw_dir()
    settings.check_warehouse_dir()
    if not settings.wait_for_build:
        owner = running_build(settings.warehouse)
        if owner is not None:
            raise BuildRunning(settings.warehouse, owner)
    settings.check_published()


def main() -> int:
    """Check the configuration from the environment: one line on stderr and status 2 when wrong."""
    from pipelines.lock import BuildRunning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DevSaltWarning)  # the build itself gives the warning
            settings = Settings.from_env()
        check(settings)
    except (ConfigError, BuildRunning) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
