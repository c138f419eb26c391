"""REST: service_target, service and dispatch obey the same rules and scope as the pages."""
import datetime as dt

import pytest

from app.models import AppUser, Dispatch, Service, TargetCategory
from app.security.scope import scope_for_user
from app.services import dispatch as workflow
from app.web.transaction import atomic
from tests.helpers import unique_name
from tests.test_dispatch_workflow import guard_of, new_service


def _scope(session, username):
    return scope_for_user(session.query(AppUser).filter_by(username=username).one())


def test_post_dispatch(api, db_session):
    service = new_service(db_session, "company_hz")
    guard = guard_of(db_session, service.unit)
    caller = api("company_hz")
    response = caller.post("/api/v1/dispatch/", json={
        "service": service.id, "employment": guard.id, "start_date": "2024-03-01",
        "post": "门岗"})
    assert response.status_code == 201, response.get_data(as_text=True)
    dispatch = db_session.get(Dispatch, response.json["id"])
    assert dispatch.person_id == guard.person_id and dispatch.unit_id == service.unit_id
    # The same guard again: the rule refuses, in Chinese, at the field.
    other = new_service(db_session, "company_hz")
    response = caller.post("/api/v1/dispatch/", json={
        "service": other.id, "employment": guard.id, "start_date": "2024-03-01"})
    assert response.status_code == 400
    assert "已有未结束的派驻" in response.json["message"]["employment"][0]


def test_post_dispatch_refusals(api, db_session):
    service = new_service(db_session, "company_hz", end=dt.date(2030, 1, 1))
    guard = guard_of(db_session, service.unit)
    part_timer = guard_of(db_session, _scope(db_session, "company_nb") and
                          db_session.query(AppUser).filter_by(username="company_nb").one().unit)
    from tests.test_rules import employ
    pt = employ(db_session, part_timer.person, service.unit, role="part_time_guard",
                start=dt.date(2023, 7, 1))
    db_session.commit()
    caller = api("company_hz")
    response = caller.post("/api/v1/dispatch/", json={
        "service": service.id, "employment": pt.id, "start_date": "2024-03-01"})
    assert response.status_code == 400 and "兼职" in response.json["message"]["employment"][0]
    response = caller.post("/api/v1/dispatch/", json={
        "service": service.id, "employment": guard.id, "start_date": "2031-03-01"})
    assert response.status_code == 400 and "服务期" in response.json["message"]["start_date"][0]
    # A guard of another unit is not even selectable (outside the write scope).
    response = caller.post("/api/v1/dispatch/", json={
        "service": service.id, "employment": part_timer.id, "start_date": "2024-03-01"})
    assert response.status_code in (400, 404, 422)
    assert db_session.query(Dispatch).filter_by(service_id=service.id).count() == 0


def test_end_service_and_dispatch_over_rest(api, db_session):
    service = new_service(db_session, "company_hz")
    guards = [guard_of(db_session, service.unit) for _ in range(2)]
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, _scope(db_session, "company_hz"), service,
                                           [g.id for g in guards], dt.date(2024, 2, 1))
    caller = api("company_hz")
    response = caller.post(f"/api/v1/dispatch/{created[0].id}/end",
                           json={"end_date": "2024-02-20"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["result"]["end_date"] == "2024-02-20"
    response = caller.post(f"/api/v1/service/{service.id}/end", json={"end_date": "2024-03-01"})
    assert response.status_code == 200, response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Service, service.id).status == "ended"
    assert db_session.get(Dispatch, created[1].id).end_date == dt.date(2024, 3, 1)
    again = caller.post(f"/api/v1/service/{service.id}/end", json={})
    assert again.status_code == 400 and "已结束" in str(again.json["message"])
    bad = caller.post(f"/api/v1/dispatch/{created[1].id}/end", json={"end_date": "x"})
    assert bad.status_code == 400


@pytest.mark.parametrize("username", ["company_hz", "police_hz", "selfhire_hz", "association",
                                      "client_hz"])
def test_end_over_rest_is_404_outside_scope(api, db_session, username):
    """One user per test: requests inside the db_session app context share `g`."""
    service = new_service(db_session, "company_nb")
    guard = guard_of(db_session, service.unit)
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, _scope(db_session, "company_nb"), service,
                                           [guard.id], dt.date(2024, 2, 1))
    caller = api(username)
    expected = (404,) if username in ("company_hz", "police_hz", "selfhire_hz") else (401, 403)
    assert caller.post(f"/api/v1/service/{service.id}/end", json={}).status_code in expected
    assert caller.post(f"/api/v1/dispatch/{created[0].id}/end", json={}).status_code in expected
    db_session.expire_all()
    assert db_session.get(Service, service.id).status == "active"


def test_service_target_over_rest_follows_the_rules(api, db_session):
    caller = api("company_hz")
    category = db_session.query(TargetCategory).first()
    name = unique_name("接口目标")
    response = caller.post("/api/v1/service_target/", json={"name": f" {name} ",
                                                             "category": category.id})
    assert response.status_code == 201, response.get_data(as_text=True)
    again = caller.post("/api/v1/service_target/", json={"name": name, "category": category.id})
    assert again.status_code == 400 and "已存在" in str(again.json["message"])
    listed = caller.get(f"/api/v1/service_target/{response.json['id']}").json["result"]
    assert listed["category"]["tier"] == category.tier
