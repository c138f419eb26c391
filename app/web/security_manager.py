"""Security manager: our user model and views, roles synced from code, and the account rules
of 等保 2.0 on every path: the password rule (app.services.passwords), the login lockout
(app.services.lockout), server-side sessions (app.services.sessions) — browser sign-ins and
JWT sign-ins alike, so 【强制下线】 ends either —, revocable JWTs (app.services.tokens) and
the 登录日志 of every sign-in attempt and sign-out (app.services.oplog)."""
from flask import current_app, g, has_request_context, jsonify, request, session
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in, user_logged_out

from app.models import AppUser
from app.services import lockout, oplog, passwords, sessions, tokens

SESSION_KEY = "_sid"  # the user_session id in the Flask session
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", SESSION_KEY)


def log_login(event, username, user_id, success, reason):
    """One row of the 登录日志, with the request's address and browser (a check run outside
    a request, e.g. by a script, is logged as a form sign-in without an address)."""
    if has_request_context():
        channel = "api" if request.path.startswith("/api/") else "form"
        ip, agent = request.remote_addr, request.user_agent.string
    else:
        channel, ip, agent = "form", None, None
    oplog.log_login(event, channel, username, user_id, success, reason, ip, agent)


_ACCESS_MEMO = "_access_memo"


def _on_login(app, user, **_kwargs):
    session[SESSION_KEY] = sessions.start(user.id, request.remote_addr,
                                          request.user_agent.string)


def _on_logout(app, user, **_kwargs):
    sid = session.pop(SESSION_KEY, None)
    if sid:
        sessions.end(sid, "logout")
    if getattr(user, "is_authenticated", False) and getattr(user, "id", None):
        tokens.revoke_refresh_tokens(user.id)
        log_login("logout", user.username, user.id, True, "ok")


def _api_session_id(user_id):
    """The sign-in session a JWT belongs to: a new one at the JWT login (one for its access
    and refresh token), the refresh token's own at a refresh."""
    if not has_request_context():
        return None
    if request.path.endswith("/security/refresh"):
        from flask_jwt_extended import get_jwt
        return get_jwt().get("sid")
    if request.path.endswith("/security/login"):
        if g.get("api_session_id") is None:
            g.api_session_id = sessions.start(user_id, request.remote_addr,
                                              request.user_agent.string, channel="api")
        return g.api_session_id
    return None


class SecurityManager(FabSecurityManager):
    """The account rules; the pages and REST resources that show them are bound to it by
    the composition root (app/wiring.py), so this layer imports neither."""
    user_model = AppUser
    # FAB's user statistics chart loads Google Charts from the internet (the police network
    # has none, and the CSP allows no other host) and 500s on an unknown group_by: not served.
    userstatschartview = None

    def __init__(self, appbuilder):
        # FAB's own password fields and its user API apply the rule too.
        current_app.config.setdefault("FAB_PASSWORD_COMPLEXITY_ENABLED", True)
        current_app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR",
                                      passwords.fab_complexity_validator)
        super().__init__(appbuilder)

    def register_views(self):
        """FAB's views; with FAB_ADD_SECURITY_API its REST APIs, the user API under the
        password rule. FAB's PermissionViewMenuApi does not build with marshmallow-sqlalchemy
        1.6 (KeyError 'permission_id' at start-up): it is left out, the others work."""
        config = current_app.config
        wanted = config.get("FAB_ADD_SECURITY_API", False)
        config["FAB_ADD_SECURITY_API"] = False
        try:
            super().register_views()
        finally:
            config["FAB_ADD_SECURITY_API"] = wanted
        if wanted and config.get("FAB_ADD_SECURITY_VIEWS", True):
            from flask_appbuilder.security.sqla.apis import ApiKeyApi
            for api in (self.permission_api, self.role_api, self.user_api, self.view_menu_api,
                        self.group_api):
                self.appbuilder.add_api(api)
            if config.get("FAB_API_KEY_ENABLED", False):
                self.appbuilder.add_api(ApiKeyApi)

    # ------------------------------------------------------------ sessions
    def create_login_manager(self, app):
        lm = super().create_login_manager(app)
        lm.user_loader(self.load_session_user)
        app = getattr(app, "_get_current_object", lambda: app)()  # FAB passes current_app
        user_logged_in.connect(_on_login, app)
        user_logged_out.connect(_on_logout, app)
        return lm

    def load_session_user(self, pk):
        """flask-login's loader: the cookie's user only while its server-side session is
        open (not logged out, not ended by a password change, not idle)."""
        user = self.load_user(pk)
        if user is not None and sessions.check(session.get(SESSION_KEY), user.id):
            return user
        for key in _LOGIN_KEYS:
            session.pop(key, None)
        return None

    # ------------------------------------------------------------ JWT
    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self._token_claims)
        jwt_manager.token_in_blocklist_loader(
            lambda _header, payload: tokens.is_revoked(
                payload, self.get_user_by_id(int(payload["sub"])))
            or not sessions.check_api(payload.get("sid"), int(payload["sub"])))
        jwt_manager.revoked_token_loader(lambda _header, _payload: (jsonify(
            message=_("The token has been revoked. Sign in again.")), 401))
        return jwt_manager

    def _token_claims(self, identity):
        user = self.get_user_by_id(int(identity))
        claims = tokens.claims(user)
        sid = _api_session_id(user.id) if user else None
        if sid:
            claims["sid"] = sid
        return claims

    # ------------------------------------------------------------ lockout
    def auth_user_db(self, username, password):
        """FAB's check behind the lockout, each attempt written to the 登录日志 with its
        outcome: ok, locked, unknown_user, inactive or wrong_password. Failures count by
        the account a name or e-mail resolves to, else by the name typed, so an unknown
        name is locked exactly like a known one."""
        if not username:
            return super().auth_user_db(username, password)
        known = self.find_user(username=username) or self.find_user(email=username)
        name = known.username if known else username
        if lockout.is_locked(name):
            g.login_locked = True
            log_login("login", username, known and known.id, False, "locked")
            return None
        user = super().auth_user_db(username, password)
        if user:
            lockout.clear(name)
            log_login("login", username, user.id, True, "ok")
            return user
        reason = ("unknown_user" if known is None else "inactive" if not known.is_active
                  else "wrong_password")
        if lockout.record_failure(name):
            g.login_locked = True
            reason += "+locked"
        log_login("login", username, known and known.id, False, reason)
        return user

    # ------------------------------------------------------------ passwords
    def add_user(self, username, first_name, last_name, email, role=None, password="",
                 hashed_password="", groups=None, commit=True):
        if password and not hashed_password:
            passwords.check_strength(password, username)
        return super().add_user(username, first_name, last_name, email, role=role,
                                password=password, hashed_password=hashed_password,
                                groups=groups, commit=commit)

    def reset_password(self, userid, password):
        """Every password change (self, admin, first login, CLI) goes through here."""
        user = self.get_user_by_id(userid)
        passwords.check_strength(password, user.username)
        super().reset_password(userid, password)
        self.password_changed(user.id)

    def password_changed(self, user_id):
        """End the user's other sessions; their tokens carry the old password's fingerprint
        and stop working by themselves (app.services.tokens)."""
        keep = None
        if has_request_context():
            me = getattr(g, "user", None)
            if getattr(me, "is_authenticated", False) and me.id == user_id:
                keep = session.get(SESSION_KEY)
        sessions.end_user_sessions(user_id, "password", keep=keep)
        tokens.revoke_refresh_tokens(user_id)

    # ------------------------------------------------------------ roles
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

    def has_access(self, permission_name, view_name):
        # A page asks ~100 times (menu entries, tabs, buttons), each resolving the user
        # through the request locals; a user's answers cannot change within a request (the
        # key names the user, so a sign-in or sign-out mid-request asks afresh). Only for a
        # signed-in browser session: a JWT identity is verified inside the API's own
        # decorator, after hooks may already have asked as nobody.
        if not has_request_context() or not current_user.is_authenticated:
            return super().has_access(permission_name, view_name)
        memo = g.setdefault(_ACCESS_MEMO, {})
        key = (current_user.get_id(), permission_name, view_name)
        found = memo.get(key)
        if found is None:
            found = memo[key] = bool(super().has_access(permission_name, view_name))
        return found

    def _has_access_builtin_roles(self, role, permission_name, view_name):
        # A role's regex (".*" for the province admin) grants only what a view declares:
        # the change log exposes no edit or delete, so nobody gets a link or a route to them.
        # The answer depends only on FAB_ROLES (code) and the declared views, so it is kept
        # per (role, permission, view): FAB matched every role's regular expressions again
        # for each of the ~50 menu entries of every page (docs/speed.md).
        key = (role.name, permission_name, view_name)
        cache = self.__dict__.setdefault("_builtin_access", {})
        found = cache.get(key)
        if found is None:
            declared = self._declared_permissions().get(view_name)
            if declared is not None and permission_name != "menu_access" \
                    and permission_name not in declared:
                found = False
            else:
                found = bool(super()._has_access_builtin_roles(role, permission_name,
                                                               view_name))
            cache[key] = found
        return found

    def sync_roles(self):
        """Create every role declared in app.security.roles (permissions come from FAB_ROLES)."""
        for name in self.builtin_roles:
            if self.find_role(name) is None:
                self.add_role(name)
