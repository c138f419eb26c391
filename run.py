"""Run the app with demo data: `python run.py` (SQLite in instance/ unless DATABASE_URL).

On start it migrates the schema, loads reference data, syncs permissions and roles and, into
an empty database, the deterministic demo data set, then serves on 127.0.0.1:$PORT (default
5000) with a threaded server.
For production: `flask --app run init-db` once, then `gunicorn -c gunicorn.conf.py`
(workers built by `create_production_app`, which writes nothing at boot); see README.
"""
import os

from app import create_app


def create_production_app():
    """The app of one gunicorn worker: no migration, no permission sync at boot (init-db or
    gunicorn's master did that once before the workers started)."""
    return create_app(AUTO_MIGRATE=False, FAB_UPDATE_PERMS=False)


def _say(line):
    print(line, flush=True)


def create_dev_app():
    from app.startup import init_database, run_scheduled_once

    app = create_app(AUTO_MIGRATE=False, FAB_UPDATE_PERMS=False)
    for line in init_database(app, demo=True, progress=_say):
        _say(line)
    if not app.config.get("CELERY_BROKER_URL"):  # no beat: its work once, at start
        for line in run_scheduled_once(app, progress=_say):
            _say(line)
    return app


def serve(app, host, port):
    """Say where the app is and how to sign in, then serve."""
    from app.startup import ready_lines

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    for line in ready_lines(app, f"http://{shown}:{port}/"):
        _say(line)
    app.run(host=host, port=port, threaded=True)


# `flask --app run …` finds the `create_app` factory imported above (no seeding, no
# automatic migration: `flask --app run init-db` migrates and syncs).
if __name__ == "__main__":
    serve(create_dev_app(), os.environ.get("HOST", "127.0.0.1"),
          int(os.environ.get("PORT", "5000")))
