"""One build at a time per warehouse (docs/contract.md §1).

A build holds an exclusive ``flock`` on ``<warehouse dir>/.<warehouse name>.lock`` from
its first step until it has published (or failed, or its process ended): however the
build was started (``make run``, the schedule, the sensor, the UI), its first step takes
the lock. The kernel releases a ``flock`` when its process dies, even by SIGKILL, so a
crashed build never leaves the warehouse locked. The lock file holds the owner's run id,
start time and process id, so a second build can name the running one.

No Dagster import here: ``python -m pipelines.config`` probes the lock before a build
without paying for it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:  # POSIX; elsewhere builds are not serialised (documented in the README)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

WAIT_VARIABLE = "TGXH_WAIT_FOR_BUILD"
"""Set to 1 to make a build wait for the running one instead of stopping."""


@dataclass(frozen=True)
class Owner:
    """The build holding the lock, as it wrote itself into the lock file."""

    run_id: str
    started_at: str
    pid: int

    def describe(self) -> str:
        return f"build {self.run_id} (started {self.started_at}, process {self.pid})"


class BuildRunning(Exception):
    """Another build holds the warehouse's lock."""

    def __init__(self, warehouse: Path, owner: Owner | None) -> None:
        running = owner.describe() if owner else "another build"
        super().__init__(
            f"{running} is running on the warehouse {warehouse}: this build stops without publishing; "
            f"set {WAIT_VARIABLE}=1 to wait for it instead"
        )
        self.owner = owner


def lock_path(warehouse: Path) -> Path:
    return warehouse.parent / f".{warehouse.name}.lock"


def _read_owner(fd: int) -> Owner | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "null")
        return Owner(data["run_id"], data["started_at"], int(data["pid"])) if data else None
    except (ValueError, KeyError, TypeError):
        return None


_HELD: dict[Path, tuple[str, int]] = {}
"""lock file -> (run id, file descriptor) of the locks this process holds."""


def acquire(warehouse: Path, run_id: str, wait: bool, on_wait=None) -> None:
    """Take the warehouse's lock for ``run_id`` (once per process and run). Raises
    ``BuildRunning`` when another build holds it, unless ``wait``: then blocks until it
    is free, after calling ``on_wait(owner)``."""
    path = lock_path(warehouse)
    if fcntl is None or _HELD.get(path, ("", -1))[0] == run_id:
        return
    if path in _HELD:  # a run of this process that failed: runs of one process follow one another
        fd = _HELD.pop(path)[1]
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_owner(fd)
            if not wait:
                raise BuildRunning(warehouse, owner) from None
            if on_wait is not None:
                on_wait(owner)
            fcntl.flock(fd, fcntl.LOCK_EX)
        record = {"run_id": run_id, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  "pid": os.getpid()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
    except BaseException:
        os.close(fd)
        raise
    _HELD[path] = (run_id, fd)


def release(warehouse: Path, run_id: str) -> None:
    """Release the lock if this process holds it for ``run_id``."""
    path = lock_path(warehouse)
    held = _HELD.get(path)
    if held is None or held[0] != run_id:
        return
    del _HELD[path]
    os.ftruncate(held[1], 0)
    os.close(held[1])


def running_build(warehouse: Path) -> Owner | None:
    """The build holding the warehouse's lock, if any (without taking it)."""
    path = lock_path(warehouse)
    if fcntl is None or not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_owner(fd) or Owner("unknown", "unknown", 0)
        return None
    finally:
        os.close(fd)
