"""FAB's user admin with the unit / jurisdiction a user is tied to, and role names in words.
Roles themselves are declared in code (app.security.roles): the role pages only show them."""
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.extensions import db
from app.security.roles import ROLE_LABELS

from .lookup import LookupField

_TIE = ["unit", "region", "phone"]


def role_label(role):
    name = getattr(role, "name", role)
    return f"{ROLE_LABELS[name]}（{name}）" if name in ROLE_LABELS else name


def _roles_text(roles):
    return "、".join(role_label(r) for r in roles or [])


def _roles_field():
    from flask import current_app
    return QuerySelectMultipleField(
        _l("Role"), validators=[DataRequired()], widget=Select2ManyWidget(),
        query_func=lambda: db.session.query(current_app.appbuilder.sm.role_model)
        .filter(current_app.appbuilder.sm.role_model.name.in_(list(ROLE_LABELS))),
        get_pk_func=lambda role: role.id, get_label=role_label)


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
    add_columns = ["first_name", "last_name", "username", "active", "email", "roles"] + _TIE + [
        "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles"] + _TIE + [
        "must_change_password"]
    validators_columns = {}
    formatters_columns = {"roles": _roles_text,
                          "unit": lambda u: u or "", "region": lambda r: r or "",
                          "phone": lambda p: p or "",
                          "active": lambda v: _l("Yes") if v else _l("No"),
                          "must_change_password": lambda v: _l("Yes") if v else _l("No")}

    def __init__(self, **kwargs):
        self.add_form_extra_fields = {
            **UserDBModelView.add_form_extra_fields,
            "roles": _roles_field(),
            "unit": LookupField(_l("Unit"), entity="unit"),
            "region": LookupField(_l("Jurisdiction"), entity="region"),
        }
        self.edit_form_extra_fields = {
            "roles": _roles_field(),
            "unit": LookupField(_l("Unit"), entity="unit"),
            "region": LookupField(_l("Jurisdiction"), entity="region"),
        }
        super().__init__(**kwargs)


class AppRoleModelView(RoleModelView):
    """Read-only: roles and their permissions live in app/security/roles.py."""
    base_permissions = ["can_list", "can_show"]
    list_widget = ListWidget
    show_widget = ShowWidget
    list_columns = show_columns = ["name"]
    formatters_columns = {"name": role_label}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # FAB's "copy role" action would create a role outside the declared ones.
        self.actions.pop("copyrole", None)
        self.base_permissions = [p for p in self.base_permissions if p != "copyrole"]
