"""app.services.uscc: unified social credit codes (GB 32100-2015 + GB 11714 inner check)."""
import pytest

from app.services.uscc import (
    CHARSET, UsccError, compute_org_check, compute_uscc_check, is_valid_uscc, make_uscc, validate_uscc,
)

# Published codes (companies, a 民政 social organisation "12…", an individual business "92…MA…"),
# plus the example from GB 32100-2015 itself.
REAL = [
    "91350100M000100Y43",
    "91110000802100433B",
    "91440300708461136T",
    "9144030071526726XG",
    "914403001922038216",
    "91110108551385082Q",
    "12440600MB2C07549J",
    "92141127MA0KD1Y64A",
]


def error_of(code, **kw):
    with pytest.raises(UsccError) as exc:
        validate_uscc(code, **kw)
    return str(exc.value)


@pytest.mark.parametrize("code", REAL)
def test_real_codes_valid(code):
    assert validate_uscc(code) == code
    assert compute_uscc_check(code[:17]) == code[17]
    assert compute_org_check(code[8:16]) == code[16]


def test_weights_follow_standard():
    # GB 32100 weights are 3^(i-1) mod 31: check against the published table via a zero-sum case
    assert compute_uscc_check("00000000000000000") == "0"
    assert compute_uscc_check("10000000000000000") == CHARSET[30]  # weight 1 -> 31-1
    assert compute_uscc_check("01000000000000000") == CHARSET[28]  # weight 3 -> 31-3


def test_lowercase_and_spaces_normalized():
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_uscc("9135 0100 M000 100Y 43") == "91350100M000100Y43"


@pytest.mark.parametrize("code", ["", None, "91350100M000100Y4", "91350100M000100Y433"])
def test_wrong_length(code):
    assert error_of(code) == "统一社会信用代码应为18位"


@pytest.mark.parametrize("code,bad", [
    ("91350100M000100YI3", "I"),
    ("91350100M0O0100Y43", "O"),
    ("91350100MZ00100S43", "ZS"),
    ("91350100M000100Y4-", "-"),
])
def test_illegal_characters(code, bad):
    assert error_of(code) == f"统一社会信用代码含有非法字符：{bad}"


def test_region_part_must_be_digits():
    assert "第3-8位" in error_of("91A50100M000100Y43")


def test_bad_check_char_names_expected():
    assert error_of("91350100M000100Y4A") == "统一社会信用代码校验位错误，应为3"
    assert error_of("91110000802100433C") == "统一社会信用代码校验位错误，应为B"


def test_inner_org_check():
    # organization part with a wrong GB 11714 check char, but a consistent outer check
    first17 = "91350100M000100Y5"
    code = first17 + compute_uscc_check(first17)
    assert error_of(code) == "统一社会信用代码第9-17位（组织机构代码）校验位错误，第17位应为4"
    assert validate_uscc(code, check_org=False) == code


def test_single_char_typo_detected():
    code = "91110000802100433B"
    for i in range(17):
        for c in "0123456789ABC":
            if c != code[i]:
                assert not is_valid_uscc(code[:i] + c + code[i + 1:]), (i, c)


def test_compute_check_rejects_bad_input():
    for bad in ("", "9135010", "91350100M000100YI"):
        with pytest.raises(UsccError):
            compute_uscc_check(bad)


def test_make_uscc():
    codes = {make_uscc("330106", seq) for seq in range(0, 2000, 7)} | {make_uscc("330000", 999_999)}
    for code in codes:
        assert validate_uscc(code) == code
        assert code.startswith("91") and code[8:10] == "MA"
    assert make_uscc("330106", 1)[2:8] == "330106"
    assert len(codes) == len(range(0, 2000, 7)) + 1


@pytest.mark.parametrize("args", [("33010", 1), ("330106", -1), ("330106", 1_000_000)])
def test_make_uscc_rejects_bad_args(args):
    with pytest.raises(ValueError):
        make_uscc(*args)


def test_error_is_value_error():
    assert issubclass(UsccError, ValueError)
    assert not is_valid_uscc("91350100M000100Y44")
