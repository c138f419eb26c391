"""信用评价's nightly run (docs/credit.md): every graded unit's grade of the current year,
recomputed from the records as they stand; safe to run twice (it stores what it computes)."""
from sqlalchemy.orm import Session

from app.extensions import db
from app.security.actor import acting_as
from app.services import credit

from . import celery_app


@celery_app.task(name="app.tasks.credit.recompute_grades")
def recompute_grades(year=None):
    """Compute and store the credit grades of `year` (default: the current year)."""
    with acting_as("system"), Session(bind=db.engine) as session:
        counts = credit.recompute(session, year)
        session.commit()
    return counts
