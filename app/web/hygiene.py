"""Input and output hygiene for every request (docs/security-headers.md).

In: one before_request refuses, with a Chinese 400 (413 for a body over MAX_CONTENT_LENGTH),
what would otherwise reach the database or FAB's list code and end in a 500 — a NUL byte or
an over-long value in the path, the query string, a form field or a JSON string (PostgreSQL
refuses NUL in text), a list page's unknown order column or negative page / page size (also
REST `q=(page:…,page_size:…,order_column:…)`), FAB's unused `download/<filename>` route and
its mass actions on a missing action or record. It also requires the CSRF token on an
unsafe /api/ request that authenticates by the session cookie (the API blueprints are CSRF
exempt for JWT and API-key clients, which a cross-site form cannot imitate).

Out: security headers on every response — a per-request script nonce for the
Content-Security-Policy (FAB's templates already print `csp_nonce()` on their <script> tags),
no framing, no sniffing, a same-origin referrer, and `Cache-Control: no-store` on everything
but static assets.
"""
import re
import secrets

from flask import current_app, g, request, session
from flask_appbuilder import ModelView
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Lone UTF-16 surrogates (JSON "\ud800") cannot be encoded for any database driver.
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
# FAB reads these list arguments with re.findall on every argument name (urltools).
_PAGE_ARG, _PSIZE_ARG, _ORDER_ARG = (re.compile(p) for p in ("page_(.*)", "psize_(.*)",
                                                             "_oc_(.*)"))


class Refused(Exception):
    def __init__(self, message, code=400):
        super().__init__(message)
        self.message, self.code = message, code


def install(app):
    """Hook the checks, the headers and the CSP nonce into the app (after the error pages)."""
    app.before_request(check_request)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.register_error_handler(RequestEntityTooLarge, lambda _e: _too_large())


# ------------------------------------------------------------------ in

def check_request():
    try:
        _check_size()
        _check_text(request.path, _("address"), current_app.config["HYGIENE_PATH_MAX"])
        _check_args()
        if request.method not in SAFE_METHODS:
            _check_form()
            _check_json()
        _check_list_args()
        _check_fab_builtin_routes()
    except Refused as refused:
        return _render(refused.code, refused.message)
    except RequestEntityTooLarge:
        return _too_large()
    _check_api_csrf()
    return None


def _render(code, message):
    from app.web.errors import _render as render_error
    return render_error(code, message)


def _too_large():
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return _render(413, _("The request is too large: at most %(limit)d MB.", limit=limit))


def _check_size():
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def _label(name):
    return str(name)[:40]


def _check_text(value, name, limit):
    if _BAD_CHARS.search(value):
        raise Refused(_("“%(name)s” contains a NUL byte or an invalid character.",
                        name=_label(name)))
    if len(value) > limit:
        raise Refused(_("“%(name)s” is too long: at most %(limit)d characters.",
                        name=_label(name), limit=limit))


def _check_name(key, limit):
    # Werkzeug keys a multipart part sent with `name=""` as None: refused, never looked up.
    if key is None:
        raise Refused(_("A form field has no name."))
    _check_text(key, _("parameter name"), limit)


def _check_pairs(pairs, value_limit):
    name_limit = current_app.config["HYGIENE_NAME_MAX"]
    for key, values in pairs:
        _check_name(key, name_limit)
        for value in values:
            _check_text(value, key, value_limit)


def _check_args():
    _check_pairs(request.args.lists(), current_app.config["HYGIENE_QUERY_VALUE_MAX"])


def _check_form():
    if not (request.mimetype or "").startswith(("multipart/", "application/x-www-form")):
        return
    _check_pairs(request.form.lists(), current_app.config["HYGIENE_FORM_VALUE_MAX"])
    for key, upload in request.files.items(multi=True):
        _check_name(key, current_app.config["HYGIENE_NAME_MAX"])
        _check_text(upload.filename or "", _("file name"), 255)


def _check_json():
    if not request.is_json or not request.get_data(cache=True):
        return
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise Refused(_("The JSON body is nested too deeply."))
    limit = current_app.config["HYGIENE_JSON_STRING_MAX"]
    stack = [("", data)]
    while stack:  # iterative: a deeply nested body must not exhaust the stack here
        name, value = stack.pop()
        if isinstance(value, str):
            # Binary content (`content_base64` of the platform's documents) is bounded by
            # MAX_CONTENT_LENGTH, not by the text limit.
            _check_text(value, name or "JSON",
                        len(value) if str(name).endswith("_base64") else limit)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, _("parameter name"), current_app.config["HYGIENE_NAME_MAX"])
                stack.append((key, item))
        elif isinstance(value, list):
            stack.extend((name, item) for item in value)


# ------------------------------------------------------------------ list arguments

def _views_by_name():
    """Class name (the `_oc_<View>` / `page_<View>` suffix and a REST blueprint's name) →
    the registered views and APIs."""
    views = current_app.extensions.get("hygiene_views")
    if views is None:
        views = {}
        for view in current_app.appbuilder.baseviews:
            for name in {type(view).__name__, getattr(view, "endpoint", None)} - {None}:
                views.setdefault(name, []).append(view)
        current_app.extensions["hygiene_views"] = views
    return views


def _order_allowed(views, column):
    known = [v for v in views if getattr(v, "order_columns", None) is not None]
    return not known or any(column in v.order_columns for v in known)


def _check_list_args():
    max_page = current_app.config["LIST_MAX_PAGE"]
    max_size = current_app.config["LIST_MAX_PAGE_SIZE"]
    views = _views_by_name()
    for arg in request.args:
        # `page` is our own views' page number (lookups, service desk, review desk, holders).
        if (arg == "page" or _PAGE_ARG.findall(arg)) and \
                not _number_in(request.args.get(arg), 0, max_page):
            raise Refused(_("The page number must be a whole number from 0 to %(max)d.",
                            max=max_page))
        if _PSIZE_ARG.findall(arg) and not _number_in(request.args.get(arg), 1, max_size):
            raise Refused(_("The page size must be a whole number from 1 to %(max)d.",
                            max=max_size))
        order = _ORDER_ARG.findall(arg)
        if order and not _order_allowed(views.get(order[0], ()), request.args.get(arg)):
            raise Refused(_("The list cannot be sorted by %(column)s.",
                            column=_label(request.args.get(arg))))
    if request.path.startswith("/api/") and "q" in request.args:
        _check_rison(views.get(request.blueprint or "", ()), max_page)


def _number_in(text, low, high):
    return bool(re.fullmatch(r"\d{1,9}", text or "")) and low <= int(text) <= high


def _check_rison(views, max_page):
    import prison
    try:
        args = prison.loads(request.args["q"])
    except Exception:  # noqa: BLE001 — FAB's @rison answers 400 for a broken q itself
        return
    if not isinstance(args, dict):
        return
    page, size = args.get("page"), args.get("page_size")
    if page is not None and not (isinstance(page, int) and 0 <= page <= max_page):
        raise Refused(_("The page number must be a whole number from 0 to %(max)d.",
                        max=max_page))
    api_max = current_app.config.get("FAB_API_MAX_PAGE_SIZE") or 100
    if size is not None and not (isinstance(size, int) and 1 <= size <= api_max):
        raise Refused(_("The page size must be a whole number from 1 to %(max)d.",
                        max=api_max))
    column = args.get("order_column")
    if column is not None and not (isinstance(column, str) and _order_allowed(views, column)):
        raise Refused(_("The list cannot be sorted by %(column)s.", column=_label(column)))


# ------------------------------------------------------------------ FAB's own routes

def _check_fab_builtin_routes():
    """FAB's `download/<filename>` serves FileColumn uploads from UPLOAD_FOLDER, which this
    app neither uses nor sets (KeyError): 404. FAB's own action routes (users, roles, groups)
    call a missing action or a missing record and fail with AttributeError: 404 first."""
    endpoint = request.endpoint or ""
    view_name, _dot, method = endpoint.rpartition(".")
    if method not in ("download", "action", "action_post"):
        return
    view = next((v for v in _views_by_name().get(view_name, ())
                 if isinstance(v, ModelView)), None)
    if view is None or getattr(type(view), method) is not getattr(ModelView, method):
        return  # not a page, or a view with its own (scoped) implementation
    if method == "download":
        raise NotFound()
    if method == "action":
        name, pks = request.view_args.get("name"), [request.view_args.get("pk")]
    else:
        name, pks = request.form.get("action"), request.form.getlist("rowid")
    act = view.actions.get(name)
    # An action for one record (the users' password reset) crashes on action_post's list.
    if act is None or not (act.single if method == "action" else act.multiple):
        raise NotFound()
    for pk in pks:
        try:
            item = view.datamodel.get(view._deserialize_pk_if_composite(pk))
        except Exception:  # noqa: BLE001 — a pk of the wrong type finds no record
            view.datamodel.session.rollback()
            item = None
        if item is None:
            raise NotFound()


# ------------------------------------------------------------------ REST CSRF

def _check_api_csrf():
    """The API blueprints are CSRF exempt (app/__init__.py) for JWT and API-key clients: a
    cross-site page cannot set an Authorization header. A request that authenticates by the
    session cookie instead (allow_browser_login) could come from any site's form, so it
    needs the token (X-CSRFToken header, sent by static/js/forms.js and the Swagger page)."""
    if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
        return
    if request.headers.get("Authorization"):
        return
    if not session.get("_user_id"):
        return  # anonymous: the cookie carries no authority (JWT login, public intake)
    from app.extensions import csrf
    csrf.protect()


# ------------------------------------------------------------------ out

def csp_nonce():
    """This request's script nonce (FAB's baselib.get_nonce() and our templates print it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce=None):
    # Scripts: only our own files and inline blocks carrying this request's nonce (every
    # <script> of FAB's templates and ours has one; no inline event handlers). Styles: our
    # own files; style="" attributes stay allowed (style-src-attr) because FAB's templates
    # carry 29 of them — an attribute cannot run script. Nothing from another host.
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return ("default-src 'self'; "
            f"script-src {script}; "
            "style-src 'self'; style-src-attr 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # the app frames nothing of its own
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["Content-Security-Policy"] = content_security_policy(g.get("csp_nonce"))
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    endpoint = request.endpoint or ""
    if endpoint != "static" and not endpoint.endswith(".static"):
        # Pages, API answers and scoped files are per user: never kept by a browser or proxy.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response
