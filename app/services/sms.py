"""SMS through the outbox (docs/background.md, "SMS").

Every text is first a row of the outbox (sms_message, 待发送) written in the caller's
transaction; after the commit each new row is handed to the task queue (app.tasks.sms), which
gives it to the transport (config SMS_TRANSPORT = "package.module:Class", an object with
`deliver(phone, body)` that raises when the gateway refuses or does not answer), retrying with
backoff (SMS_RETRIES, SMS_RETRY_DELAY); the row ends 已发送 or, after the last retry, 失败 with
its last error. Without a transport the outbox only records (rows stay 待发送).
A gateway of another kind (config SMS_GATEWAY = "package.module:Class", with
`send(session, phone, body, purpose, application_id)`) replaces the outbox altogether."""
from importlib import import_module

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import SmsMessage
from app.models.base import utcnow

_NEW = "sms_outbox_new"
_IDS = "sms_outbox_ids"
_ENQUEUE = None  # app.tasks installs it when a broker is configured


class OutboxGateway:
    """Writes the text to the outbox (in the caller's transaction); sent after the commit."""

    def send(self, session, phone: str, body: str, purpose: str, application_id=None):
        message = SmsMessage(phone=phone, body=body, purpose=purpose,
                             application_id=application_id, status="queued")
        session.add(message)
        session.info.setdefault(_NEW, []).append(message)
        return message


def gateway():
    name = current_app.config.get("SMS_GATEWAY", "outbox") if has_app_context() else "outbox"
    if name == "outbox":
        return OutboxGateway()
    module, _, cls = name.partition(":")
    return getattr(import_module(module), cls)()


def transport():
    """The configured transport, or None (the outbox only records)."""
    name = current_app.config.get("SMS_TRANSPORT", "") if has_app_context() else ""
    if not name:
        return None
    module, _, cls = name.partition(":")
    return getattr(import_module(module), cls)()


def set_enqueue(enqueue) -> None:
    global _ENQUEUE
    _ENQUEUE = enqueue


def deliver(session, message_id, final: bool) -> str | None:
    """One attempt at sending an outbox row (the task body). Returns the row's state, or
    None when there is nothing to do (sent already, failed, no such row, no transport).
    `final`: the last attempt; a failure then marks it 失败. The caller commits."""
    gateway_ = transport()
    message = session.get(SmsMessage, message_id, with_for_update=True)
    if gateway_ is None or message is None or message.status != "queued":
        return None
    message.attempts = (message.attempts or 0) + 1
    try:
        gateway_.deliver(message.phone, message.body)
    except Exception as exc:  # the gateway refused or did not answer
        message.last_error = (str(exc) or type(exc).__name__)[:300]
        if final:
            message.status = "failed"
        return message.status
    message.status, message.sent_at, message.last_error = "sent", utcnow(), None
    return "sent"


def resend(session, message) -> SmsMessage:
    """A 失败 text queued again (the province admin's 【重发】 in the console): 待发送, its
    attempts counted afresh; after the caller's commit it goes to the task like a new row."""
    message.status, message.attempts = "queued", 0
    session.info.setdefault(_IDS, []).append(message.id)
    return message


def _after_flush(session, _context):
    new = session.info.pop(_NEW, None)
    if new:
        session.info.setdefault(_IDS, []).extend(m.id for m in new if m.id is not None)


def _after_commit(session):
    ids = session.info.pop(_IDS, None)
    if ids and has_app_context() and current_app.config.get("SMS_TRANSPORT"):
        enqueue = _ENQUEUE
        for message_id in ids:
            if enqueue:
                enqueue(message_id)


def _after_rollback(session):
    session.info.pop(_NEW, None)
    session.info.pop(_IDS, None)


def install():
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
