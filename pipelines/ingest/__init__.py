"""Ingestion of the raw landing folders (docs/contract.md §2) into ``raw.*`` and ``audit.*``.

Pure Python (no Dagster): the ingest assets call ``ingest_source`` once per source.

Modules: ``parsing`` (text normalisation, numbers, booleans, dates, enumerations),
``readers`` (CSV encodings and delimiters, XLSX, header detection), ``province_names``
(province names and codes across the 2025 reform), ``rules`` (typing, row rules,
total rows, duplicate keys, pseudonymisation), ``loader`` (files, ledger,
transactions, DuckDB).
"""

from pipelines.ingest.loader import (
    FileResult,
    IngestReport,
    WithdrawalRefused,
    ensure_tables,
    ingest_source,
    lists_unrecorded_names,
)

__all__ = [
    "FileResult",
    "IngestReport",
    "WithdrawalRefused",
    "ensure_tables",
    "ingest_source",
    "lists_unrecorded_names",
]
