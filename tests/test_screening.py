"""比对预警: identity verification and background-check state machines, automatic triggering,
idempotency, adapter time-outs, and the REST/page actions with their scope."""
import io
import time

import pytest
from flask import current_app

from app.models import (AppUser, BackgroundAlert, ChangeLog, Employment, IdentityCheck, Person,
                        PopulationRecord, ScreeningEvent, WatchListEntry)
from app.security.scope import SYSTEM, scope_for_user
from app.services import personnel, rules, screening
from app.security.actor import acting_as
from app.services.errors import RuleViolation
from app.services.registry import RegistryUnavailable
from seed.demo import demo_photo_png
from tests.conftest import csrf_token
from tests.helpers import fresh_id_number, unique_name


class DownRegistry:
    def __init__(self, session):
        pass

    def lookup(self, id_number):
        raise RegistryUnavailable("人口库连接超时")


class SlowRegistry(DownRegistry):
    def lookup(self, id_number):
        time.sleep(1.5)
        return None


def user(session, username):
    return session.query(AppUser).filter_by(username=username).one()


def scope(session, username):
    return scope_for_user(user(session, username))


def make_guard(session, unit, registered_name=None, registered=True, role="guard",
               findings=(), photo=True):
    """A new person employed at `unit` (flushed: the case opens as pending)."""
    person = Person(id_number=fresh_id_number(), name=unique_name("卫"))
    if photo:
        personnel.set_photo(person, demo_photo_png(1))
    rules.validate(session, person, creating=True, scope=SYSTEM)
    session.add(person)
    if registered:
        session.add(PopulationRecord(id_number=person.id_number,
                                     name=registered_name or person.name,
                                     gender=person.gender, birth_date=person.birth_date))
    for source, code in findings:
        session.add(WatchListEntry(source=source, id_number=person.id_number,
                                   reason_code=code, detail="测试"))
    emp = Employment(person=person, unit=unit, role=role, start_date=__import__(
        "datetime").date(2024, 3, 1))
    rules.validate(session, emp, creating=True, scope=SYSTEM)
    session.add(emp)
    session.flush()
    return person


def case_of(session, person):
    return session.query(IdentityCheck).filter_by(person_id=person.id).one()


def actions(session, case):
    return [e.action for e in session.query(ScreeningEvent).filter_by(
        identity_check_id=case.id).order_by(ScreeningEvent.id)]


def refused(fn, *args, **kwargs):
    with pytest.raises(RuleViolation) as info:
        fn(*args, **kwargs)
    return info.value.message


# ------------------------------------------------------------------ identity verification

def test_new_guard_opens_pending_case_then_passes(db_session):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit)
    case = case_of(db_session, person)
    assert case.state == "pending" and case.unit_id == unit.id
    assert screening.screen_person(db_session, person.id) is False
    assert case.state == "passed" and case.background_state == "done"
    assert case.closed_at is not None
    assert actions(db_session, case) == ["created", "verified"]


def test_rerun_is_idempotent(db_session):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, findings=[("criminal_record", "intentional_crime")])
    screening.screen_person(db_session, person.id)
    counts = (db_session.query(ScreeningEvent).filter_by(person_id=person.id).count(),
              db_session.query(BackgroundAlert).filter_by(person_id=person.id).count(),
              db_session.query(IdentityCheck).filter_by(person_id=person.id).count())
    for _ in range(2):
        screening.screen_person(db_session, person.id)
        screening.run_pending(db_session)
    db_session.flush()
    assert counts == (db_session.query(ScreeningEvent).filter_by(person_id=person.id).count(),
                      db_session.query(BackgroundAlert).filter_by(person_id=person.id).count(),
                      db_session.query(IdentityCheck).filter_by(person_id=person.id).count())
    assert counts[1:] == (1, 1)


def test_mismatch_and_unregistered_fail_with_reasons(db_session):
    unit = user(db_session, "company_hz").unit
    mismatched = make_guard(db_session, unit, registered_name="错名字")
    unknown = make_guard(db_session, unit, registered=False)
    screening.screen_person(db_session, mismatched.id)
    screening.screen_person(db_session, unknown.id)
    case = case_of(db_session, mismatched)
    assert case.state == "failed" and "姓名" in case.reasons
    assert case_of(db_session, unknown).state == "failed"
    assert "人口" in case_of(db_session, unknown).reasons
    assert case.background_state == "not_run"  # the background check waits for identity


def test_photo_required_by_default_and_a_new_photo_reverifies(app, db_session):
    assert app.config["SCREENING_REQUIRE_PHOTO"] is True
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, photo=False)
    screening.screen_person(db_session, person.id)
    case = case_of(db_session, person)
    assert case.state == "failed" and case.reasons == "未上传照片。"
    personnel.set_photo(person, demo_photo_png(2))   # the unit uploads the photo
    db_session.flush()
    assert case.state == "pending"
    assert actions(db_session, case)[-1] == "resubmitted"
    screening.screen_person(db_session, person.id)
    assert case.state == "passed" and case.reasons is None


def test_photo_can_be_switched_off(app, db_session):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, photo=False)
    app.config["SCREENING_REQUIRE_PHOTO"] = False
    try:
        screening.screen_person(db_session, person.id)
    finally:
        app.config["SCREENING_REQUIRE_PHOTO"] = True
    assert case_of(db_session, person).state == "passed"


def test_full_round_trip_unit_police_unit_pass(db_session):
    unit = user(db_session, "company_hz").unit
    clerk, police = scope(db_session, "company_hz"), scope(db_session, "police_sc")
    person = make_guard(db_session, unit, registered_name="另一个名")
    screening.screen_person(db_session, person.id)
    case = case_of(db_session, person)
    assert screening.identity_actions_for(case, clerk) == ["resubmit", "confirm"]
    assert screening.identity_actions_for(case, police) == []
    screening.confirm(db_session, case, clerk, "已核对身份证原件")
    assert case.state == "police_review"
    assert screening.identity_actions_for(case, police) == ["return", "clear"]
    with acting_as("police_sc"):
        screening.return_to_unit(db_session, case, police, "请上传户籍证明")
    assert case.state == "returned" and case.note == "请上传户籍证明"
    screening.confirm(db_session, case, clerk, "已补充户籍证明")
    screening.clear(db_session, case, police, "户籍证明无误")
    assert case.state == "cleared" and case.closed_at is not None
    db_session.flush()
    assert actions(db_session, case) == ["created", "failed", "confirmed", "returned",
                                         "confirmed", "cleared"]
    event = db_session.query(ScreeningEvent).filter_by(identity_check_id=case.id,
                                                       action="returned").one()
    assert event.username == "police_sc" and event.from_state == "police_review"
    # The police pass is final: re-running with the same data does not reopen it.
    screening.screen_person(db_session, person.id)
    assert case.state == "cleared" and case.background_state == "done"


def test_unit_fix_and_resubmit_verifies_again(db_session):
    unit = user(db_session, "company_hz").unit
    clerk = scope(db_session, "company_hz")
    person = make_guard(db_session, unit, registered_name="正确名")
    screening.screen_person(db_session, person.id)
    case = case_of(db_session, person)
    old = person.name
    with acting_as("company_hz"):
        screening.resubmit(db_session, case, clerk, name="正确名", note="按身份证更正")
    assert case.state == "pending"
    db_session.flush()
    screening.screen_person(db_session, person.id)
    assert case.state == "passed"
    event = db_session.query(ScreeningEvent).filter_by(identity_check_id=case.id,
                                                       action="resubmitted").one()
    assert f"name: {old}" in event.before and "name: 正确名" in event.after
    assert event.username == "company_hz"


@pytest.mark.parametrize("who,action,state", [
    ("police_sc", "confirm", "failed"),        # police cannot vouch for the unit
    ("police_sc", "resubmit", "failed"),
    ("company_hz", "clear", "police_review"),  # the unit cannot pass its own case
    ("company_hz", "return", "police_review"),
    ("police_sc", "clear", "failed"),          # not before the unit asked for review
    ("police_sc", "return", "failed"),
    ("company_hz", "confirm", "police_review"),
    ("company_hz", "confirm", "passed"),       # a passed case needs nothing
    ("company_hz", "resubmit", "passed"),
    ("association", "confirm", "failed"),
])
def test_refused_transitions(db_session, who, action, state):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, registered_name=None if state == "passed" else "别名")
    screening.screen_person(db_session, person.id)
    case = case_of(db_session, person)
    if state == "police_review":
        screening.confirm(db_session, case, scope(db_session, "company_hz"), "无误")
    assert case.state == state
    message = refused(screening.IDENTITY_ACTIONS[action], db_session, case,
                      scope(db_session, who), "备注")
    assert message and case.state == state


def test_notes_are_required(db_session):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, registered_name="别名")
    screening.screen_person(db_session, person.id)
    case = case_of(db_session, person)
    assert "备注" in refused(screening.confirm, db_session, case, scope(db_session,
                                                                       "company_hz"), " ")
    screening.confirm(db_session, case, scope(db_session, "company_hz"), "无误")
    assert refused(screening.return_to_unit, db_session, case, scope(db_session, "police_sc"),
                   "")


def test_identity_change_of_screened_person_reverifies(db_session):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit)
    screening.screen_person(db_session, person.id)
    case = case_of(db_session, person)
    person.name = "改过的名"
    db_session.flush()   # the session event reopens the case
    assert case.state == "pending"
    screening.screen_person(db_session, person.id)
    assert case.state == "failed" and "姓名" in case.reasons
    person.phone = "13800000000"   # not an identity field: nothing happens
    db_session.flush()
    assert case.state == "failed"


# ------------------------------------------------------------------ background check

def test_both_alert_kinds(db_session):
    unit = user(db_session, "company_hz").unit
    clerk, police = scope(db_session, "company_hz"), scope(db_session, "police_sc")
    person = make_guard(db_session, unit, findings=[("criminal_record", "intentional_crime"),
                                                    ("drug_control", "drug_use")])
    screening.screen_person(db_session, person.id)
    alerts = {a.kind: a for a in db_session.query(BackgroundAlert).filter_by(
        person_id=person.id)}
    police_alert, unit_alert = alerts["police"], alerts["unit_attention"]
    assert police_alert.reason_code == "intentional_crime" and "故意犯罪" in \
        police_alert.reason_text
    # unit attention: only the unit's 【签收】 closes it
    assert refused(screening.handle, db_session, unit_alert, police, "已处理")
    screening.sign(db_session, unit_alert, clerk)
    assert unit_alert.state == "signed"
    assert refused(screening.sign, db_session, unit_alert, clerk)
    # police alert: only the police, with a handling note
    assert refused(screening.sign, db_session, police_alert, clerk)
    assert refused(screening.handle, db_session, police_alert, police, "")
    screening.handle(db_session, police_alert, police, "已约谈，不得从事保安服务")
    assert police_alert.state == "closed" and police_alert.closed_at
    assert refused(screening.handle, db_session, police_alert, police, "再处理")


def test_background_check_only_after_identity_passes(db_session):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, registered_name="别名",
                        findings=[("wanted_persons", "wanted")])
    screening.screen_person(db_session, person.id)
    assert db_session.query(BackgroundAlert).filter_by(person_id=person.id).count() == 0
    case = case_of(db_session, person)
    screening.confirm(db_session, case, scope(db_session, "company_hz"), "无误")
    screening.clear(db_session, case, scope(db_session, "police_sc"), None)
    screening.screen_person(db_session, person.id)
    alert = db_session.query(BackgroundAlert).filter_by(person_id=person.id).one()
    assert alert.kind == "police" and case.background_state == "done"


# ------------------------------------------------------------------ adapters down or slow

@pytest.mark.parametrize("adapter", ["DownRegistry", "SlowRegistry"])
def test_adapter_unavailable_keeps_case_pending_then_retry(app, db_session, adapter):
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit)
    app.config.update(POPULATION_REGISTRY=f"{__name__}:{adapter}", SCREENING_TIMEOUT=0.3)
    try:
        started = time.monotonic()
        assert screening.screen_person(db_session, person.id) is True
        assert time.monotonic() - started < 1.2
        assert screening.screen_person(db_session, person.id) is True
    finally:
        app.config.update(POPULATION_REGISTRY="local", SCREENING_TIMEOUT=10)
    case = case_of(db_session, person)
    assert case.state == "pending" and case.attempts == 2 and case.last_error
    db_session.flush()
    assert actions(db_session, case) == ["created", "pending"]  # one note, not one per try
    assert screening.run_pending(db_session) >= 1
    assert case.state == "passed" and case.last_error is None


# ------------------------------------------------------------------ automatic, from any path

def test_rest_add_guard_screens_after_commit_and_refuses_bad_actions(app, api):
    from app.extensions import db
    caller, police, foreign = api("company_hz"), api("police_sc"), api("police_nb")
    number = fresh_id_number()
    response = caller.post("/api/v1/person/", json={"id_number": number, "name": "自动核验",
                                                   "registry_confirmed": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    person_id = response.json["id"]
    with app.app_context():
        unit_id = user(db.session, "company_hz").unit_id
    response = caller.post("/api/v1/employment/", json={
        "person": person_id, "unit": unit_id, "role": "guard", "start_date": "2024-05-01",
        "registry_confirmed": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        case = db.session.query(IdentityCheck).filter_by(person_id=person_id).one()
        case_id, state, reasons = case.id, case.state, case.reasons
    assert state == "failed" and "人口" in reasons   # not in the registry: checked already
    assert "照片" in reasons
    # The photo over REST: only images, only in scope; it lands in the change log and the
    # identity is verified again at once.
    def put_photo(who, data, name="photo.png"):
        return who.put(f"/api/v1/person/{person_id}/photo",
                       data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")
    response = put_photo(caller, b"%PDF-1.4 not an image", "photo.png")
    assert response.status_code == 400 and "PNG" in str(response.json)
    assert put_photo(foreign, demo_photo_png(3)).status_code == 404
    assert foreign.get(f"/api/v1/person/{person_id}/photo").status_code == 404
    assert caller.get(f"/api/v1/person/{person_id}/photo").status_code == 404  # none yet
    assert put_photo(caller, demo_photo_png(3)).status_code == 200
    photo = caller.get(f"/api/v1/person/{person_id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.data == demo_photo_png(3)
    with app.app_context():
        case = db.session.get(IdentityCheck, case_id)
        assert case.state == "failed" and "照片" not in case.reasons and "人口" in case.reasons
        assert db.session.query(ChangeLog).filter_by(
            entity="person", entity_id=person_id, action="update", field="photo").count() == 1
    listed = caller.get("/api/v1/identity_check/?q=(filters:!((col:state,opr:eq,value:failed)),"
                        "order_column:id,order_direction:desc)")
    assert case_id in listed.json["ids"]
    assert foreign.get(f"/api/v1/identity_check/{case_id}").status_code == 404
    assert foreign.post(f"/api/v1/identity_check/{case_id}/clear", json={}).status_code == 404
    response = police.post(f"/api/v1/identity_check/{case_id}/clear", json={"note": "x"})
    assert response.status_code == 400 and "不能" in str(response.json)
    response = caller.post(f"/api/v1/identity_check/{case_id}/confirm", json={})
    assert response.status_code == 400 and "备注" in str(response.json)
    assert caller.put(f"/api/v1/identity_check/{case_id}", json={"state": "passed"}
                      ).status_code == 403
    response = caller.post(f"/api/v1/identity_check/{case_id}/confirm", json={"note": "无误"})
    assert response.status_code == 200 and response.json["result"]["state"] == "police_review"
    response = police.post(f"/api/v1/identity_check/{case_id}/return",
                           json={"reason": "人口库无此人，请核实身份证号"})
    assert response.json["result"]["state"] == "returned"
    # The unit registers the person in the registry's stead and resubmits over REST.
    with app.app_context():
        person = db.session.get(Person, person_id)
        db.session.add(PopulationRecord(id_number=person.id_number, name="自动核验",
                                        gender=person.gender, birth_date=person.birth_date))
        db.session.commit()
    response = caller.post(f"/api/v1/identity_check/{case_id}/resubmit", json={"note": "已核"})
    assert response.status_code == 200 and response.json["result"]["state"] == "passed"
    # An identity change from the person resource re-verifies it after the commit.
    assert caller.put(f"/api/v1/person/{person_id}", json={"name": "自动核验改"}
                      ).status_code == 200
    with app.app_context():
        case = db.session.get(IdentityCheck, case_id)
        assert case.state == "failed" and "姓名" in case.reasons


def test_alert_actions_over_rest_and_pages(app, api, client_for):
    from app.extensions import db
    with app.app_context():
        unit_id = user(db.session, "company_hz").unit_id
        alerts = {a.kind: a.id for a in db.session.query(BackgroundAlert).filter_by(
            unit_id=unit_id, state="open")}
    assert set(alerts) == {"police", "unit_attention"}   # planted by the demo data
    response = api("company_hz").post(f"/api/v1/background_alert/{alerts['police']}/sign",
                                      json={})
    assert response.status_code == 400 and "公安" in str(response.json)
    assert api("police_nb").post(f"/api/v1/background_alert/{alerts['police']}/handle",
                                 json={"note": "x"}).status_code == 404
    client = client_for("company_hz")
    page = client.get(f"/backgroundalertview/show/{alerts['unit_attention']}")
    assert "签收" in page.get_data(as_text=True)
    client.post(f"/backgroundalertview/do/{alerts['unit_attention']}/sign",
                data={"csrf_token": csrf_token(client, "/"), "note": "已知悉"})
    police = client_for("police_sc")
    police.post(f"/backgroundalertview/do/{alerts['police']}/handle",
                data={"csrf_token": csrf_token(police, "/"), "note": "已约谈并调离岗位"})
    with app.app_context():
        states = {a.kind: a.state for a in db.session.query(BackgroundAlert).filter(
            BackgroundAlert.id.in_(alerts.values()))}
    assert states == {"police": "closed", "unit_attention": "signed"}


def test_process_page_fixes_a_failed_case(app, client_for):
    from app.extensions import db
    with app.app_context():
        unit = user(db.session, "company_nb").unit
        case = db.session.query(IdentityCheck).filter_by(unit_id=unit.id,
                                                         state="failed").first()
        registered = db.session.query(PopulationRecord).filter_by(
            id_number=case.person.id_number).one().name
        case_id, number = case.id, case.person.id_number
    client = client_for("company_nb")
    listing = client.get("/identitycheckview/list/").get_data(as_text=True)
    assert "核验不通过" in listing
    page = client.get(f"/identitycheckview/process/{case_id}")
    assert page.status_code == 200
    token = csrf_token(client, f"/identitycheckview/process/{case_id}")
    bad = client.post(f"/identitycheckview/process/{case_id}", data={
        "csrf_token": token, "name": registered, "id_number": "123"})
    assert "18" in bad.get_data(as_text=True)
    client.post(f"/identitycheckview/process/{case_id}", data={
        "csrf_token": token, "name": registered, "id_number": number, "note": "按身份证更正"})
    with app.app_context():
        assert db.session.get(IdentityCheck, case_id).state == "passed"
    assert client_for("police_hz").get(f"/identitycheckview/show/{case_id}").status_code == 404


def test_home_shows_open_counts(client_for):
    text = client_for("police_hz").get("/").get_data(as_text=True)
    assert 'id="count-identity_open"' in text and 'id="count-alerts_open"' in text


def test_cli_reruns_pending_checks(app, db_session):
    from app.extensions import db
    unit = user(db_session, "company_hz").unit
    app.config.update(POPULATION_REGISTRY=f"{__name__}:DownRegistry")
    try:
        person = make_guard(db_session, unit)
        db_session.commit()   # after the commit the check runs and stays pending
    finally:
        app.config.update(POPULATION_REGISTRY="local")
    assert case_of(db.session, person).state == "pending"
    result = app.test_cli_runner().invoke(args=["screening-run-pending"])
    assert "screened" in result.output
    db.session.expire_all()
    assert case_of(db.session, person).state == "passed"


def test_save_never_waits_for_a_slow_registry(app, db_session):
    """Production mode: the check runs in a background thread after the commit, times out,
    retries, and leaves the case pending; the clerk's commit returns at once."""
    from app.extensions import db
    unit = user(db_session, "company_hz").unit
    app.config.update(POPULATION_REGISTRY=f"{__name__}:SlowRegistry", SCREENING_SYNC=False,
                      SCREENING_TIMEOUT=0.2, SCREENING_RETRIES=1, SCREENING_RETRY_DELAY=0)
    try:
        person = make_guard(db_session, unit)
        started = time.monotonic()
        db_session.commit()
        assert time.monotonic() - started < 1.0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            db.session.expire_all()
            if case_of(db.session, person).attempts >= 2:
                break
            time.sleep(0.1)
    finally:
        app.config.update(POPULATION_REGISTRY="local", SCREENING_SYNC=True,
                          SCREENING_TIMEOUT=10, SCREENING_RETRIES=3, SCREENING_RETRY_DELAY=30)
    case = case_of(db.session, person)
    assert case.state == "pending" and case.attempts == 2 and "0.2" in case.last_error
    screening.run_pending(db.session)
    db.session.commit()
    assert case_of(db.session, person).state == "passed"


# ------------------------------------------------------------------ the unit filter

def _open_cases_by_unit(session, username):
    """Unit name → person ids of the open identity cases the user's scope holds."""
    from sqlalchemy import select
    from app.models import Unit
    from app.models.screening import IDENTITY_OPEN
    from tests.helpers import scoped_rows
    rows = scoped_rows(session, IdentityCheck, scope(session, username)).filter(
        IdentityCheck.state.in_(list(IDENTITY_OPEN))).all()
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    found = {}
    for case in rows:
        found.setdefault(names[case.unit_id], set()).add(case.person.id_number)
    return found


def test_queue_filters_by_part_of_the_unit_name(app, client_for):
    import io
    import zipfile
    from app.extensions import db
    with app.app_context():
        hz = user(db.session, "company_hz").unit
        make_guard(db.session, hz, registered=False)          # an open case in company_hz
        nb = user(db.session, "company_nb").unit
        make_guard(db.session, nb, registered=False)          # and one outside police_hz
        db.session.commit()
        hz_name, nb_name = hz.name, nb.name
        cases = _open_cases_by_unit(db.session, "police_hz")
    part = hz_name[1:-1]
    others = [name for name in cases if part not in name]
    assert hz_name in cases and others, "the demo data has open cases in several units"
    police = client_for("police_hz")
    # The police's queue starts on 待民警处理; these cases wait for the unit: the 全部待办 tab.
    every = {"waiting": "all"}
    page = police.get("/identityqueueview/list/", query_string={
        "unit": part, **every, "psize_IdentityQueueView": 100}).get_data(as_text=True)
    assert hz_name in page
    assert not any(f">{name}<" in page for name in others)
    assert 'id="unit-filter"' in page and "单位名称包含" in page
    # the whole, unfiltered queue shows the other units
    full = police.get("/identityqueueview/list/", query_string={
        **every, "psize_IdentityQueueView": 100}).get_data(as_text=True)
    assert any(name in full for name in others)
    # a unit outside the scope yields nothing, even by its exact name
    assert nb_name not in cases
    outside = police.get("/identityqueueview/list/", query_string={**every, "unit": nb_name})
    assert f">{nb_name}<" not in outside.get_data(as_text=True)
    assert cases_in_page(outside.get_data(as_text=True)) == 0
    assert cases_in_page(page) >= 1
    # the Excel export honours the filter, and its link carries it
    assert "/identityqueueview/export/?unit=" in page
    data = police.get("/identityqueueview/export/", query_string={**every, "unit": part}).data
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        strings = book.read("xl/sharedStrings.xml").decode() \
            if "xl/sharedStrings.xml" in book.namelist() else ""
        sheet = book.read("xl/worksheets/sheet1.xml").decode() + strings
    assert hz_name in sheet
    assert not any(name in sheet for name in others)
    # the other screening lists take the same box
    for url in ("/alertqueueview/list/", "/identitycheckview/list/",
                "/backgroundalertview/list/", "/screeningeventview/list/"):
        text = police.get(url, query_string={"unit": part}).get_data(as_text=True)
        assert 'id="unit-filter"' in text
        assert not any(f">{name}<" in text for name in others)


def cases_in_page(html):
    return html.count("/identitycheckview/show/") + html.count("/identityqueueview/show/")


# ------------------------------------------------------------------ becoming a guard later

def test_role_change_to_guard_screens_like_adding_one(app, db_session):
    """An employment whose role changes to guard (or part-time guard) opens the case and is
    screened after the commit, exactly as a new guard; a change between the two guard roles
    opens nothing new."""
    from app.extensions import db
    unit = user(db_session, "company_hz").unit
    person = make_guard(db_session, unit, role="other_staff")
    assert db_session.query(IdentityCheck).filter_by(person_id=person.id).count() == 0
    emp = db_session.query(Employment).filter_by(person_id=person.id).one()
    emp.role = "guard"
    db_session.flush()
    case = case_of(db_session, person)
    assert case.state == "pending" and case.employment_id == emp.id
    db_session.commit()   # the checks run after the commit (SCREENING_SYNC in tests)
    db.session.expire_all()
    case = case_of(db.session, person)
    assert case.state == "passed" and case.background_state == "done"
    events = len(actions(db.session, case))
    emp = db.session.get(Employment, emp.id)
    emp.role = "part_time_guard"
    db.session.commit()
    assert len(actions(db.session, case_of(db.session, person))) == events


def test_reopened_guard_employment_screens_again(app, db_session):
    """An ended guard employment reopened (end date cleared) screens like adding one: a case
    is opened if there was none, and a passed case runs its background check again, so a
    finding listed meanwhile raises its alert."""
    import datetime as dt
    from app.extensions import db
    unit = user(db_session, "company_hz").unit
    # Ended before it was ever screened: no case.
    person = Person(id_number=fresh_id_number(), name=unique_name("返"))
    personnel.set_photo(person, demo_photo_png(4))
    rules.validate(db_session, person, creating=True, scope=SYSTEM)
    db_session.add_all([person, PopulationRecord(
        id_number=person.id_number, name=person.name, gender=person.gender,
        birth_date=person.birth_date)])
    emp = Employment(person=person, unit=unit, role="guard", start_date=dt.date(2020, 1, 1),
                     end_date=dt.date(2021, 1, 1), end_reason="合同到期")
    db_session.add(emp)
    db_session.commit()
    assert db.session.query(IdentityCheck).filter_by(person_id=person.id).count() == 0
    emp = db.session.get(Employment, emp.id)
    emp.end_date, emp.end_reason = None, None
    db.session.commit()
    db.session.expire_all()
    case = case_of(db.session, person)
    assert case.state == "passed" and case.background_state == "done"
    assert actions(db.session, case) == ["created", "verified"]
    # Leaves again; meanwhile a watch list lists the person; taken back: checked again.
    emp = db.session.get(Employment, emp.id)
    emp.end_date, emp.end_reason = dt.date(2025, 1, 1), "辞职"
    db.session.commit()
    db.session.add(WatchListEntry(source="criminal_record", id_number=person.id_number,
                                  reason_code="intentional_crime", detail="测试"))
    db.session.commit()
    assert db.session.query(BackgroundAlert).filter_by(person_id=person.id).count() == 0
    emp = db.session.get(Employment, emp.id)
    emp.end_date = None
    db.session.commit()
    db.session.expire_all()
    case = case_of(db.session, person)
    assert case.state == "passed" and case.background_state == "done"
    assert actions(db.session, case) == ["created", "verified", "created"]
    alert = db.session.query(BackgroundAlert).filter_by(person_id=person.id).one()
    assert alert.kind == "police" and alert.state == "open"
    # Reopened again with nothing new: the check runs again, no second alert.
    emp = db.session.get(Employment, emp.id)
    emp.end_date = dt.date(2025, 6, 1)
    db.session.commit()
    emp.end_date = None
    db.session.commit()
    assert db.session.query(BackgroundAlert).filter_by(person_id=person.id).count() == 1
