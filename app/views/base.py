"""The shared scoped ModelView every page of unit- or person-owned data is built on.

It routes every way in to a row through app.security.scope: list/show through the read
scope (base filter), edit/delete/mass actions through the write scope (404 otherwise), form
values through scoped lookups plus a re-check before saving, exports through the same
filters as the list. Business rules (app.services.rules) run before every save and their
messages land at the form field; nothing is half-written (one commit, rollback on error).
"""
import datetime as dt
import functools
import os
import types

from flask import (abort, after_this_request, flash, g, has_request_context, redirect, request,
                   send_file, url_for)
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.models.sqla.filters import (FilterStartsWith, SQLAFilterConverter,
                                                  get_field_setup_query)
from flask_appbuilder.widgets import ListWidget, RenderTemplateWidget, SearchWidget
from flask_appbuilder.urltools import (get_filter_args, get_order_args, get_page_args,
                                      get_page_size_args)
from flask_babel import gettext as _
from markupsafe import Markup, escape
from flask_babel import lazy_gettext as _l
from sqlalchemy import asc as sa_asc
from sqlalchemy import desc as sa_desc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Load, aliased, contains_eager

from wtforms import BooleanField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired

from app.labels import choice_field, display, label
from app.models import Unit
from app.models.authority import POLICE, ByKind, declared_rules
from app.models.base import AuthoredMixin
from app.security import authority
from app.security.scope import current_scope, in_scope, scope_clause
from app.services import changelog as changelog_service
from app.services import rules
from app.services.errors import AuthorityViolation, RuleViolation
from app.services.export import log_export, rows_from_items, write_xlsx
from app.services.idnumber import mask_id_number
from app.services.search import starts_with

from .lookup import LookupField

# One permission vocabulary for pages and REST resources: read, add, edit, delete, export.
METHOD_PERMISSIONS = {
    "list": "read", "show": "read", "related_tab": "read", "download": "read",
    "add": "add", "edit": "edit", "delete": "delete", "muldelete": "delete",
    "export": "export",
    "get": "read", "get_list": "read", "info": "read", "distinct": "read",
    "post": "add", "put": "edit", "export_xlsx": "export",
}


class ScopeFilter(BaseFilter):
    """Base filter applying the user's scope. arg_name is None so no URL can pick or drop it."""
    name = "scope"
    arg_name = None

    def apply(self, query, value):
        return query.filter(scope_clause(self.model, current_scope(), write=value == "write"))


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




def mask_if_needed(value):
    return mask_id_number(value) if current_scope().mask_id_numbers else value


class ScopedMixin:
    """What the page base and the REST base share: permissions, scope, rules."""
    method_permission_name = METHOD_PERMISSIONS
    base_filters = READ_SCOPE

    def _write_filters(self):
        return self.datamodel.get_filters().add_filter_list(WRITE_SCOPE)

    def check_item(self, item, creating: bool):
        """Business rules, then the scope of the (possibly moved) item and of every row it
        names (404), then the user's authority over the record (AuthorityViolation, 403).
        Raises RuleViolation for a broken rule."""
        session = self.datamodel.session
        scope = current_scope()
        rules.validate(session, item, creating, scope)
        if not in_scope(session, item, write=True, scope=scope) or \
                not authority.check_relations(session, item, creating, scope):
            abort(404)
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
        if not current_scope().mask_id_numbers:
            return ()
        return tuple(c for c in columns if c.split(".")[-1] == "id_number")


def _optional_checkboxes(form_class):
    """FAB marks every NOT NULL column required, which makes an unticked checkbox (False)
    invalid; a boolean always has a value, so its checkbox is never required."""
    for name in dir(form_class):
        field = getattr(form_class, name, None)
        if isinstance(field, UnboundField) and issubclass(field.field_class, BooleanField):
            field.kwargs["validators"] = [v for v in field.kwargs.get("validators", [])
                                          if not isinstance(v, (InputRequired, DataRequired))]


class LazyTab:
    """Stands where FAB puts a related list widget: a box that loads the list from `url`
    when its tab is shown."""

    def __init__(self, url):
        self.url = url

    def __call__(self, **_kwargs):
        return Markup(
            f'<div class="lazy-tab" data-url="{escape(self.url)}" '
            f'data-error="{escape(_("The tab could not be loaded. Reload the page."))}">'
            f'<p class="lazy-tab-status text-muted"><i class="fa fa-spinner fa-spin"></i> '
            f'{escape(_("Loading…"))}</p></div>')


class ScopedListWidget(ListWidget):
    template = "scoped/widgets/list.html"


class ScopedSearchWidget(SearchWidget):
    """FAB's search widget, rendering only the form fields of the columns it offers: an
    active URL filter on a column it does not offer (a unit page tab's link) stays applied
    but is not drawn, so the form never renders a dropdown of a big table."""

    def __call__(self, **kwargs):
        include = self.template_args["include_cols"]
        form, search_filters = self.template_args["form"], self.filters.get_search_filters()
        kwargs["label_columns"] = {c: str(form[c].label.text) for c in include}
        kwargs["form_fields"] = {c: form[c]() for c in include}
        kwargs["search_filters"] = {c: [str(f.name) for f in search_filters[c]]
                                    for c in include}
        kwargs["active_filters"] = [f for f in self.filters.get_filters_values_tojson()
                                    if f[0] in include]
        return RenderTemplateWidget.__call__(self, **kwargs)


class ReadOnlyField(StringField):
    """Shows a value the user may not change; submits nothing and changes nothing."""

    def __init__(self, label=None, choices=None, **kwargs):
        kwargs.setdefault("render_kw", {"readonly": True, "class": "form-control locked-field"})
        super().__init__(label, **kwargs)
        self.choices = choices

    def process_formdata(self, valuelist):
        pass

    def _value(self):
        if self.choices:
            return label(self.choices, self.data)
        value = display(self.data)
        return "" if value is None else str(value)

    def populate_obj(self, obj, name):
        pass


def locked_form(form_class, fields, labels, choices):
    """`form_class` with `fields` read-only: for a user who may read but not set them."""
    readonly = {name: ReadOnlyField(labels.get(name, name), choices=choices.get(name),
                                    description=_l("Changes only through an approved "
                                                   "application or by the police."))
                for name in fields if hasattr(form_class, name)}
    return type(f"Locked{form_class.__name__}", (form_class,), readonly) if readonly \
        else form_class


class ScopedModelView(ScopedMixin, ModelView):
    list_widget = ScopedListWidget
    search_widget = ScopedSearchWidget
    list_template = "scoped/list.html"
    show_template = "scoped/show.html"
    add_template = "appbuilder/general/model/add.html"
    edit_template = "appbuilder/general/model/edit.html"
    page_size = 20
    # relation column → lookup entity: rendered as a searchable, scoped select (big tables)
    lookup_columns: dict = {}
    # code column → choices mapping: a select on add/edit forms and in the search form
    choice_columns: dict = {}
    required_choices: tuple = ()
    choice_exclude_on_add: dict = {}
    export_columns = None

    # The column of a unit filtered by a part of its name (a text box above the list), set
    # by __init__ from a unit relation in search_columns.
    unit_text_column = None
    unit_text_label = _l("Unit name contains")

    def __init__(self, **kwargs):
        self._install_lookup_fields()
        self._keep_big_relations_out_of_search()
        use_indexed_filters(self.datamodel)
        declared = None if self.base_permissions is None else list(self.base_permissions)
        super().__init__(**kwargs)
        if declared is not None and "can_delete" not in declared:
            # FAB adds every action's permission to base_permissions: a read-only view
            # (change log, unit changes …) must not gain mass delete that way.
            self.actions.pop("muldelete", None)
            self.base_permissions = [p for p in self.base_permissions if p != "can_delete"]
        if issubclass(self.datamodel.obj, AuthoredMixin) and self.show_columns \
                and "author_label" not in self.show_columns:
            # Every authored record's page says who wrote it (police / unit / system).
            self.show_columns = [*self.show_columns, "author_label"]
            self.label_columns = {**self.label_columns, "author_label": _l("Entered by")}
        formatters = dict(self.formatters_columns)
        for column in set(self.list_columns) | set(self.show_columns or []):
            if column.split(".")[-1] == "id_number":
                formatters.setdefault(column, mask_if_needed)
            # Empty values read as nothing and booleans as 是/否, never None/True/False.
            formatters.setdefault(column, display)
        self.formatters_columns = formatters

    def _keep_big_relations_out_of_search(self):
        """FAB's search form offers a relation as a dropdown of every row. A relation to a
        big (owned, not shared) table stays a URL filter (the unit page's tabs link with it)
        but leaves the search form; a unit relation gets the unit-name text box instead."""
        self.hidden_search_columns = []
        for column in self.search_columns or []:
            if not self.datamodel.is_relation(column):
                continue
            model = self.datamodel.get_related_model(column)
            if (getattr(model, "__scope__", None) or ("",))[0] == "shared":
                continue
            self.hidden_search_columns.append(column)
            if model is Unit and self.unit_text_column is None:
                self.unit_text_column = self.datamodel.get_relation_fk(column).name
        if self.unit_text_column:
            self.base_filters = list(self.base_filters) + [
                [self.unit_text_column, UnitNameFilter, None]]

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        widgets["search"] = self.search_widget(
            route_base=self.route_base, form=form,
            include_cols=[c for c in self.search_columns
                          if c not in self.hidden_search_columns],
            exclude_cols=exclude_cols or [], filters=self._filters)
        return widgets

    def _install_lookup_fields(self):
        labels = self.label_columns or {}
        for attr, exclude in (("add_form_extra_fields", self.choice_exclude_on_add),
                              ("edit_form_extra_fields", {}), ("search_form_extra_fields", {})):
            extra = dict(getattr(self, attr, None) or {})
            for column, choices in self.choice_columns.items():
                extra.setdefault(column, choice_field(
                    labels.get(column, column), choices, exclude=exclude.get(column, ()),
                    required=attr != "search_form_extra_fields" and column in self.required_choices))
            if attr == "search_form_extra_fields":
                setattr(self, attr, extra)
                continue
            for column, entity in self.lookup_columns.items():
                kinds = None
                if isinstance(entity, tuple):
                    entity, kinds = entity
                extra.setdefault(column, LookupField(labels.get(column, column), entity=entity,
                                                     kinds=kinds))
            setattr(self, attr, extra)

    def _init_forms(self):
        # Small relations (reference data) stay dropdowns, but only with selectable rows.
        self.add_form_query_rel_fields = self._rel_scopes(self.add_form_query_rel_fields)
        self.edit_form_query_rel_fields = self._rel_scopes(self.edit_form_query_rel_fields)
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            _optional_checkboxes(form)

    # The add and edit forms of a user who may not set some fields of this kind of record
    # (a unit: the 年审 result, a unit's approval-only facts): those fields read-only.
    @property
    def add_form(self):
        return self._form_for("_add_form")

    @add_form.setter
    def add_form(self, form_class):
        self.__dict__["_add_form"] = form_class

    @property
    def edit_form(self):
        return self._form_for("_edit_form")

    @edit_form.setter
    def edit_form(self, form_class):
        self.__dict__["_edit_form"] = form_class

    def _form_for(self, attr):
        form_class = self.__dict__.get(attr)
        if form_class is None or not has_request_context():
            return form_class
        author = authority.author_of(current_scope())
        if author == POLICE:
            return form_class
        cache = self.__dict__.setdefault("_locked_forms", {})
        key = (attr, author)
        if key not in cache:
            cache[key] = locked_form(form_class, self.locked_fields(author),
                                     self.label_columns, self.choice_columns)
        return cache[key]

    def _offer_authored_kinds(self, form):
        """A kind the user may not create (a unit: 监督检查, 违法违规和处罚, 保安员证 …) is not
        offered in the add form (posted anyway, the form refuses it at the field)."""
        declared = getattr(self.datamodel.obj, "__authority__", None)
        if not isinstance(declared, ByKind) or declared.column not in form:
            return
        author = authority.author_of(current_scope())
        field = form[declared.column]
        field.choices = [(value, text) for value, text in field.choices
                         if value == "" or declared.for_value(value).allows(author,
                                                                            authority.CREATE)]

    def _rel_scopes(self, existing):
        rel = dict(existing or {})
        columns = set(self.add_columns or []) | set(self.edit_columns or [])
        for column in columns:
            if self.datamodel.is_relation(column) and column not in self.lookup_columns:
                model = self.datamodel.get_related_model(column)
                shared = (getattr(model, "__scope__", None) or ("",))[0] == "shared"
                rel.setdefault(column, READ_SCOPE if shared else WRITE_SCOPE)
        return rel

    # Unit fields that default to the clerk's own unit on a new record.
    own_unit_fields: tuple = ()

    def prefill_add_form(self, form):
        # 【新增】 from a sub-tab (e.g. 安全检查 › 消防信息) presets the sub-kind it lists.
        for column, choices in self.choice_columns.items():
            value = request.args.get(f"_flt_0_{column}")
            if column in form and value in choices and not form[column].data \
                    and value not in self.choice_exclude_on_add.get(column, ()):
                form[column].data = value
        scope = current_scope()
        if scope.is_unit_user and scope.unit_id:
            from app.models import Unit
            unit = self.datamodel.session.get(Unit, scope.unit_id)
            for name in self.own_unit_fields:
                if name in form and form[name].data is None:
                    form[name].data = unit

    # ------------------------------------------------------------ save with field errors

    def _save(self, form, item, creating: bool) -> bool:
        session = self.datamodel.session
        try:
            form.populate_obj(item)
            (self.pre_add if creating else self.pre_update)(item)
            session.add(item)
            session.commit()
        except RuleViolation as violation:
            session.rollback()
            self._show_violation(form, violation)
            return False
        except IntegrityError as exc:
            session.rollback()
            self._show_violation(form, rules.violation_from_integrity_error(exc))
            return False
        except Exception:
            session.rollback()
            raise
        (self.post_add if creating else self.post_update)(item)
        flash(str(self.add_row_message if creating else self.edit_row_message), "success")
        return True

    @staticmethod
    def _show_violation(form, violation):
        target = form._fields.get(violation.field) if violation.field else None
        if target is None and violation.field and violation.field.endswith("_id"):
            target = form._fields.get(violation.field[:-3])
        if target is not None:
            target.errors = list(target.errors) + [violation.message]
        flash(violation.message, "danger")

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self._offer_authored_kinds(form)
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                if self._save(form, self.datamodel.obj(), creating=True):
                    return None
        else:
            self.prefill_add_form(form)
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._write_filters())
        if not item:
            abort(404)
        # A record the user may not author: refused before any form is shown (403).
        authority.check(self.datamodel.session, item, authority.CHANGE)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._save(form, item, creating=False):
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item, filters={}, orders=get_order_args(), pages=get_page_args(),
            page_sizes=get_page_size_args(), widgets=widgets)

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._write_filters())
        if not item:
            abort(404)
        self._delete_items([item])
        self.update_redirect()

    def _delete_items(self, items):
        session = self.datamodel.session
        for item in items:
            self.pre_delete(item)  # all or none: a refusal (403) before anything is deleted
        try:
            for item in items:
                session.delete(item)
            session.commit()
        except RuleViolation as violation:
            session.rollback()
            flash(violation.message, "danger")
            return
        except IntegrityError:
            session.rollback()
            flash(_("This record is still referenced by other records and cannot be deleted."),
                  "danger")
            return
        flash(str(self.delete_row_message), "success")

    # ------------------------------------------------------------ mass actions (write scope)

    def _items_in_write_scope(self, pks):
        filters = self._write_filters()
        items = []
        for pk in pks:
            item = self.datamodel.get(self._deserialize_pk_if_composite(pk), filters)
            if item is None:
                abort(404)
            items.append(item)
        return items

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        act = self.actions.get(name)
        if act is None or not self.appbuilder.sm.has_access(
                self.get_action_permission_name(name), self.class_permission_name):
            abort(404)
        return act.func(self._items_in_write_scope([pk])[0])

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        act = self.actions.get(name)
        if act is None or not self.appbuilder.sm.has_access(
                self.get_action_permission_name(name), self.class_permission_name):
            abort(404)
        return act.func(self._items_in_write_scope(request.form.getlist("rowid")))

    @fab_action("muldelete", _l("Delete"), _l("Delete all selected records?"), "fa-trash",
            single=False)
    def muldelete(self, items):
        self._delete_items(items if isinstance(items, list) else [items])
        return redirect(self.get_redirect())

    # ------------------------------------------------------------ show with change log

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, can_edit=self._can("edit"),
            change_log=changelog_service.for_record(self.datamodel.session, self.datamodel.obj,
                                                    pk, current_scope()))

    # ------------------------------------------------------------ tabs load when shown

    def _get_related_views_widgets(self, item, orders=None, pages=None, page_sizes=None,
                                   widgets=None, **args):
        """The related lists of a record page (its tabs) as placeholders that load when the
        tab is first shown (static/js/lazy_tabs.js), not rendered with the page."""
        widgets = widgets or {}
        pk = self.datamodel.get_pk_value(item)
        widgets["related_views"] = [
            LazyTab(url_for(f"{self.endpoint}.related_tab", pk=pk, name=type(view).__name__))
            for view in self._related_views]
        return widgets

    @expose("/show/<pk>/tab/<name>", methods=["GET"])
    @has_access
    def related_tab(self, pk, name):
        """One tab of a record page: the record in scope (else 404), then the related list
        under the related view's own scope, paged and ordered by the request's arguments."""
        item = self.datamodel.get(pk, self._base_filters)
        view = next((v for v in self._related_views if type(v).__name__ == name), None)
        if item is None or view is None or not self.tab_allowed(item, name) or \
                not self.appbuilder.sm.has_access("can_read", view.class_permission_name):
            abort(404)
        order_column, order_direction = get_order_args().get(name) or ("", "")
        widget = self._get_related_view_widget(
            item, view, order_column, order_direction, page=get_page_args().get(name),
            page_size=get_page_size_args().get(name))
        return widget(pk=self.datamodel.get_pk_value(item))

    def tab_allowed(self, item, name) -> bool:
        """Whether the record's page shows the related list `name` (a subclass narrows)."""
        return True

    def _get_list_widget(self, **kwargs):
        widgets = super()._get_list_widget(**kwargs)
        widget = widgets["list"]
        pks = widget.template_args.get("pks") or []
        model = self.datamodel.obj
        writable = set()
        if pks and self.datamodel.get_pk_name() == "id":
            writable = {pk for (pk,) in self.datamodel.session.query(model.id).filter(
                model.id.in_(pks), scope_clause(model, current_scope(), write=True))}
            # Edit buttons only where the user is also the record's author (the rows are in
            # the session's identity map already: no query).
            session = self.datamodel.session
            writable = {pk for pk in writable
                        if authority.may(session, session.get(model, pk), authority.CHANGE)}
        widget.template_args["writable_pks"] = writable
        return widgets

    def render_template(self, template, **kwargs):
        return super().render_template(template, scoped_view=self, **kwargs)

    def _can(self, verb):
        return self.appbuilder.sm.has_access(f"can_{verb}", self.class_permission_name)

    # ------------------------------------------------------------ export

    @expose("/export/")
    @has_access
    def export(self):
        get_filter_args(self._filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__,
                                                             ("", ""))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        filters = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.apply_all(self.datamodel.session.query(self.datamodel.obj),
                                         filters, order_column, order_direction)
        columns = self.export_columns or self.list_columns
        headers = [self.label_columns.get(c, c) for c in columns]
        rows = rows_from_items(query.yield_per(1000), columns, self.masked_columns(columns))
        path, count = write_xlsx(rows, headers, sheet_title=self.list_title,
                                  mask=current_scope().mask_id_numbers)
        user = g.user
        log_export(self.datamodel.session, user.id, user.username, self.class_permission_name,
                   {k: v for k, v in request.args.items()}, count)

        @after_this_request
        def _cleanup(response):
            response.call_on_close(lambda: os.path.exists(path) and os.remove(path))
            return response

        name = f"{self.list_title}-{dt.date.today():%Y%m%d}.xlsx"
        return send_file(path, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument"
                                  ".spreadsheetml.sheet")


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


def use_indexed_filters(datamodel):
    datamodel.filter_converter_class = IndexedFilterConverter
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
    count = self.query_count(self.session.query(self.obj), filters, select_columns)
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
