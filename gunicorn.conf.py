"""Production server: `gunicorn -c gunicorn.conf.py` (see README, Operations).

Threaded workers (gthread): each worker serves several requests at once, so nothing of one
request may be kept at process level (docs/concurrency.md). The start-up writes (migrations,
reference data, permissions and roles) run once, here in the master before any worker is
forked (`INIT_DB_ON_START=0` leaves them to `flask --app run init-db`); the workers boot
without writing anything.

Environment: BIND (0.0.0.0:8000), WEB_CONCURRENCY (workers, 4), GUNICORN_THREADS (4),
GUNICORN_TIMEOUT (120 s), plus the app's own (DATABASE_URL, SECRET_KEY, RATELIMIT_STORAGE_URI…).
"""
import os

wsgi_app = "run:create_production_app()"
bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = "-"
errorlog = "-"


def on_starting(server):
    """Once, in the master: the start-up writes, under the database lock (app.startup)."""
    if os.environ.get("INIT_DB_ON_START", "1") != "1":
        return
    from app.extensions import db
    from app.startup import init_database
    from run import create_production_app

    app = create_production_app()
    for line in init_database(app):
        server.log.info("init-db: %s", line)
    with app.app_context():
        db.engine.dispose()  # no pooled connection may be inherited by a forked worker
