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
