"""Deterministic generator of the SYNTHETIC raw sample files under ``data/raw``.

The sample imitates what provincial Departments of social affairs send in: yearly and
monthly beneficiary reports, yearly rosters of facilities and other units, and training
records, for the five plan geographies (Đồng Tháp, a town of Bình Dương, Lào Cai, Kon Tum,
Cà Mau) and the provinces they merge with on 1 July 2025, 2016 to September 2026.
Every value is invented, except the Cà Mau 2016 figures quoted by the Cà Mau plan
(34,363 monthly-allowance recipients, 3 public and 2 non-public facilities caring for
more than 700 people), which the sample reproduces.

The files deliberately vary in everything docs/contract.md §2.1 allows (encodings, header
languages and spellings, title and numbering rows in XLSX, thousands separators,
boolean and date spellings, province spellings, group labels) and carry a few intended
bad rows, listed in ``expected_rejections.csv``.

One module per thing generated, each reading only the ones above it: ``common`` (seeds,
years, arithmetic), ``geography`` (provinces, real districts and communes, the reform),
``beneficiaries``, ``facilities``, ``people`` (names and IDs) and ``training`` (the
canonical rows), ``writers`` (how a CSV or XLSX file is spelt), ``files`` (which rows go
into which file, the intended bad rows, the rows ingestion must load), ``readme`` (the
README of data/raw) and ``output`` (writing the folder).

Regenerate with ``uv run python -m sample_data --out data/raw``. Two runs give
byte-identical files: every random draw comes from ``random.Random`` seeded with a fixed
string, iteration is over lists in a fixed order, and XLSX files are written with fixed
document properties and zip timestamps.
"""
