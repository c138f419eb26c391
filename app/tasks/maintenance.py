"""Housekeeping tasks on the beat schedule."""
from sqlalchemy.orm import Session

from app.extensions import db
from app.services import jobs

from . import celery_app


@celery_app.task(name="app.tasks.maintenance.prune_jobs")
def prune_jobs():
    """Expired job results removed (JOB_RESULT_HOURS)."""
    with Session(bind=db.engine) as session:
        count = jobs.prune(session)
        session.commit()
    return count


@celery_app.task(name="app.tasks.maintenance.prune_logs")
def prune_logs():
    """Log rows past the retention moved into archives (docs/console.md, "Retention")."""
    from app.services import oplog
    return {name: count for name, (count, _path) in oplog.prune_expired().items()}


@celery_app.task(name="app.tasks.maintenance.refresh_dashboard")
def refresh_dashboard(claimed=False):
    """A new 统计分析 snapshot (docs/dashboard.md): readers keep the previous one until the
    commit, so no page shows a half-taken snapshot. Only one refresh runs at a time (the
    stat_refresh claim): beat's call while another runs does nothing (None); `claimed` is
    the claim a stale home page took before enqueueing this task."""
    from app.services import dashboard
    snapshot = dashboard.refresh_once(db.engine, claimed=claimed)
    return snapshot.id if snapshot is not None else None
