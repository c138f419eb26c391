"""Flask CLI commands: `flask --app run <command>`."""
import click
from flask import current_app
from flask.cli import AppGroup

from .extensions import db
from .services import credit, oplog, platform, screening
from .security.actor import acting_as
from .startup import demo_accounts_line, init_database, init_lock


def register_cli(app):
    @app.cli.command("seed-reference")
    def seed_reference():
        """Load administrative divisions and service-target categories (idempotent)."""
        from seed.reference import load_reference_data
        counts = load_reference_data(db.session)
        click.echo(f"reference data: {counts}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the deterministic demo data set of docs/roles.md (only into an empty database)."""
        from seed.demo import seed_demo
        click.echo(seed_demo(db.session, current_app.config["DEMO_PASSWORD"]))

    @app.cli.command("seed-synthetic")
    @click.option("--people", default=100_000, show_default=True,
                  help="Number of people; units, services and dispatches scale with it.")
    @click.option("--seed", "random_seed", default=2026, show_default=True)
    def seed_synthetic_command(people, random_seed):
        """Bulk-load a large synthetic data set for benchmarks."""
        from seed.synthetic import seed_synthetic
        click.echo(seed_synthetic(db.session, people=people, random_seed=random_seed))

    @app.cli.command("screening-run-pending")
    def screening_run_pending():
        """Re-run the screening checks still pending (an adapter was down or slow)."""
        with acting_as("system"):
            count = screening.run_pending(db.session)
            db.session.commit()
        click.echo(f"screened {count} people")

    @app.cli.command("reminders-scan")
    def reminders_scan():
        """Run the reminder scan now (beat runs it daily, app.tasks.reminders.scan): each
        check's items due and added (idempotent: a second run adds nothing)."""
        from app.services import reminders
        with acting_as("system"):
            counts = reminders.scan(db.session)
            db.session.commit()
        for name, _check in reminders.CHECKS:
            due, added, seconds = counts[name]
            click.echo(f"{name}: {due} due, {added} added ({seconds} s)")
        if "sms" in counts:
            click.echo(f"sms: {counts['sms']} texts")
        click.echo(f"total: {sum(counts[n][1] for n, _c in reminders.CHECKS)} added "
                   f"in {counts['seconds']} s")

    @app.cli.command("dashboard-refresh")
    def dashboard_refresh():
        """Take a new 统计分析 snapshot (schedule it every few minutes: cron / Celery beat)."""
        from app.services import dashboard
        snapshot = dashboard.refresh_once(db.engine)
        if snapshot is None:
            click.echo("another dashboard refresh is running; nothing done")
            return
        click.echo(f"dashboard snapshot {snapshot.id} taken at {snapshot.taken_at:%Y-%m-%d %H:%M}")

    @app.cli.command("init-db")
    @click.option("--demo", is_flag=True, help="Also load the demo data set (empty database).")
    def init_db(demo):
        """Migrate, load reference data, sync permissions and roles: once, before the workers
        start (under a database lock; idempotent)."""
        app = current_app._get_current_object()
        for line in init_database(app, demo=demo, progress=click.echo):
            click.echo(line)
        if demo:
            click.echo(demo_accounts_line(app))

    @app.cli.command("sync-roles")
    def sync_roles():
        """Create the roles declared in app.security.roles and the permissions of all views."""
        with init_lock(db.engine):
            current_app.appbuilder.add_permissions(update_perms=True)
            current_app.appbuilder.sm.sync_roles()
        click.echo("roles synced")

    logs = AppGroup("logs", help="The append-only logs (登录日志, 操作日志, 导出日志, "
                                    "人口信息查询记录): verify the hash chains, prune.")
    app.cli.add_command(logs)

    @logs.command("verify")
    @click.option("--archive", "archives", multiple=True, type=click.Path(exists=True),
                  help="Also verify these archive files (from `logs prune`).")
    def logs_verify(archives):
        """Walk every log's hash chain; name the first broken row. Exit 1 if one is."""
        broken = False
        with db.engine.connect() as conn:
            for name in oplog.CHAINED:
                found = oplog.verify(conn, name)
                broken |= found is not None
                click.echo(str(found) if found else f"{name}: ok")
        for path in archives:
            chain, found, _base, last = oplog.verify_archive(path)
            broken |= found is not None
            click.echo(f"{path}: {found}" if found else f"{path}: ok ({chain}, ends {last[:12]}…)")
        if broken:
            raise SystemExit(1)

    @logs.command("prune")
    def logs_prune():
        """Move log rows older than the retention (parameter logs.retention_days) into
        archive files under LOG_ARCHIVE_DIR (the daily scheduled task)."""
        for name, (count, path) in oplog.prune_expired().items():
            click.echo(f"{name}: {count} rows" + (f" → {path}" if path else ""))

    credit_group = AppGroup("credit", help="信用评价: the units' credit grades.")
    app.cli.add_command(credit_group)

    @credit_group.command("recompute")
    @click.option("--year", type=int, default=None,
                  help="The year graded (default: the current year, to date).")
    @click.option("--unit", "unit_ids", type=int, multiple=True,
                  help="Only these units (ids); default every graded unit.")
    def credit_recompute(year, unit_ids):
        """Compute and store the credit grades (the nightly task; docs/credit.md)."""
        import time
        started = time.perf_counter()
        with acting_as("system"):
            counts = credit.recompute(db.session, year, list(unit_ids) or None)
            db.session.commit()
        click.echo(f"credit grades: {counts} in {time.perf_counter() - started:.1f} s")

    @app.cli.command("create-platform-key")
    @click.option("--name", default="zwfw", show_default=True, help="A name for the key.")
    def create_platform_key(name):
        """Create an API key for the provincial government-service platform (shown once)."""
        click.echo(platform.create_platform_key(name)["key"])
