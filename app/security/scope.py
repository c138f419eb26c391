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
  ("audience", "<region column>", "<unit kind column>")  addressed to the units of a
                            region (and kind): police read and write inside their
                            jurisdiction, a unit user reads what addresses their own unit
  ("admin_only",)           system tables for the province admin
A model without `__scope__` is invisible to everyone but the province admin.

Entry points, one per use (docs/architecture.md, "The one access mechanism"):
  scope_clause(model, scope, write)              the SQL filter of every list, count, lookup
  get_scoped(session, model, pk, write, scope)   a row by id, or OutOfScope
  in_scope(session, item, write, scope)          whether a row (also one being saved) is in
                                                 reach; `Scope.writes`: may write at all
Each scope kind is written once, as SQL in `scope_clause`; a row being saved is judged by the
same SQL over its own values. The policy knows no Flask: the web layer
installs the request's scope (`install_scope_source`) and turns OutOfScope into 404.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import and_, any_, false, func, inspect, literal, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnClause

from app.extensions import IntArrayText, int_array_param
from app.models import Employment, Unit

from .roles import (ASSOCIATION, CITY_POLICE, CLIENT_UNIT_USER, COMPANY_USER, DISTRICT_POLICE,
                    PROVINCE_ADMIN, ROLE_PRIORITY, SELF_HIRE_USER, TRAINING_USER)


class OutOfScope(Exception):
    """A record is missing or outside the user's scope; the web layer answers 404."""


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
    # Per-scope memo (the jurisdiction's unit ids); a scope lives for one request.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def denied(self) -> bool:
        return not (self.read_all or self.region_prefix or self.read_units)

    @property
    def writes(self) -> bool:
        """Whether the scope may write anything at all (the association may not)."""
        return bool(self.write_all or self.region_prefix or self.write_units)

    @property
    def is_police(self) -> bool:
        return self.role in (PROVINCE_ADMIN, CITY_POLICE, DISTRICT_POLICE)

    @property
    def is_unit_user(self) -> bool:
        return bool(self.read_units) and not self.read_all and not self.region_prefix


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


def is_shared(model) -> bool:
    """Reference data every signed-in role reads (the "shared" kind)."""
    return (getattr(model, "__scope__", None) or ("",))[0] == "shared"


_scope_source = None


def install_scope_source(source) -> None:
    """The web layer names where the current user's scope comes from (the request)."""
    global _scope_source
    _scope_source = source


def current_scope() -> Scope:
    """The scope of the user being served; DENY when nobody is (scripts, workers)."""
    return _scope_source() if _scope_source is not None else DENY


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


def unit_ids_clause(column, scope: Scope, write: bool = False, session=None):
    """Boolean SQL over a column holding unit ids. Given a session (reads of a list, a
    count), a police jurisdiction is its unit ids as values, fetched once per request."""
    if scope.write_all or (scope.read_all and not write):
        return true()
    if scope.region_prefix and session is not None and not write \
            and not scope.memo.get(KEYED_TO_RECORD):
        ids = _jurisdiction_unit_ids(session, scope)
        if not ids:
            return false()
        if session.get_bind().dialect.name == "postgresql":
            # One array parameter, not ~700: PostgreSQL planned each of those parameters in
            # every statement (5–10 ms for a person's dispatch tab). Bound as the array's
            # text, made once per request: psycopg checked each of the ~665 numbers with a
            # regular expression in every statement (~0.5 ms a statement; docs/speed.md).
            return column == any_(int_array_param(_ids_text(scope, ids)))
        return column.in_(ids)
    if scope.region_prefix:
        # An alias that never correlates: the outer query may itself select from unit.
        unit = _alias(Unit, "scope_unit")
        return column.in_(select(unit.id).where(_prefix_range(unit.region_code,
                                                               scope.region_prefix))
                          .correlate_except(unit))
    ids = scope.write_units if write else scope.read_units
    return column.in_(sorted(ids)) if ids else false()


# A list keyed to one record (a record page's tab: a person's dispatches; a unit page's
# pane: its guards, its services) keeps the subquery form: its few rows are found by the record's foreign-key
# index and tested against the jurisdiction's units hashed once. The ids as values cost an
# extra statement and ~665 parameters bound, rendered and (PostgreSQL) planned per statement
# for no gain there: a person's dispatch tab 34 ms against 28 ms on PostgreSQL, 13 against
# 9.4 ms on SQLite (medians of 40 interleaved requests, docs/speed.md).
KEYED_TO_RECORD = "keyed_to_record"


@contextmanager
def keyed_to_record(scope: Scope):
    """Reads inside select a record's related rows: the scope by subquery, not by values."""
    before = scope.memo.get(KEYED_TO_RECORD)
    scope.memo[KEYED_TO_RECORD] = True
    try:
        yield
    finally:
        scope.memo[KEYED_TO_RECORD] = before


def _jurisdiction_unit_ids(session, scope: Scope):
    """The ids of the units in a police jurisdiction, fetched once per scope (a request)."""
    key = ("jurisdiction_unit_ids", scope.region_prefix)
    if key not in scope.memo:
        scope.memo[key] = session.execute(select(Unit.id).where(
            _prefix_range(Unit.region_code, scope.region_prefix))).scalars().all()
    return scope.memo[key]


def _ids_text(scope: Scope, ids) -> str:
    """The jurisdiction's unit ids as PostgreSQL's array text ("{1,2,3}"), once per scope."""
    key = ("jurisdiction_unit_ids_text", scope.region_prefix)
    if key not in scope.memo:
        scope.memo[key] = IntArrayText("{" + ",".join(map(str, ids)) + "}")
    return scope.memo[key]


def scoped_count(session, model, scope: Scope, *conditions) -> int:
    """How many rows of `model` the scope reads (with `conditions`), by count(*) over the
    scope filter with the jurisdiction's unit ids as values, so an index alone answers."""
    return session.query(func.count()).select_from(model).filter(
        scope_clause(model, scope, session=session), *conditions).scalar()


def scoped_counts_by(session, model, scope: Scope, column, *conditions) -> dict:
    """scoped_count per value of `column` in one statement (a queue's tab badges)."""
    return dict(session.query(column, func.count()).select_from(model).filter(
        scope_clause(model, scope, session=session), *conditions).group_by(column).all())


def person_ids_clause(column, scope: Scope, write: bool = False, session=None):
    """People are visible where they work or worked; writable where they work now."""
    if scope.write_all or (scope.read_all and not write):
        return true()
    if scope.denied or (write and not scope.writes):
        return false()
    job = _alias(Employment, "scope_employment")
    # `unit_id + 0`: the person's few employments are found by ix_employment_person and
    # their units tested; left indexable, SQLite probed (unit, person) for every unit of a
    # city, per row.
    condition = and_(job.person_id == column,
                     unit_ids_clause(job.unit_id + 0, scope, write, session))
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


def scope_clause(model, scope: Scope | None = None, write: bool = False, session=None):
    """The SQL condition selecting the rows of `model` the scope may read (or write).

    Given a session (every list, count and lookup: app.web.crud.ScopeFilter), a police
    jurisdiction is matched as the unit ids fetched once per request rather than a subquery
    in every statement: PostgreSQL hash-joined the subquery against a sequential scan (60 ms
    a count over a city) and planned it again in each statement; with values it counts the
    unit_id index alone. Reads only: writes (and in_scope, which substitutes a row's own
    values) keep the subquery."""
    scope = scope or current_scope()
    spec = getattr(model, "__scope__", None)
    if scope.denied:
        return false()
    if write and not scope.writes:
        return false()  # read-only roles (association) change nothing
    kind = spec[0] if spec else None
    session = None if write else session   # values for reads only; writes judge by SQL
    if kind == "self_unit":
        if scope.write_all or (scope.read_all and not write):
            return true()
        if scope.region_prefix:
            return _prefix_range(model.region_code, scope.region_prefix)
        return unit_ids_clause(model.id, scope, write)
    if kind == "unit":
        return unit_ids_clause(getattr(model, spec[1]), scope, write, session)
    if kind == "person":
        return person_ids_clause(getattr(model, spec[1]), scope, write, session)
    if kind == "shared":
        return _shared_clause(model, spec, scope, write)
    if kind == "unit_or_person":
        unit_col, person_col = getattr(model, spec[1]), getattr(model, spec[2])
        if write:
            return or_(and_(unit_col.isnot(None), unit_ids_clause(unit_col, scope, True)),
                       and_(unit_col.is_(None), person_ids_clause(person_col, scope, True)))
        return or_(unit_ids_clause(unit_col, scope, session=session),
                   person_ids_clause(person_col, scope, session=session))
    if kind == "unit_or_region":
        if scope.write_all or (scope.read_all and not write):
            return true()
        if scope.region_prefix:
            return _prefix_range(getattr(model, spec[2]), scope.region_prefix)
        return unit_ids_clause(getattr(model, spec[1]), scope, write)
    if kind == "change_log":
        if write:
            return false()  # written by ORM events only
        return or_(unit_ids_clause(model.unit_id, scope, session=session),
                   person_ids_clause(model.person_id, scope, session=session))
    if kind == "audience":
        if scope.write_all or (scope.read_all and not write):
            return true()
        region, unit_kind = getattr(model, spec[1]), getattr(model, spec[2])
        if scope.region_prefix:
            return _prefix_range(region, scope.region_prefix)
        if write or not scope.unit_id:
            return false()
        unit = _alias(Unit, "audience_unit")
        return select(unit.id).where(
            unit.id == scope.unit_id, unit.region_code.like(region + "%"),
            or_(unit_kind == "all", unit_kind == unit.kind)).correlate_except(unit).exists()
    # admin_only, or no declaration at all: deny by default.
    return true() if scope.write_all else false()


def get_scoped(session, model, pk, write: bool = False, scope: Scope | None = None):
    """flaskr's get_post(): the row, or OutOfScope when it is missing or out of reach."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise OutOfScope() from None
    item = session.query(model).filter(scope_clause(model, scope, write),
                                       model.id == pk).one_or_none()
    if item is None:
        raise OutOfScope()
    return item


def in_scope(session, item, write: bool = True, scope: Scope | None = None) -> bool:
    """Whether an item (possibly new, moved or unflushed) lies in the scope.

    The row is judged as it will be saved, by the same SQL as every list: `scope_clause`
    with the model's own columns replaced by the item's values (a foreign key from the
    relationship when that is what changed), evaluated without flushing, so the history
    authority reads (app/security/authority.py) stays intact. Two kinds of new row have no
    owner in the database yet: a new person (placed by the employment added in the same
    transaction) and a new shared entry; whoever may write at all may create them."""
    scope = scope or current_scope()
    if scope.denied or (write and not scope.writes):
        return False
    model = type(item)
    spec = getattr(model, "__scope__", None) or ("admin_only",)
    state = inspect(item)
    if write and (state.transient or state.pending) and \
            (spec[0] == "shared" or (spec[0] == "person" and spec[1] == "id")):
        return True
    table = model.__table__

    def as_value(element):
        if isinstance(element, ColumnClause) and getattr(element, "table", None) is table:
            return literal(_pending_value(item, state, element.name), type_=element.type)
        return None

    clause = visitors.replacement_traverse(scope_clause(model, scope, write), {}, as_value)
    with session.no_autoflush:
        return session.execute(select(literal(1)).where(clause)).first() is not None


def _pending_value(item, state, column_name):
    """The value column `column_name` of `item` will have once flushed: a foreign key set
    through its relationship is not copied to the column before the flush."""
    prop = state.mapper.get_property_by_column(state.mapper.local_table.c[column_name])
    if not state.attrs[prop.key].history.has_changes():
        for rel in state.mapper.relationships:
            if rel.direction.name != "MANYTOONE" or rel.key not in state.dict:
                continue
            for local, remote in rel.local_remote_pairs:
                if local.name == column_name:
                    related = state.dict[rel.key]
                    return None if related is None else getattr(
                        related, rel.mapper.get_property_by_column(remote).key)
    return getattr(item, prop.key)
