"""The composition root: the one module that binds the layers' parts together for
Flask-AppBuilder. The security manager (app/web/security_manager.py) holds the account rules;
the account pages (app/views/users.py) and REST resources (app/api/security.py) are named
here, so that security imports neither views nor api (tests/unit/test_layers.py)."""
from app.api.security import AccountSecurityApi, AppUserApi
from app.web.security_manager import SecurityManager
from app.views.users import (AppRoleModelView, AppUserDBModelView, AuthDBView,
                             ResetMyPasswordView, ResetPasswordView)


class AppSecurityManager(SecurityManager):
    userdbmodelview = AppUserDBModelView
    rolemodelview = AppRoleModelView
    authdbview = AuthDBView
    resetmypasswordview = ResetMyPasswordView
    resetpasswordview = ResetPasswordView
    security_api = AccountSecurityApi
    user_api = AppUserApi
