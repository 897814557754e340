"""Province resolution (docs/contract.md §2.1): names, prefixes, case, diacritics, codes,
the list in force on the row's date, old names after the reform, unknown names."""

from __future__ import annotations

import unicodedata
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.geo import province_table
from pipelines.ingest.province_names import ProvinceResolver, Resolution, default_resolver, province_key, resolve

R = default_resolver()
TABLE = province_table()
OLD_ROWS = TABLE.filter(pl.col("province_list") == "old").to_dicts()
NEW_ROWS = TABLE.filter(pl.col("province_list") == "new").to_dicts()
NEW_NAMES = {r["province_name"] for r in NEW_ROWS}


def strip_diacritics(text: str) -> str:
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in t if not unicodedata.combining(c))


@pytest.mark.parametrize("value", ["Tỉnh Cà Mau", "Cà Mau", "CA MAU", "tinh ca mau", "96", "  Cà   Mau ", "T. Cà Mau"])
def test_contract_examples_resolve_to_ca_mau(value):
    assert R.resolve(value, "old") == Resolution("96", "old")
    assert R.resolve(value, "new") == Resolution("96", "new")


@pytest.mark.parametrize(("value", "lst", "code"), [
    ("Thành phố Hồ Chí Minh", "old", "79"), ("TP. Hồ Chí Minh", "new", "79"), ("TP HCM", "old", "79"),
    ("TP.HCM", "new", "79"), ("tphcm", "old", "79"), ("T.P Hồ Chí Minh", "old", "79"),
    ("Thành phố Hà Nội", "old", "01"), ("1", "old", "01"), ("01", "new", "01"), ("001", "old", "01"),
    ("Thừa Thiên Huế", "old", "46"), ("Huế", "new", "46"), ("Hoà Bình", "old", "17"), ("Hòa Bình", "old", "17"),
    ("Bà Rịa - Vũng Tàu", "old", "77"), ("Ba Ria Vung Tau", "old", "77"), ("Đắc Lắc", "old", "66"),
    ("THANH HOA", "new", "38"), ("Thanh Hoá", "old", "38"),
])
def test_spellings_and_aliases(value, lst, code):
    assert R.resolve(value, lst) == Resolution(code, lst)


def test_every_official_name_resolves_in_its_list():
    for rows in (OLD_ROWS, NEW_ROWS):
        for r in rows:
            for text in (r["province_name"], r["province_full_name"], r["province_code"]):
                res = R.resolve(text, r["province_list"])
                assert (res.code, res.remapped, res.problem) == (r["province_code"], False, None), text


def test_codes_are_read_in_the_list_in_force():
    # Codes are reused between lists: 82 is Tiền Giang before the reform, Đồng Tháp after.
    assert R.name("82", "old") == "Tiền Giang" and R.name("82", "new") == "Đồng Tháp"
    assert R.resolve("82", "old") == Resolution("82", "old")
    assert R.resolve("82", "new") == Resolution("82", "new")
    assert R.resolve("15", "old").code == "15" and R.name("15", "old") == "Yên Bái"
    assert R.resolve("62", "new") == Resolution(
        None, "new", problem="unknown province '62' (no code 62 in the 34-province list from 2025-07-01)"
    )
    assert R.resolve("03", "old").problem == (
        "unknown province '03' (no code 03 in the 63-province list before 2025-07-01)"
    )


def test_old_provinces_after_the_reform_map_to_their_successor_and_are_flagged():
    for r in OLD_ROWS:
        res = R.resolve(r["province_name"], "new")
        if r["province_name"] in NEW_NAMES:  # also a new province (Cà Mau, Lào Cai, Đồng Tháp…)
            assert res == Resolution(r["successor_code"], "new"), r
        else:
            assert res == Resolution(r["successor_code"], "new", remapped=True, named_code=r["province_code"]), r
    assert R.resolve("Kon Tum", "new").code == "51"
    assert R.resolve("Bạc Liêu", "new").code == "96"
    assert R.resolve("Bình Dương", "new").code == "79"
    assert R.resolve("Tiền Giang", "new").code == "82"
    assert R.resolve("Đồng Tháp", "new") == Resolution("82", "new")  # in both lists: the new code
    assert R.resolve("Đồng Tháp", "old") == Resolution("87", "old")
    assert R.resolve("Lào Cai", "new") == Resolution("15", "new")


def test_the_rows_date_chooses_the_list():
    assert resolve("Kon Tum", date(2025, 6, 30)) == Resolution("62", "old")
    assert resolve("Kon Tum", date(2025, 7, 1)) == Resolution("51", "new", remapped=True, named_code="62")


@pytest.mark.parametrize(("value", "lst", "closest"), [
    ("Ca Mua", "old", "Cà Mau"), ("Kon Tym", "new", "Kon Tum"), ("Ha Noi city", "old", "Hà Nội"),
    ("Tỉnh Bạc Liu", "new", "Bạc Liêu"), ("Thanh Hoa Province", "old", "Thanh Hóa"),
])
def test_unknown_names_report_the_closest_official_name(value, lst, closest):
    assert R.resolve(value, lst) == Resolution(None, lst, problem=f"unknown province '{value}' (closest: {closest})")


def test_prefix_stripping():
    assert province_key("Tỉnh Cà Mau") == "ca mau"
    assert province_key("TP. Hồ Chí Minh") == "ho chi minh"
    assert province_key("Thành phố Cần Thơ") == "can tho"
    assert province_key("Tây Ninh") == "tay ninh"  # no prefix to strip
    assert province_key("Tỉnh") == "tinh"  # a bare prefix is kept


def test_resolutions_are_cached_and_frames_resolved_once_per_distinct_value():
    resolver = ProvinceResolver()
    calls = []
    real = resolver._resolve
    resolver._resolve = lambda v, lst: calls.append((v, lst)) or real(v, lst)
    frame = pl.DataFrame({
        "value": ["Cà Mau", "Cà Mau", "Kon Tum", "Cà Mau", None],
        "province_list": ["old", "old", "new", "old", "old"],
    })
    out = resolver.resolve_frame(frame).sort("value")
    assert out.select("value", "province_code", "province_list_out", "province_remapped").rows() == [
        ("Cà Mau", "96", "old", False), ("Kon Tum", "51", "new", True)
    ]
    resolver.resolve_frame(frame)
    assert sorted(calls) == [("Cà Mau", "old"), ("Kon Tum", "new")]


def test_a_table_where_two_provinces_fold_to_one_name_is_refused():
    bad = pl.DataFrame({
        "province_list": ["old", "old"], "province_code": ["01", "02"],
        "province_name": ["Hà Nam", "Hà Nấm"], "province_full_name": ["Tỉnh Hà Nam", "Tỉnh Hà Nấm"],
        "successor_code": ["01", "02"],
    })
    with pytest.raises(ValueError, match="names 01 and 02"):
        ProvinceResolver(bad)


PREFIXES = ["", "Tỉnh ", "tỉnh ", "TỈNH ", "Thành phố ", "TP. ", "TP ", "Tp.", "T. ", "tinh ", "thanh pho "]


@given(
    st.sampled_from(OLD_ROWS + NEW_ROWS),
    st.sampled_from(PREFIXES),
    st.booleans(),
    st.sampled_from(["keep", "upper", "lower", "title", "swap"]),
    st.sampled_from(["", " ", "  ", "\u00a0"]),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_any_official_name_with_any_prefix_case_or_missing_diacritics_resolves(row, prefix, strip, case, pad, nfd):
    text = prefix + row["province_name"]
    if strip:
        text = strip_diacritics(text)
    text = {"keep": text, "upper": text.upper(), "lower": text.lower(), "title": text.title(),
            "swap": text.swapcase()}[case]
    text = pad + text.replace(" ", " " + pad) + pad
    if nfd:
        text = unicodedata.normalize("NFD", text)
    text = unicodedata.normalize("NFC", text).strip()  # what the reader hands over
    res = R.resolve(text, row["province_list"])
    assert (res.code, res.problem) == (row["province_code"], None), text
    if row["province_list"] == "old":
        after = R.resolve(text, "new")
        assert after.code == row["successor_code"]
        assert after.remapped is (row["province_name"] not in NEW_NAMES)


def test_the_province_lists_are_the_packages_own_read_without_importing_it():
    # pipelines.geo reads the package's dataset directly (its __init__ loads the address
    # parsers, seconds of every run): the rows must be those of the package's own API,
    # and the package must not be imported on the way.
    import subprocess
    import sys

    from vietnamadminunits.database import get_data

    from pipelines import geo
    from pipelines.config import PROJECT_ROOT

    for table in ("admin_units", "admin_units_legacy"):
        expected = get_data(["province", "provinceShort", "provinceCode", "provinceKey"], table)
        assert sorted(geo._province_rows(table), key=repr) == sorted(expected, key=repr)
    code = (
        "import sys; from pipelines.geo import province_table; assert province_table().height == 97;"
        " print(sorted(m for m in sys.modules if m.startswith('vietnamadminunits')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert out.stdout.strip() == "[]"
