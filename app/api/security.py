"""`/api/v1/security/`: FAB's JWT login and refresh, rate limited (AUTH_RATE_LIMITED does not
cover them), telling a locked name apart (app.services.lockout), and a logout that revokes
the presented token and every refresh token of the caller (app.services.tokens)."""
from flask import current_app, g
from flask_appbuilder.api import safe
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask_appbuilder.utils.limit import Limit
from flask_appbuilder.views import expose
from flask_babel import gettext as _
from flask_jwt_extended import get_jwt, jwt_required
from flask_limiter.util import get_remote_address
from marshmallow import ValidationError

from app.services import lockout, sessions, tokens
from app.web.security_manager import log_login
from app.services.errors import RuleViolation
from app.services.passwords import check_strength

from .endpoints import operation


def _auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


class AccountSecurityApi(SecurityApi):
    limits = [Limit(limit_value=_auth_rate_limit, key_func=get_remote_address,
                    methods=("POST",))]

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        response = super().login()
        if response.status_code == 401 and g.get("login_locked"):
            return self.response(401, message=lockout.message())
        return response

    login.__doc__ = SecurityApi.login.__doc__

    @expose("/logout", methods=["POST"])
    @jwt_required(verify_type=False)
    @safe
    @operation("post", "Revoke the presented token and every refresh token of its user", {
        200: {"description": "Signed out", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"message": {"type": "string"}}}}}},
        401: {"$ref": "#/components/responses/401"}},
        description="Sign out of the API: the access (or refresh) token sent and all refresh"
                    " tokens of the user stop working.", security=[{"jwt": []}])
    def logout(self):
        payload = get_jwt()
        tokens.revoke(payload)
        tokens.revoke_refresh_tokens(int(payload["sub"]))
        if payload.get("sid"):
            sessions.end(payload["sid"], "logout")
        user = self.appbuilder.sm.get_user_by_id(int(payload["sub"]))
        log_login("logout", user.username if user else payload["sub"], user and user.id,
                  True, "ok")
        return self.response(200, message=_("Signed out."))



def _check_password(password, username):
    try:
        check_strength(password, username or "")
    except RuleViolation as exc:
        raise ValidationError({"password": [exc.message]}) from exc


class AppUserApi(UserApi):
    """FAB's user REST API (only with FAB_ADD_SECURITY_API) under the password rule; a new
    password there ends the user's sessions and tokens like any other change."""

    def pre_add(self, item):
        _check_password(item.password, item.username)
        super().pre_add(item)

    def pre_update(self, item, data):
        if data.get("password"):
            _check_password(data["password"], item.username)
            g.password_changed_for = item.id
        super().pre_update(item, data)

    def post_update(self, item):
        super().post_update(item)
        if g.pop("password_changed_for", None) == item.id:
            self.appbuilder.sm.password_changed(item.id)
