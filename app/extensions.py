"""Extension singletons, initialised in app.create_app."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam
from sqlalchemy.types import UserDefinedType

db = SQLA()
appbuilder = AppBuilder(update_perms=True)
migrate = Migrate()
csrf = CSRFProtect()


_side_lock = __import__("threading").Lock()


def side_engine():
    """An engine with a pool of its own for short transactions beside the request's session
    (sign-in sessions, lockouts, revoked tokens). Taken from the request's pool, a thread
    that already holds its session's connection waits for a second one: with more threads
    than the pool holds, every thread waits on every other (pool time-outs, 500s)."""
    from flask import current_app
    app = current_app._get_current_object()
    engine = app.extensions.get("side_engine")
    if engine is None:
        with _side_lock:
            engine = app.extensions.get("side_engine")
            if engine is None:
                url = db.engine.url
                if url.get_backend_name() == "sqlite" and url.database in (None, "",
                                                                            ":memory:"):
                    engine = db.engine  # one in-memory database: only its own engine sees it
                else:
                    from sqlalchemy import create_engine
                    engine = create_engine(url, pool_pre_ping=True)
                app.extensions["side_engine"] = engine
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    """The embedded SQLite database (the default; production runs PostgreSQL): write-ahead
    log, and no fsync per commit (synchronous=NORMAL: durable across an application crash; a
    power cut may lose the last commits, never corrupt the file). With the rollback journal
    every commit cost two fsyncs, about 25 ms each on this machine, and a save commits twice
    (the record with its change log, then the operation log): docs/speed.md."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def _install_sqlite_pragmas():
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, record):
        if type(dbapi_connection).__module__.startswith(("sqlite3", "pysqlite")):
            _sqlite_pragmas(dbapi_connection, record)


_install_sqlite_pragmas()


# ---------------------------------------------------------------- PostgreSQL id arrays

class IntArrayText(str):
    """A PostgreSQL integer array given as its text ("{1,2,3}"), sent as int4[] as it is.
    A police jurisdiction's ~665 unit ids go into most statements of a page as one array
    parameter (app.security.scope); as a list psycopg dumped it number by number, checking
    each with a regular expression, in every statement (docs/speed.md)."""


class _IntArray(UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **_kw):
        return "INTEGER[]"

    def bind_processor(self, _dialect):
        return None  # the text goes to the driver unchanged


def int_array_param(text: IntArrayText):
    """A bound parameter of `text`, typed int4[] by the driver (no cast rendered)."""
    return bindparam(None, text, type_=_IntArray())


def _install_int_array_dumper():
    try:
        import psycopg
        from psycopg.adapt import Dumper
    except ImportError:  # SQLite only
        return

    class IntArrayTextDumper(Dumper):
        oid = psycopg.adapters.types["int4"].array_oid

        def dump(self, obj):
            return obj.encode()

    psycopg.adapters.register_dumper(IntArrayText, IntArrayTextDumper)


_install_int_array_dumper()
