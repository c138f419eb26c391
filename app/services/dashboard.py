"""统计分析: the figures of a user's scope and the list filter behind each one.

Every figure is a *family* (what is counted: a model and its base conditions) split by one
value (a kind, a role, a tier, a waiting band, a month) and grouped by the area of the
scope's breakdown (the province by city, a city by district, a district or a unit user by
unit). A figure is addressed by `family:value` and an area; `drill_clause` gives the very
conditions that produced it, so the list a figure links to counts exactly the figure
(docs/dashboard.md). The counts of the whole province are taken by `refresh` (a job, or the
first dashboard after the snapshot grew older than DASHBOARD_MAX_AGE_MINUTES) into
stat_count per jurisdiction node — province, city, district, unit — in one transaction;
a dashboard reads the rows of its scope's nodes, a few hundred, and shows 截至 (taken_at).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from app.models import (Application, BackgroundAlert, Certificate, ConductRecord, Dispatch,
                        Employment, IdentityCheck, Incident, Region, Service, ServiceTarget,
                        TargetCategory, Unit)
from app.models.application import STATUS_LABELS as APPLICATION_STATUS_LABELS
from app.models.base import utcnow
from app.models.choices import EMPLOYMENT_ROLES, TIERS, UNIT_KINDS, UNIT_STATUSES
from app.security.scope import Scope, scope_clause

from . import application_items, screening
from .applications import OPEN_STATUSES, deadline

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ the breakdown

PROVINCE = "33"          # the province's region code: the read-all scopes' root node

def breakdown(scope: Scope) -> str:
    """How the scope's figures are split: 'city', 'district' or 'unit'."""
    if scope.read_all:
        return "city"
    if scope.region_prefix and len(scope.region_prefix) == 4:
        return "district"
    return "unit"


def prefix_upper(prefix):
    """The first text past every text starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix_range(column, prefix):
    return and_(column >= prefix, column < prefix_upper(prefix))


# ------------------------------------------------------------------ working-day bands

def working_day_cutoff(today: dt.date, days: int) -> dt.date:
    """The earliest date from which at most `days` working days have passed by `today`."""
    day = today
    while application_items.working_days_between(day - dt.timedelta(days=1), today) <= days:
        day -= dt.timedelta(days=1)
    return day


WAIT_BANDS = {"w0_3": _l("0–3 working days"), "w4_10": _l("4–10 working days"),
              "w11": _l("More than 10 working days")}


def _wait_band(column, ctx):
    start3 = dt.datetime.combine(working_day_cutoff(ctx.today, 3), dt.time())
    start10 = dt.datetime.combine(working_day_cutoff(ctx.today, 10), dt.time())
    return case((column >= start3, "w0_3"), (column >= start10, "w4_10"), else_="w11")


# ------------------------------------------------------------------ families

@dataclass
class Context:
    """What a family's conditions may depend on: the day, the scope, the session."""
    session: object
    scope: Scope
    today: dt.date
    memo: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Family:
    key: str
    title: object
    model: type
    endpoint: str                        # the list a figure of the family opens
    where: object = None                 # ctx -> [conditions]
    split: object = None                 # ctx -> SQL expression of the value (None: one)
    values: object = None                # ctx -> {value: label}, in display order
    joins: tuple = ()                    # (model, onclause) the split needs
    unit_column: str = "unit_id"         # how a row meets the area
    region_column: str | None = None     # a row filed with a jurisdiction (applications)
    month_column: str | None = None      # a trend: split by month of this column
    by_area: bool = True
    region_only: bool = False            # counted on jurisdictions only, not per unit

    def conditions(self, ctx):
        return list(self.where(ctx)) if self.where else []


def _certified_people(ctx):
    """People holding a 保安员证 valid today."""
    return select(Certificate.person_id).where(
        Certificate.kind == "guard", Certificate.status == "valid",
        or_(Certificate.expires_on.is_(None), Certificate.expires_on >= ctx.today))


def _active_guard(ctx):
    return [Employment.role == "guard", Employment.end_date.is_(None)]


_TIER_JOINS = ((Service, Service.id == Dispatch.service_id),
               (ServiceTarget, ServiceTarget.id == Service.target_id),
               (TargetCategory, TargetCategory.id == ServiceTarget.category_id))

ACTIONABLE_CASES = ("failed", "returned", "police_review")


def _served_tier1(ctx):
    services = select(Service.target_id).where(Service.status == "active",
                                               scope_clause(Service, ctx.scope))
    tier1 = select(TargetCategory.id).where(TargetCategory.tier == 1)
    return [ServiceTarget.id.in_(services), ServiceTarget.category_id.in_(tier1)]


def _open_application_ids(ctx):
    """{'overdue': ids, 'due_soon': ids} of the scope's open applications (the statutory
    clock is counted in working days, app.services.applications.deadline)."""
    if "deadlines" not in ctx.memo:
        rows = ctx.session.query(Application).filter(
            scope_clause(Application, ctx.scope), Application.status.in_(OPEN_STATUSES),
            Application.clock_started_on.isnot(None)).all()
        bands = {"overdue": [], "due_soon": []}
        for app in rows:
            _due, left = deadline(app, ctx.today)
            if left is not None and left < 0:
                bands["overdue"].append(app.id)
            elif left is not None and left <= 3:
                bands["due_soon"].append(app.id)
        ctx.memo["deadlines"] = bands
    return ctx.memo["deadlines"]


def _deadline_band(ctx):
    bands = _open_application_ids(ctx)
    return case((Application.id.in_(bands["overdue"] or [-1]), "overdue"),
                (Application.id.in_(bands["due_soon"] or [-1]), "due_soon"), else_="in_time")


def _months(ctx, count=12):
    """The last `count` months, oldest first, as 'YYYY-MM'."""
    year, month = ctx.today.year, ctx.today.month
    out = []
    for _i in range(count):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return {m: m for m in reversed(out)}


def _month_start(value: str) -> dt.date:
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


def _month_end(value: str) -> dt.date:
    start = _month_start(value)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class _Labels:
    """Fixed labels of a family's values (lazy strings): translated once per language."""
    fixed = True

    def __init__(self, mapping):
        self.mapping = mapping

    def __call__(self, ctx):
        return self.mapping


_labels = _Labels


def _categories(ctx):
    if "categories" not in ctx.memo:
        ctx.memo["categories"] = {str(c.id): c for c in ctx.session.query(TargetCategory)
                                  .order_by(TargetCategory.tier, TargetCategory.sort_order,
                                            TargetCategory.name)}
    return {key: c.name for key, c in ctx.memo["categories"].items()}


STAFF_ROLES = ("guard", "part_time_guard", "other_staff", "student")
TIER_WORDS = {str(tier): spec["label"] for tier, spec in TIERS.items()}
TIER_COLOURS = {str(tier): spec["colour"] for tier, spec in TIERS.items()}

FAMILIES = {f.key: f for f in (
    Family("unit_kind", _l("Units by kind"), Unit, "UnitView", unit_column="id",
           split=lambda ctx: Unit.kind, values=_labels(UNIT_KINDS)),
    Family("unit_status", _l("Units by status"), Unit, "UnitView", unit_column="id",
           split=lambda ctx: Unit.status, values=_labels(UNIT_STATUSES)),
    Family("staff", _l("Active staff"), Employment, "EmploymentView",
           where=lambda ctx: [Employment.end_date.is_(None)],
           split=lambda ctx: Employment.role,
           values=_labels({r: EMPLOYMENT_ROLES[r] for r in STAFF_ROLES})),
    Family("certified", _l("Active guards holding a valid guard certificate"), Employment,
           "EmploymentView",
           where=lambda ctx: _active_guard(ctx) + [Employment.person_id.in_(
               _certified_people(ctx))]),
    Family("uncertified_dispatched", _l("Guards dispatched without a valid guard certificate"),
           Dispatch, "DispatchView",
           where=lambda ctx: [Dispatch.end_date.is_(None),
                              Dispatch.person_id.notin_(_certified_people(ctx))]),
    Family("dispatch_tier", _l("Active dispatches by tier"), Dispatch, "DispatchView",
           where=lambda ctx: [Dispatch.end_date.is_(None)],
           split=lambda ctx: TargetCategory.tier, joins=_TIER_JOINS,
           values=_labels(TIER_WORDS)),
    Family("dispatch_category", _l("Active dispatches by target category"), Dispatch,
           "DispatchView", where=lambda ctx: [Dispatch.end_date.is_(None)],
           split=lambda ctx: TargetCategory.id, joins=_TIER_JOINS, values=_categories,
           by_area=False),
    Family("tier1_targets", _l("Tier-1 targets served"), ServiceTarget, "ServiceTargetView",
           where=_served_tier1, by_area=False, unit_column=None),
    Family("identity_who", _l("Open identity cases by who must act"), IdentityCheck,
           "IdentityCheckView",
           where=lambda ctx: [IdentityCheck.state.in_(ACTIONABLE_CASES)],
           split=lambda ctx: case((IdentityCheck.state == "police_review", "police"),
                                  else_="unit"),
           values=_labels({"unit": _l("Unit"), "police": _l("Police")})),
    Family("identity_wait", _l("Open identity cases by waiting time"), IdentityCheck,
           "IdentityCheckView",
           where=lambda ctx: [IdentityCheck.state.in_(ACTIONABLE_CASES)],
           split=lambda ctx: _wait_band(IdentityCheck.waiting_since, ctx),
           values=_labels(WAIT_BANDS)),
    Family("alert_who", _l("Open background alerts by who must act"), BackgroundAlert,
           "BackgroundAlertView", where=lambda ctx: [BackgroundAlert.state == "open"],
           split=lambda ctx: BackgroundAlert.kind,
           values=_labels({"unit_attention": _l("Unit"), "police": _l("Police")})),
    Family("alert_wait", _l("Open background alerts by waiting time"), BackgroundAlert,
           "BackgroundAlertView", where=lambda ctx: [BackgroundAlert.state == "open"],
           split=lambda ctx: _wait_band(BackgroundAlert.waiting_since, ctx),
           values=_labels(WAIT_BANDS)),
    Family("background_pending", _l("Background checks pending"), IdentityCheck,
           "BackgroundPendingView", where=lambda ctx: list(screening.background_waiting()),
           by_area=False),
    Family("app_item", _l("Open applications by item"), Application, "ApplicationView",
           where=lambda ctx: [Application.status.in_(OPEN_STATUSES)],
           split=lambda ctx: Application.item, region_column="region_code", by_area=False,
           # The items are settings data (titles editable in the console): read each time,
           # never at import (a fresh database has no settings table yet).
           values=lambda ctx: {code: item.title for code, item
                               in application_items.ITEMS.items()}),
    Family("app_status", _l("Open applications by state"), Application, "ApplicationView",
           where=lambda ctx: [Application.status.in_(OPEN_STATUSES)],
           split=lambda ctx: Application.status, region_column="region_code", by_area=False,
           values=_labels({s: APPLICATION_STATUS_LABELS[s] for s in OPEN_STATUSES})),
    Family("app_deadline", _l("Open applications by statutory deadline"), Application,
           "ApplicationView", where=lambda ctx: [Application.status.in_(OPEN_STATUSES)],
           split=_deadline_band, region_column="region_code",
           values=_labels({"due_soon": _l("Due within 3 working days"),
                           "overdue": _l("Past the deadline")})),
    # Trends: the last 12 months (no breakdown by area).
    Family("trend_hired", _l("Staff hired"), Employment, "EmploymentView",
           month_column="start_date", values=_months, by_area=False),
    Family("trend_left", _l("Staff who left"), Employment, "EmploymentView",
           month_column="end_date", values=_months, by_area=False),
    Family("trend_dispatched", _l("Dispatches started"), Dispatch, "DispatchView",
           month_column="start_date", values=_months, by_area=False),
    Family("trend_received", _l("Applications received"), Application, "ApplicationView",
           month_column="submitted_at", values=_months, by_area=False,
           region_column="region_code"),
    Family("trend_decided", _l("Applications decided"), Application, "ApplicationView",
           month_column="decided_at", values=_months, by_area=False,
           region_column="region_code"),
    Family("trend_incidents", _l("Incidents"), Incident, "IncidentView",
           month_column="occurred_on", values=_months, by_area=False),
    # Violations of units (a person's own record without a unit counts on no unit's node).
    Family("trend_violations", _l("Violations and penalties"), ConductRecord,
           "ConductRecordView", where=lambda ctx: [ConductRecord.kind == "violation",
                                                   ConductRecord.unit_id.isnot(None)],
           month_column="occurred_on", values=_months, by_area=False),
)}
TREND_FAMILIES = tuple(k for k in FAMILIES if k.startswith("trend_"))


def _five_years(ctx):
    return _months(ctx, 60)


# 统计报表 (app.services.reports): throughput per month over five years and units by kind and
# grade, counted on the jurisdictions only (per unit they would be most of the snapshot).
REPORT_FAMILIES = {f.key: f for f in (
    Family("tp_identity_opened", _l("Identity cases opened"), IdentityCheck,
           "IdentityCheckView", month_column="created_at", values=_five_years,
           by_area=False, region_only=True),
    Family("tp_identity_closed", _l("Identity cases closed"), IdentityCheck,
           "IdentityCheckView", month_column="closed_at", values=_five_years,
           by_area=False, region_only=True),
    Family("tp_alert_raised", _l("Background alerts raised"), BackgroundAlert,
           "BackgroundAlertView", month_column="created_at", values=_five_years,
           by_area=False, region_only=True),
    Family("tp_alert_closed", _l("Background alerts closed"), BackgroundAlert,
           "BackgroundAlertView", month_column="closed_at", values=_five_years,
           by_area=False, region_only=True),
    Family("tp_app_received", _l("Applications received"), Application, "ApplicationView",
           month_column="submitted_at", region_column="region_code", values=_five_years,
           by_area=False, region_only=True),
    Family("tp_app_decided", _l("Applications decided"), Application, "ApplicationView",
           month_column="decided_at", region_column="region_code", values=_five_years,
           by_area=False, region_only=True),
    Family("unit_grade", _l("Units by kind and grade"), Unit, "UnitView", unit_column="id",
           where=lambda ctx: [Unit.status == "active"],
           split=lambda ctx: Unit.kind + literal("/") + func.coalesce(Unit.grade, ""),
           values=lambda ctx: {}, by_area=False, region_only=True),
)}
ALL_FAMILIES = {**FAMILIES, **REPORT_FAMILIES}


# ------------------------------------------------------------------ clauses

def _month_clause(column, value):
    start, end = _month_start(value), _month_end(value)
    if column.type.python_type is dt.datetime:
        start, end = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())
    return and_(column >= start, column < end)


def _value_clause(family: Family, ctx, value):
    if family.month_column:
        try:
            return _month_clause(getattr(family.model, family.month_column), value)
        except (ValueError, AttributeError):
            return false()
    if family.split is None:
        return None
    split = family.split(ctx)
    try:
        typed = split.type.python_type
    except NotImplementedError:
        typed = str
    if typed is int:                # a tier, a category id: typed for PostgreSQL
        try:
            value = int(value)
        except ValueError:
            return false()
    if family.joins:
        inner = select(family.model.id)
        for target, onclause in family.joins:
            inner = inner.join(target, onclause)
        return family.model.id.in_(inner.where(split == value))
    return split == value


def _area_clause(family: Family, area: str):
    """Rows of the area: 'u<id>' a unit, digits a region prefix (city 4, district 6)."""
    if family.unit_column is None:
        return None          # not counted by unit: the family's own scope conditions hold
    unit_column = getattr(family.model, family.unit_column)
    if area.startswith("u") and area[1:].isdigit():
        return unit_column == int(area[1:])
    if area.isdigit() and len(area) in (2, 4, 6):
        if family.region_column:
            return _prefix_range(getattr(family.model, family.region_column), area)
        if family.model is Unit:
            return _prefix_range(Unit.region_code, area)
        return unit_column.in_(select(Unit.id).where(_prefix_range(Unit.region_code, area)))
    return false()


def drill_clause(session, scope: Scope, model, figure: str, area: str | None,
                 today: dt.date | None = None):
    """The conditions of the figure `figure` ('family:value') in `area` (None: the whole
    scope) over `model`; false() when the figure is not one of `model`'s, so a mistyped
    address never shows more than the figure. The list adds the scope itself."""
    name, _sep, value = (figure or "").partition(":")
    family = FAMILIES.get(name)
    if family is None or family.model is not model:
        return false()
    ctx = Context(session, scope, today or dt.date.today())
    clauses = family.conditions(ctx)
    if value or family.split is not None or family.month_column:
        if family.split is not None and value not in {str(v) for v in family.values(ctx)}:
            return false()
        if family.split is None and not family.month_column:
            return false()               # a value for a figure that has none
        clause = _value_clause(family, ctx, value)
        if clause is not None:
            clauses.append(clause)
    if area:
        clause = _area_clause(family, area)
        if clause is not None:
            clauses.append(clause)
    return and_(*clauses) if clauses else literal(True)


# ------------------------------------------------------------------ the snapshot

def _month_expr(column, dialect):
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _family_rows(ctx: Context, family: Family):
    """(unit id, region code of the row or None, value, count) of the whole province."""
    session = ctx.session
    region = getattr(family.model, family.region_column) if family.region_column else None
    columns = [getattr(family.model, family.unit_column)] + ([region] if region is not None
                                                            else [])
    conditions = family.conditions(ctx)
    if family.month_column:
        column = getattr(family.model, family.month_column)
        months = list(family.values(ctx))
        conditions += [_month_clause(column, months[0]).clauses[0],
                       _month_clause(column, months[-1]).clauses[1]]
        split = _month_expr(column, session.get_bind().dialect.name)
    else:
        split = family.split(ctx) if family.split is not None else None
    if split is not None:
        columns.append(split)
    query = select(*columns, func.count()).select_from(family.model)
    for target, onclause in family.joins:
        query = query.join(target, onclause)
    for row in session.execute(query.where(*conditions).group_by(*columns)):
        row = list(row)
        unit_id = row.pop(0)
        row_region = row.pop(0) if region is not None else None
        value = row.pop(0) if split is not None else None
        yield unit_id, row_region, value, row[0]


def _nodes(region, unit_id, unit_region, by_region):
    """The jurisdiction nodes a row counts in: province, city, district (by the row's own
    region when it is filed with one, else its unit's), and its unit."""
    out = []
    code = (region if by_region else None) or unit_region.get(unit_id)
    if code:
        out += [("province", code[:2]), ("city", code[:4]), ("district", code[:6])]
    if unit_id is not None and unit_region.get(unit_id):
        out.append(("unit", f"{unit_region[unit_id]}/{unit_id}"))
    return out


def compute(session, today: dt.date) -> dict:
    """{(level, node, family, value): count} of the whole province, as of `today`."""
    from app.security.scope import SYSTEM
    ctx = Context(session, SYSTEM, today)
    unit_region = dict(session.query(Unit.id, Unit.region_code))
    counts = {}
    for key, family in ALL_FAMILIES.items():
        if key == "tier1_targets":
            continue
        for unit_id, region, value, count in _family_rows(ctx, family):
            value = "" if value is None else str(value)
            for level, node in _nodes(region, unit_id, unit_region,
                                      family.region_column is not None):
                if level == "unit" and family.region_only:
                    continue
                index = (level, node, key, value)
                counts[index] = counts.get(index, 0) + count
    # 一级目标: distinct targets, so per node a set (a target may serve several units).
    tier1 = select(TargetCategory.id).where(TargetCategory.tier == 1)
    served = {}
    for unit_id, target_id in session.execute(
            select(Service.unit_id, Service.target_id).distinct().join(
                ServiceTarget, ServiceTarget.id == Service.target_id).where(
                Service.status == "active", ServiceTarget.category_id.in_(tier1))):
        for level, node in _nodes(None, unit_id, unit_region, False):
            served.setdefault((level, node), set()).add(target_id)
    for (level, node), targets in served.items():
        counts[(level, node, "tier1_targets", "")] = len(targets)
    return counts


def refresh(session, now: dt.datetime | None = None):
    """Take a new snapshot (in the caller's transaction) and drop all but it and the one
    before: readers keep reading the previous one until the transaction commits, and a page
    that found the previous one just before still finds its rows (never a half-read)."""
    from app.models import StatCount, StatSnapshot
    now = now or utcnow()
    counts = compute(session, now.date())
    snapshot = StatSnapshot(taken_at=now, today=now.date())
    session.add(snapshot)
    session.flush()
    rows = [dict(snapshot_id=snapshot.id, level=level, node=node, family=family, value=value,
                 count=count) for (level, node, family, value), count in counts.items()]
    if rows:  # an empty database has no figures (an empty executemany inserts one blank row)
        session.execute(StatCount.__table__.insert(), rows)
    older = [i for (i,) in session.query(StatSnapshot.id).filter(
        StatSnapshot.id < snapshot.id).order_by(StatSnapshot.id.desc()).offset(1)]
    if older:
        session.execute(StatCount.__table__.delete().where(
            StatCount.snapshot_id.in_(older)))
        session.query(StatSnapshot).filter(StatSnapshot.id.in_(older)).delete(
            synchronize_session=False)
    return snapshot


# A claim older than this is a lost worker's: the next caller takes it over (a refresh takes
# about 10 s at 300,000 people, docs/dashboard.md).
CLAIM_EXPIRES = dt.timedelta(minutes=15)
REFRESH_LOCK = "dashboard"


def claim_refresh(engine, now: dt.datetime | None = None) -> bool:
    """Claim the one refresh: True for exactly one caller until `release_refresh` (or until
    the claim expires). Committed at once on a connection of its own, so that concurrent
    requests and workers see it; one conditional UPDATE decides (no read-then-write race)."""
    from app.models import StatRefresh
    table = StatRefresh.__table__
    now = now or utcnow()
    with engine.begin() as conn:
        won = conn.execute(table.update().where(
            table.c.name == REFRESH_LOCK,
            or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - CLAIM_EXPIRES))
            .values(claimed_at=now)).rowcount
        if won or conn.execute(select(table.c.name).where(
                table.c.name == REFRESH_LOCK)).first() is not None:
            return bool(won)
    try:    # no lock row yet (a database created without the migration's row)
        with engine.begin() as conn:
            conn.execute(table.insert().values(name=REFRESH_LOCK, claimed_at=now))
        return True
    except IntegrityError:
        return False


def release_refresh(engine) -> None:
    from app.models import StatRefresh
    table = StatRefresh.__table__
    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.name == REFRESH_LOCK).values(
            claimed_at=None))


def refresh_once(engine, claimed: bool = False):
    """Take a snapshot in a session of its own unless another refresh runs (then None): the
    beat task, `flask dashboard-refresh` and a stale home page all come here. `claimed`: the
    caller already holds the claim (a home page that enqueued the task)."""
    from sqlalchemy.orm import Session
    if not claimed and not claim_refresh(engine):
        return None
    try:
        with Session(bind=engine, expire_on_commit=False) as session:
            snapshot = refresh(session)
            session.commit()
            return snapshot
    finally:
        release_refresh(engine)


_ENQUEUE = None     # set by app.tasks: enqueue the refresh task (already claimed)


def set_enqueue(enqueue) -> None:
    global _ENQUEUE
    _ENQUEUE = enqueue


def request_refresh(engine) -> bool:
    """A page found the snapshot stale: claim the refresh and hand it to the task queue
    (eager without a broker: it runs now, in a session of its own). False when another
    refresh already runs or is queued — then nothing is started."""
    if not claim_refresh(engine):
        return False
    try:
        if _ENQUEUE is None:
            refresh_once(engine, claimed=True)
        else:
            _ENQUEUE()
    except Exception:   # the broker is unreachable: the next page or beat tries again
        release_refresh(engine)
        log.exception("dashboard refresh not started")
        return False
    return True


def latest(session):
    from app.models import StatSnapshot
    return session.query(StatSnapshot).order_by(StatSnapshot.id.desc()).first()


def is_stale(snapshot, max_age: dt.timedelta | None, now: dt.datetime | None = None) -> bool:
    if snapshot is None:
        return True
    return max_age is not None and snapshot.taken_at < (now or utcnow()) - max_age


# ------------------------------------------------------------------ the figures

def area_names(session, level: str, areas) -> dict:
    """{area key: name} for the breakdown's rows."""
    areas = [a for a in areas if a is not None]
    if level == "unit":
        ids = [int(a[1:]) for a in areas]
        return {f"u{i}": n for i, n in session.query(Unit.id, Unit.name).filter(
            Unit.id.in_(ids))} if ids else {}
    codes = {a: a.ljust(6, "0") for a in areas}
    names = dict(session.query(Region.code, Region.name).filter(
        Region.code.in_(list(codes.values())))) if codes else {}
    return {a: names.get(code, a) for a, code in codes.items()}


@dataclass
class Figures:
    """The dashboard of one scope from a snapshot: `cells[family][(area, value)]` per area
    of the breakdown, `totals[family][value]` of the whole scope."""
    level: str
    areas: list
    area_names: dict
    values: dict
    cells: dict
    totals: dict
    titles: dict
    today: dt.date
    taken_at: dt.datetime | None = None

    def total(self, family, value=None):
        return self.totals.get(family, {}).get(value, 0)

    def at(self, family, area, value=None):
        return self.cells.get(family, {}).get((area, value), 0)

    def rate(self, area=None):
        """持证率 in percent (certified / active guards) of an area or the whole scope."""
        guards = self.total("staff", "guard") if area is None else self.at("staff", area,
                                                                             "guard")
        certified = self.total("certified") if area is None else self.at("certified", area)
        return None if not guards else round(100.0 * certified / guards, 1)

    def areas_by_rate(self):
        """The areas, lowest 持证率 first (areas without guards last)."""
        return sorted(self.areas, key=lambda a: (self.rate(a) is None, self.rate(a) or 0,
                                                 self.area_names.get(a, "")))


def snapshot_rows(session, snapshot, parts):
    """(level, node, family, value, count) of the snapshot in `parts`, each (families,
    level) every node, (families, level, node), (families, level, [nodes]) or (families,
    level, first node, node past the last): one indexed range each, joined by UNION ALL (an
    OR of them made SQLite read the whole snapshot, 70,000 rows at 300,000 people,
    bench-results/DASHBOARD.md)."""
    from app.models import StatCount
    columns = (StatCount.level, StatCount.node, StatCount.family, StatCount.value,
               StatCount.count)
    selects = []
    for families, level, *bounds in parts:
        where = [StatCount.snapshot_id == snapshot.id, StatCount.level == level,
                 StatCount.family.in_(list(families))]
        if len(bounds) == 2:
            where += [StatCount.node >= bounds[0], StatCount.node < bounds[1]]
        elif bounds and isinstance(bounds[0], str):
            where.append(StatCount.node == bounds[0])
        elif bounds:
            where.append(StatCount.node.in_(list(bounds[0])))
        selects.append(select(*columns).where(*where))
    if not selects:
        return []
    return session.execute(selects[0] if len(selects) == 1 else union_all(*selects)).all()


def _snapshot_rows(session, snapshot, scope: Scope, level: str, families):
    """(area or None for the scope's own total, family, value, count) of the scope. The
    areas' rows only of the families shown by area (the trends, categories and items are
    totals: per unit they were most of a district's rows)."""
    by_area = [key for key in families if FAMILIES[key].by_area]
    if scope.read_all:
        parts = [(by_area, "city"), (families, "province", PROVINCE)]
    elif scope.region_prefix:
        prefix = scope.region_prefix
        own = "city" if len(prefix) == 4 else "district"
        child = ("district", prefix, prefix_upper(prefix)) if len(prefix) == 4 else \
            ("unit", prefix + "/", prefix + "0")
        parts = [(by_area, *child), (families, own, prefix)]
    else:      # a unit user's total is the sum of their units: every family by unit
        parts = [(families, "unit", [f"{code}/{uid}" for uid, code in session.query(
            Unit.id, Unit.region_code).filter(Unit.id.in_(sorted(scope.read_units)))])]
    parts = [part for part in parts if part[0]]
    for row_level, node, family, value, count in snapshot_rows(session, snapshot, parts):
        value = value or None
        if (scope.read_all and row_level == "province") or \
                (scope.region_prefix and node == scope.region_prefix):
            yield None, family, value, count         # the jurisdiction's own total
        elif row_level == "unit":
            yield f"u{node.split('/')[1]}", family, value, count
            if not (scope.read_all or scope.region_prefix):
                yield None, family, value, count     # a unit user's total: their units
        else:
            yield node, family, value, count


def figures(session, scope: Scope, snapshot=None, families=None) -> Figures:
    """The scope's figures from `snapshot` (else the newest one)."""
    snapshot = snapshot or latest(session)
    today = snapshot.today if snapshot is not None else dt.date.today()
    ctx = Context(session, scope, today)
    level = breakdown(scope)
    families = list(families or FAMILIES)
    cells = {key: {} for key in families}
    totals = {key: {} for key in families}
    areas = set()
    if snapshot is not None:
        for area, family, value, count in _snapshot_rows(session, snapshot, scope, level,
                                                         families):
            target = totals[family] if area is None else cells[family]
            index = value if area is None else (area, value)
            target[index] = target.get(index, 0) + count
            if area is not None:
                areas.add(area)
    values = {key: _value_labels(FAMILIES[key], ctx) for key in families}
    names = area_names(session, level, areas)
    ordered = sorted(areas, key=lambda a: names.get(a, a) if level == "unit" else a)
    return Figures(level, ordered, names, values, cells, totals,
                   {key: _title(FAMILIES[key]) for key in families}, today,
                   snapshot.taken_at if snapshot is not None else None)


# Fixed labels and titles as text, per language: a lazy string is translated again at every
# use (some 250 translations per dashboard, bench-results/DASHBOARD.md).
_TEXTS: dict = {}


def _title(family):
    key = (str(get_locale()), family.key, "title")
    if key not in _TEXTS:
        _TEXTS[key] = str(family.title)
    return _TEXTS[key]


def _value_labels(family, ctx):
    """{value: label text} of a family in display order."""
    if family.values is None:
        return {None: _title(family)}
    if not getattr(family.values, "fixed", False):
        return {str(k): str(v) for k, v in family.values(ctx).items()}
    key = (str(get_locale()), family.key, "values")
    if key not in _TEXTS:
        _TEXTS[key] = {str(k): str(v) for k, v in family.values(ctx).items()}
    return _TEXTS[key]
