"""pandera's polars API, loaded without its pandas API.

The project validates polars frames only (the raw and audit tables in ``models.schemas``,
the seeds in ``models.seeds``); pandera also imports pandas, and pyspark.pandas when the
Spark group is installed, at its import and again when it chooses the backend of its first
check. Both happen here with pandas and pyspark hidden (``pipelines.optional_modules``),
which pandera supports (a polars-only install): the contract check of a nightly run then
no longer pays ~1.5 s for them. Import ``pa`` from here, never ``pandera`` directly.
"""

from __future__ import annotations

import polars as pl

from pipelines.optional_modules import absent

PANDERA_UNUSED = ("pandas", "pyspark")
"""Installed for other parts of the project (Great Expectations' frames, the Spark
engine), not for pandera's polars API."""

with absent(*PANDERA_UNUSED):
    import pandera.errors as errors
    import pandera.polars as pa
    from pandera.api.polars.types import PolarsData

    # pandera picks (and caches) the backend family of checks at the first validation,
    # trying its pandas API first: one validation of a one-row frame settles it here.
    pa.DataFrameSchema({"x": pa.Column(pl.Int64, pa.Check.ge(0))}).validate(pl.DataFrame({"x": [1]}))

__all__ = ["PANDERA_UNUSED", "PolarsData", "errors", "pa"]
