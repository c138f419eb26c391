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
        # the demo data has some of these (its 2025 年度数据 are all filed: the annual check
        # has its own test below)
        for check in ("cert", "self_hire_filing", "branch_filing", "dispatch"):
            assert first[check][0] > 0, check
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


def test_a_failed_text_is_shown_to_the_province_admin_and_sent_again(app, client_for, flaky):
    """失败 texts with their last error in the console's outbox (/ops/sms/); 【重发】 queues
    them again and the task sends them (eager here), once."""
    from tests.conftest import csrf_token
    flaky.failures = 5
    body = f"resend{uuid.uuid4().hex}"
    with app.app_context():
        message_id = _message(db.session, body)
        sms.deliver(db.session, message_id, final=True)
        db.session.commit()
    admin = client_for("admin")
    page = admin.get("/ops/sms/?flt0_0=failed").get_data(as_text=True)
    assert "短信网关无应答" in page and "失败" in page and body not in page
    flaky.failures = 0
    response = admin.post("/ops/sms/action/", data={
        "action": "resend", "rowid": [str(message_id)], "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 302
    with app.app_context():
        message = db.session.get(SmsMessage, message_id)
        assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
    assert [b for _p, b in flaky.sent].count(body) == 1
    # a sent text is not sent again by another 【重发】
    admin.post("/ops/sms/action/", data={
        "action": "resend", "rowid": [str(message_id)], "csrf_token": csrf_token(admin, "/")})
    assert [b for _p, b in flaky.sent].count(body) == 1


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


def test_unit_contacts_get_one_text_per_unit(app, expiring):
    """REMINDER_SMS: the units with new items get one SMS each, in the outbox."""
    app.config["REMINDER_SMS"] = True
    try:
        with app.app_context():
            from app.models import Todo
            db.session.query(Todo).filter(Todo.key.like("cert_%")).delete(
                synchronize_session=False)
            before = db.session.query(SmsMessage).filter_by(purpose="reminder").count()
            counts = reminders.scan(db.session)
            texts = db.session.query(SmsMessage).filter_by(purpose="reminder").all()
            assert counts["sms"] == len(texts) - before > 0
            assert any("新待办" in t.body for t in texts)
            assert reminders.scan(db.session)["sms"] == 0  # nothing new, no text
            db.session.rollback()
    finally:
        app.config["REMINDER_SMS"] = False


def test_the_reminder_text_is_a_console_template(app, client_for, expiring):
    """The SMS version of the reminders is the parameter sms.reminder (系统管理 → 参数), like
    the other SMS texts: a change in the console is the next text."""
    from tests.conftest import csrf_token
    admin = client_for("admin")

    def edit(value):
        return admin.post("/ops/setting/edit/?id=sms..reminder", data={
            "value": value, "csrf_token": csrf_token(admin, "/")})
    assert edit("{unit}有新待办").status_code == 200  # an unknown placeholder is refused
    assert edit("【测试】{n}条待办请处理").status_code == 302
    app.config["REMINDER_SMS"] = True
    try:
        with app.app_context():
            db.session.query(Todo).filter(Todo.key.like("cert_%")).delete(
                synchronize_session=False)
            before = {m.id for m in db.session.query(SmsMessage.id)}
            reminders.scan(db.session)
            bodies = [m.body for m in db.session.query(SmsMessage).filter_by(purpose="reminder")
                      if m.id not in before]
            assert bodies and all(b.startswith("【测试】") and b.endswith("条待办请处理")
                                  for b in bodies)
            db.session.rollback()
    finally:
        app.config["REMINDER_SMS"] = False
        edit("【保安监管】您单位有{n}条新待办，请登录系统查看。")


# ------------------------------------------------------------------ each check on its own
# The checks are generators: run over the demo data (with rows arranged in the session and
# rolled back, or another `today`), nothing is written.

def _items(check, session, today):
    return list(check(session, today))


def test_annual_data_not_filed_by_the_due_date(app, db_session):
    from app.models import AnnualReport, Unit
    s = db_session
    today = dt.date(2026, 12, 7)
    # The demo filed all of 2025; units other tests of the session created have filed
    # nothing: they are the baseline.
    before = {i["key"] for i in _items(reminders.annual_reports, s, today)}
    unit = s.query(Unit).join(AnnualReport, AnnualReport.unit_id == Unit.id).filter(
        Unit.kind == "company", Unit.status == "active", AnnualReport.year == 2025).first()
    assert not any(key.startswith(f"annual:{unit.id}:") for key in before)
    s.query(AnnualReport).filter_by(unit_id=unit.id, year=2025).delete()
    s.flush()
    items = _items(reminders.annual_reports, s, today)
    assert [(i["key"], i["audience"], i["unit_id"]) for i in items
            if i["key"] not in before] == [(f"annual:{unit.id}:2025:unit", "unit", unit.id)]
    assert _items(reminders.annual_reports, s, dt.date(2026, 3, 31)) == []  # not due yet
    # a year on, nobody has filed 2026: every active company, self-hiring unit and school
    later = _items(reminders.annual_reports, s, dt.date(2027, 4, 1))
    expected = s.query(Unit).filter(Unit.status == "active", Unit.kind.in_(
        ("company", "self_hire", "training"))).count()
    assert len(later) == expected > 1


def test_self_hiring_filing_30_days_after_the_first_guard(app, db_session):
    from app.models import Unit
    s = db_session
    unit = s.query(Unit).filter_by(kind="self_hire", status="active").first()
    first = min(e.start_date for e in unit.employments
                if e.role in ("guard", "part_time_guard"))

    def mine(today):
        return [i for i in _items(reminders.self_hire_filings, s, today)
                if i["unit_id"] == unit.id]
    if mine(dt.date.today()) == []:
        pytest.skip("the demo's self-hiring unit has its filing")
    assert mine(first + dt.timedelta(days=30)) == []
    due = first + dt.timedelta(days=30)
    assert sorted(i["audience"] for i in mine(due + dt.timedelta(days=1))) == ["police", "unit"]
    assert all(str(due) in i["key"] for i in mine(due + dt.timedelta(days=1)))
    assert "首名保安员入职后30日内" in mine(due + dt.timedelta(days=1))[0]["title"]
    # the period is configurable, and the text says the configured one
    app.config["REMINDER_SELF_HIRE_DAYS"] = 45
    try:
        later = first + dt.timedelta(days=46)
        assert mine(first + dt.timedelta(days=45)) == []
        assert "首名保安员入职后45日内" in mine(later)[0]["title"]
    finally:
        app.config["REMINDER_SELF_HIRE_DAYS"] = 30


def test_branch_filing_due_in_working_days_then_late_to_the_police(app, db_session):
    from app.models import Unit
    from app.services.application_items import add_working_days
    s = db_session
    due_now = _items(reminders.branch_filings, s, dt.date.today())
    assert due_now, "the demo has a branch not filed"
    branch = s.get(Unit, due_now[0]["unit_id"])
    start = branch.established_on or branch.created_at.date()
    due = add_working_days(start, 15)

    def audiences(today):
        return sorted(i["audience"] for i in _items(reminders.branch_filings, s, today)
                      if i["unit_id"] == branch.id)
    assert audiences(due) == ["unit"]  # due: the branch (its company sees it)
    assert audiences(due + dt.timedelta(days=1)) == ["police", "unit"]  # late: its police too


def test_applications_near_their_limit_to_the_reviewer_overdue_to_city_and_province(
        app, db_session):
    from app.models import Application, ApplicationEvent
    from app.services.application_items import working_days_between
    s = db_session
    today = dt.date(2026, 12, 7)
    start = today - dt.timedelta(days=30)
    used = working_days_between(start, today)
    reviewer = s.query(AppUser).filter_by(username="police_hz").one()
    made = {}
    for name, limit in (("near", used + 2), ("late", used - 1), ("far", used + 10)):
        row = Application(number=f"T{uuid.uuid4().hex[:12]}", item="guard_certificate",
                          applicant_name="测试", applicant_phone="13800000000",
                          region_code="330106", form={}, status="accepted",
                          time_limit_days=limit, days_used=0, clock_started_on=start)
        s.add(row)
        s.flush()
        s.add(ApplicationEvent(application_id=row.id, actor="police_hz", action="accept",
                               from_status="submitted", to_status="accepted"))
        made[name] = row.id
    s.flush()
    items = [i for i in _items(reminders.applications, s, today)
             if i["link"].rsplit("/", 1)[1] in {str(v) for v in made.values()}]
    near = [i for i in items if i["link"].endswith(f"/{made['near']}")]
    late = [i for i in items if i["link"].endswith(f"/{made['late']}")]
    assert [(i["kind"], i["audience"], i["user_id"]) for i in near] == \
        [("application_due", "user", reviewer.id)]
    assert sorted((i["kind"], i["audience"], i["region_code"]) for i in late) == \
        [("application_overdue", "police", "33"), ("application_overdue", "police", "3301")]
    assert not [i for i in items if i["link"].endswith(f"/{made['far']}")]


def test_screening_cases_waiting_reach_whoever_must_act(app, db_session):
    """Unit side waits more than 3 working days, police side more than 5 (the demo's cases
    and alerts started waiting when it was loaded, today)."""
    from app.services.application_items import working_days_between
    s = db_session
    today = dt.date.today()
    assert _items(reminders.screening_sla, s, today) == []

    def after(working_days):
        day = today
        while working_days_between(today, day) < working_days:
            day += dt.timedelta(days=1)
        return {i["audience"] for i in _items(reminders.screening_sla, s, day)}
    assert after(3) == set()
    assert after(4) == {"unit"}  # the unit's cases are late, the police's not yet
    assert after(6) == {"unit", "police"}


def test_guard_dispatched_without_a_valid_guard_card(app, db_session):
    from app.models import Dispatch
    s = db_session
    today = dt.date.today()
    before = {i["key"] for i in _items(reminders.dispatched_unverified, s, today)}
    flagged = {int(k.split(":")[1]) for k in before}
    dispatch = next(d for d in s.query(Dispatch).filter(Dispatch.end_date.is_(None))
                    if d.id not in flagged and d.start_date <= today)
    cards = s.query(Certificate).filter_by(person_id=dispatch.person_id, kind="guard",
                                           status="valid").all()
    assert cards
    for card in cards:
        card.expires_on = today - dt.timedelta(days=1)
    s.flush()
    new = [i for i in _items(reminders.dispatched_unverified, s, today)
           if i["key"] not in before]
    assert sorted((i["key"].split(":")[2], i["audience"], i["unit_id"]) for i in new) == \
        [("card", "police", dispatch.unit_id), ("card", "unit", dispatch.unit_id)]


def test_the_scan_runs_from_beat_and_by_hand(app):
    """Beat's entry names the registered task (eager here); `flask reminders-scan` prints each
    check's counts. Both add nothing the first scan of this suite has not added."""
    from app.tasks import celery_app
    from app.tasks.reminders import scan as scan_task
    from app.tasks.schedule import BEAT_SCHEDULE
    assert BEAT_SCHEDULE["reminders-scan"]["task"] == scan_task.name
    # every beat entry names a task a worker has registered
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(celery_app.tasks)
    with app.app_context():
        reminders.scan(db.session)
        db.session.commit()
        counts = scan_task.delay().get()
    assert all(counts[name][1] == 0 for name, _ in reminders.CHECKS)
    assert counts["dispatch"][0] > 0
    result = app.test_cli_runner().invoke(args=["reminders-scan"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("cert: ") and ", 0 added" in lines[0]
    assert lines[-1].startswith("total: 0 added")
