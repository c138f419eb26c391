"""REST for 系统: the change log (read and export only)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import ChangeLog

from .base import ScopedModelRestApi


class ChangeLogApi(ScopedModelRestApi):
    resource_name = "change_log"
    class_permission_name = "ChangeLog"
    datamodel = SQLAInterface(ChangeLog)
    base_permissions = ["can_read", "can_export"]
    list_columns = ["id", "entity", "entity_id", "action", "field", "old_value", "new_value",
                    "username", "at", "unit_id", "person_id"]
    show_columns = list_columns
    search_columns = ["entity", "entity_id", "username", "field", "unit_id", "person_id"]
    order_columns = ["id", "at"]
    base_order = ("at", "desc")


RESOURCES = [ChangeLogApi]
