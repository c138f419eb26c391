"""Application configuration.

Everything that differs between a developer laptop, CI and production comes from the
environment: DATABASE_URL (PostgreSQL in production), RATELIMIT_STORAGE_URI (Redis when
several workers share limits), SECRET_KEY, DEMO_PASSWORD, UPLOAD_ROOT.
"""
import datetime as dt
import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'app.db'}"
    # Heroku-style and plain postgres URLs are normalised to the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    APP_NAME = "保安服务监管信息系统"
    APP_THEME = ""
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-set-SECRET_KEY-in-production")

    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # 统计分析: a dashboard older than this takes a new snapshot first; schedule
    # `flask dashboard-refresh` more often than this (docs/dashboard.md).
    DASHBOARD_MAX_AGE_MINUTES = int(os.environ.get("DASHBOARD_MAX_AGE_MINUTES", "10"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Authentication: database users; roles declared in app.security.roles.
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "province_admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute")
    RATELIMIT_ENABLED = True  # FAB sets it False by default; AUTH_RATE_LIMITED needs it
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))  # reverse proxies in front of us
    FAB_PASSWORD_HASH_METHOD = "scrypt"
    # API keys (Bearer sst_…) for the provincial government-service platform's intake.
    FAB_API_KEY_ENABLED = True
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "outbox")  # or "package.module:Class"
    # Sending the outbox (app.services.sms): "package.module:Class" with deliver(phone, body);
    # empty: the outbox only records. Retries with backoff: delay × 2^n seconds.
    SMS_TRANSPORT = os.environ.get("SMS_TRANSPORT", "")
    SMS_RETRIES = int(os.environ.get("SMS_RETRIES", "5"))
    SMS_RETRY_DELAY = float(os.environ.get("SMS_RETRY_DELAY", "60"))

    # Accounts (等保 2.0 level 3, README "Accounts"). The password rule and the lockout's
    # numbers are parameters (系统管理 → 参数, app/services/settings.py); this switches the
    # lockout off altogether (tests of other things).
    LOCKOUT_ENABLED = True
    # Where failures, locks and revoked tokens live, shared by every app server: redis://…,
    # "database" or memory:// (one process). Empty: the Redis of RATELIMIT_STORAGE_URI when
    # it is one, else the database.
    LOCKOUT_STORAGE_URI = os.environ.get("LOCKOUT_STORAGE_URI", "")
    TOKEN_REVOCATION_STORAGE_URI = os.environ.get("TOKEN_REVOCATION_STORAGE_URI", "")
    # Redis key prefix; empty: RATELIMIT_KEY_PREFIX + "security:".
    SECURITY_STATE_KEY_PREFIX = os.environ.get("SECURITY_STATE_KEY_PREFIX", "")
    # A signed-in session unused this long is ended server-side.
    IDLE_TIMEOUT_MINUTES = int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30"))
    # API tokens: refresh tokens live this long (revoked at logout and password change).
    JWT_REFRESH_TOKEN_EXPIRES = dt.timedelta(
        days=int(os.environ.get("JWT_REFRESH_TOKEN_DAYS", "7")))

    # Session cookie: not readable by scripts, not sent on cross-site sub-requests; Secure
    # when served over HTTPS (SESSION_COOKIE_SECURE=1 in production).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"

    # CSRF on every form and POST (FAB does not install CSRFProtect itself).
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    FAB_API_SWAGGER_UI = True
    FAB_API_MAX_PAGE_SIZE = 100
    # Workers boot without writing: permissions and roles are synced by `flask --app run
    # init-db` (app/startup.py) once, before they start (several workers raced on it).
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_VIEWS = True
    # Permissions are declared in code; their raw tables are not for clicking together.
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_SECURITY_MANAGER_CLASS = "app.wiring.AppSecurityManager"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_BASE_TEMPLATE = "app_base.html"

    # Chinese by default; English available. zh_CN (not zh) also makes flask-admin Chinese.
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "zh_CN": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Uploaded files live outside the web root and are served only through scoped views.
    UPLOAD_ROOT = os.environ.get("UPLOAD_ROOT", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # any request body; more answers 413
    # One uploaded file's size and the public form's drafts are parameters (系统管理 → 参数).
    # 参数 and 字典 are read through app/services/settings.py: each process compares the
    # database's version stamp at most this often (seconds), so a change in the console
    # reaches every worker within it.
    SETTINGS_CHECK_SECONDS = float(os.environ.get("SETTINGS_CHECK_SECONDS", "2"))
    # Log rows past the retention (parameter logs.retention_days) are moved here
    # (`flask --app run logs prune`, daily).
    LOG_ARCHIVE_DIR = os.environ.get("LOG_ARCHIVE_DIR", str(INSTANCE_DIR / "log-archive"))

    # Population registry adapter: "local" (demo table) or "package.module:Class".
    POPULATION_REGISTRY = os.environ.get("POPULATION_REGISTRY", "local")
    # The staff add form echoes the registered name and household address of a typed ID
    # number: each look-up is logged (系统管理 → 人口信息查询记录) and limited per user.
    REGISTRY_LOOKUP_RATE_LIMIT = os.environ.get("REGISTRY_LOOKUP_RATE_LIMIT",
                                                "30 per minute;300 per day")
    # Screening (比对预警): the watch lists and their adapters are the dictionary 比对库
    # (系统管理 → 字典); adapter time-out in seconds, retries in the background after a save,
    # and whether a missing photo fails identity verification (the staff form, the person's
    # edit page and PUT /api/v1/person/<id>/photo take the photo).
    SCREENING_TIMEOUT = float(os.environ.get("SCREENING_TIMEOUT", "10"))
    SCREENING_RETRIES = 3
    SCREENING_RETRY_DELAY = 30
    SCREENING_SYNC = False
    SCREENING_REQUIRE_PHOTO = os.environ.get("SCREENING_REQUIRE_PHOTO", "1") == "1"
    # Public register /verify/ (README "Public register"): look-ups per client address
    # (opening the blank page does not count), in the limiter's storage (Redis when
    # RATELIMIT_STORAGE_URI is one).
    PUBLIC_REGISTER_RATE_LIMIT = os.environ.get("PUBLIC_REGISTER_RATE_LIMIT",
                                                "10 per minute;200 per day")
    # E-certificates (README "E-certificates"): the QR codes' signing keys "id:secret;…"
    # (each secret at least 32 bytes; empty: one key derived from SECRET_KEY, for
    # development only), the id signing new cards (default: the first); a key verifies
    # until it is removed from the list. The address the public reaches /verify/ at (empty:
    # the host of the request printing the card), the CJK font of the PDFs (empty: found
    # among Debian's fonts), cards per bulk PDF, and who issues licences.
    ECERT_SIGNING_KEYS = os.environ.get("ECERT_SIGNING_KEYS", "")
    ECERT_ACTIVE_KEY = os.environ.get("ECERT_ACTIVE_KEY", "")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    ECERT_FONT_PATH = os.environ.get("ECERT_FONT_PATH", "")
    ECERT_BULK_MAX = int(os.environ.get("ECERT_BULK_MAX", "100"))
    LICENCE_ISSUER = os.environ.get("LICENCE_ISSUER", "")
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026")
    PAGE_SIZE = 20
    # Request hygiene (app/security/hygiene.py): a NUL byte anywhere, or a value longer than
    # these (characters), answers 400 before any view runs. Query values are search boxes,
    # ids and REST `q` expressions; form fields and JSON strings include long notes and
    # descriptions (JSON `*_base64` file content is bounded by MAX_CONTENT_LENGTH only).
    HYGIENE_PATH_MAX = 1000
    HYGIENE_NAME_MAX = 200  # a parameter or JSON key name
    HYGIENE_QUERY_VALUE_MAX = 1000
    HYGIENE_FORM_VALUE_MAX = 20_000
    HYGIENE_JSON_STRING_MAX = 20_000
    # List pages (page_<View>, psize_<View>) and REST q=(page:…,page_size:…): whole numbers in
    # 0…LIST_MAX_PAGE and 1…LIST_MAX_PAGE_SIZE (REST: FAB_API_MAX_PAGE_SIZE), else 400.
    LIST_MAX_PAGE = 1_000_000
    LIST_MAX_PAGE_SIZE = 100
    # A list opened without filters and longer than this shows an estimate of its count
    # (PostgreSQL's planner) or this bound (SQLite) instead of counting every row
    # (app/web/datamodel.py list_count, docs/speed.md).
    LIST_COUNT_EXACT_MAX = 10_000
    EXPORT_MAX_ROWS = 1_000_000
    # Background work (docs/background.md): Celery with Redis as broker. Unset: every task
    # runs eagerly in-process (the two-command demo). Exports of more rows than
    # EXPORT_JOB_THRESHOLD run as a job under 我的任务; results are kept JOB_RESULT_HOURS.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE", "sss")
    # An unacknowledged task (its worker died) is delivered again after this many seconds.
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    # More modules with tasks or job kinds for the worker to import (comma-separated).
    CELERY_EXTRA_MODULES = [m for m in os.environ.get("CELERY_EXTRA_MODULES", "").split(",")
                            if m]
    JOB_STALE_SECONDS = float(os.environ.get("JOB_STALE_SECONDS", "120"))
    EXPORT_JOB_THRESHOLD = int(os.environ.get("EXPORT_JOB_THRESHOLD", "20000"))
    JOB_RESULT_HOURS = float(os.environ.get("JOB_RESULT_HOURS", "24"))
    # Reminders (app.services.reminders; docs/background.md): days, dates and working-day
    # SLAs, and whether unit contacts also get an SMS (through the outbox).
    REMINDER_CERT_DAYS = int(os.environ.get("REMINDER_CERT_DAYS", "60"))
    REMINDER_ANNUAL_REPORT_DUE = os.environ.get("REMINDER_ANNUAL_REPORT_DUE", "03-31")
    REMINDER_SELF_HIRE_DAYS = 30
    REMINDER_BRANCH_WORKING_DAYS = 15
    REMINDER_APPLICATION_WORKING_DAYS = 3
    SLA_UNIT_WORKING_DAYS = int(os.environ.get("SLA_UNIT_WORKING_DAYS", "3"))
    SLA_POLICE_WORKING_DAYS = int(os.environ.get("SLA_POLICE_WORKING_DAYS", "5"))
    REMINDER_SMS = os.environ.get("REMINDER_SMS", "0") == "1"

    # Excel import of staff (docs/import.md): file size and row limits; longer files run as a
    # job of 我的任务.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "5000"))
    IMPORT_JOB_THRESHOLD = int(os.environ.get("IMPORT_JOB_THRESHOLD", "500"))


class TestConfig(Config):
    TESTING = True
    # Cheap hashing in tests only (scrypt costs ~100 ms per login).
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    RATELIMIT_STORAGE_URI = "memory://"
    AUTH_RATE_LIMIT = "100000 per minute"  # the rate-limit tests build their own app
    SCREENING_SYNC = True  # checks run right after the commit, in the test's thread
    # The suite keeps one signed-in client per demo user for the whole run, which may idle
    # longer than 30 minutes in CI; tests/test_accounts.py ages sessions past this value.
    IDLE_TIMEOUT_MINUTES = 240
