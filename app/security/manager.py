"""Security manager: our user model, rate-limited JWT login, roles synced from code."""
from flask import current_app
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.utils.limit import Limit
from flask_limiter.util import get_remote_address

from app.models import AppUser
from app.views.users import AppUserDBModelView


def _auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


class RateLimitedSecurityApi(SecurityApi):
    """`/api/v1/security/login` is not covered by AUTH_RATE_LIMITED: limit it here too."""
    limits = [Limit(limit_value=_auth_rate_limit, key_func=get_remote_address,
                    methods=("POST",))]


class SecurityManager(FabSecurityManager):
    user_model = AppUser
    userdbmodelview = AppUserDBModelView
    security_api = RateLimitedSecurityApi

    def sync_roles(self):
        """Create every role declared in app.security.roles (permissions come from FAB_ROLES)."""
        for name in self.builtin_roles:
            if self.find_role(name) is None:
                self.add_role(name)
