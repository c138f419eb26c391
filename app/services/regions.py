"""GB/T 2260 region codes (province/city/county), current and historical.

Data: seed/data/regions.csv, built by seed/build_regions.py. Loaded once, on first use.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

CSV_PATH = Path(__file__).resolve().parents[2] / "seed/data/regions.csv"
ABOLISHED_SUFFIX = "（已撤销）"

# City-level codes that are bookkeeping groups, not places: left out of full names and
# skipped as parents (110101 东城区 is 北京市东城区, not 北京市市辖区东城区).
_PLACEHOLDERS = frozenset({
    "市辖区", "县", "市", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖行政单位",
    "省直辖县级行政区划", "自治区直辖县级行政区划",
})


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    start_year: int | None
    end_year: int | None  # None: still current

    @property
    def abolished(self) -> bool:
        return self.end_year is not None

    @property
    def display_name(self) -> str:
        return self.name + ABOLISHED_SUFFIX if self.abolished else self.name


_cache: dict[str, RegionInfo] | None = None


def _regions() -> dict[str, RegionInfo]:
    global _cache
    if _cache is None:
        with CSV_PATH.open(encoding="utf-8", newline="") as f:
            _cache = {
                r["code"]: RegionInfo(
                    r["code"], r["name"],
                    int(r["start_year"]) if r["start_year"] else None,
                    int(r["end_year"]) if r["end_year"] else None,
                )
                for r in csv.DictReader(f)
            }
    return _cache


def _norm(code) -> str | None:
    code = str(code or "").strip()
    return code if len(code) == 6 and code.isdigit() else None


def lookup(code) -> RegionInfo | None:
    code = _norm(code)
    return _regions().get(code) if code else None


def level(code) -> str | None:
    """"province" (XX0000), "city" (XXXX00) or "county"; None for a malformed code."""
    code = _norm(code)
    if not code:
        return None
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def parent_code(code) -> str | None:
    """Province for a city; city for a county if it is a real place, else the province."""
    lv, code = level(code), _norm(code)
    if lv is None or lv == "province":
        return None
    city = code[:4] + "00"
    if lv == "county":
        info = lookup(city)
        if info and info.name not in _PLACEHOLDERS:
            return city
    return code[:2] + "0000"


def full_name(code) -> str | None:
    """E.g. 330102 -> 浙江省杭州市上城区. Missing parts are skipped; abolished parts keep
    their last name (no suffix here). None if the code itself is unknown."""
    code = _norm(code)
    if not code or code not in _regions():
        return None
    parts = [code[:2] + "0000", code[:4] + "00", code]
    names, seen = [], set()
    for i, p in enumerate(parts):
        info = _regions().get(p)
        if p in seen or info is None:
            continue
        seen.add(p)
        if i == 1 and p != code and info.name in _PLACEHOLDERS:
            continue
        names.append(info.name)
    return "".join(names)


def all_regions() -> Iterator[RegionInfo]:
    return iter(_regions().values())
