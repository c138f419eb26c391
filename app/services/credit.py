"""信用评价: a credit score and grade per unit and year, each term explained (docs/credit.md).

The inputs are records the unit cannot change (docs/authority.md): the police's 违法违规和处罚,
表彰奖励, 监督检查, 年审 result, the complaints and incidents the police recorded, the police's
保安员证, the screening's background alerts, and the dates the system stamped on the unit's
filings (created_at, submitted_at: nobody sets them by hand). What a unit keeps itself (its
staff and dispatches) counts as it stands: 持证率 and guards dispatched without a valid
保安员证 are judged against the police's certificates.

Every term is one set-based query over all units (GROUP BY / window functions), so the
nightly run of a province costs a dozen queries, not a dozen per unit. Weights and bands
are parameters (app/services/settings.py, `credit.*`), defaults in migration 0910_credit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, literal, or_, select, true

from app.models import (AnnualReport, Application, BackgroundAlert, Certificate,
                        ConductRecord, Dispatch, Employment, Incident, Inspection, Unit)
from app.models.credit import CreditGrade
from app.models.base import utcnow

from . import settings
from .application_items import add_working_days

# Units that are graded: every active unit but a client unit (its guards are the staff of
# its self-hiring unit, app.services.rules.staff_unit_ids_select).
GRADED_KINDS = ("company", "branch", "self_hire", "training")
# Kinds that file 年度数据 (the unit page's 年度数据 tab).
ANNUAL_KINDS = ("company", "branch", "training")
GUARD_ROLES = ("guard", "part_time_guard")
LINKS = 20  # record ids kept per term for the links; the count is always the full count

# The terms in the order the page shows them: code → (table of the linked records).
TERMS = {
    "violation": "conduct_record",
    "complaint": "conduct_record",
    "incident": "incident",
    "inspection": "inspection",
    "annual_review": "annual_report",
    "licence_rate": None,
    "unlicensed_dispatch": "dispatch",
    "open_alert": "background_alert",
    "late_filing": None,          # annual_report or application, per category
    "commendation": "conduct_record",
}
CATEGORY_TABLES = {"annual_late": "annual_report", "annual_missing": None,
                   "branch_late": "application"}


@dataclass
class Term:
    term: str
    category: str
    count: int
    points: int
    ids: list = field(default_factory=list)
    rate: int | None = None        # 持证率 in per cent

    @property
    def table(self):
        return CATEGORY_TABLES.get(self.category, TERMS.get(self.term))


@dataclass
class Result:
    unit_id: int
    score: int
    grade: str
    terms: list

    def terms_json(self):
        return [{k: v for k, v in asdict(t).items() if v is not None} for t in self.terms]


@dataclass(frozen=True)
class Period:
    year: int
    start: dt.date        # first day counted (window)
    as_of: dt.date        # last day counted: the end of the year, or today
    year_start: dt.date

    @property
    def after(self):
        """The first moment after the period (for timestamps)."""
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time())


def period(year: int, today: dt.date | None = None) -> Period:
    today = today or dt.date.today()
    window = int(settings.get("credit.window_years"))
    return Period(year, dt.date(year - window + 1, 1, 1),
                  min(dt.date(year, 12, 31), today), dt.date(year, 1, 1))


def default_year(today: dt.date | None = None) -> int:
    """The year the nightly run grades: the current one (to date)."""
    return (today or dt.date.today()).year


# ------------------------------------------------------------------ weights and bands

def weight(name) -> int:
    return int(settings.get(f"credit.{name}"))


def grade_of(score: int) -> str:
    bands = sorted(((weight("band_a"), "A"), (weight("band_b"), "B"), (weight("band_c"), "C")),
                   reverse=True)
    for lowest, grade in bands:
        if score >= lowest:
            return grade
    return "D"


def _words(name):
    return [w.strip() for w in str(settings.get(f"credit.{name}")).replace("，", ",")
            .split(",") if w.strip()]


def _contains_any(column, words):
    return or_(*[column.contains(w, autoescape=True) for w in words]) if words else false()


def _judgement(column):
    """监督检查 / 年审 result text → failed (不合格), partial (基本合格, 整改) or passed."""
    text = func.coalesce(column, "")
    return case((text.contains("不合格"), "failed"),
                (or_(text.contains("基本合格"), text.contains("整改")), "partial"),
                else_="passed")


# ------------------------------------------------------------------ the terms (set-based)

def _grouped(session, rows, unit_filter):
    """{(unit, category): (count, [ids newest first, at most LINKS])} from a SELECT of
    (u, c, i) rows: one query, counted and cut per unit and category by window functions."""
    inner = rows.subquery()
    numbered = select(
        inner.c.u, inner.c.c, inner.c.i,
        func.count().over(partition_by=(inner.c.u, inner.c.c)).label("n"),
        func.row_number().over(partition_by=(inner.c.u, inner.c.c),
                               order_by=inner.c.i.desc()).label("r"),
    ).where(unit_filter(inner.c.u)).subquery()
    found = {}
    for u, c, i, n in session.execute(select(numbered.c.u, numbered.c.c, numbered.c.i,
                                             numbered.c.n).where(numbered.c.r <= LINKS)
                                      .order_by(numbered.c.u, numbered.c.c, numbered.c.r)):
        entry = found.setdefault((u, c), [n, []])
        if i is not None:
            entry[1].append(i)
    return found


def _in_window(column, p: Period):
    return and_(column >= p.start, column <= p.as_of)


def _violations(p):
    text = func.coalesce(ConductRecord.result, "") + " " + ConductRecord.title
    severity = case((_contains_any(text, _words("violation_severe_words")), "severe"),
                    (_contains_any(text, _words("violation_serious_words")), "serious"),
                    else_="minor")
    return select(ConductRecord.unit_id.label("u"), severity.label("c"),
                  ConductRecord.id.label("i")).where(
        ConductRecord.kind == "violation", ConductRecord.unit_id.isnot(None),
        _in_window(ConductRecord.occurred_on, p))


def _police_recorded(model):
    return model.author_kind == "police"


def _complaints(p):
    # Substantiated: recorded by the police (read-only to the unit). A complaint the unit
    # records itself is its own account of handling one, and does not count against it.
    return select(ConductRecord.unit_id.label("u"), literal("complaint").label("c"),
                  ConductRecord.id.label("i")).where(
        ConductRecord.kind == "complaint", ConductRecord.unit_id.isnot(None),
        _police_recorded(ConductRecord), _in_window(ConductRecord.occurred_on, p))


def _commendations(p):
    return select(ConductRecord.unit_id.label("u"), literal("commendation").label("c"),
                  ConductRecord.id.label("i")).where(
        ConductRecord.kind == "commendation", ConductRecord.unit_id.isnot(None),
        ConductRecord.person_id.is_(None), _in_window(ConductRecord.occurred_on, p))


def _incidents(p):
    return select(Incident.unit_id.label("u"), literal("incident").label("c"),
                  Incident.id.label("i")).where(_police_recorded(Incident),
                                                _in_window(Incident.occurred_on, p))


def _inspections(p):
    judged = _judgement(Inspection.result)
    return select(Inspection.unit_id.label("u"), judged.label("c"),
                  Inspection.id.label("i")).where(
        Inspection.kind == "supervisory", _in_window(Inspection.inspected_on, p),
        judged != "passed")


def _annual_review(p):
    judged = _judgement(AnnualReport.review_result)
    return select(AnnualReport.unit_id.label("u"), judged.label("c"),
                  AnnualReport.id.label("i")).where(
        AnnualReport.year == p.year - 1, AnnualReport.review_result.isnot(None),
        judged != "passed")


def annual_due(year: int) -> dt.date:
    """The day the 年度数据 of `year` are due (the next year's credit.annual_report_due)."""
    month, day = (int(x) for x in str(settings.get("credit.annual_report_due")).split("-"))
    return dt.date(year + 1, month, day)


def _annual_filings(p):
    """The 年度数据 of the year before, missing or filed (created) after the due day; only
    once the due day has passed, and for units established before that year ended."""
    due = annual_due(p.year - 1)
    if due > p.as_of:
        return None
    after_due = dt.datetime.combine(due + dt.timedelta(days=1), dt.time())
    report = AnnualReport.__table__.alias("report")
    category = case((report.c.id.is_(None), "annual_missing"), else_="annual_late")
    return (select(Unit.id.label("u"), category.label("c"), report.c.id.label("i"))
            .select_from(Unit).outerjoin(report, and_(report.c.unit_id == Unit.id,
                                                      report.c.year == p.year - 1))
            .where(Unit.kind.in_(ANNUAL_KINDS), Unit.status == "active",
                   or_(Unit.established_on.is_(None),
                       Unit.established_on <= dt.date(p.year - 1, 12, 31)),
                   or_(report.c.id.is_(None), report.c.created_at >= after_due)))


def _valid_on(cert, day):
    """A 保安员证 valid on `day` (a date or a date column)."""
    return and_(cert.kind == "guard",
                or_(cert.issued_on.is_(None), cert.issued_on <= day),
                or_(cert.expires_on.is_(None), cert.expires_on >= day),
                or_(cert.status == "valid",
                    and_(cert.status_changed_on.isnot(None), cert.status_changed_on > day)))


def _staff_unit():
    """The unit whose staff an employment or a dispatch counts for: a client unit's guards
    are its self-hiring unit's (rules.staff_unit_ids_select)."""
    return case((Unit.kind == "client", Unit.parent_id), else_=Unit.id)


def _unlicensed_dispatch(p):
    """Guards on a dispatch in the year (to date) holding no valid 保安员证 on its last day
    in the period: one per guard and unit, linked by the latest such dispatch."""
    cert = Certificate.__table__.alias("cert")
    last_day = case((or_(Dispatch.end_date.is_(None), Dispatch.end_date > p.as_of),
                     literal(p.as_of)), else_=Dispatch.end_date)
    valid = select(cert.c.id).where(cert.c.person_id == Dispatch.person_id,
                                    _valid_on(cert.c, last_day)).exists()
    staff_unit = _staff_unit()  # one expression in SELECT and GROUP BY (PostgreSQL)
    per_guard = (select(staff_unit.label("u"), Dispatch.person_id,
                        func.max(Dispatch.id).label("i"))
                 .select_from(Dispatch).join(Unit, Unit.id == Dispatch.unit_id)
                 .where(Dispatch.start_date <= p.as_of,
                        or_(Dispatch.end_date.is_(None), Dispatch.end_date >= p.year_start),
                        ~valid)
                 .group_by(staff_unit, Dispatch.person_id)).subquery()
    return select(per_guard.c.u, literal("guard").label("c"), per_guard.c.i)


def _open_alerts(p):
    return select(BackgroundAlert.unit_id.label("u"), literal("open").label("c"),
                  BackgroundAlert.id.label("i")).where(
        BackgroundAlert.waiting_since < p.after,
        or_(BackgroundAlert.closed_at.is_(None), BackgroundAlert.closed_at >= p.after))


def _licence_rates(session, p, unit_filter):
    """{unit: (active guards, holding a valid 保安员证)} on the period's last day."""
    cert = Certificate.__table__.alias("cert")
    holds = select(cert.c.id).where(cert.c.person_id == Employment.person_id,
                                    _valid_on(cert.c, p.as_of)).exists()
    staff_unit = _staff_unit()
    rows = session.execute(
        select(staff_unit, func.count(), func.sum(case((holds, 1), else_=0)))
        .select_from(Employment).join(Unit, Unit.id == Employment.unit_id)
        .where(Employment.role.in_(GUARD_ROLES), Employment.start_date <= p.as_of,
               or_(Employment.end_date.is_(None), Employment.end_date > p.as_of),
               unit_filter(staff_unit))
        .group_by(staff_unit))
    return {u: (int(n), int(k or 0)) for u, n, k in rows}


def _late_branch_filings(session, p, unit_filter):
    """Branch filings submitted in the window more than credit.branch_filing_days working
    days after the branch was established (the date on the filing)."""
    days = weight("branch_filing_days")
    found = {}
    rows = session.execute(
        select(Application.unit_id, Application.id, Application.form, Application.submitted_at)
        .where(Application.item == "branch", Application.unit_id.isnot(None),
               Application.submitted_at >= dt.datetime.combine(p.start, dt.time()),
               Application.submitted_at < p.after, unit_filter(Application.unit_id))
        .order_by(Application.id.desc()))
    for unit_id, app_id, form, submitted_at in rows:
        try:
            established = dt.date.fromisoformat(str((form or {}).get("established_on")))
        except ValueError:
            continue
        if submitted_at.date() > add_working_days(established, days):
            entry = found.setdefault((unit_id, "branch_late"), [0, []])
            entry[0] += 1
            if len(entry[1]) < LINKS:
                entry[1].append(app_id)
    return found


# ------------------------------------------------------------------ computing

def _points(term, category, count):
    if term == "violation":
        return -weight(f"violation_{category}") * count
    if term in ("inspection", "annual_review"):
        prefix = "inspection" if term == "inspection" else "review"
        return -weight(f"{prefix}_{category}") * count
    if term == "commendation":
        return min(weight("commendation") * count, weight("commendation_cap"))
    return -weight({"complaint": "complaint", "incident": "incident",
                    "unlicensed_dispatch": "unlicensed_dispatch", "open_alert": "open_alert",
                    "late_filing": "late_filing"}[term]) * count


def graded_units(session, unit_ids=None):
    query = select(Unit.id).where(Unit.kind.in_(GRADED_KINDS), Unit.status == "active")
    if unit_ids is not None:
        query = query.where(Unit.id.in_(list(unit_ids)))
    return session.execute(query.order_by(Unit.id)).scalars().all()


def compute(session, year: int, unit_ids=None, today=None) -> dict[int, Result]:
    """{unit id: Result} for the graded units (all, or `unit_ids`)."""
    p = period(year, today)
    units = graded_units(session, unit_ids)
    if unit_ids is None:
        def unit_filter(column):
            return true()
    else:
        wanted = list(units) or [-1]

        def unit_filter(column):
            return column.in_(wanted)
    terms = {u: [] for u in units}
    queries = [("violation", _violations(p)), ("complaint", _complaints(p)),
               ("incident", _incidents(p)), ("inspection", _inspections(p)),
               ("annual_review", _annual_review(p)),
               ("unlicensed_dispatch", _unlicensed_dispatch(p)),
               ("open_alert", _open_alerts(p)), ("late_filing", _annual_filings(p)),
               ("commendation", _commendations(p))]
    found = {}
    for term, rows in queries:
        if rows is not None:
            for (u, c), (n, ids) in _grouped(session, rows, unit_filter).items():
                found.setdefault(term, {})[(u, c)] = (n, ids)
    for (u, c), (n, ids) in _late_branch_filings(session, p, unit_filter).items():
        found.setdefault("late_filing", {})[(u, c)] = (n, ids)
    for term in TERMS:
        if term == "licence_rate":
            for u, (total, holding) in _licence_rates(session, p, unit_filter).items():
                if u in terms and total:
                    rate = holding / total
                    points = -round(weight("licence_rate") * (1 - rate))
                    terms[u].append(Term(term, "rate", total - holding, points,
                                         rate=round(rate * 100)))
            continue
        for (u, c), (n, ids) in sorted(found.get(term, {}).items(),
                                       key=lambda kv: str(kv[0][1])):
            if u in terms:
                terms[u].append(Term(term, c, int(n), _points(term, c, int(n)), list(ids)))
    results = {}
    for u, unit_terms in terms.items():
        score = max(0, min(100, 100 + sum(t.points for t in unit_terms)))
        results[u] = Result(u, score, grade_of(score), unit_terms)
    return results


# ------------------------------------------------------------------ words

def term_label(term) -> str:
    return {
        "violation": _("Violations and penalties"),
        "complaint": _("Substantiated complaints"),
        "incident": _("Incidents"),
        "inspection": _("Supervisory inspections"),
        "annual_review": _("Annual review"),
        "licence_rate": _("Guard certificate rate"),
        "unlicensed_dispatch": _("Guards dispatched without a valid guard certificate"),
        "open_alert": _("Unresolved background alerts"),
        "late_filing": _("Late filings"),
        "commendation": _("Commendations"),
    }.get(term, term)


def category_label(category) -> str:
    return {
        "severe": _("severe"), "serious": _("serious"), "minor": _("minor"),
        "failed": _("failed"), "partial": _("basically passed or to rectify"),
        "annual_missing": _("annual data not filed"),
        "annual_late": _("annual data filed late"),
        "branch_late": _("branch filing late"),
    }.get(category, "")


def describe(term: dict) -> str:
    """违法违规和处罚（一般）2 次 −30 分: one term in words."""
    name = term_label(term["term"])
    category = category_label(term.get("category"))
    if category:
        name = f"{name}（{category}）"
    points = term["points"]
    signed = f"+{points}" if points > 0 else f"−{-points}" if points < 0 else "0"
    if term["term"] == "licence_rate":
        return _("%(name)s %(rate)d%% (%(count)d without) %(points)s points", name=name,
                 rate=term.get("rate", 0), count=term["count"], points=signed)
    return _("%(name)s %(count)d times %(points)s points", name=name, count=term["count"],
             points=signed)


def reason_for(old_grade, result: Result, old_terms) -> str:
    """Why the grade is what it is: the grades, and the terms that changed (all the
    terms at a first grade)."""
    old = {(t["term"], t.get("category")): t for t in (old_terms or [])}
    new = result.terms_json()
    changed = [t for t in new if old.get((t["term"], t.get("category")), {}).get("points")
               != t["points"]]
    gone = [dict(t, count=0, points=0) for key, t in old.items()
            if key not in {(n["term"], n.get("category")) for n in new}]
    words = "；".join(describe(t) for t in (changed + gone)) or _("no deductions")
    head = (f"{old_grade} → {result.grade}" if old_grade else result.grade)
    text = f"{head}（{result.score}）：{words}"
    return text if len(text) <= 300 else text[:299] + "…"


def store(session, year: int, results: dict[int, Result]) -> dict:
    """Insert or update the grades (ORM, so the change log records score, grade and reason);
    the reason is written when the grade is new or changes. Flushes; the caller commits."""
    query = session.query(CreditGrade).filter(CreditGrade.year == year)
    if len(results) < 500:
        query = query.filter(CreditGrade.unit_id.in_(list(results)))
    existing = {g.unit_id: g for g in query if g.unit_id in results}
    counts = {"inserted": 0, "changed": 0, "regraded": 0, "unchanged": 0}
    now = utcnow()
    for unit_id, result in results.items():
        terms = result.terms_json()
        row = existing.get(unit_id)
        if row is None:
            session.add(CreditGrade(unit_id=unit_id, year=year, score=result.score,
                                    grade=result.grade, terms=terms, computed_at=now,
                                    reason=reason_for(None, result, [])))
            counts["inserted"] += 1
            continue
        if row.grade != result.grade:
            row.reason = reason_for(row.grade, result, row.terms)
            counts["regraded"] += 1
        if row.score != result.score or row.grade != result.grade or row.terms != terms:
            row.score, row.grade, row.terms = result.score, result.grade, terms
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
        row.computed_at = now
    session.flush()
    return counts


def recompute(session, year: int | None = None, unit_ids=None, today=None) -> dict:
    """Compute and store the grades of `year` (default: the current one) for every graded
    unit or `unit_ids`. Flushes; the caller commits."""
    year = year or default_year(today)
    results = compute(session, year, unit_ids, today)
    counts = store(session, year, results)
    counts["units"] = len(results)
    return counts


# ------------------------------------------------------------------ reading

def grades_of_unit(session, unit_id):
    """The unit's grades, newest year first (the 信用评价 tab's history)."""
    return (session.query(CreditGrade).filter(CreditGrade.unit_id == unit_id)
            .order_by(CreditGrade.year.desc()).all())


def latest_years(session):
    return [y for (y,) in session.query(CreditGrade.year).distinct()
            .order_by(CreditGrade.year.desc())]


def public_grade(session, unit_id) -> str | None:
    """The grade of the unit's latest graded year, for the public register (no terms)."""
    return session.execute(select(CreditGrade.grade).where(CreditGrade.unit_id == unit_id)
                           .order_by(CreditGrade.year.desc()).limit(1)).scalar()


def ranking_query(session, year: int, scope, region_prefix: str | None = None):
    """The year's grades in the scope, lowest score first (the ranking per city / district)."""
    from app.security.scope import scope_clause
    query = (session.query(CreditGrade).join(Unit, Unit.id == CreditGrade.unit_id)
             .filter(CreditGrade.year == year, scope_clause(CreditGrade, scope, session=session)))
    if region_prefix:
        query = query.filter(Unit.region_code.like(f"{region_prefix}%"))
    return query.order_by(CreditGrade.score, Unit.name)


def export_rows(grades):
    """Rows of the ranking and the credit-platform export: unit, credit code, region, year,
    score, grade, the terms in words."""
    for g in grades:
        yield [g.unit.name, g.unit.credit_code, g.unit.region.name if g.unit.region else "",
               g.year, g.score, g.grade, "；".join(describe(t) for t in g.terms or []),
               g.computed_at]


def export_headers():
    return [_("Unit"), _("Unified social credit code"), _("Jurisdiction"), _("Year"),
            _("Score"), _("Grade"), _("Terms"), _("Computed at")]


def platform_payload(session, year_from: int, year_to: int):
    """All grades of the years for the credit platform: JSON-ready dicts with their terms."""
    query = (session.query(CreditGrade).join(Unit, Unit.id == CreditGrade.unit_id)
             .filter(CreditGrade.year >= year_from, CreditGrade.year <= year_to)
             .order_by(CreditGrade.year, Unit.credit_code, Unit.id))
    for g in query.yield_per(1000):
        yield {"unit_id": g.unit_id, "unit_name": g.unit.name,
               "credit_code": g.unit.credit_code, "region_code": g.unit.region_code,
               "year": g.year, "score": g.score, "grade": g.grade,
               "computed_at": g.computed_at.isoformat(timespec="seconds"),
               "terms": [{"term": t["term"], "category": t.get("category"),
                          "count": t["count"], "points": t["points"],
                          **({"rate": t["rate"]} if "rate" in t else {}),
                          "description": describe(t)} for t in g.terms or []]}
