"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

Layout: 1 registration authority, 2 entity type, 3-8 region (GB/T 2260), 9-17 organization
code (GB 11714: 8 body characters + check character), 18 check character.

The inner GB 11714 check is enforced by default: every real code tried (published codes of
large companies, a 民政 "12…" code, an individual-business "92…MA…" code) satisfies it, and
it catches typos in positions 9-17 the outer check could miss only by chance. Pass
check_org=False to accept codes whose organization part breaks GB 11714 (legacy data).
"""
from __future__ import annotations

import re

from app.services.errors import accepts

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_SPACES = re.compile(r"\s+")


class UsccError(ValueError):
    """Invalid code; str(e) is a Chinese message fit for the user."""


def compute_uscc_check(first17: str) -> str:
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise UsccError("统一社会信用代码前17位格式错误")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def compute_org_check(body8: str) -> str:
    """GB 11714 check character for an 8-character organization code body."""
    # GB 11714 values letters A=10 .. Z=35 (its own alphabet, not the USCC one).
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def validate_uscc(code, *, check_org: bool = True) -> str:
    """Return the normalized (uppercase, no spaces) code or raise UsccError."""
    s = _SPACES.sub("", str(code or "")).upper()
    if len(s) != 18:
        raise UsccError("统一社会信用代码应为18位")
    bad = [c for c in s if c not in _VALUE]
    if bad:
        raise UsccError(f"统一社会信用代码含有非法字符：{''.join(dict.fromkeys(bad))}")
    if not s[2:8].isdigit():
        raise UsccError("统一社会信用代码第3-8位应为6位数字的行政区划代码")
    if check_org:
        expected = compute_org_check(s[8:16])
        if s[16] != expected:
            raise UsccError(f"统一社会信用代码第9-17位（组织机构代码）校验位错误，第17位应为{expected}")
    expected = compute_uscc_check(s[:17])
    if s[17] != expected:
        raise UsccError(f"统一社会信用代码校验位错误，应为{expected}")
    return s


def is_valid_uscc(code, **kwargs) -> bool:
    """True if validate_uscc accepts the code (same keyword options)."""
    return accepts(validate_uscc, UsccError, code, **kwargs)


def make_uscc(region_code: str, seq: int) -> str:
    """A valid code for demo data: authority 9 (market regulation), type 1 (enterprise),
    organization code "MA" + 6 digits of seq + GB 11714 check."""
    if not (len(region_code) == 6 and region_code.isdigit()):
        raise ValueError(f"region_code must be 6 digits: {region_code!r}")
    if not 0 <= seq <= 999_999:
        raise ValueError(f"seq must be 0..999999: {seq}")
    body = f"MA{seq:06d}"
    first17 = f"91{region_code}{body}{compute_org_check(body)}"
    return first17 + compute_uscc_check(first17)
