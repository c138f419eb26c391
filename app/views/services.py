"""Service targets (tiered by category), services and dispatches."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import SelectField

from app.models import Dispatch, Service, ServiceTarget, TargetCategory
from app.models.choices import SERVICE_STATUSES, TIERS

from .base import ScopedModelView
from app.models.vocabulary import LABELS
from app.web.widgets import tier_badge
from app.services.rules import SERVING_UNIT_KINDS


class DispatchView(ScopedModelView):
    datamodel = SQLAInterface(Dispatch)
    class_permission_name = "Dispatch"
    list_title = show_title = _l("Dispatches")
    add_title = _l("Add dispatch")
    edit_title = _l("Edit dispatch")
    label_columns = {**LABELS, "service.target.name": _l("Service target"),
                     "service.target.tier": _l("Tier"), "service.target.tier_label": _l("Tier")}
    list_columns = ["person.name", "unit.name", "service.target.name", "service.target.tier",
                    "post", "start_date", "end_date"]
    # Exports carry the tier as text.
    export_columns = ["person.name", "unit.name", "service.target.name",
                      "service.target.tier_label", "post", "start_date", "end_date"]
    formatters_columns = {"service.target.tier": tier_badge}
    show_columns = ["person", "unit", "service", "post", "start_date", "end_date",
                    "end_reason"]
    add_columns = ["service", "employment", "post", "start_date"]
    edit_columns = ["post", "start_date", "end_date", "end_reason"]
    search_columns = ["post", "start_date", "end_date"]
    order_columns = ["start_date", "end_date", "post"]
    base_order = ("start_date", "desc")
    lookup_columns = {"service": "service", "employment": "employment"}


class ServiceView(ScopedModelView):
    datamodel = SQLAInterface(Service)
    class_permission_name = "Service"
    list_title = show_title = _l("Services")
    add_title = _l("Add service")
    edit_title = _l("Edit service")
    label_columns = {**LABELS, "target.tier": _l("Tier"), "target.tier_label": _l("Tier")}
    list_columns = ["unit.name", "target.name", "target.tier", "contract_number", "start_date",
                    "end_date", "status_label"]
    export_columns = ["unit.name", "target.name", "target.tier_label", "contract_number",
                      "start_date", "end_date", "status_label"]
    show_columns = ["unit", "target", "target.tier", "contract_number", "start_date",
                    "end_date", "status_label", "note"]
    add_columns = ["unit", "target", "contract_number", "start_date", "end_date", "note"]
    edit_columns = ["contract_number", "start_date", "end_date", "status", "note"]
    search_columns = ["contract_number", "status", "start_date", "end_date"]
    order_columns = ["start_date", "end_date", "status"]
    base_order = ("start_date", "desc")
    formatters_columns = {"target.tier": tier_badge}
    related_views = [DispatchView]
    lookup_columns = {"unit": ("unit", SERVING_UNIT_KINDS),
                      "target": "service_target"}
    own_unit_fields = ("unit",)
    choice_columns = {"status": SERVICE_STATUSES}
    required_choices = ("status",)


class ServiceTargetView(ScopedModelView):
    datamodel = SQLAInterface(ServiceTarget)
    class_permission_name = "ServiceTarget"
    list_title = show_title = _l("Service targets")
    add_title = _l("Add service target")
    edit_title = _l("Edit service target")
    label_columns = {**LABELS, "name": _l("Full name of the unit"),
                     "category.tier": _l("Tier"), "category.tier_label": _l("Tier")}
    list_columns = ["name", "category.name", "category.tier", "address", "contact_person",
                    "contact_phone"]
    export_columns = ["name", "category.name", "category.tier_label", "address",
                      "contact_person", "contact_phone"]
    show_columns = ["name", "category", "category.tier", "region", "address",
                    "contact_person", "contact_phone"]
    add_columns = ["name", "category", "region", "address", "contact_person", "contact_phone"]
    edit_columns = add_columns
    search_columns = ["name", "address"]
    order_columns = ["name"]
    base_order = ("name", "asc")
    formatters_columns = {"category.tier": tier_badge}
    related_views = [ServiceView]
    lookup_columns = {"region": "region"}


class TargetCategoryView(ScopedModelView):
    datamodel = SQLAInterface(TargetCategory)
    class_permission_name = "TargetCategory"
    list_title = show_title = _l("Service target categories")
    add_title = _l("Add category")
    edit_title = _l("Edit category")
    label_columns = {**LABELS, "name": _l("Category")}
    list_columns = ["name", "tier", "sort_order"]
    show_columns = add_columns = edit_columns = ["name", "tier", "sort_order"]
    search_columns = ["name", "tier"]
    base_order = ("sort_order", "asc")
    formatters_columns = {"tier": tier_badge}
    add_form_extra_fields = edit_form_extra_fields = {
        "tier": SelectField(_l("Tier"), coerce=int,
                            choices=[(tier, spec["label"]) for tier, spec in TIERS.items()],
                            widget=Select2Widget()),
    }


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (ServiceTargetView, "ServiceTarget", _l("Service targets"), "fa-flag", "Services",
     _l("Services and dispatch")),
    (ServiceView, "Service", _l("Services"), "fa-handshake", "Services", None),
    (DispatchView, "Dispatch", _l("Dispatches"), "fa-share-square", "Services", None),
    (TargetCategoryView, "TargetCategory", _l("Service target categories"), "fa-tags",
     "System", None),
]
