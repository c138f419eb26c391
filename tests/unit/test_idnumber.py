"""app.services.idnumber: parsing, validation, masking and generation of ID numbers."""
from datetime import date, timedelta

import pytest

from app.services.idnumber import (
    IdInfo, IdNumberError, compute_check_digit, is_valid, make_id_number, mask_id_number,
    parse_id_number,
)

TODAY = date(2026, 6, 15)
STD_EXAMPLE = "11010519491231002X"  # the example number in GB 11643-1999


def make(region="330102", born=date(1990, 3, 7), seq=61, gender="male"):
    return make_id_number(region, born, seq, gender)


def error_of(value, **kw):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(value, today=TODAY, **kw)
    return str(exc.value)


# --- valid numbers -------------------------------------------------------------------

def test_standard_example_female():
    info = parse_id_number(STD_EXAMPLE, today=TODAY)
    assert isinstance(info, IdInfo)
    assert info.number == STD_EXAMPLE
    assert info.birth_date == date(1949, 12, 31)
    assert (info.gender, info.gender_zh) == ("female", "女")
    assert (info.region_code, info.region_name, info.region_known) == ("110105", "北京市朝阳区", True)
    assert info.warnings == ()


def test_male():
    info = parse_id_number(make(gender="male"), today=TODAY)
    assert (info.gender, info.gender_zh) == ("male", "男")
    assert info.region_name == "浙江省杭州市上城区"


def test_info_is_frozen():
    info = parse_id_number(STD_EXAMPLE, today=TODAY)
    with pytest.raises(AttributeError):
        info.number = "x"


def test_lowercase_x_and_spaces_normalized():
    assert parse_id_number(" 110105 19491231 002x ", today=TODAY).number == STD_EXAMPLE
    assert parse_id_number("110105\u300019491231002x", today=TODAY).number == STD_EXAMPLE  # full-width space


def test_compute_check_digit():
    assert compute_check_digit(STD_EXAMPLE[:17]) == "X"
    for bad in ("1101051949123100", "1101051949123100A", ""):
        with pytest.raises(IdNumberError):
            compute_check_digit(bad)


def test_is_valid():
    assert is_valid(STD_EXAMPLE)
    assert is_valid(STD_EXAMPLE.lower())
    assert not is_valid(STD_EXAMPLE[:-1] + "1")
    assert not is_valid(None)
    assert not is_valid("110105491231002", allow_15=False)


# --- format errors -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["", None, "1101051949123100", "11010519491231002", "11010519491231002X1",
                                   "1101054912310", "1101054912310021"])
def test_wrong_length(value):
    assert error_of(value) == "身份证号码应为18位（或15位旧号码）"


@pytest.mark.parametrize("value", ["11010519491231A02X", "X1010519491231002X", "1101051949123100-X",
                                   "11010549123100X", "I10105194912310021"])
def test_bad_characters(value):
    assert error_of(value) == "身份证号码只能包含数字，最后一位可为X"


def test_error_is_value_error_with_message():
    with pytest.raises(ValueError) as exc:
        parse_id_number("123")
    assert str(exc.value) == "身份证号码应为18位（或15位旧号码）"


@pytest.mark.parametrize("last", ["0", "1", "9"])
def test_bad_check_digit_names_expected(last):
    assert error_of(STD_EXAMPLE[:17] + last) == "身份证号码校验位错误，应为X"


def test_bad_check_digit_expected_digit():
    good = make()
    wrong = "0" if good[-1] != "0" else "1"
    assert error_of(good[:17] + wrong) == f"身份证号码校验位错误，应为{good[-1]}"


# --- birth dates ---------------------------------------------------------------------

def with_birth(ymd: str, region="330102") -> str:
    body = f"{region}{ymd}123"
    return body + compute_check_digit(body)


@pytest.mark.parametrize("ymd", ["20000229", "20240229", "19600229"])
def test_feb_29_on_leap_years(ymd):
    assert parse_id_number(with_birth(ymd), today=TODAY).birth_date.day == 29


@pytest.mark.parametrize("ymd", ["19000229", "20230229", "19990229", "19900230",
                                 "19901301", "19900001", "19900100", "19900431"])
def test_invalid_dates(ymd):
    assert error_of(with_birth(ymd)) == f"出生日期无效：{ymd}"


def test_1900_boundary():
    assert parse_id_number(with_birth("19000101"), today=TODAY).birth_date == date(1900, 1, 1)
    assert error_of(with_birth("18991231")).startswith("出生日期无效：18991231")
    assert error_of("440524188001010014").startswith("出生日期无效：18800101")  # GB 11643 example


def test_future_date_and_today():
    assert error_of(with_birth(f"{TODAY + timedelta(days=1):%Y%m%d}")) == "出生日期不能晚于今天"
    info = parse_id_number(with_birth(f"{TODAY:%Y%m%d}"), today=TODAY)
    assert info.birth_date == TODAY and info.age(TODAY) == 0


def test_today_defaults_to_real_today():
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(IdNumberError, match="晚于今天"):
        parse_id_number(with_birth(f"{tomorrow:%Y%m%d}"))


# --- regions -------------------------------------------------------------------------

def test_abolished_region_marked():
    info = parse_id_number(make("330103"), today=TODAY)
    assert info.region_name == "浙江省杭州市下城区（已撤销）"
    assert info.region_known and info.warnings == ()


def test_abolished_county_level_city():
    assert parse_id_number(make("330185"), today=TODAY).region_name == "浙江省杭州市临安市（已撤销）"


def test_new_region_current():
    info = parse_id_number(make("330113", born=date(2022, 5, 1)), today=TODAY)
    assert info.region_name == "浙江省杭州市临平区" and info.region_known


def test_unknown_county_in_known_province_warns():
    info = parse_id_number(make("330199"), today=TODAY)
    assert not info.region_known
    assert info.warnings == ("地区代码330199未在行政区划表中找到",)
    assert info.region_name == "浙江省杭州市"  # nearest known parent


def test_unknown_county_strict_is_error():
    assert error_of(make("330199"), strict_region=True) == "地区代码330199不存在"


@pytest.mark.parametrize("region", ["990101", "000000", "720101"])
def test_unknown_province_is_error_even_lenient(region):
    assert error_of(make(region)) == f"地区代码{region}不存在"


# --- 15-digit numbers ----------------------------------------------------------------

def test_15_digit_upgraded():
    info = parse_id_number("110105491231002", today=TODAY)
    assert info.number == STD_EXAMPLE
    assert info.birth_date == date(1949, 12, 31)
    assert info.warnings == ("15位旧号码已升级为18位：110105491231002 → 11010519491231002X",)


def test_15_digit_refused():
    assert error_of("110105491231002", allow_15=False) == "15位旧身份证号码已停用，请输入18位号码"


def test_15_digit_bad_date():
    assert error_of("110105490230002") == "出生日期无效：19490230"


# --- age -----------------------------------------------------------------------------

def test_age_across_birthday():
    info = parse_id_number(with_birth("19900615"), today=TODAY)
    assert info.age(date(2026, 6, 14)) == 35
    assert info.age(date(2026, 6, 15)) == 36
    assert info.age(date(2026, 12, 31)) == 36
    assert info.age(date(1990, 6, 15)) == 0
    assert isinstance(info.age(), int)


def test_age_feb_29_birthday():
    info = parse_id_number(with_birth("20000229"), today=TODAY)
    assert info.age(date(2018, 2, 28)) == 17
    assert info.age(date(2018, 3, 1)) == 18
    assert info.age(date(2020, 2, 29)) == 20


# --- masking -------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("33010219900307123X", "330***********123X"),
    ("33010219900307123x", "330***********123X"),
    (" 330102 19900307 123X", "330***********123X"),
    ("110105491231002", "110********1002"),
    ("12345678", "123*5678"),
    ("1234567", "*******"),
    ("123", "***"),
    ("", ""),
    (None, ""),
])
def test_mask(value, expected):
    assert mask_id_number(value) == expected


# --- generation ----------------------------------------------------------------------

@pytest.mark.parametrize("gender,zh", [("male", "男"), ("female", "女"), ("男", "男"), ("女", "女")])
def test_make_round_trip(gender, zh):
    born = date(1985, 11, 30)
    for seq in (0, 1, 250, 499):
        number = make_id_number("330212", born, seq, gender)
        info = parse_id_number(number, today=TODAY)
        assert info.number == number and len(number) == 18
        assert info.birth_date == born and info.gender_zh == zh
        assert info.region_code == "330212" and info.region_known


def test_make_distinct_sequences():
    numbers = {make_id_number("330102", date(1990, 1, 1), s, g) for s in range(500) for g in ("male", "female")}
    assert len(numbers) == 1000


@pytest.mark.parametrize("args", [("33010", date(1990, 1, 1), 1, "male"), ("330102", date(1990, 1, 1), 500, "male"),
                                  ("330102", date(1990, 1, 1), -1, "male"), ("330102", date(1990, 1, 1), 1, "x")])
def test_make_rejects_bad_args(args):
    with pytest.raises(ValueError):
        make_id_number(*args)
