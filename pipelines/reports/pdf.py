"""The printable PDF of the HTML report, printed by headless Chromium (the Debian
package ``chromium``) with the report's own print style: A4 landscape, one plan per
page, table headers repeated on each page."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PRINT_TIMEOUT_SECONDS = 180


class PdfError(RuntimeError):
    """Chromium could not print the report."""


def find_chromium() -> str | None:
    """Path of a Chromium on PATH, or None."""
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def print_pdf(html_path: Path, pdf_path: Path, chromium: str) -> Path:
    """Print ``html_path`` to ``pdf_path`` with the Chromium at ``chromium``, in a
    throw-away profile, without the browser's own page header and footer. Raises
    ``PdfError`` (with Chromium's last words) when no PDF comes out."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    # Chromium's sandbox cannot start as root (containers, CI): there it runs without.
    no_sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="tgxh-chromium-") as profile:
        try:
            result = subprocess.run(
                [
                    chromium,
                    "--headless",
                    *no_sandbox,
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf_path}",
                    html_path.as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=PRINT_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"{chromium} could not print {html_path.name}: {exc}") from exc
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise PdfError(f"{chromium} exited {result.returncode} printing {html_path.name}: {' '.join(tail)}")
    return pdf_path
