"""REST for 奖惩投诉: conduct records of units and people."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import ConductRecord

from .base import ScopedModelRestApi


class ConductRecordApi(ScopedModelRestApi):
    resource_name = "conduct_record"
    class_permission_name = "ConductRecord"
    datamodel = SQLAInterface(ConductRecord)
    list_columns = ["id", "kind", "unit.id", "unit.name", "person.id", "person.name",
                    "occurred_on", "title", "authority", "result"]
    show_columns = list_columns + ["description", "document_number"]
    add_columns = edit_columns = ["kind", "unit", "person", "occurred_on", "title",
                                  "description", "authority", "document_number", "result"]
    search_columns = ["kind", "unit", "person", "occurred_on"]
    order_columns = ["id", "occurred_on"]


RESOURCES = [ConductRecordApi]
