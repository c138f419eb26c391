"""Reference data every deployment needs: GB/T 2260 regions and service-target categories."""
import csv
from pathlib import Path

from sqlalchemy import func

from app.models import Region, TargetCategory
from app.services import regions as region_table

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"

# docs/rules.md#service-targets: the category of a service target decides its tier and colour.
TARGET_CATEGORIES = [
    ("大专院校", 1), ("中小学校", 1), ("医院", 1), ("商业场所", 1), ("银行", 1), ("水电煤气", 1),
    ("幼儿园", 1),
    ("公安机关", 2), ("其他党政机关", 2), ("工业企业", 2), ("其他金融机构", 2),
    ("科研单位", 3), ("娱乐场所", 3), ("文体场所", 3), ("宾馆饭店", 3), ("文博单位", 3),
]


def load_reference_data(session):
    counts = {}
    if not session.query(func.count(Region.code)).scalar():
        rows = []
        with REGIONS_CSV.open(encoding="utf-8") as handle:
            for rec in csv.DictReader(handle):
                code = rec["code"]
                rows.append(dict(
                    code=code, name=rec["name"], level=region_table.level(code),
                    parent_code=region_table.parent_code(code),
                    start_year=int(rec["start_year"]) if rec["start_year"] else None,
                    end_year=int(rec["end_year"]) if rec["end_year"] else None))
        session.execute(Region.__table__.insert(), rows)
        counts["regions"] = len(rows)
    if not session.query(func.count(TargetCategory.id)).scalar():
        session.execute(TargetCategory.__table__.insert(), [
            dict(name=name, tier=tier, sort_order=i)
            for i, (name, tier) in enumerate(TARGET_CATEGORIES)])
        counts["categories"] = len(TARGET_CATEGORIES)
    session.commit()
    return counts
