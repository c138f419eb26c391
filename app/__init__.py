"""Application factory."""
from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l
from flask_migrate import upgrade
from sqlalchemy import inspect

from config import BASE_DIR, INSTANCE_DIR

from .extensions import csrf, db, migrate
from .i18n import compile_catalogs

MIGRATIONS_DIR = str(BASE_DIR / "migrations")


def create_app(config_object="config.Config", **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_object)
    app.config.update(overrides)

    from .security.roles import build_fab_roles
    app.config["FAB_ROLES"] = build_fab_roles()
    app.config["FAB_CREATE_DB"] = False  # the schema comes from Alembic migrations only
    Path(app.config["UPLOAD_ROOT"]).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        # Behind a reverse proxy the client address (rate limits) comes from X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    compile_catalogs()

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)

    from . import models  # noqa: F401  (registers every table)
    from .security import authority
    from .services import audit, screening, settings, storage
    settings.install()  # 参数 and 字典 as data: version stamp on change, labels for models
    authority.install()  # authors stamped before the change log reads the new rows
    screening.install()  # before the change log, so the cases it opens are logged too
    audit.install()
    storage.install()
    from .web import context, request_local
    context.install()  # the access policy reads the scope of the request's user
    request_local.install()  # FAB's per-view request state, per request (threads)

    with app.app_context():
        if app.config.get("AUTO_MIGRATE"):
            upgrade(directory=MIGRATIONS_DIR, revision="heads")
        ready = "ab_user" in inspect(db.engine).get_table_names()
        # Off by default (config): permissions and roles are written once by `init-db`
        # (app.startup), not by every worker as it boots.
        sync = ready and app.config.get("FAB_UPDATE_PERMS", False)
        appbuilder = AppBuilder(update_perms=sync)
        appbuilder.init_app(app, db.session)
        _register(appbuilder)
        from .views.console import init_console
        init_console(app)  # the province admin's 系统管理 console at /ops/ (Flask-Admin)
        if sync:
            appbuilder.sm.sync_roles()

    from .tasks import init_celery
    init_celery(app)  # eager in-process unless CELERY_BROKER_URL (docs/background.md)
    from .cli import register_cli
    from .web.errors import register_error_handlers
    from .web import hygiene
    register_cli(app)
    register_error_handlers(app)
    from .web import display
    display.install(app)  # ID numbers masked by value in every body, for masking scopes
    from .web import oplog
    oplog.install(app)  # 操作日志: every write request, one hook
    hygiene.install(app)  # request checks, security headers, CSP nonce (after the error pages)
    from .web import assets
    assets.install(app)  # static files: content-hash URLs, cached for good, gzip, no session
    from .views.applications import enforce_password_change
    app.before_request(enforce_password_change)
    from .jstext import js_text
    app.jinja_env.globals["js_text"] = js_text
    from .views.notices import unread_notices
    app.jinja_env.globals["unread_notices"] = unread_notices  # home.html's notices
    from .views.todos import unread_todos
    app.jinja_env.globals["unread_todos"] = unread_todos  # the navbar's 待办 bell
    return app


# View modules in menu order; each lists its pages in MENU (and pages without a menu entry
# in NO_MENU). A category's label is given by any entry of it (the first that names one),
# whichever module opens the category. The menu name is also the permission name
# (app.security.roles).
VIEW_MODULES = ("unit_records", "units", "conduct", "staff", "personnel", "person_records",
                "dispatch", "screening", "applications", "reports", "notices", "system",
                "downloads", "register", "jobs", "todos", "credit")
# REST modules; each lists its resources in RESOURCES.
API_MODULES = ("units", "personnel", "system", "conduct", "dispatch", "unit_records", "staff",
               "screening", "applications", "credit")


def _register(appbuilder):
    from importlib import import_module

    from .views.lookup import LookupView

    menu = [entry for name in VIEW_MODULES
            for entry in import_module(f"app.views.{name}").MENU]
    category_labels = {}
    for *_entry, category, category_label in menu:
        if category_label:
            category_labels.setdefault(category, category_label)
    for view, name, label, icon, category, _label in menu:
        kwargs = {"category_label": category_labels[category]} \
            if category in category_labels else {}
        appbuilder.add_view(view, name, label=label, icon=icon, category=category, **kwargs)
    appbuilder.add_view_no_menu(LookupView)
    # Pages reached from other pages or public (tabs, JSON helpers, public forms, the
    # forced password change), not from the menu: a module's NO_MENU list.
    for name in VIEW_MODULES:
        for view in getattr(import_module(f"app.views.{name}"), "NO_MENU", ()):
            appbuilder.add_view_no_menu(view)
    from .views.console import URL as CONSOLE_URL
    appbuilder.add_link("SystemConsole", label=_l("System console"), href=CONSOLE_URL + "/",
                        icon="fa-cogs", category="System")
    for name in API_MODULES:
        for api in import_module(f"app.api.{name}").RESOURCES:
            appbuilder.add_api(api)
    # JSON APIs authenticate with JWT (or the session for allow_browser_login resources) and
    # accept only application/json, which a cross-site form cannot send: no CSRF token there.
    from flask import current_app
    for name, blueprint in current_app.blueprints.items():
        if blueprint.url_prefix and blueprint.url_prefix.startswith("/api/"):
            csrf.exempt(blueprint)
