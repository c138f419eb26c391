"""Region table (seed/data/regions.csv) and app.services.regions."""
import csv
from collections import Counter

import pytest

from app.services import regions

ZJ_CITIES = {
    "330100": "杭州市", "330200": "宁波市", "330300": "温州市", "330400": "嘉兴市",
    "330500": "湖州市", "330600": "绍兴市", "330700": "金华市", "330800": "衢州市",
    "330900": "舟山市", "331000": "台州市", "331100": "丽水市",
}


@pytest.fixture(scope="module")
def rows():
    with regions.CSV_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["code", "name", "start_year", "end_year"]
        return list(reader)


def test_csv_codes_unique_and_well_formed(rows):
    codes = [r["code"] for r in rows]
    assert len(codes) > 7000
    assert not [c for c, n in Counter(codes).items() if n > 1]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert all(r["name"].strip() for r in rows)


def test_csv_years_sane(rows):
    for r in rows:
        start = int(r["start_year"])
        assert 1980 <= start <= 2025, r
        if r["end_year"]:
            assert start <= int(r["end_year"]) <= 2025, r


def test_current_counts(rows):
    current = [r for r in rows if not r["end_year"]]
    by_level = Counter(regions.level(r["code"]) for r in current)
    # 2025-12-31 civil-affairs list: 33 provincial units (Taiwan has no published code)
    assert by_level["province"] == 33
    assert by_level["city"] == 333
    assert by_level["county"] == 2845


def test_zhejiang_cities_present_and_current():
    for code, name in ZJ_CITIES.items():
        info = regions.lookup(code)
        assert info is not None and info.name == name and not info.abolished, code
    assert regions.lookup("330000").name == "浙江省"


def test_zhejiang_current_county_count():
    counties = [r for r in regions.all_regions()
                if r.code.startswith("33") and regions.level(r.code) == "county" and not r.abolished]
    assert len(counties) == 90  # 37 districts + 20 county-level cities + 33 counties


@pytest.mark.parametrize("code,name,start,end", [
    ("330102", "上城区", 1980, None),
    ("330103", "下城区", 1980, 2020),   # merged into 上城区/拱墅区 in 2021
    ("330104", "江干区", 1980, 2020),
    ("330113", "临平区", 2021, None),
    ("330114", "钱塘区", 2021, None),
    ("330185", "临安市", 1996, 2016),   # became 330112 临安区 in 2017
    ("330112", "临安区", 2017, None),
    ("330100", "杭州市", 1980, None),
    ("330000", "浙江省", 1980, None),
])
def test_zhejiang_examples(code, name, start, end):
    info = regions.lookup(code)
    assert (info.name, info.start_year, info.end_year) == (name, start, end)
    assert info.abolished == (end is not None)


def test_display_name():
    assert regions.lookup("330103").display_name == "下城区（已撤销）"
    assert regions.lookup("330102").display_name == "上城区"


@pytest.mark.parametrize("code", ["330199", "999999", "", None, "33010", "3301021", "abcdef", 330102])
def test_lookup_unknown_or_malformed(code):
    if code == 330102:  # ints are accepted as codes
        assert regions.lookup(code).name == "上城区"
    else:
        assert regions.lookup(code) is None


@pytest.mark.parametrize("code,expected", [
    ("330102", "浙江省杭州市上城区"),
    ("330103", "浙江省杭州市下城区"),
    ("330185", "浙江省杭州市临安市"),
    ("330100", "浙江省杭州市"),
    ("330000", "浙江省"),
    ("110101", "北京市东城区"),      # 110100 市辖区 is a placeholder, skipped
    ("429004", "湖北省仙桃市"),      # 省直辖县级行政单位 skipped
    ("330199", None),
])
def test_full_name(code, expected):
    assert regions.full_name(code) == expected


def test_level_and_parent():
    assert regions.level("330000") == "province"
    assert regions.level("330100") == "city"
    assert regions.level("330102") == "county"
    assert regions.level("33") is None
    assert regions.parent_code("330102") == "330100"
    assert regions.parent_code("330100") == "330000"
    assert regions.parent_code("330000") is None
    assert regions.parent_code("110101") == "110000"
    assert regions.parent_code("429004") == "420000"


def test_every_code_has_a_province():
    codes = {r.code for r in regions.all_regions()}
    assert all(c[:2] + "0000" in codes for c in codes)


def test_all_regions_matches_csv(rows):
    assert len(list(regions.all_regions())) == len(rows)
