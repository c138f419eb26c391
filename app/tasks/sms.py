"""Sending the SMS outbox (app.services.sms): one task per message, retried with backoff."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import SmsMessage
from app.services import sms

from . import celery_app


@celery_app.task(bind=True, name="app.tasks.sms.send_sms", max_retries=None)
def send_sms(self, message_id):
    retries = int(current_app.config.get("SMS_RETRIES", 5))
    final = self.request.retries >= retries or self.request.is_eager
    with Session(bind=db.engine) as session:
        state = sms.deliver(session, message_id, final=final)
        session.commit()
    if state == "queued" and not final:
        delay = float(current_app.config.get("SMS_RETRY_DELAY", 60))
        raise self.retry(countdown=delay * 2 ** self.request.retries)
    return state


@celery_app.task(name="app.tasks.sms.send_queued")
def send_queued():
    """Beat: hand every message still 待发送 to a task again (a broker outage, a restart)."""
    if not current_app.config.get("SMS_TRANSPORT"):
        return 0
    with Session(bind=db.engine) as session:
        ids = session.execute(select(SmsMessage.id).where(SmsMessage.status == "queued")
                              .order_by(SmsMessage.id).limit(10_000)).scalars().all()
    for message_id in ids:
        send_sms.apply_async(args=[message_id])
    return len(ids)
