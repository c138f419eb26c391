"""Extension singletons, initialised in app.create_app."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

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
