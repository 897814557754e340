"""The floor: the least work that turns a raw folder into ``marts.indicator_values``.

Written from the public data contract alone (docs/contract.md §2–§4), sharing no SQL
and no code with ``dbt_like_sql/`` or ``pipelines/``: one DuckDB connection, one
``read_csv`` per folder and header layout (fastexcel → Arrow for ``.xlsx``), plain SQL.
No ledger, no rejected-rows table, no warnings, no checks, no Dagster; only the rules
that change a published value:

* files: in-progress names skipped, byte-identical files read once (hashed only where
  two files have the same size), later file names supersede earlier ones per key,
  duplicate keys inside one file drop both rows (docs/contract.md §2.1);
* encodings UTF-8 (with or without BOM), UTF-16 with BOM, and Windows-1258 (a file
  DuckDB finds not to be UTF-8 is transcoded and read again); rows with too many or
  too few cells or a line break inside a cell are dropped;
* headers in English or Vietnamese, matched case-, space- and diacritic-insensitively;
  XLSX header rows below report titles, and the row of column numbers under them;
* integers with thousands separators, booleans, ``dd/mm/yyyy`` dates, total rows,
  the row rules, province names and codes resolved in the list in force on the row's
  date (an old name after 1 July 2025 goes to its successor);
* beneficiaries: an annual and monthly report of one unit-year-group keep the later
  file's; levels resolved per period and group (province rows only where no district
  or commune rows, district rows only where no commune rows of that district); stocks
  at the latest month of the year, flows summed (docs/contract.md §2.2);
* indicators of docs/contract.md §3 with empty cells left out of numerator and
  denominator alike, ``sw_staff_trained_pct`` capped per unit, and
  ``months_reported`` / ``is_complete_year``.

Intermediate tables are temporary: the floor's file holds ``marts.indicator_values``
only (no personal identifier is ever written).

    uv run python -m benchmarks.floor --raw /tmp/bench/raw --db /tmp/bench/floor.duckdb
"""

from __future__ import annotations

import argparse
import codecs
import csv
import hashlib
import json
import sqlite3
import tempfile
import time
import unicodedata
from collections import defaultdict
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import duckdb

SOURCES = ("beneficiaries", "facilities", "training")
IN_PROGRESS_PREFIXES = (".", "~")
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
REFORM = "2025-07-01"

# Canonical column -> Vietnamese headers, as the contract lists them (docs/contract.md §2.2–2.4).
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "beneficiaries": {
        "province": ("Tỉnh/Thành phố",),
        "district": ("Huyện/Thị xã/Thành phố thuộc tỉnh", "Huyện"),
        "commune": ("Xã/Phường/Thị trấn", "Xã"),
        "year": ("Năm",),
        "month": ("Tháng",),
        "group": ("Nhóm đối tượng",),
        "in_difficulty": ("Số người có hoàn cảnh đặc biệt khó khăn",),
        "served": ("Số người được cung cấp dịch vụ trợ giúp xã hội phù hợp",),
        "comprehensive": ("Số người được cung cấp dịch vụ trợ giúp xã hội toàn diện",),
        "case_managed": ("Số người được tư vấn, hỗ trợ, quản lý trường hợp",),
        "emergency_cases": ("Số người gặp khó khăn đột xuất",),
        "emergency_assisted": ("Số người được trợ giúp kịp thời",),
        "monthly_allowance": ("Số người hưởng trợ cấp xã hội hàng tháng",),
    },
    "facilities": {
        "facility_id": ("Mã cơ sở",),
        "name": ("Tên cơ sở",),
        "province": ("Tỉnh/Thành phố",),
        "district": ("Huyện",),
        "year": ("Năm",),
        "ownership": ("Loại hình",),
        "unit_type": ("Loại cơ sở",),
        "capacity": ("Công suất (giường)",),
        "residents": ("Số đối tượng đang chăm sóc",),
        "provides_social_work": ("Cung cấp dịch vụ công tác xã hội",),
        "meets_accessibility": ("Đạt điều kiện tiếp cận cho người khuyết tật",),
        "staff_total": ("Tổng số nhân viên",),
        "staff_social_work": ("Số nhân viên công tác xã hội",),
        "status": ("Tình trạng",),
    },
    "training": {
        "record_id": ("Mã bản ghi",),
        "person_id": ("Số CCCD/CMND",),
        "full_name": ("Họ và tên",),
        "province": ("Tỉnh/Thành phố",),
        "facility_id": ("Mã cơ sở",),
        "role": ("Đối tượng tham gia",),
        "course_level": ("Hình thức đào tạo",),
        "start_date": ("Ngày bắt đầu",),
        "end_date": ("Ngày kết thúc",),
        "completed": ("Hoàn thành",),
    },
}
FREE_TEXT = {
    "beneficiaries": ("district", "commune"),
    "facilities": ("facility_id", "name", "district"),
    "training": ("record_id", "person_id", "full_name", "facility_id"),
}
"""Columns whose cells are not parsed into a number, a date or a code."""
REQUIRED = {
    "beneficiaries": ("province", "year", "group"),
    "facilities": ("facility_id", "name", "province", "year", "unit_type"),
    "training": ("record_id", "person_id", "province"),
}

# Coded values -> accepted labels (the code itself is always accepted).
_SA = "Cơ sở trợ giúp xã hội "
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "group": {
        "elderly": ("Người cao tuổi",),
        "disabled": ("Người khuyết tật",),
        "children": ("Trẻ em", "Trẻ em có hoàn cảnh đặc biệt"),
        "mental_illness": ("Người tâm thần", "Người rối nhiễu tâm trí", "rối nhiễu tâm trí",
                           "Người tâm thần / rối nhiễu tâm trí"),
        "hiv": ("Người nhiễm HIV/AIDS",),
        "other": ("Khác", "Đối tượng khác", "Khác / Đối tượng khác"),
    },
    "ownership": {"public": ("Công lập",), "non_public": ("Ngoài công lập",)},
    "status": {"active": ("Đang hoạt động",), "closed": ("Đã giải thể, sáp nhập", "Đã giải thể", "Đã sáp nhập")},
    "unit_type": {
        "sa_comprehensive": ("Cơ sở trợ giúp xã hội tổng hợp",),
        "sa_elderly": ("chăm sóc người cao tuổi", _SA + "chăm sóc người cao tuổi"),
        "sa_children": ("trẻ em", "chăm sóc trẻ em", _SA + "trẻ em", _SA + "chăm sóc trẻ em"),
        "sa_disabled": ("người khuyết tật", "chăm sóc người khuyết tật", _SA + "người khuyết tật",
                        _SA + "chăm sóc người khuyết tật"),
        "sa_mental": ("người tâm thần", "chăm sóc người tâm thần", _SA + "người tâm thần",
                      _SA + "chăm sóc người tâm thần"),
        "sa_social_work_centre": ("Trung tâm công tác xã hội",),
        "drug_rehab": ("Cơ sở cai nghiện ma túy",),
        "health": ("Cơ sở y tế", "Bệnh viện", "Cơ sở y tế / Bệnh viện"),
        "education": ("Cơ sở giáo dục", "Trường học", "Cơ sở giáo dục / Trường học"),
        "justice": ("Trại giam", "cơ quan tư pháp", "Trại giam / cơ quan tư pháp"),
        "commune": ("UBND xã/phường", "UBND xã", "UBND phường"),
        "other": ("Khác",),
    },
    "role": {
        "staff": ("Cán bộ, công chức, viên chức, nhân viên",),
        "collaborator": ("Cộng tác viên",),
        "family": ("Người chăm sóc, gia đình",),
    },
    "course_level": {
        "short_course": ("Tập huấn, bồi dưỡng",),
        "intermediate": ("Trung cấp",),
        "college": ("Cao đẳng",),
        "university": ("Đại học",),
        "postgraduate": ("Sau đại học",),
    },
    "bool": {
        "true": ("yes", "true", "1", "x", "có"),
        "false": ("no", "false", "0", "không"),
    },
}


def key(text: str) -> str:
    """Case-, space-, punctuation- and diacritic-free form of a header or label."""
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D").lower())
    return "".join(ch for ch in t if ch.isalnum() and not unicodedata.combining(ch))


def header_map(source: str) -> dict[str, str]:
    """key of an accepted header -> canonical column."""
    out: dict[str, str] = {}
    for column, vietnamese in HEADERS[source].items():
        for name in (column, *vietnamese):
            out.setdefault(key(name), column)
    return out


# --------------------------------------------------------------------------- files


def list_files(folder: Path) -> list[Path]:
    """The files of a source folder that are read: regular ``.csv``/``.xlsx`` files (not
    symbolic links, not uploads in progress), in file-name order, each distinct content
    once (the first name of byte-identical files)."""
    if not folder.is_dir():
        return []
    files = sorted(
        (p for p in folder.iterdir()
         if p.is_file() and not p.is_symlink()
         and not p.name.startswith(IN_PROGRESS_PREFIXES)
         and not p.name.lower().endswith(IN_PROGRESS_SUFFIXES)
         and p.suffix.lower() in (".csv", ".xlsx")),
        key=lambda p: p.name,
    )
    by_size: dict[int, list[Path]] = defaultdict(list)
    for p in files:
        by_size[p.stat().st_size].append(p)
    seen: set[str] = set()
    duplicate: set[Path] = set()
    for same_size in by_size.values():
        if len(same_size) < 2:
            continue
        for p in same_size:  # already in name order
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            if digest in seen:
                duplicate.add(p)
            seen.add(digest)
    return [p for p in files if p not in duplicate]


def _sniff_csv(path: Path) -> tuple[str, str, list[str]] | None:
    """(DuckDB encoding, delimiter, header cells) from the first line; None if unreadable."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, text = "utf-16", head.decode("utf-16", errors="ignore")
    else:
        encoding = "utf-8"
        raw = head.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.split(b"\n", 1)[0].decode("utf-8")
        except UnicodeDecodeError:
            text = raw.split(b"\n", 1)[0].decode("cp1258")
            encoding = "cp1258"
    line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not line:
        return None
    # the delimiter that splits the header (quotes honoured) into the most cells
    delim, cells = max(((d, next(csv.reader([line], delimiter=d))) for d in (",", ";", "\t", "|")),
                       key=lambda dc: len(dc[1]))
    return encoding, delim, [c.strip() for c in cells]


def _transcoded(path: Path, workdir: Path) -> Path:
    """A UTF-8 (NFC) copy of a Windows-1258 file, under the same file name."""
    folder = Path(tempfile.mkdtemp(dir=workdir))
    out = folder / path.name
    out.write_text(unicodedata.normalize("NFC", path.read_bytes().decode("cp1258")), encoding="utf-8")
    return out


def _csv_relation(
    source: str, n: int, files: list[Path], encoding: str, delim: str, header: list[str]
) -> tuple[str, dict]:
    """One ``read_csv`` over files sharing a header layout, as the source's canonical columns."""
    names = header_map(source)
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        column = names.get(key(cell))
        if column is not None:
            positions.setdefault(column, i)
    cols = [f"c{i}" for i in range(len(header))]
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in cols)
    select = ", ".join(f"c{positions[c]} as \"{c}\"" if c in positions else f"null::varchar as \"{c}\""
                       for c in HEADERS[source])
    # A cell holding a line break is a row whose closing quote went missing. Cells that
    # must parse (numbers, dates, codes, province names) reject such a row anyway.
    free = [i for i in range(len(header)) if i not in positions.values() or names.get(key(header[i])) in FREE_TEXT[source]]
    newline = " or ".join(f"contains(c{i}, chr(10)) or contains(c{i}, chr(13))" for i in free) or "false"
    sql = (
        f"select parse_filename(filename) as file_name, {select}, ({newline}) as has_line_break "
        f"from read_csv($files_{n}, header = true, auto_detect = false, columns = {{{columns}}}, "
        f"delim = $delim_{n}, quote = '\"', escape = '\"', encoding = '{encoding}', "
        "strict_mode = true, null_padding = false, store_rejects = true, filename = true)"
    )
    return sql, {f"files_{n}": [p.as_posix() for p in files], f"delim_{n}": delim}


def _xlsx_table(source: str, path: Path):
    """The first sheet of an XLSX file as an Arrow table of the canonical columns (text);
    None if no row of its first 30 holds the required headers."""
    import fastexcel
    import pyarrow as pa

    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string").to_arrow()
    rows = sheet.to_pylist()
    names = header_map(source)
    header_at = None
    for i, row in enumerate(rows[:30]):
        found = {names.get(key(str(v))) for v in row.values() if v is not None}
        if all(c in found for c in REQUIRED[source]):
            header_at = i
            break
    if header_at is None:
        return None
    positions: dict[str, str] = {}
    for col, v in rows[header_at].items():
        column = names.get(key(str(v))) if v is not None else None
        if column is not None:
            positions.setdefault(column, col)
    body = rows[header_at + 1:]
    if body and all(v is None or v.strip().strip("()").isdigit() for v in body[0].values()):
        body = body[1:]  # the row of column numbers (1) (2) (3)
    body = [r for r in body if any(v is not None and v.strip() for v in r.values())]
    data = {"file_name": [path.name] * len(body)}
    for c in HEADERS[source]:
        data[c] = [(r[positions[c]] or "").strip() or None if c in positions else None for r in body]
    data["has_line_break"] = [False] * len(body)  # a line break in a worksheet cell is no CSV structure error
    return pa.table(data)


class Reader:
    """The rows of one source folder as one relation of text columns (``relation``), built
    from one ``read_csv`` per header layout and the XLSX files; Windows-1258 files that
    DuckDB finds not to be UTF-8 are read again from a UTF-8 copy (``reread``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, folder: Path, workdir: Path) -> None:
        self.con, self.source, self.workdir = con, source, workdir
        self.groups: dict[tuple, list[Path]] = defaultdict(list)
        self.xlsx: list[Path] = []
        self.files = list_files(folder)
        for p in self.files:
            if p.suffix.lower() == ".xlsx":
                self.xlsx.append(p)
                continue
            sniffed = _sniff_csv(p)
            if sniffed is None:
                continue
            encoding, delim, header = sniffed
            if encoding == "cp1258":
                p, encoding = _transcoded(p, workdir), "utf-8"
            found = {header_map(source).get(key(c)) for c in header}
            if all(c in found for c in REQUIRED[source]):
                self.groups[(encoding, delim, tuple(header))].append(p)

    def relation(self, only: set[str] | None = None) -> tuple[str, dict]:
        parts, params = [], {}
        for (encoding, delim, header), files in self.groups.items():
            files = [p for p in files if only is None or p.name in only]
            if files:
                sql, p = _csv_relation(self.source, len(parts), files, encoding, delim, list(header))
                parts.append(sql)
                params.update(p)
        for i, path in enumerate(self.xlsx):
            if only is not None and path.name not in only:
                continue
            table = _xlsx_table(self.source, path)
            if table is not None:
                name = f"xlsx_{self.source}_{i}"
                self.con.register(name, table)
                parts.append(f"select * from {name}")
        if not parts:
            empty = ", ".join(f"null::varchar as \"{c}\"" for c in HEADERS[self.source])
            parts.append(f"select null::varchar as file_name, {empty}, false as has_line_break where false")
        return " union all by name ".join(f"({p})" for p in parts), params

    def not_utf8(self) -> set[str]:
        """Files of this folder DuckDB rejected lines of as not UTF-8."""
        mine = {p.as_posix() for files in self.groups.values() for p in files}
        if not mine:
            return set()
        rows = self.con.execute(
            "select distinct s.file_path from reject_errors as e join reject_scans as s using (scan_id, file_id) "
            "where e.error_type = 'INVALID ENCODING'"
        ).fetchall()
        return {r[0] for r in rows} & mine

    def reread(self, paths: set[str]) -> set[str]:
        """Move those files to UTF-8 copies; returns their file names."""
        names = set()
        for k, files in self.groups.items():
            self.groups[k] = [p for p in files if p.as_posix() not in paths]
        for path in sorted(paths):
            p = Path(path)
            names.add(p.name)
            copy = _transcoded(p, self.workdir)
            sniffed = _sniff_csv(copy)
            if sniffed is not None:
                encoding, delim, header = sniffed
                self.groups[(encoding, delim, tuple(header))].append(copy)
        return names


# --------------------------------------------------------------------------- SQL

MACROS = """
create or replace temp macro int_cell(x) as case
    when cast(try_cast(x as bigint) as varchar) = x then try_cast(x as bigint)
    when regexp_full_match(trim(x), '[+-]?[0-9]+') then cast(trim(x) as bigint)
    when regexp_full_match(trim(x), '[0-9]{1,3}([.,  ][0-9]{3})+') then cast(regexp_replace(trim(x), '[.,  ]', '', 'g') as bigint)
end;
create or replace temp macro date_cell(x) as coalesce(try_strptime(x, '%d/%m/%Y')::date, try_cast(x as date));
create or replace temp macro label_key(x) as
    regexp_replace(lower(strip_accents(replace(replace(nfc_normalize(x), 'đ', 'd'), 'Đ', 'D'))), '[^a-z0-9]', '', 'g');
create or replace temp macro is_total(x) as case when length(x) <= 12 then
    regexp_replace(lower(strip_accents(replace(nfc_normalize(x), 'Đ', 'D'))), '\\s+', ' ', 'g')
        in ('tong', 'tong cong', 'cong', 'total') else false end;
"""


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """``ref_provinces`` (both lists, with successors) and ``ref_names`` (normalised names
    and codes -> code per list) from the vietnamadminunits dataset; ``ref_labels``."""
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("vietnamadminunits is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    with sqlite3.connect(f"file:{(data / 'dataset.db').as_posix()}?mode=ro", uri=True) as db:
        lists = {
            plist: db.execute(f"select distinct provinceCode, provinceShort, province, provinceKey from {table}").fetchall()
            for plist, table in (("old", "admin_units_legacy"), ("new", "admin_units"))
        }
    merged = json.loads((data / "converter_2025.json").read_text("utf-8"))["DICT_PROVINCE"]
    new_code = {k: c for c, _, _, k in lists["new"]}
    successor = {old: new_code[new] for new, olds in merged.items() for old in olds}
    provinces = [("new", c, short, c) for c, short, _, _ in lists["new"]]
    provinces += [("old", c, short, successor[k]) for c, short, _, k in lists["old"]]
    con.execute("create or replace temp table ref_provinces (province_list varchar, province_code varchar, "
                "province_name varchar, successor_code varchar)")
    con.executemany("insert into ref_provinces values (?, ?, ?, ?)", provinces)
    names = set()
    for plist, rows in lists.items():
        for code, short, full, _ in rows:
            for name in (short, full):
                k = key(name)
                for prefix in ("tinh", "thanhpho"):
                    k = k.removeprefix(prefix) if k.startswith(prefix) and k != prefix else k
                names.add((plist, k, code))
            names.add((plist, code.lstrip("0"), code))
    con.execute("create or replace temp table ref_names (province_list varchar, name_key varchar, province_code varchar)")
    con.executemany("insert into ref_names values (?, ?, ?)", sorted(names))
    labels = [(column, key(label), code)
              for column, codes in LABELS.items() for code, accepted in codes.items()
              for label in (code, *accepted)]
    con.execute("create or replace temp table ref_labels (label_column varchar, label_key varchar, code varchar)")
    con.executemany("insert into ref_labels values (?, ?, ?)", sorted(set(labels)))


PROVINCE_KEY = "ltrim(regexp_replace(label_key({x}), '^(tinh|thanhpho|tp)(.)', '\\2'), '0')"

def _ints(*columns: str) -> str:
    return ", ".join(f"int_cell({c}) as {c}" for c in columns)


def _bad_ints(*columns: str) -> str:
    return " or ".join(f"(case when int_cell({c}) is null and {c} is not null then trim({c}) <> '' else false end)"
                       for c in columns)


_BEN_INTS = ("year", "month", "in_difficulty", "served", "comprehensive", "case_managed", "emergency_cases",
             "emergency_assisted", "monthly_allowance")
_FAC_INTS = ("year", "capacity", "residents", "staff_total", "staff_social_work")

TYPED = {
    # One pass over the files: cells parsed; ``invalid`` is what rejects a row by itself.
    "beneficiaries": f"""
        select * exclude (bad_cells),
            coalesce(bad_cells or year not between 2010 and 2035 or month not between 1 and 12
                or least({", ".join(_BEN_INTS[2:])}) < 0
                or comprehensive > served or served > in_difficulty or case_managed > in_difficulty
                or emergency_assisted > emergency_cases, false) as invalid,
        from (
            select file_name, province, district, commune, "group" as group_label, {_ints(*_BEN_INTS)},
                has_line_break or province is null or year is null or "group" is null
                    or {_bad_ints(*_BEN_INTS)} as bad_cells,
            from ({{relation}})
        )
    """,
    "facilities": f"""
        select * exclude (bad_cells, capacity, staff_total),
            coalesce(bad_cells or year not between 2010 and 2035
                or least(capacity, residents, staff_total, staff_social_work) < 0
                or staff_social_work > staff_total, false) as invalid,
        from (
            select file_name, trim(nfc_normalize(facility_id)) as facility_id, province, ownership, unit_type,
                provides_social_work, meets_accessibility, status, {_ints(*_FAC_INTS)},
                has_line_break or facility_id is null or name is null or province is null or year is null
                    or unit_type is null or is_total(facility_id) or is_total(name) or is_total(district)
                    or {_bad_ints(*_FAC_INTS)} as bad_cells,
            from ({{relation}})
        )
    """,
    "training": """
        select * exclude (bad_cells),
            coalesce(bad_cells or end_date < start_date, false) as invalid,
        from (
            select file_name, trim(nfc_normalize(record_id)) as record_id, trim(nfc_normalize(person_id)) as person_id,
                province, trim(nfc_normalize(facility_id)) as facility_id, role, course_level, completed,
                date_cell(start_date) as start_date, date_cell(end_date) as end_date,
                has_line_break or record_id is null or person_id is null or province is null
                    or is_total(record_id) or is_total(full_name)
                    or (start_date is not null and date_cell(start_date) is null)
                    or (end_date is not null and date_cell(end_date) is null) as bad_cells,
            from ({relation})
        )
    """,
}


def _labels(column: str, source_table: str, source_column: str) -> str:
    """raw value -> code for the distinct values of a coded column (NULL: not a known label)."""
    return f"""(
        select d.v, l.code from (select distinct {source_column} as v from {source_table}) as d
        left join ref_labels as l on l.label_column = '{column}' and l.label_key = label_key(d.v)
    )"""


def _province_lookup(table: str) -> str:
    """Distinct province cells -> code in each list (NULL where the name is not on it)."""
    return f"""(
        select d.v, is_total(d.v) as total,
            (select province_code from ref_names where province_list = 'old' and name_key = {PROVINCE_KEY.format(x='d.v')})
                as old_code,
            (select province_code from ref_names where province_list = 'new' and name_key = {PROVINCE_KEY.format(x='d.v')})
                as new_code,
        from (select distinct province as v from {table}) as d
    )"""


def _resolve(row_is_new: str) -> str:
    """Columns named_list / named_code (the province as the row names it) and code (the
    code in the list in force on the row's date), from a join ``p`` on the lookup."""
    return f"""
        case when {row_is_new} and p.new_code is not null then 'new' else 'old' end as named_list,
        case when {row_is_new} then coalesce(p.new_code, p.old_code) else p.old_code end as named_code,
        case when {row_is_new} then coalesce(p.new_code, so.successor_code) else p.old_code end as code,
    """


BEN_NAMES = """
create or replace temp table ben_names as
select district, commune,
    coalesce(lower(trim(nfc_normalize(district))), '') as district_key,
    coalesce(lower(trim(nfc_normalize(commune))), '') as commune_key,
    coalesce(is_total(district) or is_total(commune), false) as total,
from (select distinct district, commune from t_beneficiaries)
"""


def beneficiaries_sql(names_needed: bool) -> str:
    """``ben_months``: the beneficiary rows in force, summed per province as named, year
    and month. District and commune cells are compared in NFC and lower case; where that
    changes no comparison and no cell is a total label (``names_needed`` false) the cells
    are compared as read, without joining every row to ``ben_names``."""
    if names_needed:
        names = ("n.district_key, n.commune_key,",
                 ("join ben_names as n on n.district is not distinct from b.district "
                 "and n.commune is not distinct from b.commune and not n.total"))
    else:
        names = ("coalesce(b.district, '') as district_key, coalesce(b.commune, '') as commune_key,", "")
    return BENEFICIARIES.format(names_columns=names[0], names_join=names[1])


BENEFICIARIES = f"""
create or replace temp table ben_months as
with rows as (
    select
        b.* exclude (province, district, commune, group_label, invalid),
        {{names_columns}}
        g.code as group_code,
        {_resolve("b.year * 100 + coalesce(b.month, 12) >= year($reform::date) * 100 + month($reform::date)")}
    from t_beneficiaries as b
    {{names_join}}
    join {_province_lookup('t_beneficiaries')} as p on p.v = b.province
    left join ref_provinces as so on so.province_list = 'old' and so.province_code = p.old_code
    join {_labels('group', 't_beneficiaries', 'group_label')} as g on g.v = b.group_label
    where not b.invalid and not p.total and g.code is not null
),
valid as (
    select *,
        case when commune_key <> '' then 'commune' when district_key <> '' then 'district' else 'province' end
            as level,
    from rows where code is not null
),
-- Two rows with one key in one file are both dropped; of the rest, the later file's row
-- is in force. Only rows whose key hash occurs more than once can be concerned: they
-- alone are ranked on the full key.
keyed as (select *, hash(code, district_key, commune_key, year, month, group_code) as key_hash from valid),
repeated as (select key_hash from keyed group by key_hash having count(*) > 1),
current_rows as (
    select k.* exclude (key_hash) from keyed as k anti join repeated as r using (key_hash)
    union all
    select * exclude (key_hash) from (
        select k.* from keyed as k semi join repeated as r using (key_hash)
        qualify count(*) over (partition by file_name, code, district_key, commune_key, year, month, group_code) = 1
    )
    qualify file_name = max(file_name) over (partition by code, district_key, commune_key, year, month, group_code)
),
-- An annual and a monthly report of one unit-year-group: the later file's report only.
annual as (
    select named_list, named_code, district_key, commune_key, year, group_code, max(file_name) as latest_annual
    from current_rows where month is null
    group by all
),
monthly_of_annual as (
    select c.named_list, c.named_code, c.district_key, c.commune_key, c.year, c.group_code,
        max(c.file_name) as latest_monthly, any_value(a.latest_annual) as latest_annual,
    from current_rows as c
    join annual as a using (named_list, named_code, district_key, commune_key, year, group_code)
    where c.month is not null
    group by all
),
reports as (
    select c.* from current_rows as c
    anti join (
        select * from monthly_of_annual where latest_monthly >= latest_annual
    ) as o using (named_list, named_code, district_key, commune_key, year, group_code)
    where c.month is null
    union all
    select c.* from current_rows as c
    anti join (
        select * from monthly_of_annual where latest_annual > latest_monthly
    ) as o using (named_list, named_code, district_key, commune_key, year, group_code)
    where c.month is not null
),
-- Levels per period (a month, or the year of an annual row) and group, per province as
-- named: province rows where the province has district or commune rows, and district
-- rows where the district has commune rows, are not added to them.
province_periods as (
    select distinct named_list, named_code, year, month, group_code from reports where level = 'province'
),
hidden_province_periods as (
    select p.* from province_periods as p
    semi join (select * from reports where level <> 'province') as r
        on r.named_list = p.named_list and r.named_code = p.named_code and r.year = p.year
        and r.month is not distinct from p.month and r.group_code = p.group_code
),
district_periods as (
    select distinct named_list, named_code, district_key, year, month, group_code
    from reports where level = 'district'
),
hidden_district_periods as (
    select d.* from district_periods as d
    semi join (select * from reports where level = 'commune') as r
        on r.named_list = d.named_list and r.named_code = d.named_code and r.district_key = d.district_key
        and r.year = d.year and r.month is not distinct from d.month and r.group_code = d.group_code
),
levelled as (
    select r.* from reports as r
    anti join hidden_province_periods as h
        on r.level = 'province' and h.named_list = r.named_list and h.named_code = r.named_code
        and h.year = r.year and h.month is not distinct from r.month and h.group_code = r.group_code
    anti join hidden_district_periods as h
        on r.level = 'district' and h.named_list = r.named_list and h.named_code = r.named_code
        and h.district_key = r.district_key and h.year = r.year and h.month is not distinct from r.month
        and h.group_code = r.group_code
)
select
    named_list, named_code, year, coalesce(month, 12) as period_month,
    sum(served) filter (where served is not null and in_difficulty is not null) as served_n,
    sum(in_difficulty) filter (where served is not null and in_difficulty is not null) as served_d,
    sum(comprehensive) filter (where comprehensive is not null and in_difficulty is not null) as comprehensive_n,
    sum(in_difficulty) filter (where comprehensive is not null and in_difficulty is not null) as comprehensive_d,
    sum(case_managed) filter (where case_managed is not null and in_difficulty is not null) as case_managed_n,
    sum(in_difficulty) filter (where case_managed is not null and in_difficulty is not null) as case_managed_d,
    sum(emergency_assisted) filter (where emergency_assisted is not null and emergency_cases is not null) as emergency_n,
    sum(emergency_cases) filter (where emergency_assisted is not null and emergency_cases is not null) as emergency_d,
    sum(monthly_allowance) as allowance,
from levelled
group by all
"""

FACILITIES = f"""
create or replace temp table units as
with rows as (
    select
        f.* exclude (province, ownership, unit_type, status, provides_social_work, meets_accessibility, invalid),
        t.code as unit_type, s.code as status, sw.code::boolean as provides_social_work,
        acc.code::boolean as meets_accessibility,
        {_resolve("f.year >= year($reform::date)")}
        f.ownership is not null and o.code is null
            or f.status is not null and s.code is null
            or f.provides_social_work is not null and sw.code is null
            or f.meets_accessibility is not null and acc.code is null as invalid,
    from t_facilities as f
    join {_province_lookup('t_facilities')} as p on p.v = f.province
    left join ref_provinces as so on so.province_list = 'old' and so.province_code = p.old_code
    join {_labels('unit_type', 't_facilities', 'unit_type')} as t on t.v = f.unit_type
    left join {_labels('ownership', 't_facilities', 'ownership')} as o on o.v = f.ownership
    left join {_labels('status', 't_facilities', 'status')} as s on s.v = f.status
    left join {_labels('bool', 't_facilities', 'provides_social_work')} as sw on sw.v = f.provides_social_work
    left join {_labels('bool', 't_facilities', 'meets_accessibility')} as acc on acc.v = f.meets_accessibility
    where not f.invalid and not p.total and t.code is not null
)
select * exclude (invalid)
from rows
where code is not null and not invalid
qualify count(*) over (partition by file_name, facility_id, year) = 1
    and file_name = max(file_name) over (partition by facility_id, year)
"""

TRAINING = f"""
create or replace temp table records as
with rows as (
    select
        r.* exclude (province, role, course_level, completed, invalid),
        ro.code as role, c.code as course_level, d.code::boolean as completed,
        {_resolve("coalesce(r.end_date, r.start_date, $reform::date) >= $reform::date")}
        r.course_level is not null and c.code is null
            or r.completed is not null and d.code is null as invalid,
    from t_training as r
    join {_province_lookup('t_training')} as p on p.v = r.province
    left join ref_provinces as so on so.province_list = 'old' and so.province_code = p.old_code
    left join {_labels('role', 't_training', 'role')} as ro on ro.v = r.role
    left join {_labels('course_level', 't_training', 'course_level')} as c on c.v = r.course_level
    left join {_labels('bool', 't_training', 'completed')} as d on d.v = r.completed
    where not r.invalid and not p.total
)
select * exclude (invalid)
from rows
where code is not null and not invalid
qualify count(*) over (partition by file_name, record_id) = 1
    and file_name = max(file_name) over (partition by record_id)
"""

# The geographies of a row named (named_list, named_code) in ``year``: as_reported on the
# list in force on 31 December of the year, current on the 34 provinces.
GEOGRAPHIES = """
create or replace temp table geographies as
select p.province_list as named_list, p.province_code as named_code, y.is_new_list,
    g.geography,
    case when g.geography = 'as_reported' and not y.is_new_list then p.province_code else p.successor_code end
        as province_code,
from ref_provinces as p
cross join (values (false), (true)) as y(is_new_list)
cross join (values ('as_reported'), ('current')) as g(geography)
"""

INDICATORS = """
create or replace temp table indicator_rows as
with
ben_area_months as (
    select g.geography, g.province_code, b.year, b.period_month,
        sum(served_n) as served_n, sum(served_d) as served_d,
        sum(comprehensive_n) as comprehensive_n, sum(comprehensive_d) as comprehensive_d,
        sum(case_managed_n) as case_managed_n, sum(case_managed_d) as case_managed_d,
        sum(emergency_n) as emergency_n, sum(emergency_d) as emergency_d, sum(allowance) as allowance,
    from ben_months as b
    join geographies as g
        on g.named_list = b.named_list and g.named_code = b.named_code and g.is_new_list = (b.year >= year($reform::date))
    group by all
),
ben_area_years as (
    select geography, province_code, year, max(period_month) as months_reported,
        arg_max(struct_pack(served_n, served_d, comprehensive_n, comprehensive_d, case_managed_n,
                            case_managed_d, allowance), period_month) as stock,
        sum(emergency_n) as emergency_n, sum(emergency_d) as emergency_d,
    from ben_area_months group by all
),
ben as (
    select 'served_pct' as indicator_code, geography, province_code, year, stock.served_n as n, stock.served_d as d,
        months_reported from ben_area_years
    union all select 'comprehensive_pct', geography, province_code, year, stock.comprehensive_n,
        stock.comprehensive_d, months_reported from ben_area_years
    union all select 'case_managed_pct', geography, province_code, year, stock.case_managed_n,
        stock.case_managed_d, months_reported from ben_area_years
    union all select 'emergency_timely_pct', geography, province_code, year, emergency_n, emergency_d,
        months_reported from ben_area_years
    union all select 'allowance_recipients', geography, province_code, year, stock.allowance, null,
        months_reported from ben_area_years
),
active_units as (
    select u.*, g.geography, g.province_code,
    from units as u
    join geographies as g
        on g.named_list = u.named_list and g.named_code = u.named_code and g.is_new_list = (u.year >= year($reform::date))
    where u.status = 'active'
),
fac as (
    select 'facility_accessible_pct' as indicator_code, geography, province_code, year,
        count(*) filter (where meets_accessibility) as n, count(meets_accessibility) as d,
    from active_units where unit_type like 'sa\\_%' escape '\\' group by all
    union all
    select 'facility_residents_avg', geography, province_code, year, sum(residents), count(residents),
    from active_units where unit_type like 'sa\\_%' escape '\\' group by all
    union all
    select 'sw_service_units_pct', geography, province_code, year,
        count(*) filter (where provides_social_work), count(provides_social_work),
    from active_units where unit_type like 'sa\\_%' escape '\\' or unit_type in ('health', 'education') group by all
    union all
    select 'sw_staffed_units_pct', geography, province_code, year,
        count(*) filter (where staff_social_work >= 1), count(staff_social_work),
    from active_units group by all
),
-- A province-year with training records (with a known role and an end date) and no
-- completion of a role has 0 for that role's indicator.
training_records as (
    select r.person_id, r.end_date, r.role, r.completed, g.geography, g.province_code,
    from records as r
    join geographies as g
        on g.named_list = r.named_list and g.named_code = r.named_code
        and g.is_new_list = (year(r.end_date) >= year($reform::date))
    where r.end_date is not null and r.role in ('staff', 'collaborator', 'family')
),
per_year as (
    select 'staff_trained_per_year' as indicator_code, geography, province_code, year(end_date) as year,
        count(distinct (person_id, end_date)) filter (where completed and role <> 'family') as n, null::bigint as d,
    from training_records group by all
    union all
    select 'family_trained_per_year', geography, province_code, year(end_date),
        count(distinct (person_id, end_date)) filter (where completed and role = 'family'), null::bigint,
    from training_records group by all
),
unit_years as (select distinct facility_id, year, staff_social_work from units where status = 'active'),
trained_per_unit as (
    -- distinct staff and collaborators of the unit who completed a course ending between
    -- the start of the national five-year period (2011-2015, 2016-2020, ...) and the year
    select u.facility_id, u.year, count(distinct r.person_id) as trained,
    from unit_years as u
    join records as r
        on r.facility_id = u.facility_id and r.completed and r.role in ('staff', 'collaborator')
        and r.end_date between make_date(2011 + 5 * ((u.year - 2011) // 5), 1, 1) and make_date(u.year, 12, 31)
    group by all
),
degree_units as (
    select u.facility_id, u.year,
    from unit_years as u
    join records as r
        on r.facility_id = u.facility_id and r.completed and r.role in ('staff', 'collaborator', 'family')
        and r.course_level in ('intermediate', 'college', 'university', 'postgraduate')
        and r.end_date <= make_date(u.year, 12, 31)
    group by all
    having count(distinct r.person_id) >= 2
),
unit_training as (
    select 'sw_staff_trained_pct' as indicator_code, a.geography, a.province_code, a.year,
        sum(least(coalesce(t.trained, 0), a.staff_social_work)) as n, sum(a.staff_social_work) as d,
    from active_units as a
    left join trained_per_unit as t on t.facility_id = a.facility_id and t.year = a.year
    where a.staff_social_work is not null
    group by all
    union all
    select 'units_two_degree_pct', a.geography, a.province_code, a.year, count(d.facility_id), count(*),
    from active_units as a
    left join degree_units as d on d.facility_id = a.facility_id and d.year = a.year
    group by all
),
latest_training as (select max(end_date) as latest from records where end_date is not null)
select *, months_reported = 12 as is_complete_year
from (
    select *, from ben
    union all
    select *, 12 as months_reported from fac
    union all
    select t.*,
        case when t.year = year(l.latest) then month(l.latest) else 12 end as months_reported,
    from (select * from per_year union all select * from unit_training) as t
    cross join latest_training as l
)
"""

MART = """
create or replace table marts.indicator_values as
select
    i.indicator_code, i.geography, i.province_code, p.province_name, i.year,
    cast(i.n as double) as numerator, cast(i.d as double) as denominator,
    case
        when i.d is null then cast(i.n as double)
        when i.indicator_code = 'facility_residents_avg' then cast(i.n as double) / cast(i.d as double)
        else 100.0 * cast(i.n as double) / cast(i.d as double)
    end as value,
    cast(i.months_reported as integer) as months_reported, i.is_complete_year,
from indicator_rows as i
join ref_provinces as p
    on p.province_code = i.province_code
    and p.province_list = case when i.geography = 'as_reported' and i.year < year($reform::date) then 'old' else 'new' end
where i.n is not null and (i.d is null or i.d > 0)
"""


def load_source(con: duckdb.DuckDBPyConnection, source: str, raw_dir: Path, workdir: Path) -> int:
    """``t_<source>``: the parsed rows of every file of the folder; returns the file count."""
    reader = Reader(con, source, Path(raw_dir) / source, workdir)
    relation, params = reader.relation()
    con.execute(f"create or replace temp table t_{source} as {TYPED[source].format(relation=relation)}", params)
    not_utf8 = reader.not_utf8()
    if not_utf8:
        names = reader.reread(not_utf8)
        con.execute(f"delete from t_{source} where file_name in (select unnest($names))", {"names": sorted(names)})
        relation, params = reader.relation(only=names)
        con.execute(f"insert into t_{source} {TYPED[source].format(relation=relation)}", params)
    return len(reader.files)


class _Phases:
    """Wall and CPU seconds (this process, all threads) of each named phase."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = time.perf_counter() - wall
            self.cpu[name] = time.process_time() - cpu


def build_floor(raw_dir: Path, db_path: Path | str) -> dict:
    """Build ``marts.indicator_values`` from ``raw_dir`` into ``db_path``; seconds per phase."""
    start = time.perf_counter()
    phase = _Phases()
    files: dict[str, int] = {}
    reform = {"reform": REFORM}
    con = duckdb.connect(str(db_path))
    try:
        con.execute("set preserve_insertion_order = false")  # no result here depends on row order
        with tempfile.TemporaryDirectory(prefix="floor-") as tmp:
            with phase("reference"):
                con.execute(MACROS)
                load_reference(con)
                con.execute(GEOGRAPHIES)
            for source in SOURCES:
                with phase(f"read_{source}"):
                    files[source] = load_source(con, source, Path(raw_dir), Path(tmp))
        with phase("sql_beneficiary_names"):
            con.execute(BEN_NAMES)
            names_needed = con.execute(
                "select count(*) filter (where total) > 0 or count(distinct (district_key, commune_key)) < count(*) "
                "from ben_names"
            ).fetchone()[0]
        for name, sql in (("beneficiaries", beneficiaries_sql(names_needed)), ("facilities", FACILITIES),
                          ("training", TRAINING), ("indicators", INDICATORS)):
            with phase(f"sql_{name}"):
                con.execute(sql, reform)
        with phase("mart_and_checkpoint"):
            con.execute("create schema if not exists marts")
            con.execute(MART, reform)
            con.execute("checkpoint")
        rows = {s: con.execute(f"select count(*) from t_{s} where not invalid").fetchone()[0] for s in SOURCES}
        rows["marts.indicator_values"] = con.execute("select count(*) from marts.indicator_values").fetchone()[0]
    finally:
        con.close()
    return {"seconds": time.perf_counter() - start, "phases": phase.wall, "phases_cpu": phase.cpu,
            "files": files, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    """Command line: build the floor and print its timings as JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--raw", required=True, type=Path, help="root of the raw landing folders")
    p.add_argument("--db", required=True, type=Path, help="DuckDB file to (re)create")
    a = p.parse_args(argv)
    for suffix in ("", ".wal"):
        Path(f"{a.db}{suffix}").unlink(missing_ok=True)
    a.db.parent.mkdir(parents=True, exist_ok=True)
    print(json.dumps(build_floor(a.raw, a.db), indent=2))


if __name__ == "__main__":
    main()
