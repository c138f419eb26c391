"""Units of every kind. (The per-kind unit pages with all their tabs build on this.)"""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import Unit
from app.models.choices import UNIT_KINDS, UNIT_STATUSES

from .base import ScopedModelView
from app.labels import LABELS, display
from app.security.scope import get_scoped
from .conduct import ConductRecordView
from .personnel import EmploymentView
from .services import ServiceView


class UnitView(ScopedModelView):
    datamodel = SQLAInterface(Unit)
    class_permission_name = "Unit"
    list_title = show_title = _l("Units")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    label_columns = {**LABELS, "name": _l("Unit name")}
    list_columns = ["name", "kind_label", "region.name", "credit_code", "legal_representative",
                    "contact_phone", "status_label"]
    show_fieldsets = [
        (_l("Overview"), {"fields": ["name", "kind_label", "parent", "credit_code",
                                     "legal_representative", "region", "address",
                                     "registered_capital", "established_on", "status_label"]}),
        (_l("Contacts"), {"fields": ["principal", "principal_phone", "contact_person",
                                     "contact_phone"]}),
        (_l("Licence and business"), {"fields": ["licence_number", "licence_issued_on",
                                                 "grade", "business_scope", "foreign_invested",
                                                 "armed_escort"]}),
        (_l("Training"), {"fields": ["training_capacity", "training_scope"]}),
    ]
    add_columns = ["name", "kind", "parent", "credit_code", "legal_representative", "principal",
                   "principal_phone", "contact_person", "contact_phone", "address", "region",
                   "registered_capital", "established_on", "licence_number",
                   "licence_issued_on", "grade", "business_scope", "foreign_invested",
                   "armed_escort", "training_capacity", "training_scope"]
    edit_columns = add_columns + ["status"]
    search_columns = ["name", "kind", "credit_code", "region_code", "status",
                      "legal_representative"]
    order_columns = ["name", "kind", "region_code", "status"]
    base_order = ("name", "asc")
    related_views = [EmploymentView, ServiceView, ConductRecordView]
    lookup_columns = {"region": "region", "parent": ("unit", ("company", "self_hire"))}
    choice_columns = {"kind": UNIT_KINDS, "status": UNIT_STATUSES}
    required_choices = ("kind", "status")
    # Branches come only from an approved branch filing, never from this form.
    choice_exclude_on_add = {"kind": ("branch",)}
    show_template = "units/show.html"
    # A client unit inherits the information of its self-hiring unit (shown on its page).
    inherited_fields = ("name", "credit_code", "legal_representative", "principal",
                        "principal_phone", "region", "address", "licence_number", "status_label")

    def inherited_overview(self, pk):
        """(label, value) rows of the parent self-hiring unit, for a client unit's page. The
        client unit itself is fetched through the read scope; its parent comes with it."""
        unit = get_scoped(self.datamodel.session, Unit, pk)
        parent = unit.parent if unit.kind == "client" else None
        if parent is None:
            return []
        return [(self.label_columns.get(f, f), display(getattr(parent, f)))
                for f in self.inherited_fields]


# (view, menu name = permission name, label, icon, category, category label)
MENU = [(UnitView, "Unit", _l("Units"), "fa-building", "UnitManagement", _l("Unit management"))]
