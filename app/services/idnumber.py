"""Resident ID numbers (公民身份号码, GB 11643-1999): parse, validate, mask, generate.

Region lookup is lenient (docs/stack-notes.md, "Region codes and ID numbers"): a code that
ever existed is valid, an abolished one is shown with "（已撤销）", an unknown county in a
known province only warns; a bad length, character, check digit or date is an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.services import regions
from app.services.errors import accepts

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: index = weighted sum mod 11
_SPACES = re.compile(r"\s+")
MIN_BIRTH_YEAR = 1900


class IdNumberError(ValueError):
    """Invalid ID number; str(e) is a Chinese message fit for the user."""


@dataclass(frozen=True)
class IdInfo:
    number: str  # normalized 18 characters, uppercase X
    birth_date: date
    gender: str  # "male" | "female"
    gender_zh: str  # "男" | "女"
    region_code: str
    region_name: str  # full name, "（已撤销）" appended when the code is abolished
    region_known: bool
    warnings: tuple[str, ...] = ()

    def age(self, on: date | None = None) -> int:
        """Completed years on `on` (default today). A 29 Feb birthday counts from 1 Mar
        in common years."""
        on = on or date.today()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _normalize(value) -> str:
    return _SPACES.sub("", str(value or "")).upper()


def compute_check_digit(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise IdNumberError("身份证号码前17位应为数字")
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def parse_id_number(value: str, *, today: date | None = None, strict_region: bool = False,
                    allow_15: bool = True) -> IdInfo:
    today = today or date.today()
    s = _normalize(value)
    warnings: list[str] = []
    if len(s) not in (15, 18):
        raise IdNumberError("身份证号码应为18位（或15位旧号码）")
    if not (s.isdigit() or (len(s) == 18 and s[:17].isdigit() and s[17] == "X")):
        raise IdNumberError("身份证号码只能包含数字，最后一位可为X")
    if len(s) == 15:
        if not allow_15:
            raise IdNumberError("15位旧身份证号码已停用，请输入18位号码")
        # 15-digit numbers (issued before 1999) carry YYMMDD for people born in 19xx
        # and no check digit.
        old, body = s, s[:6] + "19" + s[6:]
        s = body + compute_check_digit(body)
        warnings.append(f"15位旧号码已升级为18位：{old} → {s}")
    else:
        expected = compute_check_digit(s[:17])
        if s[17] != expected:
            raise IdNumberError(f"身份证号码校验位错误，应为{expected}")

    ymd = s[6:14]
    try:
        birth = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        raise IdNumberError(f"出生日期无效：{ymd}") from None
    if birth.year < MIN_BIRTH_YEAR:
        raise IdNumberError(f"出生日期无效：{ymd}（不能早于{MIN_BIRTH_YEAR}年）")
    if birth > today:
        raise IdNumberError("出生日期不能晚于今天")

    code = s[:6]
    if regions.lookup(code[:2] + "0000") is None:  # no such province: never a real number
        raise IdNumberError(f"地区代码{code}不存在")
    info = regions.lookup(code)
    if info is None:
        if strict_region:
            raise IdNumberError(f"地区代码{code}不存在")
        warnings.append(f"地区代码{code}未在行政区划表中找到")
        # Best effort: name the nearest known parent (city, else province).
        region_name = regions.full_name(code[:4] + "00") or regions.full_name(code[:2] + "0000")
    else:
        region_name = regions.full_name(code) + (regions.ABOLISHED_SUFFIX if info.abolished else "")

    male = int(s[16]) % 2 == 1
    return IdInfo(
        number=s, birth_date=birth,
        gender="male" if male else "female", gender_zh="男" if male else "女",
        region_code=code, region_name=region_name, region_known=info is not None,
        warnings=tuple(warnings),
    )


def is_valid(value, **kwargs) -> bool:
    """True if parse_id_number accepts the value (same keyword options)."""
    return accepts(parse_id_number, IdNumberError, value, **kwargs)


def mask_id_number(value) -> str:
    """Keep the first 3 and last 4 characters: 330***********123X. Short values
    (7 characters or fewer) are masked entirely; None gives ""."""
    s = _normalize(value)
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def make_id_number(region_code: str, birth_date: date, seq: int, gender: str) -> str:
    """A valid 18-digit number, e.g. for demo data. seq 0..499 picks the 3-digit
    sequence code 2*seq+1 (male) or 2*seq (female): its parity encodes the gender."""
    if not (len(region_code) == 6 and region_code.isdigit()):
        raise ValueError(f"region_code must be 6 digits: {region_code!r}")
    if not 0 <= seq <= 499:
        raise ValueError(f"seq must be 0..499: {seq}")
    if gender not in ("male", "female", "男", "女"):
        raise ValueError(f"gender must be male/female: {gender!r}")
    order = 2 * seq + (1 if gender in ("male", "男") else 0)
    body = f"{region_code}{birth_date:%Y%m%d}{order:03d}"
    return body + compute_check_digit(body)
