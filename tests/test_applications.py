"""政务网业务办理: intake, the state machine, deadlines in working days, effects of approval,
the SMS outbox and the forced first-login password change (docs/rules.md#applications)."""
import datetime as dt
import os
import time
import itertools
import threading

import pytest
from sqlalchemy import select

from app.models import (AppUser, Application, Certificate, ConductRecord, CrossProvinceFiling,
                        Person, SmsMessage, Unit)
from app.security.scope import scope_for_user
from app.services import applications as service
from app.services.application_items import (ITEMS, add_working_days, is_working_day,
                                            working_days_between)
from app.services.errors import RuleViolation
from app.services.passwords import check_strength, one_time_password
from app.services.uscc import make_uscc
from tests.helpers import fresh_id_number, unique_name

_seq = itertools.count(900_001)
MONDAY = dt.date(2026, 11, 23)


def docs(code, skip=()):
    return [service.Upload(c, f"{c}.pdf", b"%PDF-1.4 " + c.encode(), "application/pdf")
            for c, _label in ITEMS[code].documents if c not in skip]


def user(session, username):
    return session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()


def scope(session, username):
    return scope_for_user(user(session, username))


def unit_of(session, username):
    return user(session, username).unit


def unit_form(region="330102", **extra):
    return {"name": unique_name("测试保安服务有限公司"), "credit_code": make_uscc(region, next(_seq)),
            "legal_representative": "张三", "address": "杭州市上城区解放路1号",
            "contact_phone": "13900000001", "registered_capital": "200", **extra}


FORMS = {
    "company": lambda s: dict(form=unit_form(), region_code="330102"),
    "company_foreign": lambda s: dict(form=unit_form(foreign_investor="ACME Ltd"),
                                      region_code="330102"),
    "training": lambda s: dict(form=unit_form(training_capacity="120"), region_code="330102"),
    "training_promise": lambda s: dict(form=unit_form(training_capacity="80"),
                                       region_code="330102"),
    "self_hire": lambda s: dict(form={"action": "file", **unit_form()}, region_code="330102"),
    "client": lambda s: dict(form=unit_form(),
                             unit_credit_code=unit_of(s, "selfhire_hz").credit_code),
    "branch": lambda s: dict(form={"name": unique_name("测试分公司"), "principal": "李四",
                                   "address": "杭州市滨江区1号", "established_on": "2026-11-01"},
                             unit_credit_code=unit_of(s, "company_hz").credit_code),
    "cross_province": lambda s: dict(form={"province": "江苏省", "client_name": "苏州某银行",
                                           "start_date": "2026-12-01"},
                                     unit_credit_code=unit_of(s, "company_hz").credit_code),
    "commendation": lambda s: dict(form={"title": "见义勇为", "description": "协助抓获嫌疑人",
                                         "unit_credit_codes": unit_of(s, "company_hz")
                                         .credit_code}, region_code="330102"),
    "legal_rep_change": lambda s: dict(form={"new_legal_representative": "王五",
                                             "new_legal_rep_id_number": fresh_id_number()},
                                       unit_credit_code=unit_of(s, "company_hz").credit_code),
    "guard_certificate": lambda s: dict(form={"name": "赵六", "id_number": fresh_id_number(),
                                              "education": "senior", "exam_score": "85"},
                                        region_code="330102"),
}


def submit(session, code, **overrides):
    kwargs = {**FORMS[code](session), **overrides}
    form = kwargs.pop("form")
    return service.submit(session, code, "申请人甲", "13800000000", form,
                          kwargs.pop("documents", docs(code)), today=MONDAY, **kwargs)


def decide(session, app, today=MONDAY):
    """City accepts; the province decides where the item needs it; approve."""
    service.act(session, app, "accept", scope(session, "police_hz"), "police_hz", today=today)
    if ITEMS[app.item].decider == "province":
        service.act(session, app, "forward", scope(session, "police_hz"), "police_hz",
                    note="同意", today=today)
        service.act(session, app, "approve", scope(session, "admin"), "admin", today=today)
    else:
        service.act(session, app, "approve", scope(session, "police_hz"), "police_hz",
                    today=today)
    return app


def texts(session, app):
    return [m.body for m in session.execute(select(SmsMessage).where(
        SmsMessage.application_id == app.id).order_by(SmsMessage.id)).scalars()]


# ------------------------------------------------------------------ catalogue, calendar

@pytest.fixture
def in_app(app):
    """The catalogue and the calendar are data (app.services.settings): read in the app."""
    with app.app_context():
        yield


def test_catalogue_has_the_ten_items_with_documents_and_levels(in_app):
    # docs/rules.md lists ten items; the training school has two procedures, hence 11 codes.
    assert len(ITEMS) == 11
    for item in ITEMS.values():
        assert item.fields and item.documents and item.time_limit > 0
        assert item.decider in ("city", "province")
    licences = {c for c, i in ITEMS.items() if i.decider == "province"}
    assert licences == {"company", "company_foreign", "training", "training_promise",
                        "legal_rep_change"}


def test_working_days_skip_weekends_and_holidays(in_app):
    friday = dt.date(2026, 11, 27)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 30)
    assert working_days_between(friday, dt.date(2026, 11, 30)) == 1
    assert not is_working_day(dt.date(2026, 10, 1))          # National Day
    assert is_working_day(dt.date(2026, 10, 10))             # adjusted working Saturday
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_deadline_runs_in_working_days_and_pauses_while_returned(db_session):
    app = submit(db_session, "branch")
    assert service.deadline(app) == (None, None)            # the clock starts at acceptance
    service.act(db_session, app, "accept", scope(db_session, "police_hz"), "police_hz",
                today=MONDAY)
    due, left = service.deadline(app, today=MONDAY + dt.timedelta(days=7))  # next Monday
    assert due == add_working_days(MONDAY, 15) and left == 10
    service.act(db_session, app, "return", scope(db_session, "police_hz"), "police_hz",
                note="营业执照复印件不清晰", today=MONDAY + dt.timedelta(days=7))
    assert app.status == "returned" and app.days_used == 5 and app.clock_started_on is None
    assert service.deadline(app, today=dt.date(2027, 3, 1)) == (None, 10)   # paused
    service.resubmit(db_session, app, documents=docs("branch", skip=("filing_form",)),
                     today=MONDAY + dt.timedelta(days=14))
    assert app.status == "accepted"                         # back where it was returned from
    due, left = service.deadline(app, today=MONDAY + dt.timedelta(days=14))
    assert left == 10 and due == add_working_days(MONDAY + dt.timedelta(days=14), 10)
    assert service.urgency(app, today=due - dt.timedelta(days=1)) == "due_soon"
    assert service.urgency(app, today=due + dt.timedelta(days=3)) == "overdue"
    assert service.urgency(app, today=MONDAY + dt.timedelta(days=14)) == ""


# ------------------------------------------------------------------ intake refusals

def test_missing_fields_and_documents_are_listed(db_session):
    with pytest.raises(RuleViolation) as exc:
        submit(db_session, "company", form={"name": "某公司"}, documents=docs(
            "company", skip=("charter",)))
    message = exc.value.message
    assert "统一社会信用代码" in message and "公司章程" in message and "法定代表人" in message
    assert db_session.query(Application).filter(Application.applicant_phone == "13800000000",
                                                Application.form["name"].as_string()
                                                == "某公司").count() == 0


def test_intake_refuses_bad_values(db_session):
    with pytest.raises(RuleViolation, match="手机"):
        service.submit(db_session, "company", "甲", "12345", unit_form(), docs("company"),
                       region_code="330102")
    with pytest.raises(RuleViolation) as exc:
        service.submit(db_session, "branch", "甲", "13800000000", FORMS["branch"](
            db_session)["form"], docs("branch"), unit_credit_code=unit_of(
                db_session, "selfhire_hz").credit_code)
    assert exc.value.field == "unit_credit_code"
    taken = unit_of(db_session, "company_nb")
    with pytest.raises(RuleViolation) as exc:
        submit(db_session, "company", form=unit_form(credit_code=taken.credit_code))
    assert exc.value.field == "credit_code"
    young = fresh_id_number(year=dt.date.today().year - 16)
    with pytest.raises(RuleViolation, match="18"):
        submit(db_session, "guard_certificate", form={"name": "少年", "id_number": young,
                                                      "education": "junior",
                                                      "exam_score": "90"})
    with pytest.raises(RuleViolation, match="初中"):
        submit(db_session, "guard_certificate", form={"name": "甲", "id_number": fresh_id_number(),
                                                      "education": "primary",
                                                      "exam_score": "90"})


def test_application_number_format(db_session):
    first, second = submit(db_session, "cross_province"), submit(db_session, "cross_province")
    assert first.number.startswith("BA20261123") and len(first.number) == 15
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1


# ------------------------------------------------------------------ state machine refusals

def test_illegal_transitions_and_wrong_levels_are_refused(db_session):
    app = submit(db_session, "company")
    with pytest.raises(RuleViolation, match="当前状态"):
        service.act(db_session, app, "approve", scope(db_session, "police_hz"), "police_hz")
    with pytest.raises(RuleViolation, match="市"):
        service.act(db_session, app, "accept", scope(db_session, "police_nb"), "police_nb")
    with pytest.raises(RuleViolation, match="市"):
        service.act(db_session, app, "accept", scope(db_session, "police_sc"), "police_sc")
    service.act(db_session, app, "accept", scope(db_session, "police_hz"), "police_hz")
    with pytest.raises(RuleViolation, match="省"):
        service.act(db_session, app, "approve", scope(db_session, "police_hz"), "police_hz")
    with pytest.raises(RuleViolation) as exc:
        service.act(db_session, app, "forward", scope(db_session, "police_hz"), "police_hz")
    assert exc.value.field == "note"
    service.act(db_session, app, "forward", scope(db_session, "police_hz"), "police_hz",
                note="材料齐全，建议批准")
    with pytest.raises(RuleViolation, match="省公安厅"):
        service.act(db_session, app, "approve", scope(db_session, "police_hz"), "police_hz")
    with pytest.raises(RuleViolation) as exc:
        service.act(db_session, app, "reject", scope(db_session, "admin"), "admin")
    assert exc.value.field == "note"
    service.act(db_session, app, "reject", scope(db_session, "admin"), "admin",
                note="注册资本证明不实")
    assert app.status == "rejected" and app.decision == "rejected"
    for action in ("accept", "approve", "return", "reject"):
        with pytest.raises(RuleViolation):
            service.act(db_session, app, action, scope(db_session, "admin"), "admin", note="x")
    with pytest.raises(RuleViolation):
        service.withdraw(db_session, app)
    assert "注册资本证明不实" in texts(db_session, app)[-1]
    actions = [e.action for e in app.events]
    assert actions == ["submit", "accept", "forward", "reject"]
    assert all(e.actor and e.at for e in app.events)


def test_city_decides_filings_and_cannot_forward_them(db_session):
    app = submit(db_session, "cross_province")
    service.act(db_session, app, "accept", scope(db_session, "police_hz"), "police_hz")
    with pytest.raises(RuleViolation):
        service.act(db_session, app, "forward", scope(db_session, "police_hz"), "police_hz",
                    note="x")


def test_return_texts_the_applicant_and_withdraw(db_session):
    app = submit(db_session, "cross_province")
    service.act(db_session, app, "return", scope(db_session, "police_hz"), "police_hz",
                note="请补充服务合同盖章页")
    assert "请补充服务合同盖章页" in texts(db_session, app)[-1]
    assert service.find_for_applicant(db_session, app.number, "13800000000") is app
    assert service.find_for_applicant(db_session, app.number, "13800000009") is None
    service.withdraw(db_session, app)
    assert app.status == "withdrawn"


def test_approving_twice_yields_one_decision(db_session):
    app = decide(db_session, submit(db_session, "commendation"))
    count = db_session.query(ConductRecord).filter_by(document_number=app.number).count()
    with pytest.raises(RuleViolation):
        service.act(db_session, app, "approve", scope(db_session, "police_hz"), "police_hz")
    assert db_session.query(ConductRecord).filter_by(document_number=app.number).count() \
        == count == 1


def test_a_stale_reviewer_loses_the_race(db_session):
    """The status UPDATE is conditional: a reviewer acting on a stale copy changes nothing."""
    app = submit(db_session, "cross_province")
    service.act(db_session, app, "accept", scope(db_session, "police_hz"), "police_hz")
    db_session.flush()
    stale = Application(id=app.id, status="accepted")  # what a second reviewer had loaded
    service.act(db_session, app, "approve", scope(db_session, "police_hz"), "police_hz")
    with pytest.raises(RuleViolation, match="已"):
        service._transition(db_session, stale, "approve", "approved", ("accepted",),
                            "other", None)


# ------------------------------------------------------------------ effects

def test_company_licence_creates_unit_account_and_texts_password(db_session):
    app = decide(db_session, submit(db_session, "company"))
    assert app.status == "approved"
    unit = db_session.get(Unit, app.result_unit_id)
    assert unit.kind == "company" and unit.licence_number.startswith("浙公保服")
    assert unit.name == app.form["name"] and unit.region_code == "330102"
    account = db_session.execute(select(AppUser).where(AppUser.unit_id == unit.id)).scalar_one()
    assert account.must_change_password and account.username == unit.credit_code.lower()
    assert [r.name for r in account.roles] == ["company_user"]
    sms = db_session.execute(select(SmsMessage).where(
        SmsMessage.application_id == app.id, SmsMessage.purpose == "account")).scalar_one()
    assert sms.phone == "13800000000" and account.username in sms.body
    password = sms.body.split("一次性密码：")[1].split("，")[0]
    from werkzeug.security import check_password_hash
    assert check_password_hash(account.password, password)
    assert any("批准" in body for body in texts(db_session, app))


@pytest.mark.parametrize("code,kind,role", [
    ("company_foreign", "company", "company_user"), ("training", "training", "training_user"),
    ("training_promise", "training", "training_user"),
    ("self_hire", "self_hire", "self_hire_user"), ("client", "client", "client_unit_user")])
def test_unit_creating_items(db_session, code, kind, role):
    app = decide(db_session, submit(db_session, code))
    unit = db_session.get(Unit, app.result_unit_id)
    assert unit.kind == kind and unit.status == "active"
    if code == "client":
        assert unit.parent == unit_of(db_session, "selfhire_hz")
    if code == "company_foreign":
        assert unit.foreign_invested
    account = db_session.execute(select(AppUser).where(AppUser.unit_id == unit.id)).scalar_one()
    assert [r.name for r in account.roles] == [role] and account.must_change_password
    assert db_session.query(SmsMessage).filter_by(application_id=app.id,
                                                  purpose="account").count() == 1


def test_self_hire_revocation_deactivates_the_unit(db_session):
    filed = decide(db_session, submit(db_session, "self_hire"))
    unit = db_session.get(Unit, filed.result_unit_id)
    app = service.submit(db_session, "self_hire", "甲", "13800000000",
                         {"action": "revoke", "name": unit.name, "credit_code": unit.credit_code},
                         docs("self_hire"))
    decide(db_session, app)
    assert unit.status == "cancelled"
    assert db_session.query(Unit).filter_by(name=unit.name).count() == 1


def test_branch_filing_is_the_way_a_branch_comes_to_exist(db_session):
    app = decide(db_session, submit(db_session, "branch"))
    branch = db_session.get(Unit, app.result_unit_id)
    assert branch.kind == "branch" and branch.parent == unit_of(db_session, "company_hz")
    assert db_session.execute(select(AppUser).where(AppUser.unit_id == branch.id)).first() \
        is None


def test_cross_province_filing_is_recorded_on_the_company(db_session):
    app = decide(db_session, submit(db_session, "cross_province"))
    filing = db_session.execute(select(CrossProvinceFiling).where(
        CrossProvinceFiling.application_id == app.id)).scalar_one()
    assert filing.unit == unit_of(db_session, "company_hz") and filing.province == "江苏省"


def test_commendation_writes_records_on_units_and_guards(db_session):
    guard = db_session.execute(select(Person).order_by(Person.id)).scalars().first()
    app = submit(db_session, "commendation", form={
        "title": "见义勇为", "description": "x", "guard_id_numbers": guard.id_number,
        "unit_credit_codes": unit_of(db_session, "company_nb").credit_code})
    decide(db_session, app)
    records = db_session.query(ConductRecord).filter_by(document_number=app.number).all()
    assert {(r.kind, r.unit_id, r.person_id) for r in records} == {
        ("commendation", unit_of(db_session, "company_nb").id, None),
        ("commendation", None, guard.id)}


def test_legal_rep_change_updates_the_company(db_session):
    from app.models import UnitChange
    unit = unit_of(db_session, "company_hz")
    old = unit.legal_representative
    app = decide(db_session, submit(db_session, "legal_rep_change"))
    assert unit.legal_representative == "王五"
    change = (db_session.query(UnitChange).filter_by(unit_id=unit.id, field="legal_representative")
              .order_by(UnitChange.id.desc()).first())
    assert (change.old_value, change.new_value) == (old, "王五")
    assert app.number in change.reason


def test_guard_certificate_is_issued_with_a_number(db_session):
    app = decide(db_session, submit(db_session, "guard_certificate"))
    person = db_session.execute(select(Person).where(
        Person.id_number == app.form["id_number"])).scalar_one()
    cert = db_session.execute(select(Certificate).where(
        Certificate.person_id == person.id)).scalar_one()
    assert cert.kind == "guard" and cert.status == "valid" and cert.number in app.result_note
    with pytest.raises(RuleViolation, match="有效"):
        submit(db_session, "guard_certificate", form={**app.form})


# ------------------------------------------------------------------ passwords

def test_password_policy():
    # 等保 2.0: at least 8 characters, at least 3 of upper, lower, digit, symbol.
    for weak in ("Sh0rt!a", "alllowercase1", "ALLUPPER!!!!", "12345678"):
        with pytest.raises(RuleViolation):
            check_strength(weak)
    for strong in ("Str0ng!Passw0rd", "NoSymbol12345", "short1!A"):
        check_strength(strong)
    with pytest.raises(RuleViolation):
        check_strength("Alice#2026xyz", "alice")
    for _ in range(20):
        check_strength(one_time_password())


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="needs two real connections racing on row locks (PostgreSQL); "
                           "SQLite serialises writers on the whole file")
def test_two_reviewers_at_once_yield_one_decision(app):
    from sqlalchemy.orm import Session

    from app.extensions import db
    with app.app_context():
        session = db.session
        application = submit(session, "commendation")
        service.act(session, application, "accept", scope(session, "police_hz"), "police_hz")
        session.commit()
        pk, number = application.id, application.number
        police = scope(session, "police_hz")
        engine = db.engine
    barrier, results = threading.Barrier(2), []

    def reviewer(name):
        with app.app_context():
            own = Session(bind=engine)
            try:
                row = own.get(Application, pk)
                barrier.wait()
                service.act(own, row, "approve", police, name)
                time.sleep(0.5)          # hold the row lock: the other reviewer must wait
                own.commit()
                results.append("approved")
            except RuleViolation:
                own.rollback()
                results.append("refused")
            finally:
                own.close()

    threads = [threading.Thread(target=reviewer, args=(f"reviewer{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["approved", "refused"]
    with app.app_context():
        session = db.session
        assert session.query(ConductRecord).filter_by(document_number=number).count() == 1
        row = session.get(Application, pk)
        assert [e.action for e in row.events].count("approve") == 1
        assert session.query(SmsMessage).filter_by(application_id=pk,
                                                   purpose="decision").count() == 1


def test_a_number_taken_meanwhile_moves_to_the_next(db_session, monkeypatch):
    first = submit(db_session, "cross_province")
    real = service._next_number
    calls = []

    def stale(session, today):          # the first attempt sees the state before `first`
        calls.append(1)
        return first.number if len(calls) == 1 else real(session, today)
    monkeypatch.setattr(service, "_next_number", stale)
    second = submit(db_session, "cross_province")
    assert second.number != first.number and len(calls) == 2
    assert db_session.get(Application, first.id).number == first.number


def test_working_days_are_counted_as_if_walked_day_by_day(in_app):
    """The counted working days equal a day-by-day walk over the calendar (holidays,
    adjusted working weekends), for ranges of every length and start weekday."""
    import random

    def walked(start, end):
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += is_working_day(day)
        return count
    rng = random.Random(7)
    for _ in range(400):
        start = dt.date(2025, 11, 1) + dt.timedelta(days=rng.randint(0, 500))
        end = start + dt.timedelta(days=rng.randint(-3, 420))
        assert working_days_between(start, end) == walked(start, end), (start, end)


# ------------------------------------------------------------------ issue 14

def test_approval_files_the_documents_as_the_units_read_only_documents(db_session):
    """Point 2: the approved application's documents become 办事材料 of the unit it creates
    (or concerns), written by the system, naming the item and the application number."""
    from app.models import UnitDocument
    from app.models.authority import SYSTEM
    from app.security import authority
    from app.services import storage

    app = decide(db_session, submit(db_session, "company"))
    filed = db_session.query(UnitDocument).filter_by(unit_id=app.result_unit_id) \
        .order_by(UnitDocument.id).all()
    assert [d.title for d in filed] == [str(label) for _c, label in ITEMS["company"].documents]
    assert all(d.author_kind == SYSTEM and d.application_id == app.id for d in filed)
    assert filed[0].source_label == f"{ITEMS['company'].title} {app.number}"
    assert filed[0].file_name == "application_form.pdf"
    assert storage.stored_file(filed[0].file_key) == b"%PDF-1.4 application_form"
    assert filed[0].file_key != app.documents[0].storage_key   # the unit's own copy
    # read-only: neither the police nor the new unit change or delete it by hand
    assert not authority.may(db_session, filed[0], authority.CHANGE, scope(db_session, "admin"))
    assert not authority.may(db_session, filed[0], authority.DELETE, scope(db_session, "admin"))
    # an approval concerning an existing unit files them on that unit
    company = unit_of(db_session, "company_hz")
    cross = decide(db_session, submit(db_session, "cross_province"))
    assert {d.title for d in db_session.query(UnitDocument).filter_by(
        unit_id=company.id, application_id=cross.id)} == {
            str(label) for _c, label in ITEMS["cross_province"].documents}


def test_registered_capital_is_checked_at_intake(db_session):
    """Point 9: 条例 Art. 8 at the field when the application comes in, not only at the
    province's last step; the reviewer reads the rule's result."""
    with pytest.raises(RuleViolation) as refused:
        submit(db_session, "company", form=unit_form(registered_capital="50"))
    assert refused.value.errors == {"registered_capital": "保安服务公司注册资本不得少于100万元。"}
    with pytest.raises(RuleViolation) as refused:
        submit(db_session, "company_foreign", form=unit_form(
            registered_capital="500", armed_escort="yes", foreign_investor="ACME"))
    assert "1000万元" in refused.value.errors["registered_capital"]
    app = submit(db_session, "company", form=unit_form(registered_capital="100"))
    assert service.capital_check(app.item, app.form) == (
        True, "注册资本100万元，不少于100万元，符合要求。")
    assert service.capital_check("company", {"registered_capital": "50"})[0] is False
    assert service.capital_check("training", {"registered_capital": "50"}) is None
    armed = decide(db_session, submit(db_session, "company", form=unit_form(
        registered_capital="1200", armed_escort="yes")))
    assert db_session.get(Unit, armed.result_unit_id).armed_escort


def test_intake_reports_every_error_at_its_field(db_session):
    """Point 10: the form is checked whole; each refusal is at its field."""
    with pytest.raises(RuleViolation) as refused:
        service.submit(db_session, "company", "", "12345", unit_form(
            credit_code="123", registered_capital="abc", legal_representative=""),
            docs("company", skip=("charter", "premises")), region_code="330102")
    errors = refused.value.errors
    assert set(errors) == {"applicant_name", "applicant_phone", "credit_code",
                           "registered_capital", "legal_representative", "doc_charter",
                           "doc_premises"}
    assert errors["doc_charter"] == "缺少：公司章程" and "手机" in errors["applicant_phone"]
    assert refused.value.message.startswith("缺少：申请人姓名、法定代表人、经营场所证明、公司章程")


def test_new_unit_account_is_named_after_the_applicant(db_session):
    """Point 16: the account is the applicant's, not 'applicant + whole unit name'."""
    app = decide(db_session, submit(db_session, "company"))
    account = db_session.execute(select(AppUser).where(
        AppUser.unit_id == app.result_unit_id)).scalar_one()
    assert account.get_full_name() == "申请人甲"
    assert account.username == db_session.get(Unit, app.result_unit_id).credit_code.lower()
