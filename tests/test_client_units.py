"""Client units (客户单位) of self-hiring units: created by the police until the filing
exists, they show the self-hiring unit's information; guards their user adds are staff of
the self-hiring unit too, which dispatches them to its services (also at its client units)."""
import datetime as dt

import pytest

from app.models import AppUser, Dispatch, Employment, Person, Service, TargetCategory, Unit
from tests.conftest import csrf_token
from tests.helpers import fresh_id_number, page_with_tabs, unique_name


def _unit(session, username):
    return session.query(AppUser).filter_by(username=username).one().unit


def test_police_create_a_client_unit_for_a_self_hiring_unit(client_for, db_session):
    selfhire = _unit(db_session, "selfhire_hz")
    client = client_for("police_hz")
    name = unique_name("杭州客户单位")
    response = client.post("/unitview/add", data={
        "csrf_token": csrf_token(client, "/unitview/add"), "name": name, "kind": "client",
        "parent": str(selfhire.id), "region": selfhire.region_code, "address": "文一路1号"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    unit = db_session.query(Unit).filter_by(name=name).one()
    assert unit.kind == "client" and unit.parent_id == selfhire.id


def test_a_client_unit_needs_a_self_hiring_parent(client_for, db_session):
    company = _unit(db_session, "company_hz")
    client = client_for("police_hz")
    name = unique_name("错误客户单位")
    response = client.post("/unitview/add", data={
        "csrf_token": csrf_token(client, "/unitview/add"), "name": name, "kind": "client",
        "parent": str(company.id), "region": company.region_code})
    assert response.status_code == 200 and "自招" in response.get_data(as_text=True)
    assert db_session.query(Unit).filter_by(name=name).count() == 0


@pytest.mark.parametrize("username", ["client_hz", "selfhire_hz", "police_hz"])
def test_client_unit_page_shows_the_self_hiring_units_information(client_for, db_session,
                                                                  username):
    unit = _unit(db_session, "client_hz")
    html = client_for(username).get(f"/unitview/show/{unit.id}").get_data(as_text=True)
    assert "inherited-overview" in html
    assert unit.parent.name in html and unit.parent.credit_code in html


def test_no_inherited_panel_on_other_units(client_for, db_session):
    unit = _unit(db_session, "company_hz")
    html = client_for("company_hz").get(f"/unitview/show/{unit.id}").get_data(as_text=True)
    assert "inherited-overview" not in html


def test_guard_added_by_the_client_unit_is_dispatched_by_the_self_hiring_unit(
        app, client_for):
    """Two users' requests in one test: no app context is held across them (requests
    inside an outer app context would share `g`, and with it the signed-in user)."""
    from app.extensions import db

    def read(fn):
        with app.app_context():
            return fn(db.session)

    client_unit_id = read(lambda s: _unit(s, "client_hz").id)
    clerk = client_for("client_hz")
    number = fresh_id_number("male", year=1990)
    response = clerk.post("/personview/add", data={
        "csrf_token": csrf_token(clerk, "/personview/add"), "id_number": number,
        "name": unique_name("客保"), "employment_unit": str(client_unit_id),
        "employment_role": "guard", "employment_start": "2024-04-01",
        "registry_confirmed": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    person_id, person_name = read(lambda s: s.query(Person.id, Person.name).filter_by(
        id_number=number).one())
    emp_id, emp_unit, emp_role = read(lambda s: s.query(
        Employment.id, Employment.unit_id, Employment.role).filter_by(person_id=person_id).one())
    assert emp_unit == client_unit_id and emp_role == "guard"
    # The self-hiring unit offers the guard on its 派驻 form and posts them to a service
    # at its client unit.
    selfhire = client_for("selfhire_hz")
    category_id = read(lambda s: s.query(TargetCategory.id).filter_by(tier=2).first()[0])
    response = selfhire.post("/servicedesk/add/", data={
        "csrf_token": csrf_token(selfhire, "/servicedesk/add/"), "unit": str(client_unit_id),
        "target_name": unique_name("客户驻点"), "target_category": str(category_id),
        "start_date": "2024-04-01"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    service_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert read(lambda s: s.get(Service, service_id).unit_id) == client_unit_id
    offered = selfhire.get(f"/servicedesk/{service_id}/guards/",
                           query_string={"q": person_name}).json["results"]
    assert [r["id"] for r in offered] == [emp_id]
    response = selfhire.post(f"/servicedesk/{service_id}/dispatch/", data={
        "csrf_token": csrf_token(selfhire, f"/servicedesk/{service_id}/dispatch/"),
        "employments": [str(emp_id)], "start_date": "2024-04-02", "post": "门岗",
        # Issue 14 (11): the new guard has no photo, their identity verification failed:
        # the clerk confirms dispatching them.
        "confirm_unverified": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    unit_id, end = read(lambda s: s.query(Dispatch.unit_id, Dispatch.end_date).filter_by(
        employment_id=emp_id).one())
    assert unit_id == client_unit_id and end is None


def test_self_hiring_add_form_offers_its_client_units(client_for, db_session):
    html = client_for("selfhire_hz").get("/servicedesk/add/").get_data(as_text=True)
    assert _unit(db_session, "client_hz").name in html
    assert _unit(db_session, "selfhire_hz").name in html


def _pane(html, key):
    start = html.index(f'id="pane-{key}"')
    end = html.find('<div id="pane-', start + 1)
    return html[start:end if end > 0 else len(html)]


def _active_guards(session, unit):
    return {e.person_id: e.person.name for e in session.query(Employment).filter_by(
        unit_id=unit.id, role="guard", end_date=None)}


@pytest.mark.parametrize("username", ["selfhire_hz", "police_hz"])
def test_self_hiring_units_staff_include_its_client_units_guards(app, client_for, username):
    """新增的保安员会自动同步到自招单位中: the self-hiring unit's guard tab and its guard list
    show the client unit's guards (with the client unit's name), from the one employment."""
    from app.extensions import db
    with app.app_context():
        selfhire, client_unit = (_unit(db.session, "selfhire_hz"),
                                 _unit(db.session, "client_hz"))
        ids = (selfhire.id, client_unit.id, selfhire.name, client_unit.name)
        own, clients = _active_guards(db.session, selfhire), _active_guards(db.session,
                                                                            client_unit)
        employments = db.session.query(Employment).filter(
            Employment.person_id.in_(clients), Employment.role == "guard",
            Employment.end_date.is_(None)).count()
    selfhire_id, client_id, selfhire_name, client_name = ids
    assert clients and own
    assert employments == len(clients)           # no second employment at the self-hiring unit
    user = client_for(username)
    html = page_with_tabs(user, f"/unitview/show/{selfhire_id}?psize_GuardListView=100")
    pane = _pane(html, "staff-guard")
    for person_id in list(own) + list(clients):
        assert f'href="/personview/show/{person_id}"' in pane, person_id
    assert client_name in pane
    # The client unit's own page lists its own guards only.
    client_pane = _pane(page_with_tabs(user, f"/unitview/show/{client_id}"), "staff-guard")
    assert selfhire_name not in client_pane
    assert all(f'href="/personview/show/{person_id}"' not in client_pane for person_id in own)
    assert all(f'href="/personview/show/{person_id}"' in client_pane for person_id in clients)
    # The guard list filtered by the self-hiring unit's name includes the client's guards.
    listing = user.get("/guardlistview/list/", query_string={
        "unit": selfhire_name, "psize_GuardListView": 100}).get_data(as_text=True)
    for name in list(own.values()) + list(clients.values()):
        assert name in listing, name
    assert client_name in listing


def test_certificate_holdings_of_a_self_hiring_unit_count_its_client_units_guards(db_session):
    from app.models import Certificate
    from app.security.scope import Scope
    from app.services import unit_pages
    selfhire, client_unit = _unit(db_session, "selfhire_hz"), _unit(db_session, "client_hz")
    everyone = Scope(read_all=True, write_all=True)

    def holders(unit_ids):
        return {kind: db_session.query(Certificate.person_id).join(
            Employment, Employment.person_id == Certificate.person_id).filter(
            Employment.unit_id.in_(unit_ids), Employment.end_date.is_(None),
            Certificate.status == "valid", Certificate.kind == kind).distinct().count()
            for kind, _n in unit_pages.certificate_counts(db_session, selfhire.id, everyone)}
    expected = holders([selfhire.id, client_unit.id])
    assert expected["guard"] > holders([selfhire.id])["guard"]   # the client unit adds some
    assert dict(unit_pages.certificate_counts(db_session, selfhire.id, everyone)) == expected
    assert dict(unit_pages.certificate_counts(db_session, client_unit.id, everyone)) == \
        {k: v for k, v in holders([client_unit.id]).items()}
