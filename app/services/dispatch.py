"""The dispatch (派驻) workflow: services with their targets, posting several guards at once,
ending one dispatch, ending a service with all its dispatches.

Every function works on a session and a Scope (no Flask request objects), runs the per-record
checks of app.services.rules and flushes its writes, all or nothing: on a refusal it rolls back
and raises RuleViolation with a Chinese message. It never commits: the web layer does, once per
request (app.web.transaction.atomic). Rows outside the write scope raise OutOfScope (callers
answer 404).
"""
import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, not_, select
from sqlalchemy.exc import IntegrityError

from app.models import (Dispatch, Employment, Person, Service, ServiceTarget, TargetCategory,
                        Unit)
from app.security.scope import OutOfScope, Scope, in_scope, scope_clause

from . import rules, screening
from .errors import RuleViolation
from .search import starts_with

TARGET_FIELDS = ("address", "contact_person", "contact_phone")


class DispatchRefused(RuleViolation):
    """Several guards were posted and at least one was refused: nothing was saved.
    `reasons` lists (employment id, guard name, reason) for every refused guard."""

    def __init__(self, reasons):
        self.reasons = reasons
        text = "；".join(f"{name}：{reason}" for _id, name, reason in reasons)
        super().__init__("employments", _("Nothing was dispatched. %(reasons)s", reasons=text))


class UnverifiedGuards(RuleViolation):
    """Guards whose identity verification failed or is not finished were chosen and the
    clerk has not confirmed dispatching them: nothing was saved. `guards` lists
    (employment id, guard name, state of the case)."""

    def __init__(self, guards):
        self.guards = guards
        text = "、".join(f"{name}（{state}）" for _id, name, state in guards)
        super().__init__("confirm_unverified", _(
            "The identity verification of these guards has failed or is not finished: "
            "%(guards)s. Confirm to dispatch them all the same.", guards=text))


@dataclass
class TargetInput:
    """What the clerk typed for the service target: the full name, and for a new target its
    category and details. `target_id` is the suggestion the clerk picked, if any."""
    name: str
    target_id: int | None = None
    category_id: int | None = None
    region_code: str | None = None
    details: dict = field(default_factory=dict)


@contextmanager
def _all_or_nothing(session):
    """The writes of the block are flushed together; a refusal (a rule, the database's
    constraints, the scope) rolls them back and is raised."""
    try:
        yield
        try:
            session.flush()
        except IntegrityError as exc:
            raise rules.violation_from_integrity_error(exc)
    except (RuleViolation, OutOfScope):
        session.rollback()
        raise


def _dialect(session):
    return session.get_bind().dialect.name


def _require_write(session, item, scope):
    if not in_scope(session, item, write=True, scope=scope):
        raise OutOfScope()


def find_target(session, name):
    name = (name or "").strip()
    if not name:
        return None
    return session.execute(select(ServiceTarget).where(ServiceTarget.name == name)) \
        .scalars().first()


def resolve_target(session, data: TargetInput, scope: Scope) -> ServiceTarget:
    """The target the clerk means: the existing one of that exact full name, or a new one.

    The name decides, never a hidden id alone: a suggestion picked and then edited is the
    edited name (the manual's pitfall of typed-but-ignored text cannot happen)."""
    name = (data.name or "").strip()
    if not name:
        raise RuleViolation("target_name", _("Enter the full name of the service target."))
    target = find_target(session, name)
    if target is not None:
        for key in TARGET_FIELDS:
            typed = (data.details.get(key) or "").strip()
            if typed and typed != (getattr(target, key) or ""):
                raise RuleViolation(f"target_{key}", _(
                    "%(name)s is already registered; its details are changed only by the "
                    "police. Clear the field or keep the registered value.", name=name))
        if data.category_id and data.category_id != target.category_id:
            raise RuleViolation("target_category", _(
                "%(name)s is already registered with the category %(category)s.",
                name=name, category=target.category.name))
        return target
    category = session.get(TargetCategory, data.category_id) if data.category_id else None
    if category is None:
        raise RuleViolation("target_category", _(
            "A new service target needs a category."))
    target = ServiceTarget(name=name, category=category, region_code=data.region_code or None,
                           **{k: (data.details.get(k) or "").strip() or None
                              for k in TARGET_FIELDS})
    rules.validate(session, target, True, scope)
    if not in_scope(session, target, write=True, scope=scope):
        raise OutOfScope()
    session.add(target)
    return target


def create_service(session, scope: Scope, unit: Unit, target: TargetInput,
                   start_date: dt.date, end_date: dt.date | None = None,
                   contract_number: str | None = None, note: str | None = None) -> Service:
    """【新增】 a service: the target chosen by full name (created when new) and the service,
    in one transaction."""
    with _all_or_nothing(session):
        if unit is None:
            raise RuleViolation("unit", _("Choose the unit."))
        _require_write(session, unit, scope)
        with session.no_autoflush:
            chosen = resolve_target(session, target, scope)
            service = Service(unit=unit, target=chosen, start_date=start_date,
                              end_date=end_date, status="active",
                              contract_number=(contract_number or "").strip() or None,
                              note=(note or "").strip() or None)
            rules.validate(session, service, True, scope)
            _require_write(session, service, scope)
        session.add(service)
    return service


def _matching(query, session, q):
    """Employments whose person's name starts with `q` (an ID number when 15 characters or
    more), as the picker searches."""
    q = (q or "").strip()
    if not q:
        return query
    if len(q) >= 15:
        return query.filter(Person.id_number == q.upper())
    return query.filter(starts_with(Person.name, q, _dialect(session)))


def _eligible(session, service):
    """The rule of the picker (rules.check_dispatch): active full-time guards of the units
    whose guards the service's unit dispatches."""
    return (Employment.unit_id.in_(sorted(rules.dispatch_pool_unit_ids(session, service.unit))),
            Employment.role == "guard", Employment.end_date.is_(None))


def eligible_guards(session, service: Service, q: str = "", limit: int = 20, offset: int = 0):
    """Active full-time guards the service's unit may dispatch (its own, or for a
    self-hiring unit also those of its client units), with their active dispatch if any."""

    query = _matching(session.query(Employment).join(Person, Employment.person_id == Person.id)
                      .filter(*_eligible(session, service)), session, q)
    rows = query.order_by(Person.name, Employment.id).offset(offset).limit(limit + 1).all()
    active = {}
    if rows:
        for dispatch in session.execute(select(Dispatch).where(
                Dispatch.person_id.in_([e.person_id for e in rows]),
                Dispatch.end_date.is_(None))).scalars():
            active[dispatch.person_id] = dispatch
    return [(e, active.get(e.person_id)) for e in rows[:limit]], len(rows) > limit


def ineligible_guards(session, scope: Scope, service: Service, q: str, limit: int = 5):
    """Why the picker does not offer people the clerk searched for: [(employment, reason)]
    for the employments in the user's read scope that match `q` and are not eligible (a
    part-time guard, another kind of staff, left, employed at a unit outside the service's
    pool), one per person, at most `limit`. Nobody outside the scope is named."""
    if not (q or "").strip():
        return []
    eligible = and_(*_eligible(session, service))
    pool = rules.dispatch_pool_unit_ids(session, service.unit)
    query = _matching(session.query(Employment).join(Person, Employment.person_id == Person.id)
                      .filter(scope_clause(Employment, scope), not_(eligible)), session, q)
    offered = select(Employment.person_id).where(eligible)
    rows = (query.filter(Employment.person_id.notin_(offered))
            .order_by(Person.name, Employment.end_date.isnot(None), Employment.id)
            .limit(limit * 4).all())
    found, seen = [], set()
    for emp in rows:
        if emp.person_id in seen:
            continue
        seen.add(emp.person_id)
        found.append((emp, _refusal(emp, pool)))
    return found[:limit]


def _refusal(emp, pool) -> str:
    """The reason an employment is not offered by the picker (the rules of check_dispatch)."""
    if emp.end_date is not None:
        return _("Left %(unit)s on %(date)s.", unit=emp.unit.name, date=emp.end_date)
    if emp.role == "part_time_guard":
        return _("A part-time guard of %(unit)s: part-time guards are not dispatched here; "
                 "only the unit where the person is a full-time guard dispatches them.",
                 unit=emp.unit.name)
    if emp.role != "guard":
        return _("%(role)s of %(unit)s: only full-time guards can be dispatched.",
                 role=emp.role_label, unit=emp.unit.name)
    return _("A guard of %(unit)s, which does not provide this service: only guards of "
             "the serving unit can be dispatched.", unit=emp.unit.name)


def dispatch_guards(session, scope: Scope, service: Service, employment_ids,
                    start_date: dt.date, post: str | None = None,
                    unverified_confirmed: bool = True) -> list[Dispatch]:
    """【派驻】 several guards at once: all are posted, or none (DispatchRefused lists every
    refused guard with its reason). Guards whose identity verification failed or is not
    finished are posted only when `unverified_confirmed` (the pages ask the clerk first and
    pass the answer); else UnverifiedGuards names them and nothing is saved."""
    with _all_or_nothing(session):
        _require_write(session, service, scope)
        ids = []
        for raw in employment_ids or ():
            try:
                value = int(raw)
            except (TypeError, ValueError):
                continue
            if value not in ids:
                ids.append(value)
        if not ids:
            raise RuleViolation("employments", _("Choose at least one guard."))
        readable = scope_clause(Employment, scope)
        employments = {e.id: e for e in session.query(Employment).filter(
            Employment.id.in_(ids), readable)}
        created, reasons, people = [], [], set()
        post = (post or "").strip() or None
        with session.no_autoflush:
            for emp_id in ids:
                emp = employments.get(emp_id)
                if emp is None:
                    reasons.append((emp_id, _("Guard no. %(id)s", id=emp_id),
                                    _("Only active full-time guards of the serving unit can "
                                      "be dispatched.")))
                    continue
                if emp.person_id in people:
                    reasons.append((emp_id, emp.person.name,
                                    _("This guard is chosen twice.")))
                    continue
                people.add(emp.person_id)
                dispatch = Dispatch(service=service, employment=emp, start_date=start_date,
                                    post=post)
                try:
                    rules.validate(session, dispatch, True, scope)
                except RuleViolation as violation:
                    reasons.append((emp_id, emp.person.name, violation.message))
                    _discard(session, dispatch)
                    continue
                created.append(dispatch)
        if reasons:
            for dispatch in created:
                _discard(session, dispatch)
            raise DispatchRefused(reasons)
        if not unverified_confirmed:
            cases = screening.open_identity_cases(session, [d.employment for d in created])
            if cases:
                for dispatch in created:
                    _discard(session, dispatch)
                raise UnverifiedGuards([(d.employment.id, d.employment.person.name,
                                         cases[d.employment.id].state_label)
                                        for d in created if d.employment.id in cases])
        for dispatch in created:
            _require_write(session, dispatch, scope)
            session.add(dispatch)
    return created


def _discard(session, dispatch):
    """Detach a refused, never-added dispatch from the objects it was attached to (the
    relationship backrefs would otherwise cascade it into the session)."""
    with session.no_autoflush:
        for obj, attr in ((dispatch.service, "dispatches"),
                          (dispatch.employment, "dispatches")):
            if obj is not None and dispatch in getattr(obj, attr):
                getattr(obj, attr).remove(dispatch)
    if dispatch in session:
        session.expunge(dispatch)


def end_dispatch(session, scope: Scope, dispatch: Dispatch, end_date: dt.date | None = None,
                 reason: str | None = None) -> Dispatch:
    """取消派驻: end one dispatch (history kept)."""
    with _all_or_nothing(session):
        _require_write(session, dispatch, scope)
        if dispatch.end_date is not None:
            raise RuleViolation("end_date", _("This dispatch has already ended."))
        dispatch.end_date = end_date or max(dt.date.today(), dispatch.start_date)
        dispatch.end_reason = (reason or "").strip() or _("Dispatch cancelled")
        rules.validate(session, dispatch, False, scope)
    return dispatch


def end_service(session, scope: Scope, service: Service, end_date: dt.date | None = None,
                reason: str | None = None) -> Service:
    """【解除服务】: the service and all its active dispatches end in one transaction."""
    with _all_or_nothing(session):
        _require_write(session, service, scope)
        if service.status != "active":
            raise RuleViolation("end_date", _("This service has ended."))
        end_date = end_date or max(dt.date.today(), service.start_date)
        if end_date < service.start_date:
            raise RuleViolation("end_date", _("The end date cannot be before the start date."))
        service.end_date = end_date
        service.status = "ended"
        if reason:
            service.note = "\n".join(filter(None, [service.note, reason.strip()]))
        rules.validate(session, service, False, scope)
    return service


def search_targets(session, scope: Scope, q: str, limit: int = 10):
    """Autocomplete over the whole service_target table: names starting with the text first
    (a range over the unique name index), then, for two characters or more, names containing
    it; at most `limit` rows, so the cost stays flat however many targets there are."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    readable = scope_clause(ServiceTarget, scope)
    found = list(session.execute(
        select(ServiceTarget).where(readable,
                                    starts_with(ServiceTarget.name, q, _dialect(session)))
        .order_by(ServiceTarget.name).limit(limit)).scalars())
    if len(found) < limit and len(q) >= 2:
        seen = [t.id for t in found]
        query = select(ServiceTarget).where(readable, ServiceTarget.name.contains(q, autoescape=True))
        if seen:
            query = query.where(ServiceTarget.id.notin_(seen))
        found += list(session.execute(query.order_by(ServiceTarget.name)
                                      .limit(limit - len(found))).scalars())
    return found
