"""The shared scoped ModelView every page of unit- or person-owned data is built on.

It routes every way in to a row through app.security.scope: list/show through the read
scope (base filter), edit/delete/mass actions through the write scope (404 otherwise), form
values through scoped lookups plus a re-check before saving, exports through the same
filters as the list. Business rules (app.services.rules) run before every save and their
messages land at the form field; nothing is half-written (one commit, rollback on error).
"""
from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.widgets import (ListWidget, RenderTemplateWidget, SearchWidget,
                                      ShowWidget)
from flask_appbuilder.urltools import (get_filter_args, get_order_args, get_page_args,
                                      get_page_size_args)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, InputRequired

from app.models.choices import label
from app.web.display import display, masked
from app.web.widgets import choice_field
from app.models import Unit
from app.models.authority import POLICE, ByKind
from app.models.base import AuthoredMixin
from app.security import authority
from app.security.scope import (current_scope, in_scope, is_shared, keyed_to_record,
                                scope_clause)
from app.services import changelog as changelog_service
from app.services.errors import RuleViolation
from app.web.crud import DRILL, ScopedMixin, UnitNameFilter
from app.web.hygiene import csp_nonce
from app.web.list_rows import ListRows, RowButtons
from app.web.navigation import return_url
from app.web.datamodel import use_indexed_filters

from .lookup import LookupField

def mask_if_needed(value):
    return masked(value, current_scope())


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
    """FAB's list widget; its rows rendered by `rows_class` (app.web.list_rows)."""
    template = "scoped/widgets/list.html"
    rows_class = ListRows

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.template_args["list_rows"] = self.list_rows

    def list_rows(self, values, pks, columns, formatters, writable, modelview_name, filters,
                  can_show, can_edit, can_delete, actions):
        buttons = RowButtons(modelview_name, filters, can_show, can_edit, can_delete,
                             csp_nonce(), ROW_BUTTON_TITLES)
        return self.rows_class(values, pks, columns, formatters, writable, buttons,
                               checkboxes=bool(actions),
                               crud=bool(can_show or can_edit or can_delete),
                               context={**self.template_args, "can_edit": can_edit})


# The row buttons' (title, screen-reader text), and the question before a delete.
ROW_BUTTON_TITLES = (
    _l("Show record"), _l("Show"), _l("Edit record"), _l("Edit"), _l("Delete record"),
    _l("Delete"), _l("Are you sure you want to delete this item?"))


class InTabShowWidget(ShowWidget):
    """A record's fields in a tab of its page, without the ← (the page has one)."""
    template = "scoped/widgets/show_in_tab.html"


def in_tab(widget, page_url):
    """A list widget shown in a tab of a record page (`page_url`: the page with the tab's
    anchor): no ← of its own (the page has one), and its 【新增】 returns to the tab."""
    widget.template_args.update(embedded=True, return_url=page_url)
    return widget


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

    @staticmethod
    def show_saved(form, item):
        """A posted form gets no value for its read-only fields (nothing is submitted): they
        show the record's saved values, as on the first display, when the form comes back
        with an error."""
        for field in form:
            if isinstance(field, ReadOnlyField):
                field.data = field.object_data = getattr(item, field.name, None)


def locked_form(form_class, fields, labels, choices):
    """`form_class` with `fields` read-only: for a user who may read but not set them."""
    readonly = {name: ReadOnlyField(labels.get(name, name), choices=choices.get(name),
                                    description=_l("Changes only through an approved "
                                                   "application or by the police."))
                for name in fields if hasattr(form_class, name)}
    return type(f"Locked{form_class.__name__}", (form_class,), readonly) if readonly \
        else form_class


class _LockedFormSlot:
    """`add_form` / `edit_form` of a ScopedModelView: FAB stores the form class it built, the
    view reads it through `_form_for` (locked for the signed-in author)."""

    def __set_name__(self, owner, name):
        self.key = f"_{name}"

    def __get__(self, view, owner=None):
        return self if view is None else view._form_for(self.key)

    def __set__(self, view, form_class):
        view.__dict__[self.key] = form_class


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
            if is_shared(model):
                continue
            self.hidden_search_columns.append(column)
            if model is Unit and self.unit_text_column is None:
                self.unit_text_column = self.datamodel.get_relation_fk(column).name
        if self.unit_text_column:
            self.base_filters = list(self.base_filters) + [
                [self.unit_text_column, UnitNameFilter, None]]
        # A dashboard figure's drill-down (app.services.dashboard.drill_clause).
        self.base_filters = list(self.base_filters) + DRILL

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
    add_form = _LockedFormSlot()
    edit_form = _LockedFormSlot()

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
        columns = set(self.add_columns or []) | set(self.edit_columns or [])
        return self.relation_scopes(existing, [c for c in columns
                                               if c not in self.lookup_columns])

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
        try:
            form.populate_obj(item)
            self.save_item(item, creating)
        except RuleViolation as violation:
            self._show_violation(form, violation)
            return False
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
        item = self.get_writable(pk)
        # A record the user may not author: refused before any form is shown (403).
        authority.check(self.datamodel.session, item, authority.CHANGE)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            ReadOnlyField.show_saved(form, item)
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
        self._delete_items([self.get_writable(pk)])
        self.update_redirect()

    def _delete_items(self, items):
        try:
            self.delete_items(items)
        except RuleViolation as violation:
            flash(violation.message, "danger")
            return
        flash(str(self.delete_row_message), "success")

    # ------------------------------------------------------------ mass actions (write scope)

    def _items_in_write_scope(self, pks):
        return [self.get_writable(self._deserialize_pk_if_composite(pk)) for pk in pks]

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
        under the related view's own scope, paged and ordered by the request's arguments.
        Every read here is keyed to the record: the scope by subquery (scope.keyed_to_record)."""
        with keyed_to_record(current_scope()):
            return self._related_tab(pk, name)

    def _related_tab(self, pk, name):
        item = self.datamodel.get(pk, self._base_filters)
        view = next((v for v in self._related_views if type(v).__name__ == name), None)
        if item is None or view is None or not self.tab_allowed(item, name) or \
                not self.appbuilder.sm.has_access("can_read", view.class_permission_name):
            abort(404)
        order_column, order_direction = get_order_args().get(name) or ("", "")
        widget = self._get_related_view_widget(
            item, view, order_column, order_direction, page=get_page_args().get(name),
            page_size=get_page_size_args().get(name))
        pk = self.datamodel.get_pk_value(item)
        return in_tab(widget, url_for(f"{self.endpoint}.show", pk=pk)
                      + "#" + self.tab_anchor(item, name))(pk=pk)

    def tab_allowed(self, item, name) -> bool:
        """Whether the record's page shows the related list `name` (a subclass narrows)."""
        return True

    def tab_anchor(self, item, name) -> str:
        """The anchor of the record page's tab that shows the related list `name`."""
        return name

    # ------------------------------------------------------------ back to where the clerk was

    def post_add_redirect(self):
        """After 【新增】 from a record page's tab (its link carries `next`, the page with the
        tab's anchor): back to that tab; otherwise FAB's page history."""
        return redirect(return_url() or self.get_redirect())

    def _get_list_widget(self, **kwargs):
        widgets = super()._get_list_widget(**kwargs)
        widget = widgets["list"]
        widget.template_args["writable_pks"] = self.writable_pks(
            widget.template_args.get("pks") or [])
        return widgets

    def writable_pks(self, pks) -> set:
        """The rows of the page that get 【编辑】【删除】 and a checkbox: in the write scope,
        and the user may author them."""
        model = self.datamodel.obj
        if not pks or self.datamodel.get_pk_name() != "id":
            return set()
        writable = {pk for (pk,) in self.datamodel.session.query(model.id).filter(
            model.id.in_(pks), scope_clause(model, current_scope(), write=True))}
        # Edit buttons only where the user is also the record's author (the rows are in
        # the session's identity map already: no query).
        session = self.datamodel.session
        return {pk for pk in writable
                if authority.may(session, session.get(model, pk), authority.CHANGE)}

    def render_template(self, template, **kwargs):
        return super().render_template(template, scoped_view=self, **kwargs)

    def _can(self, verb):
        return self.appbuilder.sm.has_access(f"can_{verb}", self.class_permission_name)

    def may_change(self, item) -> bool:
        """Whether the record's page offers 【编辑】: the user may edit this kind of record,
        the record is in the write scope and the user may author it (as `writable_pks`)."""
        session = self.datamodel.session
        return self._can("edit") and in_scope(session, item, write=True) \
            and authority.may(session, item, authority.CHANGE)

    # ------------------------------------------------------------ export

    @expose("/export/")
    @has_access
    def export(self):
        query, conditions = self.export_query()
        return self.export_response(query, self.list_title, self.list_title, conditions)

    def export_query(self):
        """The export's query and its filters in words, from the request's list arguments
        (also re-read by an export job: app.web.crud)."""
        get_filter_args(self._filters)
        order_column, order_direction = get_order_args().get(self.__class__.__name__,
                                                             ("", ""))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        filters = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.apply_all(self.datamodel.session.query(self.datamodel.obj),
                                         filters, order_column, order_direction)
        return query, self.export_conditions(self._filters)

    def export_job_response(self, job):
        flash(_("The export has %(n)d rows: it runs in the background. Its progress and "
                "download are under My jobs.", n=job.total or 0), "info")
        return redirect(url_for("MyJobsView.list"))
