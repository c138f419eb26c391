"""The daily reminder scan (app.services.reminders) on the beat schedule."""
from sqlalchemy.orm import Session

from app.extensions import db
from app.services import reminders

from . import celery_app


@celery_app.task(name="app.tasks.reminders.scan", bind=True, max_retries=3)
def scan(self):
    with Session(bind=db.engine) as session:
        try:
            counts = reminders.scan(session)
            session.commit()
        except Exception as exc:  # e.g. two scans adding the same key at once
            session.rollback()
            raise self.retry(exc=exc, countdown=60)
    return counts
