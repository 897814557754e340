"""The SQL models on Apache Spark (``TGXH_ENGINE=spark``, docs/contract.md §1).

Ingestion and seeds stay in Python and DuckDB; :mod:`pipelines.spark.engine` hands
their tables to Spark as Parquet, runs every model of ``dbt_like_sql/`` there (each
transpiled from DuckDB SQL by sqlglot, or a Spark override where a construct has no
equivalent, :mod:`pipelines.spark.models`), runs the models' checks on Spark, and
loads the results back into the same DuckDB file. ``python -m pipelines.spark.check``
(``make spark-check``) proves that both engines give the same marts.
"""
