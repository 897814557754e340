"""The bytes of every file and writing the whole sample to a folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.config import SOURCES
from sample_data.files import build_files, expected_rejections
from sample_data.readme import readme_text
from sample_data.writers import FileSpec, csv_bytes, xlsx_bytes


def rejections_csv() -> bytes:
    """expected_rejections.csv (UTF-8, LF)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source", "file_name", "row_number", "reason_contains"])
    for e in expected_rejections():
        w.writerow([e["source"], e["file_name"], e["row_number"], e["reason_contains"]])
    return buf.getvalue().encode("utf-8")


def file_bytes(spec: FileSpec) -> bytes:
    """The bytes of one sample file."""
    return xlsx_bytes(spec) if spec.style.fmt == "xlsx" else csv_bytes(spec)


def generate(out_dir: Path) -> list[Path]:
    """Write the whole sample under ``out_dir`` (replacing earlier sample files); return the paths written."""
    out_dir = Path(out_dir)
    specs = build_files()
    written: list[Path] = []
    for source in SOURCES:
        folder = out_dir / source
        folder.mkdir(parents=True, exist_ok=True)
        keep = {s.name for s in specs if s.source == source}
        for old in sorted(folder.iterdir()):
            if old.is_file() and old.suffix in (".csv", ".xlsx") and old.name not in keep:
                old.unlink()
    for spec in specs:
        path = out_dir / spec.source / spec.name
        path.write_bytes(file_bytes(spec))
        written.append(path)
    for name, data in (("expected_rejections.csv", rejections_csv()), ("README.md", readme_text(specs).encode("utf-8"))):
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written
