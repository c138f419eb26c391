"""Read-only system records: change log, export log, administrative divisions."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import ChangeLog, ExportLog, Region
from app.models.choices import label

from .base import ScopedModelView
from app.models.vocabulary import ENTITY_LABELS, LABELS
from app.web.widgets import choice_field
from app.security.scope import current_scope
from app.web.display import change_display

READ_ONLY = ["can_read", "can_export"]


class _ChangeLogInterface(SQLAInterface):
    """The old and new values as the signed-in user may read them (app/web/display.py)."""

    @staticmethod
    def _get_attr_value(item, col):
        if col in ("old_display", "new_display"):
            value = item.old_value if col == "old_display" else item.new_value
            return change_display(item, value, current_scope())
        return SQLAInterface._get_attr_value(item, col)


class ChangeLogView(ScopedModelView):
    datamodel = _ChangeLogInterface(ChangeLog)
    class_permission_name = "ChangeLog"
    base_permissions = READ_ONLY  # written by ORM events only, never by hand, not even admin
    list_title = show_title = _l("Change log")
    label_columns = {**LABELS, "field_label": _l("Field"), "old_display": _l("Old value"),
                     "new_display": _l("New value")}
    list_columns = ["at", "username", "entity_label", "entity_id", "action_label",
                    "field_label", "old_display", "new_display"]
    show_columns = list_columns
    search_columns = ["entity", "entity_id", "username", "field", "at"]
    order_columns = ["at"]
    base_order = ("at", "desc")
    search_form_extra_fields = {
        "entity": choice_field(_l("Record type"), ENTITY_LABELS, required=False),
    }


class ExportLogView(ScopedModelView):
    datamodel = SQLAInterface(ExportLog)
    class_permission_name = "ExportLog"
    base_permissions = READ_ONLY
    list_title = show_title = _l("Export log")
    label_columns = LABELS
    list_columns = ["at", "username", "resource_label", "rows", "filters"]
    show_columns = list_columns
    search_columns = ["username", "resource", "at"]
    base_order = ("at", "desc")


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
    (RegionView, "Region", _l("Administrative divisions"), "fa-map", "System", None),
]
