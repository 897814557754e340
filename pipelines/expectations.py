"""Former home of the Great Expectations suite, now ``pipelines/quality/expectations.py``.
Re-exports what ingestion imports from here (it starts the suite's child process)."""

from pipelines.quality.expectations import start_child

__all__ = ["start_child"]
