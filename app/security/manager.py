"""Security manager: our user model, rate-limited JWT login, roles synced from code."""
from flask import current_app
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.utils.limit import Limit
from flask_limiter.util import get_remote_address

from app.models import AppUser
from app.views.users import AppRoleModelView, AppUserDBModelView


def _auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


class RateLimitedSecurityApi(SecurityApi):
    """`/api/v1/security/login` is not covered by AUTH_RATE_LIMITED: limit it here too."""
    limits = [Limit(limit_value=_auth_rate_limit, key_func=get_remote_address,
                    methods=("POST",))]


class SecurityManager(FabSecurityManager):
    user_model = AppUser
    userdbmodelview = AppUserDBModelView
    rolemodelview = AppRoleModelView
    security_api = RateLimitedSecurityApi
    # FAB's user statistics chart loads Google Charts from the internet (the police network
    # has none, and the CSP allows no other host) and 500s on an unknown group_by: not served.
    userstatschartview = None

    def _declared_permissions(self):
        """permission name → the permissions its views and APIs really expose."""
        if getattr(self, "_declared", None) is None:
            declared = {}
            for view in self.appbuilder.baseviews:
                name = getattr(view, "class_permission_name", None)
                perms = getattr(view, "base_permissions", None)
                if name and perms is not None:
                    declared.setdefault(name, set()).update(perms)
            self._declared = declared
        return self._declared

    def _has_access_builtin_roles(self, role, permission_name, view_name):
        # A role's regex (".*" for the province admin) grants only what a view declares:
        # the change log exposes no edit or delete, so nobody gets a link or a route to them.
        declared = self._declared_permissions().get(view_name)
        if declared is not None and permission_name != "menu_access" \
                and permission_name not in declared:
            return False
        return super()._has_access_builtin_roles(role, permission_name, view_name)

    def sync_roles(self):
        """Create every role declared in app.security.roles (permissions come from FAB_ROLES)."""
        for name in self.builtin_roles:
            if self.find_role(name) is None:
                self.add_role(name)
