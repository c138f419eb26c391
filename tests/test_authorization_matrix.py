"""Authorization matrix: every role × every page and REST endpoint × a record of another
unit / jurisdiction answers 404 (or, where the role lacks the permission altogether, is
refused); the role's own records answer 200. Lists, exports, lookups and `_info` relation
values never contain the other record.

Expectations are written here independently of app.security.scope: "own" and "foreign"
units follow DESIGN §1 and §6 (company_hz in 上城区, company_nb in 宁波, police_sc in 上城区 …).
"""
import io
import zipfile

import pytest
from sqlalchemy import func

from app.models import (Application, Certificate, ChangeLog, ConductRecord, Dispatch, Employment, Person,
                        Service, Unit)
from app.security.roles import verbs_of
from tests.conftest import csrf_token

USERS = ["admin", "police_hz", "police_nb", "police_sc", "company_hz", "company_nb",
         "selfhire_hz", "client_hz", "school_hz", "association"]
ROLE_OF = {"admin": "province_admin", "police_hz": "city_police", "police_nb": "city_police",
           "police_sc": "district_police", "company_hz": "company_user",
           "company_nb": "company_user", "selfhire_hz": "self_hire_user",
           "client_hz": "client_unit_user", "school_hz": "training_user",
           "association": "association"}
# resource → (page endpoint, REST resource, model)
RESOURCES = {
    "Unit": ("unitview", "unit", Unit),
    "Person": ("personview", "person", Person),
    "Employment": ("employmentview", "employment", Employment),
    "Certificate": ("certificateview", "certificate", Certificate),
    "Service": ("serviceview", "service", Service),
    "Dispatch": ("dispatchview", "dispatch", Dispatch),
    "ChangeLog": ("changelogview", "change_log", ChangeLog),
    "ConductRecord": ("conductrecordview", "conduct_record", ConductRecord),
    "Application": ("applicationview", "application", Application),
}


def _unit_of(session, username):
    from app.models import AppUser
    return session.query(AppUser).filter_by(username=username).one().unit


def _binjiang_company(session):
    """A Hangzhou company outside 上城区: police_hz sees it, police_sc does not."""
    return (session.query(Unit).filter(Unit.kind == "company", Unit.region_code.like("3301%"),
                                       Unit.region_code != "330102").order_by(Unit.id).first())


def _exclusive_active_person(session, unit):
    """A person whose every employment is at `unit`, active there (so in and only in its scope)."""
    others = session.query(Employment.person_id).filter(Employment.unit_id != unit.id)
    return (session.query(Person).join(Employment, Employment.person_id == Person.id)
            .filter(Employment.unit_id == unit.id, Employment.end_date.is_(None),
                    ~Person.id.in_(others))
            .order_by(Person.id).first())


def _records_of(session, unit):
    person = _exclusive_active_person(session, unit)
    records = {"Unit": unit.id}
    if person is not None:
        records["Person"] = person.id
        records["Employment"] = session.query(Employment.id).filter_by(
            person_id=person.id, unit_id=unit.id).scalar()
        cert = (session.query(Certificate.id).join(Person)
                .filter(Person.id.in_(session.query(Employment.person_id).filter(
                    Employment.unit_id == unit.id, Employment.end_date.is_(None),
                    ~Employment.person_id.in_(session.query(Employment.person_id).filter(
                        Employment.unit_id != unit.id)))))
                .order_by(Certificate.id).first())
        if cert:
            records["Certificate"] = cert[0]
    service = session.query(Service.id).filter_by(unit_id=unit.id).order_by(Service.id).first()
    if service:
        records["Service"] = service[0]
    dispatch = session.query(Dispatch.id).filter_by(unit_id=unit.id).order_by(Dispatch.id).first()
    if dispatch:
        records["Dispatch"] = dispatch[0]
    conduct = (session.query(ConductRecord.id).filter_by(unit_id=unit.id)
               .order_by(ConductRecord.id).first())
    if conduct:
        records["ConductRecord"] = conduct[0]
    application = (session.query(Application.id).filter_by(unit_id=unit.id)
                   .order_by(Application.id).first())
    if application:
        records["Application"] = application[0]
    log = session.query(func.min(ChangeLog.id)).filter(ChangeLog.entity == "unit",
                                                       ChangeLog.entity_id == unit.id).scalar()
    if log:
        records["ChangeLog"] = log
    return records


@pytest.fixture(scope="module")
def matrix(app):
    from app.extensions import db
    with app.app_context():
        session = db.session
        hz, nb = _unit_of(session, "company_hz"), _unit_of(session, "company_nb")
        binjiang = _binjiang_company(session)
        assert binjiang is not None and hz.region_code == "330102"
        foreign = {u: nb for u in USERS}
        foreign.update(police_nb=hz, company_nb=hz, police_sc=binjiang, admin=None,
                       association=None)
        own = {u: _unit_of(session, u) for u in ("company_hz", "company_nb", "selfhire_hz",
                                                 "client_hz", "school_hz")}
        own.update(police_hz=hz, police_nb=nb, police_sc=hz, admin=nb, association=hz)
        cache = {}

        def records(unit):
            if unit.id not in cache:
                cache[unit.id] = _records_of(session, unit)
            return cache[unit.id]

        return {user: {"own": records(own[user]),
                       "foreign": records(foreign[user]) if foreign[user] else {},
                       "foreign_name": foreign[user].name if foreign[user] else None}
                for user in USERS}


def _verbs(user, resource):
    verbs = verbs_of(ROLE_OF[user], resource)
    # The change log is written by ORM events only, applications change only through the
    # review desk's state machine: both read-only resources for every role.
    if resource in ("ChangeLog", "Application"):
        verbs = tuple(v for v in verbs if v in ("read", "export"))
    return verbs


def _denied(response):
    """FAB refuses a missing permission with a redirect to login (pages) or 403 (REST)."""
    return response.status_code in (302, 401, 403)


def _exists(app, model, pk):
    from app.extensions import db
    with app.app_context():
        return db.session.get(model, pk) is not None


CASES = [(user, resource) for user in USERS for resource in RESOURCES]
# The province admin and the association see every unit: nobody's record is foreign to them
# (the association's refused writes are covered in test_security).
FOREIGN_CASES = [(u, r) for u, r in CASES if u not in ("admin", "association")]
# Client units and schools provide no services, so they own no services or dispatches.
OWN_CASES = [(u, r) for u, r in CASES
             if not (u in ("client_hz", "school_hz") and r in ("Service", "Dispatch"))]


@pytest.mark.parametrize("user,resource", FOREIGN_CASES)
def test_foreign_record_is_404_everywhere(app, matrix, client_for, api, user, resource):
    pk = matrix[user]["foreign"].get(resource)
    assert pk is not None, "the demo data must hold a foreign record of every kind"
    page, rest, model = RESOURCES[resource]
    verbs = _verbs(user, resource)
    client, caller = client_for(user), api(user)

    def expect(response, verb):
        if verb in verbs:
            assert response.status_code == 404, (verb, response.status_code)
        else:
            assert _denied(response) or response.status_code == 404, (verb, response.status_code)

    expect(client.get(f"/{page}/show/{pk}"), "read")
    expect(client.get(f"/{page}/edit/{pk}"), "edit")
    token = csrf_token(client, "/")
    expect(client.post(f"/{page}/edit/{pk}", data={"csrf_token": token}), "edit")
    expect(client.post(f"/{page}/delete/{pk}", data={"csrf_token": token}), "delete")
    expect(client.post(f"/{page}/action_post",
                       data={"action": "muldelete", "rowid": [pk], "csrf_token": token}),
           "delete")
    expect(client.post(f"/{page}/action/muldelete/{pk}", data={"csrf_token": token}), "delete")
    expect(caller.get(f"/api/v1/{rest}/{pk}"), "read")
    expect(caller.put(f"/api/v1/{rest}/{pk}", json={}), "edit")
    expect(caller.delete(f"/api/v1/{rest}/{pk}"), "delete")
    assert _exists(app, model, pk), "a refused request must not change anything"


@pytest.mark.parametrize("user,resource", OWN_CASES)
def test_own_record_is_reachable(app, matrix, client_for, api, user, resource):
    pk = matrix[user]["own"].get(resource)
    assert pk is not None, "the demo data must hold an own record of every kind"
    page, rest, _model = RESOURCES[resource]
    verbs = _verbs(user, resource)
    client, caller = client_for(user), api(user)
    assert client.get(f"/{page}/show/{pk}").status_code == 200
    assert caller.get(f"/api/v1/{rest}/{pk}").status_code == 200
    edit = client.get(f"/{page}/edit/{pk}")
    if "edit" in verbs:
        assert edit.status_code == 200
    else:
        assert _denied(edit)
    put = caller.put(f"/api/v1/{rest}/{pk}", json={})
    if "edit" in verbs:
        assert put.status_code == 200, put.get_data(as_text=True)
    else:
        assert _denied(put)


def _listed(caller, rest, walk=True):
    """(count, ids) of the REST list; ids are collected only when `walk` (small tables)."""
    ids, page = set(), 0
    while True:
        response = caller.get(f"/api/v1/{rest}/?q=(page:{page},page_size:100)")
        assert response.status_code == 200, response.get_data(as_text=True)
        ids.update(response.json["ids"])
        if not walk or len(response.json["ids"]) < 100:
            return response.json["count"], ids
        page += 1


@pytest.mark.parametrize("user,resource", CASES)
def test_lists_and_exports_hold_own_not_foreign(matrix, client_for, api, user, resource):
    page, rest, _model = RESOURCES[resource]
    caller = api(user)
    if "read" not in _verbs(user, resource):
        assert _denied(caller.get(f"/api/v1/{rest}/"))
        assert _denied(client_for(user).get(f"/{page}/list/"))
        return
    count, ids = _listed(caller, rest, walk=resource != "ChangeLog")
    own, foreign = matrix[user]["own"].get(resource), matrix[user]["foreign"].get(resource)
    if resource != "ChangeLog":
        if own is not None:
            assert own in ids
        if foreign is not None:
            assert foreign not in ids
    # Page list and exports carry the same rows: compare row counts with the REST list.
    client = client_for(user)
    listing = client.get(f"/{page}/list/")
    assert listing.status_code == 200
    for url in (f"/{page}/export/", f"/api/v1/{rest}/export/"):
        response = (client if url.startswith(f"/{page}") else caller).get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert _xlsx_row_count(response.data) == count, url
        if matrix[user]["foreign_name"] and resource == "Unit":
            assert matrix[user]["foreign_name"] not in _xlsx_text(response.data)


def _xlsx_text(data):
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist()
                       if name.startswith("xl/"))


def _xlsx_row_count(data):
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return sheet.count("<row ") - 1  # minus the header row


@pytest.mark.parametrize("user", [u for u in USERS if u not in ("admin", "association")])
def test_lookups_and_info_offer_no_foreign_unit(matrix, client_for, api, user):
    name = matrix[user]["foreign_name"]
    client = client_for(user)
    found = client.get("/lookup/unit/", query_string={"q": name[:6]}).json["results"]
    assert name not in [r["text"].split("（")[0] for r in found]
    response = api(user).get("/api/v1/employment/_info?q=(keys:!(add_columns))")
    if response.status_code == 200:
        unit_field = next(f for f in response.json["add_columns"] if f["name"] == "unit")
        assert name not in [v["value"] for v in unit_field["values"]]
    else:
        assert _denied(response)
