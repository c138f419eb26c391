"""SMS gateway interface. The default gateway records every text to the outbox table only;
a real gateway (config SMS_GATEWAY = "package.module:Class") sends it as well."""
from importlib import import_module

from flask import current_app, has_app_context

from app.models import SmsMessage


class OutboxGateway:
    """Writes the text to the outbox (in the caller's transaction)."""

    def send(self, session, phone: str, body: str, purpose: str, application_id=None):
        message = SmsMessage(phone=phone, body=body, purpose=purpose,
                             application_id=application_id, status="queued")
        session.add(message)
        return message


def gateway():
    name = current_app.config.get("SMS_GATEWAY", "outbox") if has_app_context() else "outbox"
    if name == "outbox":
        return OutboxGateway()
    module, _, cls = name.partition(":")
    return getattr(import_module(module), cls)()
