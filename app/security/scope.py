"""The one scope mechanism: which rows the current user may see and change.

Like flaskr's `get_post(id, check_author)`, made general: every list, show, edit, delete,
mass action, relation lookup, REST call, export and chart asks this module, and nothing else,
which rows are in reach. RuoYi-style data scope: province (all) / city (4-digit region prefix) /
district (6-digit prefix) / own unit (plus branches read-only, or client units), deny by default.

Each model declares `__scope__`, a tuple naming how its rows map onto units:
  ("self_unit",)            the unit table itself
  ("unit", "<fk column>")   rows owned by a unit
  ("person", "<fk column>") rows owned by a person, visible where the person works
  ("shared"[, "<region column>"])  reference data everyone reads; see `_shared_clause`
  ("unit_or_person", "<unit fk>", "<person fk>")  about a unit and/or a person: visible
                            where either is; changed through the unit when it has one
  ("change_log",)           visible where its owning unit or person is visible
  ("unit_or_region", "<unit fk>", "<region column>")  filed with a jurisdiction and maybe
                            about a unit (applications): police by the region column, unit
                            users by the unit
  ("admin_only",)           system tables for the province admin
A model without `__scope__` is invisible to everyone but the province admin.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort, g, has_request_context
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import aliased

from .roles import (ASSOCIATION, CITY_POLICE, CLIENT_UNIT_USER, COMPANY_USER, DISTRICT_POLICE,
                    PROVINCE_ADMIN, ROLE_PRIORITY, SELF_HIRE_USER, TRAINING_USER)


class OutOfScope(Exception):
    """A record exists but is outside the user's scope; callers answer 404."""


@dataclass(frozen=True)
class Scope:
    role: str | None = None
    read_all: bool = False
    write_all: bool = False
    region_prefix: str | None = None       # police: jurisdiction, read and write
    read_units: frozenset = frozenset()    # unit users
    write_units: frozenset = frozenset()
    mask_id_numbers: bool = False
    user_id: int | None = None
    unit_id: int | None = None

    @property
    def denied(self) -> bool:
        return not (self.read_all or self.region_prefix or self.read_units)

    @property
    def is_police(self) -> bool:
        return self.role in (PROVINCE_ADMIN, CITY_POLICE, DISTRICT_POLICE)

    @property
    def is_unit_user(self) -> bool:
        return bool(self.read_units) and not self.read_all and not self.region_prefix

    def can_write_unit(self, unit) -> bool:
        """Python-side check for a unit object that may not be flushed yet."""
        if unit is None:
            return False
        if self.write_all:
            return True
        if self.region_prefix:
            return _region_code_of(unit).startswith(self.region_prefix)
        return unit.id is not None and unit.id in self.write_units

    def can_read_unit(self, unit) -> bool:
        if unit is None:
            return False
        if self.read_all:
            return True
        if self.region_prefix:
            return _region_code_of(unit).startswith(self.region_prefix)
        return unit.id in self.read_units


def _region_code_of(unit) -> str:
    """The unit's region code; from the relationship when set (before a flush the
    region_code column of a new or moved unit is still stale)."""
    region = getattr(unit, "region", None)
    return (region.code if region is not None else unit.region_code) or ""


DENY = Scope()
# Work the system does on its own account (an approval creating a unit, a workflow's
# follow-up rows): named, never implied by a missing scope.
SYSTEM = Scope(role="system", read_all=True, write_all=True)


def scope_for_user(user) -> Scope:
    """Compute the scope of a user from the role declared in code and the user's unit/region."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return DENY
    names = {role.name for role in user.roles}
    role = next((r for r in ROLE_PRIORITY if r in names), None)
    base = dict(role=role, user_id=user.id, unit_id=getattr(user, "unit_id", None))
    if role == PROVINCE_ADMIN:
        return Scope(read_all=True, write_all=True, **base)
    if role == ASSOCIATION:
        return Scope(read_all=True, mask_id_numbers=True, **base)
    if role in (CITY_POLICE, DISTRICT_POLICE):
        code = getattr(user, "region_code", None) or ""
        length = 4 if role == CITY_POLICE else 6
        if len(code) < length or not code.startswith("33"):
            return DENY  # a police account without a jurisdiction sees nothing
        return Scope(region_prefix=code[:length], **base)
    unit = getattr(user, "unit", None)
    if unit is None or unit.status != "active":
        return DENY
    expected_kinds = {
        COMPANY_USER: ("company", "branch"),
        SELF_HIRE_USER: ("self_hire",),
        CLIENT_UNIT_USER: ("client",),
        TRAINING_USER: ("training",),
    }.get(role)
    if not expected_kinds or unit.kind not in expected_kinds:
        return DENY
    own = frozenset({unit.id})
    children = frozenset(child.id for child in unit.children if child.status == "active")
    if role == COMPANY_USER:
        # A company reads its branches but changes only its own records.
        return Scope(read_units=own | children, write_units=own, **base)
    if role == SELF_HIRE_USER:
        # A self-hiring unit maintains its client units as well.
        return Scope(read_units=own | children, write_units=own | children, **base)
    return Scope(read_units=own, write_units=own, **base)


def current_scope() -> Scope:
    """The scope of the user of this request (cached per request); DENY outside requests."""
    if not has_request_context():
        return DENY
    user = getattr(g, "user", None)
    # Keyed on the user object: g can outlive a request when an app context is already
    # pushed around several requests (tests), and must never carry another user's scope.
    cached = g.get("scope_cache")
    if cached is None or cached[0] is not user:
        cached = (user, scope_for_user(user))
        g.scope_cache = cached
    return cached[1]


# ---------------------------------------------------------------- SQL clauses

@functools.cache
def _alias(model, name):
    """One alias per model and name for the whole process: building an AliasedClass is
    costly, and a person's page asks for the scope clause thirty times."""
    return aliased(model, name=name)


def _prefix_range(column, prefix):
    """`column LIKE 'prefix%'` written as a range so that a plain b-tree index serves it."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def unit_ids_clause(column, scope: Scope, write: bool = False):
    """Boolean SQL over a column holding unit ids."""
    from app.models import Unit

    if scope.write_all or (scope.read_all and not write):
        return true()
    if scope.region_prefix:
        # An alias that never correlates: the outer query may itself select from unit.
        unit = _alias(Unit, "scope_unit")
        return column.in_(select(unit.id).where(_prefix_range(unit.region_code,
                                                               scope.region_prefix))
                          .correlate_except(unit))
    ids = scope.write_units if write else scope.read_units
    return column.in_(sorted(ids)) if ids else false()


def counted_scope_clause(session, model, scope: Scope):
    """scope_clause for reading, for counts over a whole jurisdiction: rows owned by a unit
    are matched against the jurisdiction's unit ids fetched first (one small query per
    request) rather than a subquery. PostgreSQL hash-joined the subquery against a
    sequential scan (60 ms a count over a city); with values it counts the unit_id index
    alone. Other kinds of rows keep scope_clause. Not for writes."""
    from app.models import Unit

    spec = getattr(model, "__scope__", None) or ("",)
    if spec[0] != "unit" or scope.denied or scope.read_all or not scope.region_prefix:
        return scope_clause(model, scope)
    cache = g.setdefault("jurisdiction_unit_ids", {}) if has_request_context() else {}
    if scope.region_prefix not in cache:
        cache[scope.region_prefix] = session.execute(select(Unit.id).where(
            _prefix_range(Unit.region_code, scope.region_prefix))).scalars().all()
    ids = cache[scope.region_prefix]
    return getattr(model, spec[1]).in_(ids) if ids else false()


def scoped_count(session, model, scope: Scope, *conditions) -> int:
    """How many rows of `model` the scope reads (with `conditions`): counted_scope_clause and
    count(*), so that an index alone can answer (index-only scans)."""
    from sqlalchemy import func

    return session.query(func.count()).select_from(model).filter(
        counted_scope_clause(session, model, scope), *conditions).scalar()


def person_ids_clause(column, scope: Scope, write: bool = False):
    """People are visible where they work or worked; writable where they work now."""
    from app.models import Employment

    if scope.write_all or (scope.read_all and not write):
        return true()
    if scope.denied or (write and not (scope.region_prefix or scope.write_units)):
        return false()
    job = _alias(Employment, "scope_employment")
    # `unit_id + 0`: the person's few employments are found by ix_employment_person and
    # their units tested; left indexable, SQLite probed (unit, person) for every unit of a
    # city, per row.
    condition = and_(job.person_id == column, unit_ids_clause(job.unit_id + 0, scope, write))
    if write:
        condition = and_(condition, job.end_date.is_(None))
    # Correlated EXISTS, not `IN (SELECT person_id …)`: the person's few employments are
    # probed through ix_employment_person instead of listing everyone a city employs
    # (SQLite materialised 60,000 ids for every query of a person's page). The alias
    # correlates only with the person column, never with an employment the outer query has.
    return select(job.id).where(condition).correlate_except(job).exists()


def _shared_clause(model, spec, scope: Scope, write: bool):
    # Reference data: every signed-in role reads it; only the province admin changes it,
    # police also where the row carries a region inside their jurisdiction.
    if not write:
        return false() if scope.denied else true()
    if scope.write_all:
        return true()
    if scope.region_prefix and len(spec) > 1:
        return _prefix_range(getattr(model, spec[1]), scope.region_prefix)
    return false()


def scope_clause(model, scope: Scope | None = None, write: bool = False):
    """The SQL condition selecting the rows of `model` the scope may read (or write)."""
    scope = scope or current_scope()
    spec = getattr(model, "__scope__", None)
    if scope.denied:
        return false()
    if write and not (scope.write_all or scope.region_prefix or scope.write_units):
        return false()  # read-only roles (association) change nothing
    kind = spec[0] if spec else None
    if kind == "self_unit":
        if scope.write_all or (scope.read_all and not write):
            return true()
        if scope.region_prefix:
            return _prefix_range(model.region_code, scope.region_prefix)
        return unit_ids_clause(model.id, scope, write)
    if kind == "unit":
        return unit_ids_clause(getattr(model, spec[1]), scope, write)
    if kind == "person":
        return person_ids_clause(getattr(model, spec[1]), scope, write)
    if kind == "shared":
        return _shared_clause(model, spec, scope, write)
    if kind == "unit_or_person":
        unit_col, person_col = getattr(model, spec[1]), getattr(model, spec[2])
        if write:
            return or_(and_(unit_col.isnot(None), unit_ids_clause(unit_col, scope, True)),
                       and_(unit_col.is_(None), person_ids_clause(person_col, scope, True)))
        return or_(unit_ids_clause(unit_col, scope), person_ids_clause(person_col, scope))
    if kind == "unit_or_region":
        if scope.write_all or (scope.read_all and not write):
            return true()
        if scope.region_prefix:
            return _prefix_range(getattr(model, spec[2]), scope.region_prefix)
        return unit_ids_clause(getattr(model, spec[1]), scope, write)
    if kind == "change_log":
        if write:
            return false()  # written by ORM events only
        return or_(unit_ids_clause(model.unit_id, scope),
                   person_ids_clause(model.person_id, scope))
    # admin_only, or no declaration at all: deny by default.
    return true() if scope.write_all else false()


def scoped_query(session, model, write: bool = False, scope: Scope | None = None):
    return session.query(model).filter(scope_clause(model, scope, write))


def get_scoped(session, model, pk, write: bool = False, scope: Scope | None = None):
    """flaskr's get_post(): the row, or 404 when it is missing or out of scope."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        abort(404)
    item = scoped_query(session, model, write, scope).filter(model.id == pk).one_or_none()
    if item is None:
        abort(404)
    return item


def in_scope(session, item, write: bool = True, scope: Scope | None = None,
             spec: tuple | None = None) -> bool:
    """Whether an item (possibly new and unflushed) lies in the scope.

    Unflushed rows are judged by their owner (unit or person), which must itself be in
    scope; flushed rows are re-read through `scope_clause`.
    """
    scope = scope or current_scope()
    model = type(item)
    spec = spec or getattr(model, "__scope__", None) or ("admin_only",)
    kind = spec[0]
    if scope.denied or (write and not (scope.write_all or scope.region_prefix
                                       or scope.write_units)):
        return False
    if kind == "self_unit":
        return scope.can_write_unit(item) if write else scope.can_read_unit(item)
    if kind == "unit":
        unit = _related(session, item, spec[1])
        return scope.can_write_unit(unit) if write else scope.can_read_unit(unit)
    if kind == "unit_or_person":
        if _related_id(item, spec[1]) is not None:
            return in_scope(session, item, write, scope, spec=("unit", spec[1]))
        return in_scope(session, item, write, scope, spec=("person", spec[2]))
    if kind == "person":
        person_id = _related_id(item, spec[1])
        if person_id is None:
            # A new person is writable by anyone who may add people; its employment
            # (added in the same transaction) then places it in scope.
            return kind == "person" and spec[1] == "id" and (
                scope.write_all or bool(scope.region_prefix or scope.write_units))
        from app.models import Person
        return session.query(
            select(Person.id).where(Person.id == person_id,
                                    person_ids_clause(Person.id, scope, write)).exists()
        ).scalar()
    if kind == "shared":
        if item.id is None and write:
            return not scope.denied  # anyone who may add may create a new shared entry
        return session.query(select(model.id).where(
            model.id == item.id, _shared_clause(model, spec, scope, write)).exists()).scalar()
    if kind == "unit_or_region":
        if scope.write_all or (scope.read_all and not write):
            return True
        if scope.region_prefix:
            return (getattr(item, spec[2]) or "").startswith(scope.region_prefix)
        unit_id = _related_id(item, spec[1])
        return unit_id in (scope.write_units if write else scope.read_units)
    if kind == "change_log":
        return not write and session.query(select(model.id).where(
            model.id == item.id, scope_clause(model, scope)).exists()).scalar()
    return scope.write_all


def _related(session, item, fk_column):
    """The owning unit of an item, from the relationship when set (FK may be stale)."""
    from app.models import Unit

    rel_name = fk_column[:-3] if fk_column.endswith("_id") else fk_column
    unit = getattr(item, rel_name, None)
    if unit is not None:
        return unit
    unit_id = getattr(item, fk_column, None)
    return session.get(Unit, unit_id) if unit_id is not None else None


def _related_id(item, fk_column):
    if fk_column == "id":
        return item.id
    rel_name = fk_column[:-3] if fk_column.endswith("_id") else fk_column
    related = getattr(item, rel_name, None)
    if related is not None:
        return related.id
    return getattr(item, fk_column, None)
