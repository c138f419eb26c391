"""The staff lists' filters, shared by the pages (app.views.staff) and REST (app.api.staff):
active employments of one role, the list search (name prefix, ID or certificate number, unit
name), and a unit's staff tab."""
from flask import g, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter, FilterRelation
from sqlalchemy import false, or_, select

from app.extensions import db
from app.models import Certificate, Employment, Person
from app.services import rules
from app.services.search import starts_with
# On main these live in app.web.crud: the lead rewrites this import when merging.
from app.web.crud import READ_SCOPE, units_named


class ActiveRoleFilter(BaseFilter):
    """Active employments of one role (arg_name None: no URL can drop it)."""
    name = "role"
    arg_name = None

    def apply(self, query, value):
        return query.filter(Employment.role == value, Employment.end_date.is_(None))


SEARCH_IDS_MAX = 2000
SEARCH_UNITS_MAX = 500


def _once(key, compute):
    """compute() once per request: a list's count, page and export apply the same filters,
    and the ids they fetch first stay the same within the request."""
    cache = g.setdefault("staff_list_ids", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def staff_search_clause(q: str, unit_text: str):
    """The list search: name (prefix), ID number (exact), certificate number (exact), and
    the unit by a part of its name. Plain text boxes, no dropdown of units."""
    conditions = []
    q = (q or "").strip()[:50]
    if q:
        upper = q.upper()
        people = select(Person.id).where(or_(starts_with(Person.name, q,
                                                         db.engine.dialect.name),
                                             Person.id_number == upper)) \
            .union(select(Certificate.person_id).where(Certificate.number == q))
        # Most searches find a few people: fetch their employments' ids first, so that the
        # list looks those rows up by id. Left to the planner, SQLite walks a whole city's
        # staff newest first and tests each row against the search (hundreds of ms).
        jobs = _once(("search", q), lambda: db.session.execute(select(Employment.id).where(
            Employment.person_id.in_(people)).limit(SEARCH_IDS_MAX + 1)).scalars().all())
        if len(jobs) <= SEARCH_IDS_MAX:
            conditions.append(Employment.id.in_(jobs) if jobs else false())
        else:  # a broad prefix: walking newest first finds a page soon enough
            conditions.append(Employment.person_id.in_(people))
    units = units_named(unit_text)
    if units is not None:
        # A self-hiring unit's staff include the guards of its client units.
        ids = _once(("named", unit_text.strip()[:50]), lambda: rules.staff_unit_ids(
            db.session, units, limit=SEARCH_UNITS_MAX))
        conditions.append(Employment.unit_id.in_(
            rules.staff_unit_ids_select(units) if ids is None else ids))
    return conditions


class StaffOfUnitFilter(FilterRelation):
    """The staff tab of a unit's page: employments at the unit or, for a self-hiring unit,
    at its client units. A related-view filter, so the tab's 【新增】 presets the unit."""
    name = "staff of unit"

    def apply(self, query, value):
        unit_id = int(value)
        return query.filter(Employment.unit_id.in_(_once(
            ("unit", unit_id), lambda: rules.staff_unit_ids(db.session, unit_id))))


class StaffSearchFilter(BaseFilter):
    """Reads the list's own search box (`search`, `unit`; `q` is FAB's rison) from the request."""
    name = "search"
    arg_name = None

    def apply(self, query, value):
        if not has_request_context():
            return query
        for condition in staff_search_clause(request.args.get("search"), request.args.get("unit")):
            query = query.filter(condition)
        return query


def role_filters(role):
    return READ_SCOPE + [["id", ActiveRoleFilter, role], ["id", StaffSearchFilter, None]]


