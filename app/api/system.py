"""REST for 系统: the change log (read and export only)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import fields
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import ChangeLog

from .base import ScopedModelRestApi


_STORED = ["id", "entity", "entity_id", "record_name", "action", "field", "old_value",
           "old_label", "new_value", "new_label", "username", "actor_name", "at", "unit_id",
           "person_id"]
_WORDS = ["entity_label", "action_label", "field_label", "old_display", "new_display"]


class ChangeLogSchema(SQLAlchemyAutoSchema):
    """A change-log row: the stored codes and, beside them, the words the pages show (the
    record type, action and field by their labels, the values as read); display.py masks
    identity numbers in the response for a masking scope."""
    class Meta:
        model = ChangeLog
        fields = _STORED + _WORDS

    for _name in _WORDS:
        locals()[_name] = fields.Function(lambda row, _n=_name: str(getattr(row, _n) or ""))
    del _name


class ChangeLogApi(ScopedModelRestApi):
    resource_name = "change_log"
    class_permission_name = "ChangeLog"
    datamodel = SQLAInterface(ChangeLog)
    base_permissions = ["can_read", "can_export"]
    list_columns = show_columns = _STORED + _WORDS
    list_select_columns = show_select_columns = _STORED  # the words are read off these
    list_model_schema = ChangeLogSchema()
    show_model_schema = ChangeLogSchema()
    search_columns = ["entity", "entity_id", "username", "field", "unit_id", "person_id"]
    order_columns = ["id", "at"]
    base_order = ("at", "desc")


RESOURCES = [ChangeLogApi]
