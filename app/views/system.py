"""Read-only system records: change log, export log, administrative divisions."""
from flask import abort, request
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import ChangeLog, ExportLog, PublicQuery, Region, RegistryLookup
from app.models.register import QUERY_KINDS, QUERY_RESULTS
from app.models.audit import audited_models
from app.models.choices import label

from .base import ScopedModelView
from app.models.vocabulary import ENTITY_LABELS, LABELS
from app.web.widgets import choice_field
from app.security.scope import current_scope, get_scoped
from app.services import changelog as changelog_service
from app.web.datamodel import DisplayedInterface
from app.web.display import change_events, change_log_cells, format_time

READ_ONLY = ["can_read", "can_export"]


class ChangeLogView(ScopedModelView):
    # Who by name and role, the record by name, values labelled and masked (display.py).
    datamodel = DisplayedInterface(ChangeLog, change_log_cells)
    class_permission_name = "ChangeLog"
    base_permissions = READ_ONLY  # written by ORM events only, never by hand, not even admin
    method_permission_name = {**ScopedModelView.method_permission_name, "history": "read"}
    list_title = show_title = _l("Change log")
    label_columns = {**LABELS, "field_label": _l("Field"), "old_display": _l("Old value"),
                     "new_display": _l("New value"),
                     "actor": _l("By"), "record": _l("Record")}
    list_columns = ["at", "actor", "record", "action_label", "field_label",
                    "old_display", "new_display"]
    show_columns = list_columns
    search_columns = ["entity", "entity_id", "username", "field", "at"]
    order_columns = ["at"]
    base_order = ("at", "desc")
    formatters_columns = {"at": format_time}
    search_form_extra_fields = {
        "entity": choice_field(_l("Record type"), ENTITY_LABELS, required=False),
    }

    @expose("/history/", methods=["GET"])
    @has_access
    def history(self):
        """The next page of a record's change-log panel (【显示更多】): ?record=<table>&pk=
        &offset=, for a record in the user's read scope (else 404)."""
        model = audited_models().get(request.args.get("record", ""))
        if model is None:
            abort(404)
        scope, pk = current_scope(), request.args.get("pk")
        get_scoped(self.datamodel.session, model, pk, scope=scope)
        history = changelog_service.for_record(self.datamodel.session, model, pk, scope,
                                               offset=request.args.get("offset", 0))
        return self.render_template("scoped/_change_log_rows.html", history=history,
                                    events=change_events(history, scope))


class ExportLogView(ScopedModelView):
    datamodel = SQLAInterface(ExportLog)
    class_permission_name = "ExportLog"
    base_permissions = READ_ONLY
    list_title = show_title = _l("Export log")
    label_columns = {**LABELS, "filters_display": _l("Filters")}
    list_columns = ["at", "username", "resource_label", "rows", "filters_display"]
    show_columns = list_columns
    search_columns = ["username", "resource", "at"]
    base_order = ("at", "desc")


class RegistryLookupView(ScopedModelView):
    """Who looked which ID number up in the population registry through the staff add form
    (app.services.registry.log_lookup); the province admin's only (admin_only scope)."""
    datamodel = SQLAInterface(RegistryLookup)
    class_permission_name = "RegistryLookup"
    base_permissions = READ_ONLY
    list_title = show_title = _l("Population registry look-ups")
    label_columns = {**LABELS, "found": _l("Found in the registry")}
    list_columns = ["at", "username", "id_number", "found"]
    show_columns = list_columns
    search_columns = ["username", "id_number", "at"]
    order_columns = ["at"]
    base_order = ("at", "desc")
    formatters_columns = {"found": lambda v: _l("Yes") if v else _l("No")}


class PublicQueryView(ScopedModelView):
    """Every look-up made on the public register /verify/ (app.services.register.log_query):
    the asker's address, what was asked (the holder's name masked) and the answer; the
    province admin's only (admin_only scope), never changed (append-only)."""
    datamodel = SQLAInterface(PublicQuery)
    class_permission_name = "PublicQuery"
    base_permissions = READ_ONLY
    list_title = show_title = _l("Public register queries")
    label_columns = {**LABELS, "address": _l("Address (IP)"), "kind": _l("Query"),
                     "kind_label": _l("Query"), "asked": _l("What was asked"),
                     "result": _l("Answer"), "result_label": _l("Answer")}
    list_columns = ["at", "address", "kind_label", "asked", "result_label"]
    show_columns = list_columns
    search_columns = ["address", "kind", "result", "at"]
    order_columns = ["at"]
    base_order = ("at", "desc")
    formatters_columns = {"at": format_time}
    search_form_extra_fields = {
        "kind": choice_field(_l("Query"), QUERY_KINDS, required=False),
        "result": choice_field(_l("Answer"), QUERY_RESULTS, required=False),
    }


class RegionView(ScopedModelView):
    datamodel = SQLAInterface(Region)
    class_permission_name = "Region"
    base_permissions = ["can_read"]
    list_title = show_title = _l("Administrative divisions")
    label_columns = LABELS
    list_columns = ["code", "name", "level", "start_year", "end_year"]
    show_columns = ["code", "name", "level", "parent_code", "start_year", "end_year"]
    search_columns = ["code", "name", "level"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    formatters_columns = {"level": lambda v: label(
        {"province": _l("Province"), "city": _l("City"), "county": _l("County")}, v)}


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (ChangeLogView, "ChangeLog", _l("Change log"), "fa-history", "System", _l("System")),
    (ExportLogView, "ExportLog", _l("Export log"), "fa-file-export", "System", None),
    (RegistryLookupView, "RegistryLookup", _l("Population registry look-ups"), "fa-id-card",
     "System", None),
    (PublicQueryView, "PublicQuery", _l("Public register queries"), "fa-search", "System",
     None),
    (RegionView, "Region", _l("Administrative divisions"), "fa-map", "System", None),
]
