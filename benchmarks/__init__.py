"""National-scale benchmark of the warehouse: a seeded raw-data generator
(``benchmarks.generate``), a bare-DuckDB floor (``benchmarks.floor``) and the
measuring script (``benchmarks.run``). See benchmarks/BENCHMARKS.md."""
