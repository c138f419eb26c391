"""奖惩投诉 of units and people (a tab on both pages; the list here covers the scope)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models.vocabulary import LABELS
from app.models import ConductRecord
from app.models.choices import CONDUCT_KINDS

from .base import ScopedModelView


class ConductRecordView(ScopedModelView):
    datamodel = SQLAInterface(ConductRecord)
    class_permission_name = "ConductRecord"
    list_title = show_title = _l("Commendations, violations and complaints")
    add_title = _l("Add commendation, violation or complaint")
    edit_title = _l("Edit commendation, violation or complaint")
    label_columns = LABELS
    list_columns = ["kind_label", "occurred_on", "title", "unit.name", "person.name",
                    "authority", "result"]
    show_columns = ["kind_label", "occurred_on", "title", "unit", "person", "description",
                    "authority", "document_number", "result"]
    add_columns = edit_columns = ["kind", "unit", "person", "occurred_on", "title",
                                  "description", "authority", "document_number", "result"]
    search_columns = ["kind", "title", "occurred_on", "authority"]
    order_columns = ["occurred_on", "kind"]
    base_order = ("occurred_on", "desc")
    choice_columns = {"kind": CONDUCT_KINDS}
    required_choices = ("kind",)
    lookup_columns = {"unit": "unit", "person": "person"}


MENU = [(ConductRecordView, "ConductRecord", _l("Commendations and penalties"), "fa-award",
         "UnitManagement", None)]
