"""Configuration of a build (docs/contract.md §1), read when a run starts, never at import time."""

from __future__ import annotations

import os
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


class ConfigError(ValueError):
    """A setting that cannot be right; the message is one line naming the variable and its value."""


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
        raise ConfigError(f"{variable}={value!r} is not a number of seconds (0 or more)")
    return seconds


@dataclass(frozen=True)
class Settings:
    """The settings of docs/contract.md §1, with paths made absolute, and where the
    scorecards are written (``TGXH_REPORTS_DIR``, default ``data/reports``)."""

    raw_dir: Path
    warehouse: Path
    pii_salt: str
    reports_dir: Path
    settle_seconds: float = 0
    """``TGXH_SETTLE_SECONDS``: files modified less than this before the build are deferred."""
    allow_withdrawal: bool = False
    """``TGXH_ALLOW_WITHDRAWAL=1``: a build may withdraw more than half of a source's files."""
    engine: str = ENGINES[0]
    """``TGXH_ENGINE``: where the SQL models run (``duckdb`` or ``spark``)."""

    @classmethod
    def from_env(
        cls,
        raw_dir: str | None = None,
        warehouse: str | None = None,
        pii_salt: str | None = None,
        reports_dir: str | None = None,
        environ: dict[str, str] | None = None,
        engine: str | None = None,
    ) -> "Settings":
        """Explicit values win, then the environment, then the defaults of docs/contract.md §1.
        Raises ConfigError for an engine other than those of ``ENGINES`` or a settle time
        that is not a number of seconds."""
        env = os.environ if environ is None else environ
        chosen = engine or env.get("TGXH_ENGINE") or ENGINES[0]
        if chosen not in ENGINES:
            raise ConfigError(f"TGXH_ENGINE={chosen!r} is not an engine: use {' or '.join(ENGINES)}")
        salt = pii_salt or env.get("TGXH_PII_SALT")
        if not salt:
            _warn_dev_salt()
            salt = DEV_PII_SALT
        return cls(
            raw_dir=_resolve(raw_dir or env.get("TGXH_RAW_DIR") or DEFAULT_RAW_DIR),
            warehouse=_resolve(warehouse or env.get("TGXH_WAREHOUSE") or DEFAULT_WAREHOUSE),
            pii_salt=salt,
            reports_dir=_resolve(reports_dir or env.get("TGXH_REPORTS_DIR") or DEFAULT_REPORTS_DIR),
            settle_seconds=_seconds("TGXH_SETTLE_SECONDS", env.get("TGXH_SETTLE_SECONDS") or "0"),
            allow_withdrawal=env.get("TGXH_ALLOW_WITHDRAWAL") == "1",
            engine=chosen,
        )

    def source_dir(self, source: str) -> Path:
        return self.raw_dir / source
