"""Data quality beyond the SQL models' own audits: the Great Expectations suite on the
published marts, generated from the same declarations as the audits."""

from pathlib import Path

MART_AUDITS = Path(__file__).with_name("mart_audits.yml")
"""Audits of the published marts in the header's form, added to those models' audits."""
