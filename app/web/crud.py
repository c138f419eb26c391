"""The scoped CRUD glue both bases stand on (app/views/base.py for pages, app/api/base.py for
REST): permissions, the scope filter, the save and delete paths with their one transaction,
the relation scopes, and export. Like NetBox's `restrict(user, action)`: every query a view
builds starts from the scope; every save asks rules → scope → authority, in that order."""
import datetime as dt
import functools

from flask import current_app, g, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.models import AppUser, Unit
from app.models.authority import declared_rules
from app.security import authority
from app.security.scope import OutOfScope, current_scope, in_scope, is_shared, scope_clause
from app.services import dashboard, rules
from app.services.errors import RuleViolation
from app.services import jobs
from app.services.export import log_export, rows_from_items, write_xlsx
from app.web.display import masked_columns, masks
from app.web.files import send_temporary
from app.web.datamodel import DisplayedInterface
from app.web.transaction import atomic

# One permission vocabulary for pages and REST resources: read, add, edit, delete, export.
METHOD_PERMISSIONS = {
    "list": "read", "show": "read", "related_tab": "read", "download": "read",
    "add": "add", "edit": "edit", "delete": "delete", "muldelete": "delete",
    "export": "export",
    "get": "read", "get_list": "read", "info": "read", "distinct": "read",
    "post": "add", "put": "edit", "export_xlsx": "export",
}


def column_tuples(query, model, columns, masked=()):
    """Rows of `query` (its filters, joins and order kept) as tuples of `columns`, or None
    when a column is neither a mapped column of `model` nor a `code_label` of one. A code's
    label is looked up once per distinct code of the export."""
    from sqlalchemy import inspect as sa_inspect
    from app.models.choices import code_label
    from app.services.idnumber import mask_id_number
    mapped = sa_inspect(model).column_attrs
    postgresql = query.session.get_bind().dialect.name == "postgresql"
    selected, convert = [], []
    for column in columns:
        described = getattr(model, "__dict__", {}).get(column)
        for klass in model.__mro__:
            if column in klass.__dict__:
                described = klass.__dict__[column]
                break
        if column in mapped:
            attribute = getattr(model, column)
            if isinstance(attribute.type, Date) and column not in masked:
                # The ISO text the cell shows, straight from the database: no date object
                # made per row only to be formatted back (a 100,000-row export). SQLite
                # stores it so; PostgreSQL's text of a date follows DateStyle, to_char not.
                attribute = (func.to_char(attribute, "YYYY-MM-DD") if postgresql
                             else cast(attribute, String))
            selected.append(attribute)
            convert.append(mask_id_number if column in masked else None)
        elif isinstance(described, code_label) and described.column in mapped:
            selected.append(getattr(model, described.column))
            labels = {}

            def to_label(code, _labels=labels, _label=described):
                if code not in _labels:
                    _labels[code] = _label.__get__(_CodeHolder(_label.column, code))
                return _labels[code]
            convert.append(to_label)
        else:
            return None
    rows = query.with_entities(*selected).yield_per(2000)
    if not any(convert):
        return (tuple(row) for row in rows)
    converted = tuple((i, fn) for i, fn in enumerate(convert) if fn is not None)

    def row_of(row):
        row = list(row)
        for i, fn in converted:
            row[i] = fn(row[i])
        return row
    return (row_of(row) for row in rows)


class _CodeHolder:
    """Stands in for a row: code_label reads only its code column."""

    def __init__(self, column, code):
        setattr(self, column, code)


class ScopeFilter(BaseFilter):
    """Base filter applying the user's scope. arg_name is None so no URL can pick or drop it."""
    name = "scope"
    arg_name = None
    is_scope_filter = True   # app.web.datamodel.list_count: a list with nothing else is bare

    def apply(self, query, value):
        # Reads: the jurisdiction's unit ids once per request, as values (scope_clause).
        return query.filter(scope_clause(self.model, current_scope(), write=value == "write",
                                         session=query.session))


# Text boxes of the lists read by base filters from the request (app/web/staff.py), named
# in the export log beside FAB's filters.
EXPORT_TEXT_ARGS = (("search", _l("Search")), ("unit", _l("Unit")),
                    ("figure", _l("Dashboard figure")), ("area", _l("Area")))

READ_SCOPE = [["id", ScopeFilter, "read"]]
WRITE_SCOPE = [["id", ScopeFilter, "write"]]


@functools.cache
def _named_unit():
    return aliased(Unit, name="named_unit")


def units_named(text):
    """SELECT of the ids of the units whose name contains `text`; None for an empty box.
    An alias of unit: never correlated with a unit the outer query selects."""
    text = (text or "").strip()[:50]
    if not text:
        return None
    unit = _named_unit()
    return select(unit.id).where(unit.name.contains(text)).correlate_except(unit)


def unit_name_clause(unit_id_column, text):
    """A list's unit filter without a dropdown of units: the unit's name contains `text`.
    Only narrows a query the scope already limits; the indexed unit_id column takes the
    small set of matching unit ids. None when the box is empty."""
    units = units_named(text)
    return None if units is None else unit_id_column.in_(units)


class UnitNameFilter(BaseFilter):
    """Reads the list's `unit` text box from the request (arg_name None: not a FAB filter
    a URL could remove); the column is the model's unit id column. Exports see it too."""
    name = "unit"
    arg_name = None

    def apply(self, query, value):
        if not has_request_context():
            return query
        clause = unit_name_clause(getattr(self.datamodel.obj, self.column_name),
                                  request.args.get("unit"))
        return query if clause is None else query.filter(clause)


class DrillFilter(BaseFilter):
    """A dashboard figure's own conditions (`?figure=family:value&area=…`, app.services.
    dashboard.drill_clause): the list a figure links to counts exactly the figure. Read from
    the request (arg_name None: not a FAB filter); the scope filter still applies."""
    name = "figure"
    arg_name = None

    def apply(self, query, value):
        if not has_request_context() or not request.args.get("figure"):
            return query
        return query.filter(dashboard.drill_clause(
            query.session, current_scope(), self.datamodel.obj, request.args.get("figure"),
            request.args.get("area") or None))


DRILL = [["id", DrillFilter, None]]


class ScopedMixin:
    """What the page base and the REST base share: permissions, scope, rules, the one save
    and delete path (one transaction each), relation scopes and export."""
    method_permission_name = METHOD_PERMISSIONS
    base_filters = READ_SCOPE
    export_columns = None

    def _write_filters(self):
        return self.datamodel.get_filters().add_filter_list(WRITE_SCOPE)

    def get_writable(self, pk):
        """The row `pk` in the user's write scope, else OutOfScope (404)."""
        item = self.datamodel.get(pk, self._write_filters())
        if item is None:
            raise OutOfScope()
        return item

    def check_item(self, item, creating: bool):
        """Business rules (RuleViolation), then the scope of the (possibly moved) item and of
        every row it names (OutOfScope, 404), then the user's authority over the record
        (AuthorityViolation, 403)."""
        session = self.datamodel.session
        scope = current_scope()
        rules.validate(session, item, creating, scope)
        if not in_scope(session, item, write=True, scope=scope) or \
                not authority.check_relations(session, item, creating, scope):
            raise OutOfScope()
        authority.check(session, item, authority.CREATE if creating else authority.CHANGE,
                        scope)

    def pre_add(self, item):
        self.check_item(item, creating=True)

    def pre_update(self, item):
        self.check_item(item, creating=False)

    def pre_delete(self, item):
        authority.check(self.datamodel.session, item, authority.DELETE)

    def locked_fields(self, author) -> set:
        """Form fields `author` may not set on this kind of record (any of its kinds)."""
        return authority.locked_fields(declared_rules(self.datamodel.obj), author)

    @staticmethod
    def masked_columns(columns):
        return masked_columns(columns, current_scope())

    def relation_scopes(self, existing, columns):
        """The rows a relation field of the add/edit form may name: shared reference data
        from the read scope, every other row from the write scope."""
        rel = dict(existing or {})
        for column in columns:
            model = self.datamodel.get_related_model(column) \
                if self.datamodel.is_relation(column) else None
            if model is not None:
                rel.setdefault(column, READ_SCOPE if is_shared(model) else WRITE_SCOPE)
        return rel

    # ------------------------------------------------------------ the one save path

    def save_item(self, item, creating: bool):
        """Check and commit `item` in one transaction, then the post hook. On any refusal
        nothing is written: rolled back, then RuleViolation (a database constraint as the
        field's message too), OutOfScope or AuthorityViolation is raised."""
        session = self.datamodel.session
        try:
            with atomic(session):
                (self.pre_add if creating else self.pre_update)(item)
                session.add(item)
        except IntegrityError as exc:
            raise rules.violation_from_integrity_error(exc) from exc
        (self.post_add if creating else self.post_update)(item)

    def delete_items(self, items):
        """Delete all of `items` or none: every authority check before anything is deleted;
        a row still referenced elsewhere is a RuleViolation."""
        session = self.datamodel.session
        for item in items:
            self.pre_delete(item)
        try:
            with atomic(session):
                for item in items:
                    session.delete(item)
        except IntegrityError as exc:
            raise RuleViolation(None, _("This record is still referenced by other records "
                                        "and cannot be deleted.")) from exc
        for item in items:
            self.post_delete(item)

    # ------------------------------------------------------------ export

    def export_conditions(self, filters) -> dict:
        """The user's filters of an export in words, for the export log: each FAB filter
        the user set (not the view's base filters: scope, role) as its column label,
        operator and value, and the lists' own text boxes (search, unit)."""
        base = {id(flt) for flt in self._base_filters.filters}
        conditions = [{"column": flt.column_name,
                       "label": str(self.label_columns.get(flt.column_name,
                                                           flt.column_name)),
                       "operator": str(getattr(flt, "name", "")), "value": str(value)}
                      for flt, value in filters.get_filters_values()
                      if id(flt) not in base and value not in (None, "")]
        for arg, label in EXPORT_TEXT_ARGS:
            value = request.args.get(arg, "").strip()
            if value:
                conditions.append({"column": arg, "label": str(label), "operator": "",
                                   "value": value})
        return {"conditions": conditions}
    def export_rows(self, query, columns):
        """The export's row tuples: straight from the database as column tuples when every
        column is a column of the model or a code's label (no ORM objects: a 100,000-row
        export spends its time in xlsxwriter, docs/speed.md); else as the list shows them
        when its cells are looked up per page of rows (app.web.datamodel.DisplayedInterface),
        else the items' attributes."""
        masked = self.masked_columns(columns)
        plain = column_tuples(query, self.datamodel.obj, columns, masked)
        if plain is not None:
            return plain
        if isinstance(self.datamodel, DisplayedInterface):
            return self.datamodel.export_rows(query, columns, lambda item, col: next(
                rows_from_items([item], [col], masked))[0])
        return rows_from_items(query.yield_per(1000), columns, masked)

    def export_response(self, query, title, stem, logged_filters):
        """The rows of `query` (the list's own filters and order) as an .xlsx download, ID
        numbers masked for masking scopes, the export logged with its filters (in words:
        export_conditions)."""
        threshold = current_app.config.get("EXPORT_JOB_THRESHOLD") or 0
        if threshold and not g.get(_IN_JOB):
            total = query.order_by(None).count()
            if total > threshold:  # a job under 我的任务 (docs/background.md, "Exports")
                job = jobs.submit("export", g.user, {
                    "view": type(self).__name__, "path": request.path,
                    "query": request.query_string.decode("latin-1"), "title": str(title),
                    "stem": str(stem)}, title=str(title), total=total)
                return self.export_job_response(job)
        columns = self.export_columns or self.list_columns
        headers = [self.label_columns.get(c, c) for c in columns]
        rows = self.export_rows(query, columns)
        path, count = write_xlsx(rows, headers, sheet_title=title, mask=masks(current_scope()))
        with atomic(self.datamodel.session):
            log_export(self.datamodel.session, g.user.id, g.user.username,
                       self.class_permission_name, logged_filters, count)
        return send_temporary(path, f"{stem}-{dt.date.today():%Y%m%d}.xlsx")


# ------------------------------------------------------------ export as a job

_IN_JOB = "export_in_job"


def run_export_job(job, params, progress):
    """The "export" job: the submitting request is re-read (path, query string) for the
    same view, as the job's owner, so the rows are those the list showed him — the same
    scope, filters and order, ID numbers masked alike — written with progress."""
    app = current_app._get_current_object()
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == params["view"])
    with app.test_request_context(params["path"], query_string=params["query"]):
        session = view.datamodel.session
        g.user = session.get(AppUser, job.user_id)
        g.setdefault(_IN_JOB, True)
        query, conditions = view.export_query()
        # Counted by the submitting request (the bar's total; the file has what is there
        # when it is written, and the bar ends at that count).
        total = job.total if job.total is not None else query.order_by(None).count()
        progress(0, total, force=True)
        columns = view.export_columns or view.list_columns
        headers = [view.label_columns.get(c, c) for c in columns]

        def counted(rows):
            # progress() writes at most twice a second; asked every 500 rows, not per row
            # (100,000 calls were a few per cent of the export).
            for done, row in enumerate(rows, 1):
                yield row
                if not done % 500:
                    progress(done, total)
        path, count = write_xlsx(counted(view.export_rows(query, columns)), headers,
                                 sheet_title=params["title"], directory=jobs.result_dir(app),
                                 mask=masks(current_scope()))
        progress(count, count, force=True)
        with atomic(session):
            log_export(session, g.user.id, g.user.username, view.class_permission_name,
                       conditions, count)
    return path, f"{params['stem']}-{dt.date.today():%Y%m%d}.xlsx"


jobs.register_kind("export", run_export_job)
