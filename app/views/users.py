"""FAB's user admin with the unit / jurisdiction a user is tied to, and role names in words;
the password rule (app.services.passwords) at the password field of every form that sets one;
the lockout message on the sign-in form.
Roles themselves are declared in code (app.security.roles): the role pages only show them."""
from flask import g, request
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, Select2ManyWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.extensions import db
from app.models import AppUser
from app.security.roles import ROLE_LABELS
from app.services import lockout
from app.services.errors import RuleViolation
from app.services.passwords import check_strength, policy_text

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


class PasswordPolicy:
    """WTForms validator: the one password rule, with the user name the form is about."""

    def __init__(self, username_of):
        self.username_of = username_of

    def __call__(self, form, field):
        try:
            check_strength(field.data, self.username_of(form) or "")
        except RuleViolation as exc:
            raise ValidationError(exc.message) from exc


def _password_field(username_of, label=_l("Password")):
    return PasswordField(label, description=LazyString(policy_text),
                         validators=[DataRequired(), PasswordPolicy(username_of)],
                         widget=BS3PasswordFieldWidget())


def _confirm_field():
    return PasswordField(_l("Confirm Password"),
                         validators=[DataRequired(), EqualTo(
                             "password", message=_l("Passwords must match"))],
                         widget=BS3PasswordFieldWidget())


def _form_username(form):
    return form.username.data if getattr(form, "username", None) is not None else ""


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
    # 个人资料: what every user sees of their own account.
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "roles", "unit", "region"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email", "phone"],
                               "expanded": True}),
    ]
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
            "password": _password_field(_form_username),
            "conf_password": _confirm_field(),
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

class _CurrentPassword:
    def __call__(self, form, field):
        user = db.session.get(AppUser, g.user.id)
        if not field.data or not check_password_hash(user.password, field.data):
            raise ValidationError(_("The current password is wrong."))


class MyPasswordForm(DynamicForm):
    old_password = PasswordField(_l("Current password"),
                                 validators=[DataRequired(), _CurrentPassword()],
                                 widget=BS3PasswordFieldWidget())
    password = _password_field(lambda form: g.user.username, _l("New password"))
    conf_password = _confirm_field()


def _reset_target_username(form):
    user = db.session.get(AppUser, request.args.get("pk", type=int) or 0)
    return user.username if user else ""


class AdminResetPasswordForm(DynamicForm):
    password = _password_field(_reset_target_username)
    conf_password = _confirm_field()


# The same class names as FAB's: their permissions (app.security.roles) and endpoints stay.
class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    """个人资料 → 修改我的密码: the current password, then a new one under the rule; the
    security manager ends the user's other sessions and revokes their tokens."""
    form = MyPasswordForm
    form_title = _l("Change my password")


class ResetPasswordView(fab_views.ResetPasswordView):
    """The administrator's reset of another user's password, under the same rule."""
    form = AdminResetPasswordForm


class AuthDBView(fab_views.AuthDBView):
    """The sign-in form, telling a locked name apart from a wrong password (the same for
    every name, existing or not)."""

    @property
    def invalid_login_message(self):
        if g.get("login_locked"):
            return lockout.message()
        return _("Invalid login. Please try again.")
