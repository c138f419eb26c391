"""REST for 单位管理: the units themselves (their records: app/api/unit_records.py)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models import Unit

from .base import ScopedModelRestApi

UNIT_FIELDS = ["name", "kind", "parent", "credit_code", "legal_representative", "principal",
               "principal_phone", "contact_person", "contact_phone", "address", "region",
               "registered_capital", "established_on", "licence_number", "licence_issued_on",
               "grade", "business_scope", "foreign_invested", "armed_escort",
               "training_capacity", "training_scope"]


class UnitApi(ScopedModelRestApi):
    resource_name = "unit"
    class_permission_name = "Unit"
    datamodel = SQLAInterface(Unit)
    list_columns = ["id", "name", "kind", "region.code", "credit_code", "status",
                    "parent_unit_id", "legal_representative", "contact_phone"]
    show_columns = ["id", "status", "region.code", "parent_unit_id"] + [
        c for c in UNIT_FIELDS if c not in ("parent", "region")]
    add_columns = UNIT_FIELDS
    edit_columns = UNIT_FIELDS + ["status"]
    search_columns = ["name", "kind", "region", "credit_code", "status"]
    order_columns = ["id", "name", "kind"]


RESOURCES = [UnitApi]
