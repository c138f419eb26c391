"""统计报表: the standard tables of the association and the police, for a year and a region
inside the user's scope, and their Excel file with native Excel charts (docs/dashboard.md).

Every table comes from the dashboard's newest snapshot (app.services.dashboard): staff,
持证率 and dispatches by tier per child node (city, district or unit) as on the home page;
units by kind and grade and the monthly throughput of screening and applications on the
region's own node. The region is checked against the scope first (check_region).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

import xlsxwriter
from flask_babel import gettext as _

from app.models import Region, Unit
from app.models.choices import TIERS, UNIT_KINDS
from app.security.scope import OutOfScope, Scope

from . import dashboard
from .privacy import mask_value


THROUGHPUT = ("tp_identity_opened", "tp_identity_closed", "tp_alert_raised",
              "tp_alert_closed", "tp_app_received", "tp_app_decided")


@dataclass
class Table:
    key: str
    title: str
    headers: list
    rows: list = field(default_factory=list)     # [label, n, n, …]
    chart: str = "column"                        # Excel chart type, "" for none
    chart_columns: tuple = ()                    # which value columns the chart plots


def regions_for(session, scope: Scope):
    """(code, name) a user may choose: the province's cities and districts for read-all
    scopes (not the whole country's 3,000 regions of the code table), the city and its
    districts for city police, the district for district police."""
    if scope.region_prefix:
        prefix = scope.region_prefix
    elif scope.read_all:
        prefix = dashboard.PROVINCE
    else:
        return []
    query = session.query(Region.code, Region.name).filter(
        Region.level.in_(("city", "county")), Region.end_year.is_(None),
        Region.code >= prefix, Region.code < dashboard.prefix_upper(prefix))
    return [(code[:4] if code.endswith("00") else code, name)
            for code, name in query.order_by(Region.code)]


def check_region(scope: Scope, region: str | None) -> str:
    """The region prefix the report covers: the one asked for, inside the scope (else
    OutOfScope: 404), or the scope's own."""
    region = (region or "").strip()
    if not region:
        return scope.region_prefix or dashboard.PROVINCE
    if not (region.isdigit() and len(region) in (4, 6)):
        raise OutOfScope()
    if not (scope.read_all or scope.region_prefix):
        raise OutOfScope()
    if not region.startswith(scope.region_prefix or dashboard.PROVINCE):
        raise OutOfScope()          # another city's, or (read-all) another province's
    return region


def _snapshot_children(session, snapshot, region, families):
    """{node: {(family, value): count}} of the region's children (a province: cities; a
    city: districts; a district: units) and the region itself under node None."""
    level = {2: "city", 4: "district", 6: "unit"}[len(region)]
    own = {2: "province", 4: "city", 6: "district"}[len(region)]
    out = {}
    if snapshot is None:
        return level, out
    child = (level, region + "/", region + "0") if level == "unit" else \
        (level, region, dashboard.prefix_upper(region))
    for row_level, node, family, value, count in dashboard.snapshot_rows(
            session, snapshot, [(families, *child), (families, own, region)]):
        key = None if row_level == own else node
        out.setdefault(key, {})[(family, value)] = count
    return level, out


def _child_names(session, level, nodes):
    if level == "unit":
        ids = {int(n.split("/")[1]): n for n in nodes}
        return {ids[i]: name for i, name in session.query(Unit.id, Unit.name).filter(
            Unit.id.in_(list(ids)))} if ids else {}
    codes = {n: n.ljust(6, "0") for n in nodes}
    names = dict(session.query(Region.code, Region.name).filter(
        Region.code.in_(list(codes.values())))) if codes else {}
    return {n: names.get(c, n) for n, c in codes.items()}


def build(session, scope: Scope, year: int, region: str | None = None):
    """(region prefix, snapshot, [Table]) of the report, from the dashboard's newest
    snapshot; OutOfScope for a region outside the scope or a unit user."""
    region = check_region(scope, region)
    snapshot = dashboard.latest(session)
    tables = []

    # 1. Staff and 持证率 by city / district / unit (the snapshot).
    level, children = _snapshot_children(session, snapshot, region, ["staff", "certified",
                                                                     "dispatch_tier"])
    names = _child_names(session, level, [n for n in children if n])
    staff = Table("staff", _("Staff and guard certificate rate"),
                  [_("Region or unit"), _("Active guards"), _("Active part-time guards"),
                   _("Other active staff"), _("Active students"),
                   _("Holding a valid guard certificate"), _("Certificate rate (%)")],
                  chart_columns=(1, 5))
    tiers = Table("tiers", _("Active dispatches by tier"),
                  [_("Region or unit")] + [str(spec["label"]) for spec in TIERS.values()],
                  chart_columns=(1, 2, 3))

    def staff_row(label, cells):
        guards = cells.get(("staff", "guard"), 0)
        certified = cells.get(("certified", ""), 0)
        return [label, guards, cells.get(("staff", "part_time_guard"), 0),
                cells.get(("staff", "other_staff"), 0), cells.get(("staff", "student"), 0),
                certified, round(100.0 * certified / guards, 1) if guards else None]

    for node in sorted((n for n in children if n), key=lambda n: names.get(n, n)):
        staff.rows.append(staff_row(names.get(node, node), children[node]))
        tiers.rows.append([names.get(node, node)] + [children[node].get(
            ("dispatch_tier", str(t)), 0) for t in TIERS])
    total = children.get(None, {})
    staff.rows.append(staff_row(_("Total"), total))
    tiers.rows.append([_("Total")] + [total.get(("dispatch_tier", str(t)), 0) for t in TIERS])
    tables += [staff, tiers]

    # 2. Units by kind and grade (rows: kinds; columns: grades), active units.
    _level, region_rows = _snapshot_children(session, snapshot, region, [
        "unit_grade", *THROUGHPUT])
    own = region_rows.get(None, {})
    counts = {tuple(value.split("/", 1)): n for (family, value), n in own.items()
              if family == "unit_grade"}
    grades = sorted({g for _k, g in counts})
    units = Table("units", _("Units by kind and grade"),
                  [_("Unit kind")] + [g or _("No grade") for g in grades] + [_("Total")],
                  chart_columns=tuple(range(1, len(grades) + 1)))
    for kind, label in UNIT_KINDS.items():
        row = [counts.get((kind, g), 0) for g in grades]
        units.rows.append([str(label)] + row + [sum(row)])
    tables.append(units)

    # 3. Screening and applications per quarter of the year (by month in the snapshot).
    quarters = Table("throughput", _("Screening and applications per quarter"),
                     [_("Quarter")] + [str(dashboard.REPORT_FAMILIES[f].title)
                                       for f in THROUGHPUT],
                     chart_columns=tuple(range(1, len(THROUGHPUT) + 1)))
    series = [[sum(own.get((family, f"{year:04d}-{month:02d}"), 0)
                   for month in range(3 * q + 1, 3 * q + 4)) for q in range(4)]
              for family in THROUGHPUT]
    for q in range(4):
        quarters.rows.append([f"{year} Q{q + 1}"] + [s[q] for s in series])
    quarters.rows.append([_("Total")] + [sum(s) for s in series])
    tables.append(quarters)
    return region, snapshot, tables


def write_xlsx(tables, title: str, mask: bool, directory=None) -> tuple[str, int]:
    """The report as an .xlsx file, one sheet per table with a native Excel chart beside
    it; (path, rows written). With `mask` every text cell goes through the one masking of
    app.services.privacy, as every export (there are no ID numbers in a report, but the
    rule is the export's, not the report's)."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", dir=directory)
    os.close(fd)
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    count = 0
    text = (lambda v: mask_value(str(v))) if mask else str
    for index, table in enumerate(tables, 1):
        sheet = book.add_worksheet(f"{index}-{table.title}"[:31])
        sheet.write_string(0, 0, text(title))
        for col, header in enumerate(table.headers):
            sheet.write_string(1, col, text(header), bold)
        for r, row in enumerate(table.rows, 2):
            count += 1
            for col, value in enumerate(row):
                if isinstance(value, (int, float)):
                    sheet.write_number(r, col, value)
                elif value is None:
                    sheet.write_blank(r, col, None)
                else:
                    sheet.write_string(r, col, text(value))
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, len(table.headers), 14)
        data_rows = len(table.rows) - 1          # the total row stays out of the chart
        if table.chart and table.chart_columns and data_rows > 0:
            chart = book.add_chart({"type": table.chart})
            for col in table.chart_columns:
                chart.add_series({"name": [sheet.name, 1, col],
                                  "categories": [sheet.name, 2, 0, 1 + data_rows, 0],
                                  "values": [sheet.name, 2, col, 1 + data_rows, col]})
            chart.set_title({"name": text(table.title)})
            chart.set_legend({"position": "bottom"})
            sheet.insert_chart(1, len(table.headers) + 1, chart)
    book.close()
    return path, count
