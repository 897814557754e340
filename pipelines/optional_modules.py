"""Importing a library as if some of its optional dependencies were not installed.

Several libraries of the stack import every integration they find installed, whether or
not the project uses it: pandera imports pandas (and pyspark.pandas when the Spark group
is installed) for its pandas API, Great Expectations imports pyspark and SQLAlchemy. The
project validates polars frames with pandera and pandas frames with Great Expectations,
so those imports are time spent for nothing (1.5 s of pandera's 2.5 s, a third of Great
Expectations' import). Both libraries support installs without them and skip the
integration when its import raises ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class _Absent(importlib.abc.MetaPathFinder):
    """A finder answering, for ``names`` and their submodules, as Python does for a
    module that is not installed."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = frozenset(names)

    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@contextmanager
def absent(*names: str) -> Iterator[None]:
    """Within the block, importing any of the top-level packages ``names`` (or their
    submodules) fails as if they were not installed; afterwards they import normally.
    Modules imported before the block are not affected (``sys.modules`` answers first)."""
    finder = _Absent(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
