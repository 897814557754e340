"""From the text cells of one file to typed rows and rejections (docs/contract.md §2.1–2.4):
parse every field, resolve provinces, apply the row rules, find total rows and
duplicate keys, and split the rows into loaded and rejected.

All of it is vectorised: each problem is a polars expression that is null where the
row is fine and the readable message where it is not; a row's reason is its
problems joined by ``'; '`` and its ``column_name`` the first offending column.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import polars as pl

from models.sources import Field, Rule, Source
from pipelines.geo import NEW, OLD, REFORM_DATE
from pipelines.ingest.parsing import (
    NEEDS_TEXT_CLEANING,
    bool_uses_x,
    clean_text,
    could_be_total_label,
    is_total_label,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
)
from pipelines.ingest.province_names import ProvinceResolver
from pipelines.ingest.readers import LINE_NUMBER, ROW_NUMBER, STRUCTURE

MAX_CELL_CHARS = 1_000
"""Longest accepted cell of a recognised column; a longer one rejects its row (names and
places are a few dozen characters; the value itself is never quoted in the reason)."""
TOTAL_ROW = "total row"
DUPLICATE_KEY = "duplicate key in file"
HIDDEN = "(value hidden: personal data)"

_RAW = "__raw__"  # prefix of the text column of a field
_FILE = "__file"  # position of the row's file in a batch


def raw(name: str) -> pl.Expr:
    """The cleaned text cell of field ``name``."""
    return pl.col(_RAW + name)


@dataclass
class Split:
    """The rows of one file after the rules."""

    loaded: pl.DataFrame
    """Raw-table rows (``file_name`` is added by the loader)."""
    rejected: pl.DataFrame
    """row_number, line_number, column_name, reason."""


def pseudonymise(values: pl.Series, salt: str) -> pl.Series:
    """Hex HMAC-SHA256 (key = salt) of each value; each distinct value hashed once."""
    keyed = hmac.new(salt.encode("utf-8"), digestmod=hashlib.sha256)
    distinct = values.drop_nulls().unique().to_list()
    digests = []
    for v in distinct:
        h = keyed.copy()
        h.update(v.encode("utf-8"))
        digests.append(h.hexdigest())
    return values.replace_strict(distinct, digests, default=None, return_dtype=pl.String)


_MEMO_LIMIT = 200_000
"""Distinct cells remembered per parser across files (then the memory starts afresh)."""
_memo: dict[str, dict[str, object]] = {}
_NOT_PARSED = object()


def _via_unique(df: pl.DataFrame, column: str, parse, dtype: pl.DataType, memo_key: str) -> pl.Series:
    """``parse`` (an expression builder) applied to the distinct non-empty values of a
    column and mapped back; an empty cell stays null. Folding Unicode text is the
    costly part of parsing, and a national file repeats a few hundred labels over
    millions of rows, and every file the labels of the one before: values already parsed
    by the parser named ``memo_key`` (in this process) are not parsed again."""
    values = df.get_column(column)
    distinct = values.drop_nulls().unique().to_list()
    memo = _memo.setdefault(memo_key, {})  # shared by the ingestion worker threads
    # one ``get`` per value: the other thread may clear the memo between two lookups
    found = ((v, memo.get(v, _NOT_PARSED)) for v in distinct)
    known = {v: out for v, out in found if out is not _NOT_PARSED}
    new = [v for v in distinct if v not in known]
    if new:
        parsed = pl.DataFrame({"v": new}, schema={"v": pl.String}).select(parse(pl.col("v")).alias("out"))
        fresh = dict(zip(new, parsed.to_series().to_list(), strict=False))
        known.update(fresh)
        if len(memo) + len(fresh) > _MEMO_LIMIT:
            memo.clear()
        memo.update(fresh)
    return values.replace_strict(
        distinct, [known[v] for v in distinct], default=None, return_dtype=dtype
    )


def _quoted(source: Source, name: str) -> pl.Expr:
    """The cell value for a message, hidden if it repeats the row's personal data."""
    value = raw(name)
    for f in source.fields:
        if f.pii is not None and f.name != name:
            value = pl.when(raw(name) == raw(f.name)).then(pl.lit(HIDDEN)).otherwise(value)
    return value


def _range_problem(f: Field) -> pl.Expr | None:
    v = pl.col(f.name)
    if f.min_value is not None and f.max_value is not None:
        return pl.when((v < f.min_value) | (v > f.max_value)).then(
            pl.format(f"{f.name} ({{}}) not in {f.min_value}–{f.max_value}", v)
        )
    if f.min_value is not None:
        return pl.when(v < f.min_value).then(pl.format(f"{f.name} ({{}}) < {f.min_value}", v))
    return None


def _field_problems(f: Field, source: Source) -> list[pl.Expr]:
    """Problems of one field, in order: missing required value, unparseable cell, out of range."""
    out: list[pl.Expr] = []
    cell, typed = raw(f.name), pl.col(f.name)
    if f.required:
        out.append(pl.when(cell.is_null()).then(pl.lit(f"{f.name}: required value is empty")))
    if f.pii is not None or f.name == "province":
        return out
    what = {
        "int": "not an integer",
        "bool": "not a boolean (yes/no, true/false, 1/0, x, có/không)",
        "date": "not a date (dd/mm/yyyy or yyyy-mm-dd)",
        "enum": "unknown value",
    }.get(f.type)
    if what is not None:
        hint = f" (expected: {', '.join(f.enum.codes)})" if f.enum is not None else ""
        out.append(
            pl.when(cell.is_not_null() & typed.is_null()).then(
                pl.format(f"{f.name}: {what}: '{{}}'{hint}", _quoted(source, f.name))
            )
        )
    rng = _range_problem(f)
    if rng is not None:
        out.append(rng)
    return out


def _before_reform(source: Source) -> pl.Expr:
    """Whether the row's period ends before the reform (its date picks the old province
    list); false when the period cannot be read. A month or a year ends on or after the
    reform date exactly when it is not before the reform's month or year, so no date is
    built for them (an empty month is December)."""
    if source.period in ("month", "year"):
        year = pl.col("year")
        if source.period == "year":
            return year.is_between(1, REFORM_DATE.year - 1)
        month = pl.col("month")
        readable = year.is_between(1, 9999) & (month.is_between(1, 12) | month.is_null())
        return readable & (year * 12 + month.fill_null(12) < REFORM_DATE.year * 12 + REFORM_DATE.month)
    return (pl.coalesce(pl.col("end_date"), pl.col("start_date")) < pl.lit(REFORM_DATE)).fill_null(False)


def _rule_problem(rule: Rule) -> pl.Expr:
    left, right = pl.col(rule.left), pl.col(rule.right)
    broken = left > right if rule.op == "<=" else left < right
    if rule.unless_reported:
        broken = broken & pl.col(rule.unless_reported).is_null()
    shown = ">" if rule.op == "<=" else "<"
    return pl.when(broken).then(pl.format(f"{rule.left} ({{}}) {shown} {rule.right} ({{}})", left, right))


@dataclass
class FileSoFar:
    """What the rules need to know of the chunks of a file read before the one checked
    (a file read in chunks is checked one chunk at a time, see ``apply_rules_batch``)."""

    uses_x: set[str]
    """Boolean columns marking true with ``x`` in the file (an empty cell is false there)."""
    keys: list[pl.DataFrame]
    """Per chunk, the rows whose key counts: ``__hash`` of the key and ``row_number``."""


def apply_rules_batch(
    frames: list[pl.DataFrame], source: Source, resolver: ProvinceResolver, pii_salt: str,
    *, x_columns: frozenset[str] = frozenset(), chunk_of: FileSoFar | None = None,
) -> list[Split]:
    """Type, check and split the rows of several files (frames from ``readers``) at once,
    one ``Split`` per frame, in order.

    Every rule works on one row at a time, except two that look at the whole file: the
    ``x`` convention of a boolean column and the duplicate keys, which are computed per
    file here. Polars spends a fixed time on every expression it runs, which is most of
    the time for a roster of a few hundred rows, so the loader hands files over in batches.

    ``x_columns``: boolean columns whose ``x`` convention holds whatever the frames show.
    ``chunk_of``: the one frame is a chunk of a file: the boolean columns it shows to use
    ``x`` are added to ``chunk_of.uses_x`` and the key hash of its rows whose key counts to
    ``chunk_of.keys``; no row is a duplicate here (the loader settles the duplicate keys of
    the whole file at its end).
    """
    if not frames:
        return []
    df = _text_cells(frames, source)
    df, too_long = _cut_long_cells(df, source)
    df = _typed(df, source, x_columns)
    if chunk_of is not None:
        chunk_of.uses_x.update(_columns_using_x(df, source))
    df = _resolve_provinces(df, source, resolver)
    names, problems = _problems(source, too_long)
    df = _mark_totals_and_duplicates(df, source, chunk_of)
    df = _with_reasons(df, names, problems)
    return _split(df, source, pii_salt, len(frames))


def _columns_using_x(df: pl.DataFrame, source: Source) -> list[str]:
    """The boolean columns of ``df`` (a single file or chunk) that mark true with ``x``."""
    bools = [f.name for f in source.fields if f.type == "bool"]
    if not bools:
        return []
    uses = df.select(bool_uses_x(raw(n)) for n in bools).row(0)
    return [n for n, flag in zip(bools, uses, strict=False) if flag]


_BROKEN = pl.col(STRUCTURE).is_not_null()
"""A row that is not a well-formed record (CSV structure): it is rejected for that alone,
as its cells are shifted or cut, so it is neither a total row nor a key."""


def _text_cells(frames: list[pl.DataFrame], source: Source) -> pl.DataFrame:
    """The frames stacked, each row with its file's position, line and row numbers, CSV
    structure problem and the text cell of every field (``raw``); a field absent from
    every file is all empty."""
    batch = pl.concat(
        [f.with_columns(pl.lit(i, pl.Int32).alias(_FILE)) for i, f in enumerate(frames)],
        how="diagonal_relaxed",
    )
    for f in source.fields:
        if f.name not in batch.columns:
            batch = batch.with_columns(pl.lit(None, pl.String).alias(f.name))
    structure = pl.col(STRUCTURE) if STRUCTURE in batch.columns else pl.lit(None, pl.String)
    return batch.select(
        _FILE, ROW_NUMBER, LINE_NUMBER, structure.alias(STRUCTURE),
        *(pl.col(f.name).cast(pl.String).alias(_RAW + f.name) for f in source.fields),
    )


def _cut_long_cells(df: pl.DataFrame, source: Source) -> tuple[pl.DataFrame, list[str]]:
    """Over-long cells: the problem kept in ``__too_long_<field>``, then the cell cut so
    that parsing, province matching and the other reasons work on a bounded value (the
    row is rejected anyway). Only columns with a cell over the limit in bytes are looked
    at (usually none); their names are returned."""
    widest = df.select(raw(f.name).str.len_bytes().max() for f in source.fields).row(0)
    long_fields = [f.name for f, n in zip(source.fields, widest, strict=False) if n is not None and n > MAX_CELL_CHARS]
    if not long_fields:
        return df, long_fields
    too_long = (
        pl.when(raw(name).str.len_chars() > MAX_CELL_CHARS).then(
            pl.format(f"{name}: value too long ({{}} characters, at most {MAX_CELL_CHARS:,})",
                      raw(name).str.len_chars())
        ).alias("__too_long_" + name)
        for name in long_fields
    )
    df = df.with_columns(too_long).with_columns(raw(n).str.slice(0, MAX_CELL_CHARS) for n in long_fields)
    return df, long_fields


def _typed(df: pl.DataFrame, source: Source, x_columns: frozenset[str]) -> pl.DataFrame:
    """Every field's column (named after it) parsed from its text cell into its type."""
    needs_cleaning = _needs_cleaning(df, source)
    df = df.with_columns([_typed_column(df, f, needs_cleaning, x_columns).alias(f.name) for f in source.fields])
    return _reparse_ints(df, source)


def _needs_cleaning(df: pl.DataFrame, source: Source) -> dict[str, bool]:
    """Text field -> whether a cell of its column is not already its own ``clean_text``
    (see ``NEEDS_TEXT_CLEANING``)."""
    text_fields = [f.name for f in source.fields if f.type not in ("int", "bool", "date", "enum")]
    return dict(zip(
        text_fields,
        df.select(raw(n).str.contains(NEEDS_TEXT_CLEANING).any() for n in text_fields).row(0) if text_fields else (),
        strict=False,
    ))


def _typed_column(df: pl.DataFrame, f: Field, needs_cleaning: dict[str, bool],
                  x_columns: frozenset[str]) -> pl.Expr | pl.Series:
    """Field ``f`` parsed: integers by a plain cast (see ``_reparse_ints``), booleans by
    ``_bool_column``, dates, enum labels to codes, text cleaned where needed."""
    cell = raw(f.name)
    if f.type == "int":
        return cell.cast(pl.Int64, strict=False)
    if f.type == "bool":
        return _bool_column(df, f.name, f.name in x_columns)
    if f.type == "date":
        return parse_date(cell)
    if f.type == "enum":
        return _via_unique(
            df, _RAW + f.name, lambda e, enum=f.enum: parse_enum(e, enum), pl.String, f"enum:{f.enum.name}"
        )
    return clean_text(cell) if needs_cleaning[f.name] else cell


def _bool_column(df: pl.DataFrame, name: str, uses_x: bool) -> pl.Expr:
    """Boolean field ``name`` parsed; an empty cell is false in a file whose column marks
    true with ``x`` (the convention is decided per file; ``uses_x``: known to hold)."""
    cell = raw(name)
    parsed = _via_unique(df, _RAW + name, parse_bool, pl.Boolean, "bool")
    x_convention = pl.lit(True) if uses_x else bool_uses_x(cell).over(_FILE)
    return pl.when(cell.is_null() & x_convention).then(pl.lit(False)).otherwise(parsed)


def _reparse_ints(df: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Integers written with a thousands separator (34.363) or a Unicode minus: the plain
    cast left them empty, so the columns having such cells go through ``parse_int``
    (which gives the same value wherever the plain cast succeeds)."""
    ints = [f.name for f in source.fields if f.type == "int"]
    if not ints:
        return df
    unparsed = df.select((raw(n).is_not_null() & pl.col(n).is_null()).any() for n in ints).row(0)
    redo = [n for n, flag in zip(ints, unparsed, strict=False) if flag]
    if redo:
        df = df.with_columns(parse_int(raw(n)).alias(n) for n in redo)
    return df


def _resolve_provinces(df: pl.DataFrame, source: Source, resolver: ProvinceResolver) -> pl.DataFrame:
    """The resolver's columns (``province_code``, ``province_list_out``, ``province_problem``…)
    joined on each row, resolved once per distinct (value, list in force at the row's date)."""
    list_expr = pl.when(_before_reform(source)).then(pl.lit(OLD)).otherwise(pl.lit(NEW))
    df = df.with_columns(list_expr.alias("__list"))
    resolved = resolver.resolve_frame(
        df.select(pl.col("province").alias("value"), pl.col("__list").alias("province_list"))
    )
    return df.join(
        resolved.rename({"value": "province", "province_list": "__list"}),
        on=["province", "__list"],
        how="left",
        nulls_equal=False,
        maintain_order="left",
    )


def _province_problem(source: Source) -> pl.Expr:
    """The resolver's problem, without the value where it repeats the row's personal data."""
    return pl.when(pl.col("province_problem").is_not_null()).then(
        pl.when(_quoted(source, "province") == pl.lit(HIDDEN))
        .then(pl.lit(f"unknown province {HIDDEN}"))
        .otherwise(pl.col("province_problem"))
    )


def _problems(source: Source, too_long: list[str]) -> tuple[list[str | None], list[pl.Expr]]:
    """The problems of a row, in registry order then the row rules, each with the column it
    names (over-long cells: ``too_long``)."""
    names: list[str | None] = []
    problems: list[pl.Expr] = []
    for f in source.fields:
        if f.name in too_long:
            names.append(f.name)
            problems.append(pl.col("__too_long_" + f.name))
        for p in _field_problems(f, source):
            names.append(f.name)
            problems.append(p)
        if f.name == "province":
            names.append("province")
            problems.append(_province_problem(source))
    for rule in source.rules:
        names.append(rule.left)
        problems.append(_rule_problem(rule))
    return names, problems


def _total_row(df: pl.DataFrame, source: Source) -> pl.Expr:
    """Whether a label cell of the row is a total label (``is_total_label``)."""
    candidates = df.select(
        pl.when(could_be_total_label(raw(n))).then(raw(n)).alias(_RAW + n) for n in source.labels
    )
    return pl.any_horizontal(
        *(_via_unique(candidates, _RAW + n, is_total_label, pl.Boolean, "total").fill_null(False)
          for n in source.labels)
    )


def _key_columns(source: Source) -> list[str | pl.Expr]:
    """The key after resolution: the province code in the list in force (an old name
    remapped after the reform is its successor, so it collides with the successor's
    own row), text compared case-insensitively, an empty month is month 12."""
    key_cols: list[str | pl.Expr] = []
    for k in source.key:
        if k == "province":
            key_cols += ["province_code", "province_list_out"]
        elif k == "month":
            key_cols.append(pl.col(k).fill_null(12).alias("__key_month"))
        elif source.field(k).type == "text":
            key_cols.append(_LOWER + k)  # added by ``_lowered``
        else:
            key_cols.append(k)
    return key_cols


_LOWER = "__key_"


def _lowered(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """``frame`` with ``__key_<name>``, the text key columns in lower case, worked out once
    per distinct value and joined back: lowering each of millions of cells costs about
    five times as much."""
    for k in source.key:
        if k != "province" and source.field(k).type == "text":
            distinct = frame.select(pl.col(k).unique().drop_nulls())
            frame = frame.join(
                distinct.with_columns(pl.col(k).str.to_lowercase().alias(_LOWER + k)),
                on=k, how="left", maintain_order="left",
            )
    return frame


def _mark_totals_and_duplicates(df: pl.DataFrame, source: Source, chunk_of: FileSoFar | None) -> pl.DataFrame:
    """Adds ``__total`` (a total row), ``__eligible`` (a row whose key counts: not a total
    or broken row, every required key part present), ``__row`` and ``__duplicate`` (the
    reason of a row whose key another row of its file has too; for a chunk, none: the key
    hashes go to ``chunk_of.keys``)."""
    total = _total_row(df, source)
    key_cols = _key_columns(source)
    key_required = [
        pl.col("province_code") if k == "province" else pl.col(k)
        for k in source.key
        if k == "province" or source.field(k).required
    ]
    total = total & ~_BROKEN
    eligible = ~total & ~_BROKEN & pl.all_horizontal(c.is_not_null() for c in key_required)
    df = df.with_columns(total.alias("__total"), eligible.alias("__eligible"), pl.int_range(pl.len()).alias("__row"))
    if chunk_of is not None:
        chunk_of.keys.append(
            _lowered(df.filter("__eligible"), source).select(
                pl.struct(*key_cols).hash().alias("__hash"), pl.col(ROW_NUMBER)
            )
        )
        return df.with_columns(pl.lit(None, pl.String).alias("__duplicate"))
    duplicates = _duplicate_messages(df, source, key_cols)
    return df.join(duplicates, on="__row", how="left", maintain_order="left")


def _with_reasons(df: pl.DataFrame, names: list[str | None], problems: list[pl.Expr]) -> pl.DataFrame:
    """Adds ``__reason`` (null for a row to load) and ``__column``: a broken row's structure
    problem, ``total row``, or the duplicate key and ``problems`` joined by ``'; '`` with
    the first offending column (of ``names``).

    The messages are built only for the rows that have a problem (usually none): building
    lists of messages for every row costs more than all the other rules together."""
    duplicate = pl.col("__duplicate").is_not_null()
    flagged = pl.any_horizontal(_BROKEN, pl.col("__total"), duplicate, *(p.is_not_null() for p in problems))
    rows = df.select(pl.col("__row").filter(flagged)).to_series()  # ``__row`` is the position
    bad = df[rows]
    messages = pl.concat_list(pl.col("__duplicate"), *problems).list.drop_nulls()
    columns = pl.concat_list(
        pl.when(duplicate).then(pl.lit("\x00")),
        *(pl.when(p.is_not_null()).then(pl.lit("\x00" if n is None else n)) for n, p in zip(names, problems, strict=False)),
    ).list.drop_nulls()
    explained = bad.select(
        pl.when(_BROKEN).then(pl.col(STRUCTURE))
        .when(pl.col("__total")).then(pl.lit(TOTAL_ROW))
        .otherwise(pl.when(messages.list.len() > 0).then(messages.list.join("; ")))
        .alias("__reason"),
        pl.when(pl.col("__total") | _BROKEN).then(pl.lit(None, pl.String))
        .otherwise(pl.when(columns.list.first() != "\x00").then(columns.list.first()))
        .alias("__column"),
    )
    return df.with_columns(
        pl.repeat(None, df.height, dtype=pl.String, eager=True).scatter(rows, explained[c]).alias(c)
        for c in ("__reason", "__column")
    )


def _split(df: pl.DataFrame, source: Source, pii_salt: str, files: int) -> list[Split]:
    """The rows without a reason as raw-table rows and the others as rejections, per file."""
    rejected = df.filter(pl.col("__reason").is_not_null()).select(
        _FILE, ROW_NUMBER, LINE_NUMBER, pl.col("__column").alias("column_name"), pl.col("__reason").alias("reason")
    )
    loaded = _loaded(df.filter(pl.col("__reason").is_null()), source, pii_salt)
    loaded_by_file = _by_file(loaded, files)
    rejected_by_file = _by_file(rejected, files)
    return [Split(loaded=loaded_by_file[i], rejected=rejected_by_file[i]) for i in range(files)]


def _loaded(good: pl.DataFrame, source: Source, pii_salt: str) -> pl.DataFrame:
    """The raw-table columns of the rows to load (and ``_FILE``), in order and cast."""
    out: list[pl.Expr] = [
        pl.col(_FILE),
        pl.col(ROW_NUMBER).cast(pl.Int32),
        pl.col("province_code"),
        pl.col("province_list_out").alias("province_list"),
        pl.col("province_remapped"),
    ]
    for f in source.fields:
        if f.output_name is None or f.pii == "pseudonymise":
            continue
        out.append(pl.col(f.name).alias(f.output_name))
    loaded = _with_pseudonyms(good.select(out), good, source, pii_salt)
    order = [c.name for c in source.raw_columns if c.name != "file_name"]
    cast = {c.name: c.polars_type for c in source.raw_columns if c.name != "file_name"}
    return loaded.select(_FILE, *(pl.col(n).cast(cast[n]) for n in order))


def _with_pseudonyms(loaded: pl.DataFrame, good: pl.DataFrame, source: Source, pii_salt: str) -> pl.DataFrame:
    """``loaded`` with each personal id to pseudonymise, the HMAC of its text cell in ``good``."""
    for f in source.fields:
        if f.pii == "pseudonymise":
            keyed = pseudonymise(good[_RAW + f.name], pii_salt).alias(f.output_name)
            loaded = loaded.with_columns(keyed)
    return loaded


def _duplicate_messages(df: pl.DataFrame, source: Source, key_cols: list[str | pl.Expr]) -> pl.DataFrame:
    """``__row`` -> the reason of each row whose key another row of its file has too:
    the key (as written in the file) and the line and data row of the other row(s)."""
    keys = _lowered(df.filter("__eligible"), source).select("__row", _FILE, LINE_NUMBER, ROW_NUMBER, *key_cols)
    key_names = [c for c in keys.columns if c not in ("__row", _FILE, LINE_NUMBER, ROW_NUMBER)]
    dups = keys.filter(pl.struct(_FILE, *key_names).is_duplicated())
    if dups.height == 0:
        return pl.DataFrame(schema={"__row": pl.Int64, "__duplicate": pl.String})
    shown = [pl.format(f"{k}={{}}", raw(k)) for k in source.key if source.field(k).pii is None]
    described = df.filter(pl.col("__row").is_in(dups["__row"].implode())).select(
        "__row", pl.concat_str(shown, separator=", ", ignore_nulls=True).alias("__key")
    )
    where = pl.format("line {} (row {})", LINE_NUMBER, ROW_NUMBER)
    others = dups.sort(LINE_NUMBER).with_columns(where.alias("__where")).select(
        "__row",
        "__where",
        pl.col("__where").implode().over([_FILE, *key_names], mapping_strategy="join").alias("__all"),
    ).select(
        "__row", pl.col("__all").list.set_difference(pl.concat_list("__where")).list.join(", ").alias("__others"),
    )
    return others.join(described, on="__row").select(
        pl.col("__row").cast(pl.Int64),
        pl.format(f"{DUPLICATE_KEY} ({{}}): also on {{}}", "__key", "__others").alias("__duplicate"),
    )


def _by_file(frame: pl.DataFrame, files: int) -> list[pl.DataFrame]:
    """The rows of each file of a batch, in order, without the file column."""
    parts = frame.partition_by(_FILE, as_dict=True, include_key=False, maintain_order=True)
    empty = frame.clear().drop(_FILE)
    return [parts.get((i,), empty) for i in range(files)]
