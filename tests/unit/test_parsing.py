"""Cell parsers, text normalisation and header handling (docs/contract.md §2.1), with
property tests: any integer in any separator style, any boolean spelling in any
case, round-trips."""

from __future__ import annotations

import unicodedata
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.sources import SOURCES, Enumeration
from pipelines.ingest.parsing import (
    FALSE_WORDS,
    NEEDS_TEXT_CLEANING,
    TRUE_WORDS,
    bool_uses_x,
    clean,
    clean_text,
    could_be_total_label,
    enum_mapping,
    fold,
    fold_expr,
    is_total_label,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
)
from pipelines.ingest.readers import FileRejected, decode, find_header, header_map, is_numbering_row
from tests.fixtures.ingest.make_corpus import encode_cp1258


def col(values: list, expr) -> list:
    """Apply ``expr`` (built on pl.col('v')) to a String column."""
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr.alias("out"))["out"].to_list()


V = pl.col("v")


# --- fold / clean ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "folded"), [
    ("Tỉnh/Thành phố", "tinh thanh pho"),
    ("  TỈNH / THÀNH PHỐ ", "tinh thanh pho"),
    ("Đối tượng khác", "doi tuong khac"),
    ("in_difficulty", "in difficulty"),
    ("Công suất (giường)", "cong suat giuong"),
    ("Người nhiễm HIV/AIDS", "nguoi nhiem hiv aids"),
    (unicodedata.normalize("NFD", "Hoàn thành"), "hoan thanh"),
])
def test_fold(text, folded):
    assert fold(text) == folded
    assert col([text], fold_expr(V)) == [folded]


# Cn: characters Python's Unicode tables do not know yet (3.11 has Unicode 14; polars has a
# newer one, e.g. U+13440 is a mark there): the two folds can only agree on the others.
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cn")), max_size=30))
@settings(max_examples=200, deadline=None)
def test_fold_expr_agrees_with_fold(text):
    assert col([text], fold_expr(V)) == [fold(text)]


def test_clean_strips_every_kind_of_space_and_empties_to_null():
    assert col([" Cà Mau\u00a0", "\u202f", "", None, unicodedata.normalize("NFD", "Cà")], clean(V)) == [
        "Cà Mau", None, None, None, "Cà"
    ]
    assert col(["Huyện   Thới\tBình"], clean_text(V)) == ["Huyện Thới Bình"]


# --- integers ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("34363", 34363), ("34.363", 34363), ("34,363", 34363), ("34 363", 34363),
    ("34\u00a0363", 34363), ("34\u202f363", 34363), ("1.234.567", 1234567), ("1,234,567", 1234567),
    ("0", 0), ("-5", -5), ("\u22125", -5), ("+12", 12), ("007", 7),
    ("12,5", None), ("1.234,5", None), ("1,234.567", None), ("34363.0", None), ("34.36", None),
    ("3.4363", None), ("1 2", None), ("abc", None), ("12a", None), ("--5", None), ("99999999999999999999", None),
    ("٣٤", None), ("1_000", None), (None, None),
])
def test_parse_int(text, value):
    assert col([text], parse_int(V)) == [value]


def _group(n: int, sep: str) -> str:
    digits = str(abs(n))
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ("-" if n < 0 else "") + sep.join(groups)


@given(
    st.lists(st.tuples(st.integers(-(10**15), 10**15), st.sampled_from(["", ".", ",", " ", "\u00a0", "\u202f"])),
             min_size=1, max_size=20)
)
@settings(max_examples=150, deadline=None)
def test_any_integer_in_any_separator_style_round_trips(cases):
    texts = [str(n) if sep == "" else _group(n, sep) for n, sep in cases]
    assert col(texts, parse_int(V)) == [n for n, _ in cases]


@given(st.integers(0, 999), st.text(alphabet="0123456789", min_size=1, max_size=6), st.sampled_from([".", ","]))
@settings(max_examples=150, deadline=None)
def test_a_separator_not_followed_by_three_digits_is_not_an_integer(head, tail, sep):
    text = f"{head}{sep}{tail}"
    expected = int(f"{head}{tail}") if len(tail) % 3 == 0 and 1 <= len(str(head)) <= 3 else None
    if expected is not None and len(tail) > 3:  # e.g. 1.234567: the groups must be separated too
        expected = None
    assert col([text], parse_int(V)) == [expected]


ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@given(st.lists(st.one_of(ANY_TEXT, st.from_regex(r"[+\u2212-]?[0-9][0-9 .,]{0,12}", fullmatch=True)), max_size=20))
@settings(max_examples=200, deadline=None)
def test_the_plain_cast_fast_path_agrees_with_parse_int_wherever_it_succeeds(texts):
    # apply_rules_batch casts integer columns first and runs parse_int only where the cast failed
    fast, full = col(texts, V.cast(pl.Int64, strict=False)), col(texts, parse_int(V))
    assert all(f is None or f == p for f, p in zip(fast, full, strict=False))


@given(st.lists(ANY_TEXT.map(str.strip).filter(bool), max_size=20))
@settings(max_examples=200, deadline=None)
def test_a_cell_without_whitespace_runs_is_its_own_clean_text(texts):
    # apply_rules_batch skips clean_text on a column none of whose cells matches NEEDS_TEXT_CLEANING
    needs = col(texts, V.str.contains(NEEDS_TEXT_CLEANING))
    cleaned = col(texts, clean_text(V))
    assert all(n or c == t for t, n, c in zip(texts, needs, cleaned, strict=False))


@given(st.lists(st.one_of(ANY_TEXT, st.sampled_from([
    "Tổng", "Cộng", "Total x", "Grand total", " tổng số", "(Tổng)", "TOTAL:", "Tong cong", "CO\u0302NG", "Tr", "TR01",
])),
                max_size=20))
@settings(max_examples=200, deadline=None)
def test_the_total_label_filter_never_drops_a_total_label(texts):
    totals, candidates = col(texts, is_total_label(V)), col(texts, could_be_total_label(V))
    assert all(c or not t for t, c in zip(totals, candidates, strict=False))


def test_the_total_label_filter_leaves_out_cells_starting_as_no_total_label_does():
    cells = ["Nguyễn Văn A", "Trần Văn B", "TR000123", "Thành phố Hà Nội", "Tổng", "TOTAL:", "Cộng", "Grand total", "Tô"]
    assert col(cells, could_be_total_label(V)) == [False, False, False, False, True, True, True, True, True]


# --- booleans ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False),
    ("x", True), ("X", True), ("có", True), ("Có", True), ("CÓ", True), ("không", False), ("KHÔNG", False),
    ("co", True), ("khong", False), ("c", True), ("k", False), ("y", True), ("n", False),
    ("maybe", None), ("2", None), ("1.0", None), ("có thể", None), (None, None),
])
def test_parse_bool(text, value):
    assert col([text], parse_bool(V)) == [value]


def test_empty_is_false_only_in_a_column_that_uses_x_marks():
    assert col(["x", None, "X", "không"], parse_bool(V, bool_uses_x(V))) == [True, False, True, False]
    assert col(["yes", None, "no"], parse_bool(V, bool_uses_x(V))) == [True, None, False]
    assert col([None, None], parse_bool(V, bool_uses_x(V))) == [None, None]


SPELLINGS = [(w, True) for w in (*TRUE_WORDS, "Có", "CÓ")] + [(w, False) for w in (*FALSE_WORDS, "Không")]


@given(st.lists(st.tuples(st.sampled_from(SPELLINGS), st.lists(st.booleans(), min_size=8, max_size=8),
                          st.sampled_from(["", " ", "  "])), min_size=1, max_size=20))
@settings(max_examples=150, deadline=None)
def test_any_boolean_spelling_in_any_case_parses(cases):
    texts, expected = [], []
    for (word, value), upper, pad in cases:
        texts.append(pad + "".join(c.upper() if u else c.lower() for c, u in zip(word, upper, strict=False)) + pad)
        expected.append(value)
    assert col(texts, parse_bool(clean(V))) == expected


# --- dates, enumerations, totals ---------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("05/03/2024", date(2024, 3, 5)), ("5/3/2024", date(2024, 3, 5)), ("31/12/2025", date(2025, 12, 31)),
    ("2024-03-05", date(2024, 3, 5)), ("2024-03-05 00:00:00", date(2024, 3, 5)),
    ("2024-03-05T10:30", date(2024, 3, 5)), ("29/02/2024", date(2024, 2, 29)),
    ("31/02/2024", None), ("29/02/2023", None), ("2024/03/05", None), ("05-03-2024", None),
    ("05.03.2024", None), ("5 March 2024", None), ("20240305", None), (None, None),
])
def test_parse_date(text, value):
    assert col([text], parse_date(V)) == [value]


@pytest.mark.parametrize(("enum_field", "text", "code"), [
    (("beneficiaries", "group"), "Người cao tuổi", "elderly"),
    (("beneficiaries", "group"), "NGUOI CAO TUOI", "elderly"),
    (("beneficiaries", "group"), "Trẻ em có hoàn cảnh đặc biệt", "children"),
    (("beneficiaries", "group"), "Người tâm thần, rối nhiễu tâm trí", "mental_illness"),
    (("beneficiaries", "group"), "Đối tượng khác", "other"),
    (("beneficiaries", "group"), "Khác", "other"),
    (("beneficiaries", "group"), "mental_illness", "mental_illness"),
    (("beneficiaries", "group"), "Mental Illness", "mental_illness"),
    (("beneficiaries", "group"), "Người nghèo", None),
    (("facilities", "ownership"), "Công lập", "public"),
    (("facilities", "ownership"), "ngoài công lập", "non_public"),
    (("facilities", "status"), "Đã giải thể, sáp nhập", "closed"),
    (("facilities", "status"), "Đang hoạt động", "active"),
    (("facilities", "unit_type"), "Cơ sở cai nghiện ma tuý", "drug_rehab"),
    (("facilities", "unit_type"), "Bệnh viện", "health"),
    (("facilities", "unit_type"), "UBND xã/phường", "commune"),
    (("training", "role"), "Cán bộ, công chức, viên chức, nhân viên", "staff"),
    (("training", "role"), "Cộng tác viên", "collaborator"),
    (("training", "course_level"), "Sau đại học", "postgraduate"),
    (("training", "course_level"), "Đại học", "university"),
])
def test_parse_enum_accepts_codes_and_vietnamese_labels(enum_field, text, code):
    source, name = enum_field
    assert col([text], parse_enum(V, SOURCES[source].field(name).enum)) == [code]


def test_every_contract_label_maps_to_its_code_and_a_label_cannot_name_two_codes():
    for source in SOURCES.values():
        for f in source.fields:
            if f.enum is not None:
                mapping = enum_mapping(f.enum)
                for code, labels in f.enum.labels.items():
                    assert all(mapping[fold(t)] == code for t in (code, *labels))
    with pytest.raises(ValueError, match="names two codes"):
        enum_mapping(Enumeration("bad", {"a": ("Khác",), "b": ("khac",)}))


@pytest.mark.parametrize(("text", "total"), [
    ("Tổng", True), ("Tổng cộng", True), ("TỔNG CỘNG", True), ("Cộng", True), ("Total", True),
    ("TOTAL:", True), ("tong cong", True), ("Tổng cộng toàn tỉnh", True), ("Tổng số", True),
    ("Tống Văn Hải", False), ("Cộng tác viên", False), ("Cộng hòa", False), ("Xã Tân Tổng", False),
    ("Totality", False), (None, False),
])
def test_total_labels(text, total):
    assert col([text], is_total_label(V)) == [total]


# --- decoding ----------------------------------------------------------------------------

TEXT = "Tỉnh/Thành phố,Năm\nTỉnh Bạc Liêu,2024\nHuyện Đầm Dơi,Người khuyết tật\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
    (unicodedata.normalize("NFD", TEXT).encode("utf-8"), "utf-8"),
    (encode_cp1258(TEXT), "cp1258"),
])
def test_decode_gives_nfc_text(data, encoding):
    text, used = decode(data)
    assert (text, used) == (TEXT, encoding)


def test_cp1258_bytes_store_tone_marks_as_combining_characters():
    data = encode_cp1258("Tỉnh")
    assert data == b"Ti\xd2nh"
    assert data.decode("cp1258") == "Ti\u0309nh"  # what Python gives before NFC


def test_undecodable_and_binary_bytes_are_rejected():
    with pytest.raises(FileRejected, match="neither UTF-8 nor Windows-1258"):
        decode(b"province\n\x81\x8d\x8f\x90\n")  # bytes cp1258 leaves undefined
    with pytest.raises(FileRejected, match="binary data"):
        decode(b"PK\x03\x04\x00\x00\x08\x00")


# --- headers -----------------------------------------------------------------------------

def test_every_contract_header_is_recognised_and_none_is_ambiguous():
    for source in SOURCES.values():
        headers = header_map(source)  # raises if one header named two fields
        for f in source.fields:
            assert headers[fold(f.name)] is f
            for h in f.headers:
                assert headers[fold(h)] is f
                assert headers[fold(h.upper())] is f


def test_find_header_skips_titles_and_reports_missing_columns():
    b = SOURCES["beneficiaries"]
    rows = [["BÁO CÁO NĂM 2024", None], [None, None],
            ["TINH/THANH PHO", "NAM", "NHOM DOI TUONG", "Ghi chú"], ["Cà Mau", "2024", "elderly", None]]
    header, matched, _ = find_header(rows, b)
    assert header is not None and header.index == 2 and matched == 3
    assert {i: f.name for i, f in header.columns.items()} == {0: "province", 1: "year", 2: "group"}
    header, _, problem = find_header([["Tỉnh/Thành phố", "Tháng"]], b)
    assert header is None and problem == "missing required columns: year (Năm), group (Nhóm đối tượng)"


@pytest.mark.parametrize(("cells", "numbering"), [
    (["(1)", "(2)", "(3)", "(4)"], True),
    (["1", "2", "3", "4"], True),
    (["A", "B", "1", "2", "3"], True),
    (["(1)", None, "(3)", "(4)"], True),
    (["1", "3", "2", "4"], False),  # not increasing
    (["96", "2024", "elderly", "12"], False),  # a data row with a province code
    (["1", "2", None, None, None, None], False),  # too few cells for the header's 6
    (["Cà Mau", "(2)", "(3)", "(4)"], False),
])
def test_is_numbering_row(cells, numbering):
    assert is_numbering_row(cells, header_width=4 if len(cells) < 6 else 6) is numbering
