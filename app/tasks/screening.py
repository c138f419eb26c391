"""比对预警 off the request (app.services.screening): the checks of people noticed in a
committed transaction, retried with exponential backoff while the registry or a watch list
does not answer (the case stays 核验中 with its last error); and the beat's sweep of
whatever is still pending."""
from flask import current_app

from app.extensions import db
from app.security.actor import acting_as
from app.services import screening

from . import celery_app


@celery_app.task(bind=True, name="app.tasks.screening.screen_people", max_retries=None)
def screen_people(self, person_ids):
    app = current_app._get_current_object()
    pending = screening.run_isolated(app, person_ids)
    retries = int(app.config.get("SCREENING_RETRIES", 3))
    if pending and self.request.retries < retries and not self.request.is_eager:
        delay = float(app.config.get("SCREENING_RETRY_DELAY", 30))
        raise self.retry(countdown=delay * 2 ** self.request.retries)
    return pending


@celery_app.task(name="app.tasks.screening.run_pending")
def run_pending():
    with acting_as("system"):
        count = screening.run_pending(db.session)
        db.session.commit()
    return count
