"""Privacy by value: for a scope that masks ID numbers (the association), every identity
number leaving the server is masked, whatever field, page or format carries it.

Masking by column (`id_number`) missed the same number elsewhere: a driving licence's
number is the holder's ID number, a natural-person investor's identifier, an applicant's form
data, change-log values, free text. So the decision is taken here, once, on the value:

- `mask_identity_values(text)` masks every ID-shaped number in a text;
- the one response hook (app/web/display.py, installed by create_app) applies it to every
  text or JSON body for a masking scope (pages, lazily loaded tabs, REST, lookups, search
  results, error pages);
- Excel exports are zipped, so `app.services.export.write_xlsx(..., mask=True)` applies the
  same function (`mask_value`) to every cell.

What counts as an identity number (GB 11643): 18 characters, 17 digits and a digit or X,
whose first two digits are a province code and whose characters 7–14 are a birth date
(1900 … today); the check digit is not required, since a mistyped number identifies the
person as well. The old 15-digit form (issued until 1999, no check digit) needs a region
code that ever existed and a birth year 1920–1999, which keeps zero-padded registration
numbers (e.g. 330100000123456) out. Phone numbers (11 digits), unified social credit codes
(letters, or "91…"/"92…" which are no province) and licence numbers do not qualify.
"""
from __future__ import annotations

import functools
import re
from datetime import date

from app.services import regions
from app.services.idnumber import mask_id_number

# A maximal run of 15 or more digits (and a final X): tested as a whole, so a number inside
# a longer run of digits is never taken for an ID. Any script's digits (a full-width
# "３３０１…" typed with a Chinese input method is the same number).
_CANDIDATE = re.compile(r"\d{15,}[Xx]?")
_HEX = frozenset("0123456789abcdefABCDEF")


def _plausible_date(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return born <= date.today()


@functools.cache
def _provinces() -> frozenset:
    return frozenset(r.code[:2] for r in regions.all_regions() if r.code.endswith("0000"))


def is_identity_number(value: str) -> bool:
    """Whether a bare 18- or 15-character value looks like a resident ID number."""
    if not value[:15].isdigit():
        return False
    if not value.isascii():  # full-width (or other scripts') digits
        value = "".join(str(int(c)) if c.isdigit() else c for c in value)
    if len(value) == 18:
        if not value[15:17].isdigit() or not (value[17].isdigit() or value[17] in "Xx"):
            return False
        if value[:2] not in _provinces():
            return False
        year = int(value[6:10])
        return year >= 1900 and _plausible_date(year, int(value[10:12]), int(value[12:14]))
    if len(value) == 15 and value.isdigit():
        if regions.lookup(value[:6]) is None:
            return False
        year = 1900 + int(value[6:8])
        return year >= 1920 and _plausible_date(year, int(value[8:10]), int(value[10:12]))
    return False


def _escape_digits(text: str, start: int) -> int:
    """How many digits at `start` end a JSON \\uXXXX escape: Flask writes non-ASCII as
    \\uXXXX, so "号" + number arrives as "\\u53f7" + number, one run of digits."""
    for k in range(1, 5):
        head = start - 6 + k
        if head >= 0 and text[head:head + 2] == "\\u" and \
                all(c in _HEX for c in text[head + 2:start]):
            return k
    return 0


def _replace(match) -> str:
    run = match.group(0)
    if len(run) in (15, 18) and is_identity_number(run):
        return mask_id_number(run)
    skip = _escape_digits(match.string, match.start())
    value = run[skip:]
    if skip and len(value) in (15, 18) and is_identity_number(value):
        return run[:skip] + mask_id_number(value)
    return run


def mask_identity_values(text: str) -> str:
    """The text with every identity number in it masked (mask_id_number's format)."""
    if not text or len(text) < 15:
        return text
    return _CANDIDATE.sub(_replace, text)


def mask_value(value):
    """One exported cell: strings are masked; a big integer (an ID number typed into a
    number field) is checked as text."""
    if isinstance(value, str):
        return mask_identity_values(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10 ** 14:
        text = str(value)
        masked = mask_identity_values(text)
        return masked if masked != text else value
    return value


def mask_name(name) -> str:
    """A person's name as public pages show it: the first and last character, the rest
    starred (张*三, 欧**明; a two-character name keeps its first: 张*; one character: *)."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
