"""The 服务（对象）单位 pages: list with coloured tiers and actions, 新增 with target
autocomplete, 派驻 of several guards, 详情 with cancel, 解除服务; scope (404) on every one."""
import datetime as dt
import re

import pytest

from app.models import AppUser, Dispatch, Service, ServiceTarget, TargetCategory
from app.security.scope import scope_for_user
from app.services import dispatch as workflow
from app.web.transaction import atomic
from tests.conftest import csrf_token
from tests.helpers import unique_name
from tests.test_dispatch_workflow import guard_of, new_service

TIER_BADGE = re.compile(r'class="tier-badge tier-(red|yellow|green)"')


def _user(session, username):
    return session.query(AppUser).filter_by(username=username).one()


def test_list_shows_coloured_tiers_and_actions(client_for, db_session):
    service = new_service(db_session, "company_hz")
    client = client_for("company_hz")
    html = client.get("/servicedesk/list/").get_data(as_text=True)
    assert service.target.name in html
    assert TIER_BADGE.search(html)
    assert f"/servicedesk/{service.id}/dispatch/" in html
    assert f"/servicedesk/{service.id}/end/" in html and f"/servicedesk/{service.id}/" in html
    for text in ("派驻", "解除服务", "详情", "新增"):
        assert text in html
    # Another unit's services are not listed.
    foreign = new_service(db_session, "company_nb")
    listing = client.get("/servicedesk/list/?q=" + foreign.target.name).get_data(as_text=True)
    assert f'data-service="{foreign.id}"' not in listing and "没有找到记录" in listing


def test_add_service_with_a_new_target(client_for, db_session):
    client = client_for("company_hz")
    name = unique_name("页面新目标")
    category = db_session.query(TargetCategory).filter_by(tier=3).first()
    response = client.post("/servicedesk/add/", data={
        "csrf_token": csrf_token(client, "/servicedesk/add/"),
        "unit": str(_user(db_session, "company_hz").unit_id), "target_name": name,
        "target_category": str(category.id), "target_address": "学院路1号",
        "start_date": "2024-05-01", "contract_number": "HT-9"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    target = db_session.query(ServiceTarget).filter_by(name=name).one()
    service = db_session.query(Service).filter_by(target_id=target.id).one()
    assert response.headers["Location"].endswith(f"/servicedesk/{service.id}/")
    assert target.address == "学院路1号" and service.contract_number == "HT-9"
    detail = client.get(f"/servicedesk/{service.id}/").get_data(as_text=True)
    assert "tier-green" in detail


def test_add_refusal_is_shown_at_the_field_and_saves_nothing(client_for, db_session):
    client = client_for("company_hz")
    name = unique_name("缺类别")
    response = client.post("/servicedesk/add/", data={
        "csrf_token": csrf_token(client, "/servicedesk/add/"),
        "unit": str(_user(db_session, "company_hz").unit_id), "target_name": name,
        "start_date": "2024-05-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "须选择类别" in html
    assert name in html  # the typed name is kept
    assert db_session.query(ServiceTarget).filter_by(name=name).count() == 0


def test_add_for_a_foreign_unit_is_refused(client_for, db_session):
    client = client_for("company_hz")
    before = db_session.query(Service).count()
    response = client.post("/servicedesk/add/", data={
        "csrf_token": csrf_token(client, "/servicedesk/add/"),
        "unit": str(_user(db_session, "company_nb").unit_id), "target_name": unique_name("外"),
        "target_category": str(db_session.query(TargetCategory).first().id),
        "start_date": "2024-05-01"})
    assert response.status_code == 200  # the lookup field refuses the foreign unit
    assert "范围" in response.get_data(as_text=True)
    assert db_session.query(Service).count() == before


def test_target_autocomplete_prefix_then_contains(client_for, db_session):
    name = f"{unique_name('补全')}测试大厦"
    with atomic(db_session):
        service = workflow.create_service(
            db_session, scope_for_user(_user(db_session, "company_hz")),
            _user(db_session, "company_hz").unit,
            workflow.TargetInput(name=name, category_id=db_session.query(TargetCategory.id)
                                 .filter_by(tier=1).first()[0], details={"address": "某路1号"}),
            dt.date(2024, 1, 1))
    client = client_for("company_nb")  # targets are shared reference data
    found = client.get("/servicedesk/targets/", query_string={"q": name[:-2]}).json["results"]
    assert [t["name"] for t in found] == [name]
    hit = found[0]
    assert hit["tier"] == 1 and hit["address"] == "某路1号" and hit["id"] == service.target_id
    middle = client.get("/servicedesk/targets/", query_string={"q": name[1:]}).json["results"]
    assert [t["name"] for t in middle] == [name]
    stem = unique_name("同名前缀")
    category = db_session.query(TargetCategory).first()
    db_session.add_all([ServiceTarget(name=f"{stem}{i:02d}", category=category)
                        for i in range(12)])
    db_session.commit()
    many = client.get("/servicedesk/targets/", query_string={"q": stem}).json["results"]
    assert len(many) == 10  # limited, however many match
    assert client.get("/servicedesk/targets/?q=").json["results"] == []


def test_dispatch_three_cancel_one_end_service(client_for, db_session):
    service = new_service(db_session, "company_hz")
    guards = [guard_of(db_session, service.unit) for _ in range(3)]
    client = client_for("company_hz")
    page = client.get(f"/servicedesk/{service.id}/dispatch/").get_data(as_text=True)
    assert "tier-" in page and service.target.name in page
    found = client.get(f"/servicedesk/{service.id}/guards/",
                       query_string={"q": guards[0].person.name}).json["results"]
    assert [r["id"] for r in found] == [guards[0].id]
    response = client.post(f"/servicedesk/{service.id}/dispatch/", data={
        "csrf_token": csrf_token(client, f"/servicedesk/{service.id}/dispatch/"),
        "employments": [str(g.id) for g in guards], "start_date": "2024-06-01",
        "post": "大堂岗",
        # Issue 14 (11): these fresh guards are not verified yet; the clerk confirms.
        "confirm_unverified": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    dispatches = db_session.query(Dispatch).filter_by(service_id=service.id).all()
    assert len(dispatches) == 3 and {d.post for d in dispatches} == {"大堂岗"}
    # Already dispatched guards are offered but cannot be picked.
    again = client.get(f"/servicedesk/{service.id}/guards/",
                       query_string={"q": guards[0].person.name}).json["results"]
    assert again[0].get("disabled") is True
    detail = client.get(f"/servicedesk/{service.id}/").get_data(as_text=True)
    assert all(g.person.name in detail for g in guards) and "取消派驻" in detail
    token = csrf_token(client, f"/servicedesk/{service.id}/")
    response = client.post(f"/servicedesk/dispatch/{dispatches[0].id}/end/",
                           data={"csrf_token": token})
    assert response.status_code == 302
    db_session.expire_all()
    assert sum(d.end_date is None for d in db_session.query(Dispatch).filter_by(
        service_id=service.id)) == 2
    response = client.post(f"/servicedesk/{service.id}/end/",
                           data={"csrf_token": token, "end_date": dt.date.today().isoformat()})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Service, service.id).status == "ended"
    assert all(d.end_date is not None
               for d in db_session.query(Dispatch).filter_by(service_id=service.id))


def test_dispatch_refusal_lists_each_guard_with_its_reason(client_for, db_session):
    hz_scope = scope_for_user(_user(db_session, "company_hz"))
    service, busy_service = new_service(db_session), new_service(db_session)
    ok, busy = guard_of(db_session, service.unit), guard_of(db_session, service.unit)
    with atomic(db_session):
        workflow.dispatch_guards(db_session, hz_scope, busy_service, [busy.id], dt.date(2024, 2, 1))
    client = client_for("company_hz")
    response = client.post(f"/servicedesk/{service.id}/dispatch/", data={
        "csrf_token": csrf_token(client, f"/servicedesk/{service.id}/dispatch/"),
        "employments": [str(ok.id), str(busy.id)], "start_date": "2024-06-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert busy.person.name in html and "已有未结束的派驻" in html
    assert db_session.query(Dispatch).filter_by(service_id=service.id).count() == 0


@pytest.mark.parametrize("username", ["company_hz", "police_nb", "client_hz", "school_hz"])
def test_foreign_service_pages_are_404(client_for, db_session, username):
    """company_nb's service: 404 for another unit and for the police of another city;
    roles without the permission are refused."""
    service = new_service(db_session, "company_nb")
    guard = guard_of(db_session, service.unit)
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, scope_for_user(_user(db_session, "company_nb")),
                                           service, [guard.id], dt.date(2024, 2, 1))
    client = client_for(username)
    token = csrf_token(client, "/")
    allowed = username in ("company_hz", "police_nb")
    for response in (
            client.get(f"/servicedesk/{service.id}/"),
            client.get(f"/servicedesk/{service.id}/dispatch/"),
            client.get(f"/servicedesk/{service.id}/guards/"),
            client.post(f"/servicedesk/{service.id}/dispatch/",
                        data={"csrf_token": token, "employments": [str(guard.id)],
                              "start_date": "2024-03-01"}),
            client.post(f"/servicedesk/{service.id}/end/", data={"csrf_token": token}),
            client.post(f"/servicedesk/dispatch/{created[0].id}/end/",
                        data={"csrf_token": token})):
        if allowed and username != "police_nb":
            assert response.status_code == 404
        elif username == "police_nb":
            assert response.status_code in (200, 302)
        else:
            assert response.status_code in (302, 401, 403, 404)
    db_session.expire_all()
    if username != "police_nb":
        assert db_session.get(Service, service.id).status == "active"
        assert db_session.get(Dispatch, created[0].id).end_date is None
