"""FAB's SQLAInterface, made fit for a province: index-friendly prefix search, list pages
paged by id, joins that load only what the list shows. Used by every page and REST base."""
import types

from flask_appbuilder.models.sqla.filters import (FilterStartsWith, SQLAFilterConverter,
                                                  get_field_setup_query)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask import current_app, has_request_context, request
from sqlalchemy import asc as sa_asc
from sqlalchemy import func
from sqlalchemy import desc as sa_desc
from sqlalchemy.orm import Load, contains_eager

from app.services.search import starts_with


class IndexedStartsWith(FilterStartsWith):
    """FAB's "starts with" is `lower(col) LIKE 'x%'`, which no index serves; names and
    ID numbers are searched by prefix all day, so use the index-friendly form."""

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(starts_with(field, value, query.session.get_bind().dialect.name))


class IndexedFilterConverter(SQLAFilterConverter):
    conversion_table = tuple(
        (test, [IndexedStartsWith if f is FilterStartsWith else f for f in filters])
        for test, filters in SQLAFilterConverter.conversion_table)

    def convert(self, col_name):
        """FAB converts every column of the model each time it builds a Filters (each list
        request, each of a unit page's 23 tab panes: ~450 conversions a page). The filter
        instances hold no values (Filters keeps those), so one conversion per datamodel and
        column serves; a new list each time, as Filters extends the lists it gets."""
        cache = self.datamodel.__dict__.setdefault("_converted_filters", {})
        if col_name not in cache:
            cache[col_name] = super().convert(col_name)
        found = cache[col_name]
        return list(found) if found is not None else None


def _get_related_obj(self, col_name, value):
    # FAB's Query.get() raises SQLAlchemy's legacy-API warning on every related-view filter
    # (a record's tab), and formatting that warning cost ~10 ms a call; Session.get is the
    # same lookup (identity map first).
    return self.session.get(self.get_related_model(col_name), value)


def use_indexed_filters(datamodel):
    datamodel.filter_converter_class = IndexedFilterConverter
    datamodel.get_related_obj = types.MethodType(_get_related_obj, datamodel)
    datamodel.query = types.MethodType(_page_by_ids, datamodel)
    datamodel.apply_inner_select_joins = types.MethodType(_select_joins_leaf_only, datamodel)


def _select_joins_leaf_only(self, query, select_columns=None, aliases_mapping=None):
    """FAB's joins for dotted columns (`unit.name`), loading only that column of the related
    row. FAB outer-joins the relation, but the related model's own eager relations (unit →
    region, innerjoin) came along as plain inner joins and dropped every row whose relation
    is empty: an application whose filing creates a new unit, a conduct record of a person
    only, was counted and then missing from the list and its own GET."""
    query = SQLAInterface.apply_inner_select_joins(self, query, select_columns, aliases_mapping)
    for root in {c.split(".")[0] for c in select_columns or () if "." in c}:
        if self.is_relation_many_to_one(root) or self.is_relation_many_to_many_special(root):
            alias = self.get_alias_mapping(root, aliases_mapping)
            query = query.options(
                contains_eager(getattr(self.obj, root).of_type(alias)).lazyload("*"),
                Load(alias).lazyload("*"))
    return query


def _page_by_ids(self, filters=None, order_column="", order_direction="", page=None,
                 page_size=None, select_columns=None, outer_default_load=False):
    """FAB's list query, paged in two steps: the page's ids from the model's own table
    (filters and order there, so an index on the order column is walked and stops at a
    page), then those rows with their eagerly joined relations. In one query the joins
    (dispatch → service → target → category, person, unit …) made SQLite join and sort
    every dispatch of a city before taking twenty."""
    plain = (page_size and order_column and "." not in order_column
             and hasattr(self.obj, order_column)
             and not (select_columns and self.exists_col_to_many(select_columns))
             and not any("." in f.column_name for f in (filters.filters if filters else [])))
    if not plain:
        return SQLAInterface.query(self, filters, order_column, order_direction, page,
                                   page_size, select_columns, outer_default_load)
    count = list_count(self, filters, select_columns)
    pk = self.get_pk()
    direction = sa_asc if order_direction == "asc" else sa_desc
    ids_query = self.apply_filters(self.session.query(pk), filters).order_by(
        direction(getattr(self.obj, order_column)), direction(pk))
    ids = [row[0] for row in self.apply_pagination(ids_query, page, page_size)]
    if not ids:
        return count, []
    rows = self.apply_all(self.session.query(self.obj).filter(pk.in_(ids)), None,
                          order_column, order_direction, None, None, select_columns,
                          outer_default_load).all()
    return count, [getattr(row, self.obj.__name__, row) for row in rows]


# ------------------------------------------------------------------ list counts

class EstimatedCount(int):
    """A list's record count that is not exact: an estimate ("约 130,000") or a lower bound
    ("超过 10,000"). Arithmetic (the pager) uses the number; the page prints the words."""

    def __new__(cls, value, bound=False):
        made = super().__new__(cls, value)
        made.bound = bound
        return made

    def __str__(self):
        from flask_babel import gettext as _
        if self.bound:
            return _("over %(count)s", count=f"{int(self) - 1:,}")
        return _("about %(count)s", count=f"{_two_figures(int(self)):,}")

    __html__ = __str__


def _two_figures(number):
    digits = len(str(number)) - 2
    return round(number, -digits) if digits > 0 else number


def _unfiltered_page():
    """A list page as the menu (or a tab) opens it: no filter, search or unit text chosen by
    the user, and not the REST API (whose clients rely on exact counts)."""
    if not has_request_context() or request.path.startswith("/api/"):
        return False
    return not any(arg.startswith("_flt_") or arg in ("search", "unit", "q")
                   for arg in request.args)


# An estimate this many times the exact-count bound is taken without counting: on these
# indexed predicates with fresh statistics the planner strays by less than a factor of two.
PLANNER_TRUSTED = 4


def list_count(datamodel, filters, select_columns=None):
    """The record count of a list page. Exact, except for a huge list (more than
    LIST_COUNT_EXACT_MAX rows) opened without filters: then PostgreSQL's planner estimate
    (EXPLAIN) and on SQLite the bound itself, found by counting at most that many rows
    (docs/speed.md). The bare people list of police counts the jurisdiction's employments
    (people are in scope where they work or worked) instead of probing every person."""
    session = datamodel.session
    only_scope = all(getattr(flt, "is_scope_filter", False) and value == "read"
                     for flt, value in (filters.get_filters_values() if filters else ()))
    base = people = _people_by_employment(datamodel, session) if only_scope else None
    # A record's tab (its related-view filter: this unit, this person) is small: exact.
    unfiltered = _unfiltered_page() and not any(
        getattr(flt, "is_related_view", False) for flt in (filters.filters if filters else ()))
    if base is None:
        if not unfiltered:
            return datamodel.query_count(session.query(datamodel.obj), filters, select_columns)
        # No dotted filter here (_page_by_ids' plain case): the model's own table.
        base = datamodel.apply_filters(session.query(datamodel.get_pk()), filters)
    if not unfiltered:
        return session.query(func.count()).select_from(base.subquery()).scalar()
    limit = current_app.config.get("LIST_COUNT_EXACT_MAX", 10_000)
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql and people:
        # PostgreSQL hashes every employment of the city before a DISTINCT … LIMIT stops:
        # ask the planner first, count exactly only a small jurisdiction.
        estimate = _planner_rows(session, base)
        if estimate > limit:
            return EstimatedCount(estimate)
        return session.query(func.count()).select_from(base.subquery()).scalar()
    # A list that was small last time is counted first: its planner question is skipped.
    small = postgresql and _SMALL_LISTS.get(_list_key()) is not None
    estimate = _planner_rows(session, base) if postgresql and not small else None
    if estimate is not None and estimate > PLANNER_TRUSTED * limit:
        # Well beyond the bound: the planner's figure alone (the bounded count of a city's
        # dispatches cost as much as the page's rows; docs/speed.md).
        return EstimatedCount(estimate)
    bounded = session.query(func.count()).select_from(
        base.limit(limit + 1).subquery()).scalar()
    if postgresql:
        _remember_size(bounded <= limit)
    if bounded <= limit:
        return bounded
    if postgresql:
        if estimate is None:
            estimate = _planner_rows(session, base)
        return EstimatedCount(max(estimate, limit + 1))
    return EstimatedCount(limit + 1, bound=True)


# Unfiltered lists found small by their last count, by page and reader: on PostgreSQL their
# next count skips the planner's estimate (a statement, ~1 ms: a queue of a city, any list of
# a unit). Only a hint: a list that has grown is counted, found over the bound and estimated.
_SMALL_LISTS: dict = {}
_SMALL_LISTS_MAX = 10_000


def _list_key():
    from app.security.scope import current_scope
    scope = current_scope()
    return (request.endpoint, scope.read_all, scope.region_prefix, scope.read_units)


def _remember_size(small: bool):
    key = _list_key()
    if not small:
        _SMALL_LISTS.pop(key, None)
        return
    if len(_SMALL_LISTS) >= _SMALL_LISTS_MAX:
        _SMALL_LISTS.clear()
    _SMALL_LISTS[key] = True


def _people_by_employment(datamodel, session):
    """SELECT of the distinct people employed in a police jurisdiction, or None when the
    list is not the bare people list of police."""
    from app.models import Employment, Person
    from app.security.scope import current_scope, unit_ids_clause
    scope = current_scope()
    if datamodel.obj is not Person or not scope.region_prefix:
        return None
    return session.query(Employment.person_id).filter(
        unit_ids_clause(Employment.unit_id, scope, session=session)).distinct()


def _planner_rows(session, query):
    """PostgreSQL's estimate of the rows `query` returns (EXPLAIN, no execution)."""
    statement = query.statement.compile(dialect=session.get_bind().dialect,
                                        compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + statement.string, statement.params).scalar()
    if isinstance(plan, str):
        import json
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class DisplayedInterface(SQLAInterface):
    """A model whose list, show and export cells need what one lookup per page of rows
    finds (names of related records, users), never one per row: `cells(session, items)`
    gives one dict of displayed values per item; other columns read as FAB reads them."""

    def __init__(self, obj, cells, session=None):
        super().__init__(obj, session)
        self.cells = cells

    def _rows(self, items, columns, read):
        for item, shown in zip(items, self.cells(self.session, items)):
            yield {col: shown[col] if col in shown else read(item, col) for col in columns}

    def get_values(self, lst, list_columns):
        # A generator, as FAB's: it holds the page's items (the session's identity map keeps
        # them only while referenced) until the list is rendered.
        yield from self._rows(list(lst), list_columns, self._get_attr_value)

    def get_values_item(self, item, show_columns):
        row = next(self._rows([item], show_columns, self._get_attr_value))
        return [row[col] for col in show_columns]

    def export_rows(self, query, columns, read, chunk=500):
        """Row tuples of `query` for an export, looked up `chunk` rows at a time."""
        items = []
        for item in query.yield_per(chunk):
            items.append(item)
            if len(items) == chunk:
                yield from ([row[c] for c in columns] for row in self._rows(items, columns, read))
                items = []
        yield from ([row[c] for c in columns] for row in self._rows(items, columns, read))
