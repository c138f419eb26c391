"""FAB's user admin with the unit / jurisdiction a user is tied to."""
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from .lookup import LookupField

_TIE = ["unit", "region", "phone"]


class AppUserDBModelView(UserDBModelView):
    label_columns = {**UserDBModelView.label_columns, "unit": _l("Unit"),
                     "region": _l("Jurisdiction"), "phone": _l("Phone"),
                     "must_change_password": _l("Must change password")}
    description_columns = {
        **UserDBModelView.description_columns,
        "unit": _l("For unit users: the unit whose records this account maintains."),
        "region": _l("For police: the jurisdiction (city or district) this account supervises."),
    }
    list_columns = ["username", "first_name", "last_name", "unit", "region", "active", "roles"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "unit", "region",
                                      "login_count", "must_change_password"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email", "phone"],
                               "expanded": True}),
    ] + UserDBModelView.show_fieldsets[2:]
    search_columns = ["username", "first_name", "last_name", "email", "active", "roles"]
    add_columns = UserDBModelView.add_columns[:-2] + _TIE + ["password", "conf_password"]
    edit_columns = UserDBModelView.edit_columns + _TIE + ["must_change_password"]
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "unit": LookupField(_l("Unit"), entity="unit"),
        "region": LookupField(_l("Jurisdiction"), entity="region"),
    }
    edit_form_extra_fields = {
        "unit": LookupField(_l("Unit"), entity="unit"),
        "region": LookupField(_l("Jurisdiction"), entity="region"),
    }
