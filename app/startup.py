"""Start-up work that writes to the database, run once and under a lock (docs/concurrency.md).

Migrations, reference data, FAB's permission sync and the roles declared in code are written
by `init_database`, from `flask --app run init-db` (or gunicorn's master, gunicorn.conf.py, or
`python run.py`), never by each worker as it boots: four gunicorn workers syncing permissions
at once on a fresh PostgreSQL database raced on the same rows (UniqueViolation).
`create_app` itself writes nothing (FAB_UPDATE_PERMS is off), so workers can boot together.

The lock makes two concurrent runs (two hosts deploying, a run beside a booting master) take
turns; each step is idempotent, so the second run finds everything done.
"""
from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from . import MIGRATIONS_DIR
from .extensions import db

log = logging.getLogger(__name__)

# pg_advisory_lock key: any constant the deployment uses for nothing else ("SST-INIT").
ADVISORY_LOCK_KEY = 0x5353_5449_4E49_54


@contextmanager
def init_lock(engine):
    """Hold a lock across processes for the start-up writes: a PostgreSQL advisory lock on
    a connection of its own, or, for a SQLite file, an flock on a file beside it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"),
                             {"key": ADVISORY_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".init-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def init_database(app, demo: bool = False, migrations_dir: str | None = None,
                  progress=None) -> list[str]:
    """Migrate, load reference data, sync FAB's permissions and the declared roles and,
    with `demo`, load the demo data set into an empty database. Idempotent; returns what
    it did, one line per step. `progress(message)` is told, in the user's language, what
    each step is about to do (the demo data set takes about a minute on a first start)."""
    from flask_babel import gettext as _
    from seed.reference import load_reference_data

    done = []
    with app.app_context():
        say = progress or (lambda _message: None)
        with init_lock(db.engine):
            say(_("Migrating the database…"))
            upgrade(directory=migrations_dir or MIGRATIONS_DIR, revision="heads")
            done.append("schema migrated")
            say(_("Loading reference data (administrative divisions, categories)…"))
            counts = load_reference_data(db.session)
            done.append(f"reference data: {counts or 'present'}")
            from .services import settings
            added = settings.ensure_declared(db.session)  # parameters declared since
            db.session.commit()
            done.append(f"parameters: {added} added")
            say(_("Syncing permissions and roles…"))
            app.appbuilder.add_permissions(update_perms=True)
            app.appbuilder.sm.sync_roles()
            db.session.commit()
            done.append("permissions and roles synced")
            if demo:
                from seed.demo import seed_demo
                say(_("Loading demo data… (into an empty database; the first start takes "
                      "about a minute)"))
                done.append(seed_demo(db.session, app.config["DEMO_PASSWORD"]))
        db.session.remove()
    return done


def run_scheduled_once(app, progress=None) -> list[str]:
    """Without a broker nobody runs Celery beat (the two-command demo): run the scheduled
    work once at start (docs/background.md) — the credit grades of the year, the reminder
    scan and a dashboard snapshot — so the demo's pages show what a running system shows.
    Each is idempotent, so a restart adds nothing twice."""
    from flask_babel import gettext as _

    from .security.actor import acting_as
    from .services import credit, dashboard, reminders

    say = progress or (lambda _message: None)
    with app.app_context():
        say(_("Running the scheduled work once (credit grades, reminders, statistics)…"))
        with acting_as("system"):
            graded = credit.recompute(db.session)
            scanned = reminders.scan(db.session)
        db.session.commit()
        db.session.remove()
        # Under the refresh claim like beat's and a page's (docs/dashboard.md).
        taken = dashboard.refresh_once(db.engine) is not None
    added = sum(v[1] for v in scanned.values() if isinstance(v, tuple))
    return [f"credit grades: {graded.get('units', 0)} units", f"reminders: {added} added",
            "dashboard snapshot taken" if taken else "dashboard refresh already running"]


def demo_accounts_line(app) -> str:
    """The demo accounts and their password (README "Demo accounts"); in an app context."""
    from flask_babel import gettext as _
    from seed.demo import ACCOUNTS
    return _("Demo accounts: %(accounts)s; password: %(password)s",
             accounts=", ".join(account[0] for account in ACCOUNTS),
             password=app.config["DEMO_PASSWORD"])


def ready_lines(app, url: str, demo: bool = True) -> list[str]:
    """What the console says once the app serves: where, and with the demo data set the
    demo accounts and their password."""
    from flask_babel import gettext as _
    with app.app_context():
        lines = [_("Ready: open %(url)s in the browser.", url=url)]
        if demo:
            lines.append(demo_accounts_line(app))
    return lines
