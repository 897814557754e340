"""Libraries imported without the integrations the project does not use
(pipelines/optional_modules.py): pandera without its pandas API, Great Expectations'
child without pyspark and SQLAlchemy. Each runs in a fresh interpreter, since this test
process may have imported those modules already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _fresh(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_absent_hides_a_package_within_the_block_only():
    seen = _fresh(
        "import json, sys\n"
        "from pipelines.optional_modules import absent\n"
        "with absent('csv', 'xml'):\n"
        "    try:\n"
        "        import xml.dom\n"
        "        inside = 'imported'\n"
        "    except ModuleNotFoundError as exc:\n"
        "        inside = str(exc)\n"
        "import xml.dom\n"
        "print(json.dumps({'inside': inside, 'after': 'xml.dom' in sys.modules}))\n"
    )
    assert seen == {"inside": "No module named 'xml'", "after": True}


def test_a_module_imported_before_the_block_stays_available():
    seen = _fresh(
        "import json, csv\n"
        "from pipelines.optional_modules import absent\n"
        "with absent('csv'):\n"
        "    import csv as again\n"
        "print(json.dumps({'same': again is csv}))\n"
    )
    assert seen == {"same": True}


def test_pandera_validates_raw_rows_without_importing_pandas_or_pyspark():
    """The contract check of a nightly run: schemas built, a failing frame reported as
    pandera reports it, and neither pandas nor pyspark loaded."""
    seen = _fresh(
        "import json, sys\n"
        "import polars as pl\n"
        "from models.pandera_polars import errors\n"
        "from models.schemas import empty_raw_frame, raw_schema\n"
        "frame = empty_raw_frame('training')\n"
        "raw_schema('training', key_unique=False).validate(frame, lazy=True)\n"
        "bad = pl.DataFrame({'x': [-1]})\n"
        "import pandera.polars as pa\n"
        "try:\n"
        "    pa.DataFrameSchema({'x': pa.Column(pl.Int64, pa.Check.ge(0))}).validate(bad, lazy=True)\n"
        "    failed = False\n"
        "except errors.SchemaErrors as exc:\n"
        "    failed = exc.failure_cases.height == 1\n"
        "print(json.dumps({'failed': failed, 'pandas': 'pandas' in sys.modules, 'pyspark': 'pyspark' in sys.modules}))\n"
    )
    assert seen == {"failed": True, "pandas": False, "pyspark": False}


def test_pandas_still_imports_after_pandera():
    pytest.importorskip("pandas")
    seen = _fresh(
        "import json\n"
        "import models.schemas\n"
        "import pandas\n"
        "print(json.dumps({'frame': len(pandas.DataFrame({'a': [1, 2]}))}))\n"
    )
    assert seen == {"frame": 2}
