"""Reminders (app.services.reminders): idempotent per subject and period, addressed to the
unit (and its police when overdue) and seen only where the scope holds the unit; the SMS
outbox's sending states (app.services.sms) with a transport that fails."""
import datetime as dt
import uuid

import pytest

from app.extensions import db
from app.models import AppUser, Certificate, Employment, SmsMessage, Todo
from app.services import reminders, sms


def test_scan_twice_adds_once(app):
    with app.app_context():
        first = reminders.scan(db.session)
        db.session.commit()
        second = reminders.scan(db.session)
        db.session.commit()
        for check in ("cert", "annual_report", "dispatch"):
            assert first[check][0] > 0, check  # the demo data has some of each
        assert all(second[name][1] == 0 for name, _ in reminders.CHECKS)
        assert [second[name][0] for name, _ in reminders.CHECKS] == \
            [first[name][0] for name, _ in reminders.CHECKS]


@pytest.fixture
def expiring(app):
    """A driving licence of one of company_hz's active staff, expiring in 10 days, and one
    expired 5 days ago."""
    with app.app_context():
        unit = db.session.query(AppUser).filter_by(username="company_hz").one().unit
        emp = db.session.query(Employment).filter_by(unit_id=unit.id, end_date=None).first()
        today = dt.date.today()
        certs = []
        for days in (10, -5):
            cert = Certificate(person_id=emp.person_id, kind="driving_licence",
                               number=f"DL{uuid.uuid4().hex[:10]}",
                               issued_on=today - dt.timedelta(days=3000),
                               expires_on=today + dt.timedelta(days=days), status="valid")
            db.session.add(cert)
            certs.append(cert)
        db.session.commit()
        ids = [c.id for c in certs]
        yield ids
        for cert_id in ids:
            db.session.delete(db.session.get(Certificate, cert_id))
        db.session.commit()


def test_certificates_reach_the_unit_and_overdue_its_police(app, client_for, expiring):
    soon, late = expiring
    with app.app_context():
        reminders.scan(db.session)
        db.session.commit()
        audiences = {t.key.split(":")[0] + ":" + t.audience
                     for t in db.session.query(Todo).filter(
                         Todo.key.like(f"cert_%:{soon}:%") | Todo.key.like(f"cert_%:{late}:%"))}
    assert audiences == {"cert_expiring:unit", "cert_overdue:unit", "cert_overdue:police"}
    pages = {user: client_for(user).get("/todos/").get_data(as_text=True)
             for user in ("company_hz", "company_nb", "police_hz", "police_nb")}
    with app.app_context():
        numbers = [db.session.get(Certificate, i).number for i in expiring]
    assert numbers[0] in pages["company_hz"] and numbers[1] in pages["company_hz"]
    assert numbers[1] in pages["police_hz"] and numbers[0] not in pages["police_hz"]
    assert not any(n in pages["company_nb"] or n in pages["police_nb"] for n in numbers)


class FlakyTransport:
    """Refuses the first `failures` texts, then sends."""
    failures = 1
    sent = []

    def deliver(self, phone, body):
        if FlakyTransport.failures > 0:
            FlakyTransport.failures -= 1
            raise ConnectionError("短信网关无应答")
        FlakyTransport.sent.append((phone, body))


@pytest.fixture
def flaky(app):
    app.config["SMS_TRANSPORT"] = "tests.test_reminders:FlakyTransport"
    FlakyTransport.sent = []
    yield FlakyTransport
    app.config["SMS_TRANSPORT"] = ""


def _message(session, body):
    message = sms.gateway().send(session, "13800000000", body, "decision")
    session.flush()
    return message.id


def test_sms_retries_then_sends(app, flaky):
    flaky.failures = 1
    with app.app_context():
        message_id = _message(db.session, f"t{uuid.uuid4().hex}")
        assert sms.deliver(db.session, message_id, final=False) == "queued"
        message = db.session.get(SmsMessage, message_id)
        assert message.last_error == "短信网关无应答" and message.attempts == 1
        assert sms.deliver(db.session, message_id, final=False) == "sent"
        assert message.sent_at is not None and message.status_label == "已发送"
        assert sms.deliver(db.session, message_id, final=True) is None  # never twice
        assert len(flaky.sent) == 1
        db.session.rollback()


def test_sms_fails_after_the_last_retry(app, flaky):
    flaky.failures = 5
    with app.app_context():
        message_id = _message(db.session, "x")
        assert sms.deliver(db.session, message_id, final=True) == "failed"
        assert db.session.get(SmsMessage, message_id).status_label == "失败"
        db.session.rollback()


def test_sms_is_sent_after_the_commit(app, flaky):
    """Eager (no broker): the commit hands the new row to the task at once."""
    flaky.failures = 0
    body = f"commit{uuid.uuid4().hex}"
    with app.app_context():
        message_id = _message(db.session, body)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(SmsMessage, message_id).status == "sent"
    assert flaky.sent[-1][1] == body
