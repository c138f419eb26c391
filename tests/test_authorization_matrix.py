"""Authorization matrix: every role × every page and REST endpoint × a record of another
unit / jurisdiction answers 404 (or, where the role lacks the permission altogether, is
refused); the role's own records answer 200. Lists, exports, lookups and `_info` relation
values never contain the other record.

Expectations are written here independently of app.security.scope: "own" and "foreign"
units follow docs/roles.md (company_hz in 上城区, company_nb in 宁波, police_sc in 上城区 …).
"""
import io
import zipfile

import pytest
from sqlalchemy import func

from app.models import (AnnualReport, Application, BackgroundAlert, Certificate, ChangeLog,
                        CrossProvinceFiling,
                        ConductRecord, Dispatch, Employment, EquipmentIssue, ExamResult,
                        IdentityCheck, Incident, Inspection, Investor, Person, PoliceAssistance,
                        Service, SocialRelation, TemporaryEvent, TrainingRecord, Unit, UnitAsset,
                        UnitChange, UnitDocument, WorkExperience)
from app.models.credit import CreditGrade
from app.security.roles import UNIT_ROLES, verbs_of
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
    "UnitDocument": ("unitdocumentview", "unit_document", UnitDocument),
    "Investor": ("investorview", "investor", Investor),
    "Incident": ("incidentview", "incident", Incident),
    "Inspection": ("inspectionview", "inspection", Inspection),
    "UnitAsset": ("unitassetview", "unit_asset", UnitAsset),
    "TemporaryEvent": ("temporaryeventview", "temporary_event", TemporaryEvent),
    "AnnualReport": ("annualreportview", "annual_report", AnnualReport),
    "UnitChange": ("unitchangeview", "unit_change", UnitChange),
    "IdentityCheck": ("identitycheckview", "identity_check", IdentityCheck),
    "BackgroundAlert": ("backgroundalertview", "background_alert", BackgroundAlert),
    # 人员管理: active staff of one role
    "Guard": ("guardlistview", "guard", Employment),
    "PartTimeGuard": ("parttimeguardlistview", "part_time_guard", Employment),
    "OtherStaff": ("otherstafflistview", "other_staff", Employment),
    "Student": ("studentlistview", "student", Employment),
    "Instructor": ("instructorlistview", "instructor", Employment),
    # person-owned records (tabs of the person's page)
    "SocialRelation": ("socialrelationview", "social_relation", SocialRelation),
    "EquipmentIssue": ("equipmentissueview", "equipment_issue", EquipmentIssue),
    "PoliceAssistance": ("policeassistanceview", "police_assistance", PoliceAssistance),
    "ExamResult": ("examresultview", "exam_result", ExamResult),
    "TrainingRecord": ("trainingrecordview", "training_record", TrainingRecord),
    "WorkExperience": ("workexperienceview", "work_experience", WorkExperience),
    "Application": ("applicationview", "application", Application),
    "CrossProvinceFiling": ("crossprovincefilingview", "cross_province_filing",
                            CrossProvinceFiling),
}
# Records a unit owns directly (unit_id): one of each per account unit in the demo data.
UNIT_OWNED = ("UnitDocument", "Investor", "Incident", "Inspection", "UnitAsset",
              "TemporaryEvent", "AnnualReport", "UnitChange", "IdentityCheck", "BackgroundAlert",
              "CrossProvinceFiling")
# Screening cases and alerts change only through their actions (tests/test_screening.py):
# the generic edit form and PUT answer 403 even to roles that may act on them.
ACTION_ONLY = ("IdentityCheck", "BackgroundAlert")
ROLE_LISTS = {"Guard": "guard", "PartTimeGuard": "part_time_guard", "OtherStaff": "other_staff",
              "Student": "student", "Instructor": "instructor"}
PERSON_RECORDS = ("SocialRelation", "EquipmentIssue", "PoliceAssistance", "ExamResult",
                  "TrainingRecord", "WorkExperience")
# Only training schools have students and instructors, and they have no guards.
SCHOOL_ONLY, NOT_AT_SCHOOL = ("Student", "Instructor"), ("Guard", "PartTimeGuard")


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
        for resource in PERSON_RECORDS:
            model = RESOURCES[resource][2]
            row = session.query(model.id).filter_by(person_id=person.id).order_by(model.id).first()
            if row:
                records[resource] = row[0]
    for resource, role in ROLE_LISTS.items():
        row = (session.query(Employment.id).filter_by(unit_id=unit.id, role=role, end_date=None)
               .order_by(Employment.id).first())
        if row:
            records[resource] = row[0]
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
    for resource in UNIT_OWNED:
        model = RESOURCES[resource][2]
        row = session.query(model.id).filter_by(unit_id=unit.id).order_by(model.id).first()
        if row:
            records[resource] = row[0]
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
    # Written by the system (ORM events, unit-change service, exam system) or changed only
    # through the review desk's state machine (applications): read-only for every role.
    if resource in ("ChangeLog", "UnitChange", "ExamResult", "Application",
                    "CrossProvinceFiling"):
        verbs = tuple(v for v in verbs if v in ("read", "export"))
    if resource in ACTION_ONLY:
        verbs = tuple(v for v in verbs if v in ("read", "export"))
    return verbs


def _denied(response):
    """FAB refuses a missing permission with a redirect to login (pages) or 403 (REST); a
    resource that does not offer a method at all answers 405."""
    return response.status_code in (302, 401, 403, 405)


def _exists(app, model, pk):
    from app.extensions import db
    with app.app_context():
        return db.session.get(model, pk) is not None


def _related_tabs(app, page):
    """The names of the lists a record page shows as tabs (each with its own URL)."""
    view = next(v for v in app.appbuilder.baseviews if v.endpoint.lower() == page)
    return [type(related).__name__ for related in getattr(view, "_related_views", [])]


CASES = [(user, resource) for user in USERS for resource in RESOURCES]
# The province admin and the association see every unit: nobody's record is foreign to them
# (the association's refused writes are covered in test_security).
# No unit foreign to anyone is a school: the school-only lists are checked in
# test_school_lists_are_404_outside_scope instead.
FOREIGN_CASES = [(u, r) for u, r in CASES if u not in ("admin", "association")
                 and r not in SCHOOL_ONLY]
# Client units and schools provide no services, so they own no services or dispatches;
# schools have no guards, and only schools have students and instructors; only companies
# file cross-province service (跨省备案).
OWN_CASES = [(u, r) for u, r in CASES
             if not (u in ("client_hz", "school_hz") and r in ("Service", "Dispatch"))
             and not (u in ("selfhire_hz", "client_hz", "school_hz")
                      and r == "CrossProvinceFiling")
             and not (u == "school_hz" and r in ACTION_ONLY + NOT_AT_SCHOOL)
             and not (u != "school_hz" and r in SCHOOL_ONLY)]


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
    # The record page's tabs load from their own URLs (lazy tabs), the unit page's panes too,
    # and a person's photo has its page route and REST route.
    for name in _related_tabs(app, page):
        expect(client.get(f"/{page}/show/{pk}/tab/{name}"), "read")
    if resource == "Unit":
        expect(client.get(f"/unitview/show/{pk}/pane/documents"), "read")
    if resource == "Person":
        expect(client.get(f"/personview/photo/{pk}"), "read")
        expect(caller.get(f"/api/v1/person/{pk}/photo"), "read")
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
    if resource == "Unit":  # the pane the foreign check asks for exists on an own unit
        assert client.get(f"/unitview/show/{pk}/pane/documents").status_code == 200
    if ROLE_OF[user] in UNIT_ROLES and _police_kind(app, resource, pk):
        # Reachable, but the police's record: read-only to the unit (tests/test_authority_matrix.py).
        verbs = tuple(v for v in verbs if v != "edit")
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


# Kinds of record the police author (docs/authority.md), written here independently of the models'
# declarations.
POLICE_KINDS = {"ConductRecord": ("violation", "commendation"), "Inspection": ("supervisory",),
                "Certificate": ("guard", "firearm_permit")}


def _police_kind(app, resource, pk):
    from app.extensions import db
    if resource not in POLICE_KINDS:
        return False
    model = RESOURCES[resource][2]
    with app.app_context():
        return db.session.get(model, pk).kind in POLICE_KINDS[resource]


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


# The 服务（对象）单位 pages and the REST end actions (app.views.dispatch): the
# service and dispatch rows of the matrix, reached through their custom URLs.
DESK_CASES = [u for u in USERS if u not in ("admin", "association")]


@pytest.mark.parametrize("user", DESK_CASES)
def test_service_desk_foreign_service_is_404(app, matrix, client_for, api, user):
    service, dispatch = (matrix[user]["foreign"].get("Service"),
                         matrix[user]["foreign"].get("Dispatch"))
    assert service and dispatch, "the demo data must hold a foreign service and dispatch"
    readable = "read" in _verbs(user, "Service")
    client, caller = client_for(user), api(user)
    token = csrf_token(client, "/")
    from app.extensions import db

    def state():
        with app.app_context():
            return (db.session.get(Service, service).status,
                    db.session.get(Service, service).end_date,
                    db.session.get(Dispatch, dispatch).end_date)

    before = state()

    def expect(response):
        if readable:
            assert response.status_code == 404, response.status_code
        else:
            assert _denied(response) or response.status_code == 404, response.status_code

    expect(client.get(f"/servicedesk/{service}/"))
    expect(client.get(f"/servicedesk/{service}/dispatch/"))
    expect(client.get(f"/servicedesk/{service}/guards/"))
    expect(client.post(f"/servicedesk/{service}/dispatch/",
                       data={"csrf_token": token, "start_date": "2025-01-01"}))
    expect(client.post(f"/servicedesk/{service}/end/", data={"csrf_token": token}))
    expect(client.post(f"/servicedesk/dispatch/{dispatch}/end/", data={"csrf_token": token}))
    expect(client.get(f"/servicedesk/list/?unit={matrix[user]['foreign']['Unit']}"))
    expect(caller.post(f"/api/v1/service/{service}/end", json={}))
    expect(caller.post(f"/api/v1/dispatch/{dispatch}/end", json={}))
    assert state() == before, "a refused request must not change anything"


@pytest.mark.parametrize("user", [u for u in USERS if u not in ("client_hz", "school_hz")])
def test_service_desk_own_service_is_reachable(matrix, client_for, user):
    service = matrix[user]["own"].get("Service")
    client = client_for(user)
    assert client.get(f"/servicedesk/{service}/").status_code == 200
    listing = client.get(f"/servicedesk/list/?status=all&unit={matrix[user]['own']['Unit']}")
    assert listing.status_code == 200
    assert f'data-service="{service}"' in listing.get_data(as_text=True)
    page = client.get(f"/servicedesk/{service}/dispatch/")
    if "edit" in _verbs(user, "Service"):
        assert page.status_code == 200
    else:
        assert _denied(page)


@pytest.mark.parametrize("user", ["client_hz", "school_hz"])
def test_service_desk_refused_without_service_permission(client_for, user):
    assert _denied(client_for(user).get("/servicedesk/list/"))


@pytest.mark.parametrize("user", ["company_hz", "police_nb", "police_sc", "client_hz"])
@pytest.mark.parametrize("resource", SCHOOL_ONLY)
def test_school_lists_are_404_outside_scope(app, matrix, client_for, api, user, resource):
    """A student or instructor of school_hz (杭州) is unreachable for users outside it."""
    pk = matrix["school_hz"]["own"][resource]
    page, rest, model = RESOURCES[resource]
    client, caller = client_for(user), api(user)
    for response in (client.get(f"/{page}/show/{pk}"), client.get(f"/{page}/resign/{pk}"),
                     caller.get(f"/api/v1/{rest}/{pk}"),
                     caller.put(f"/api/v1/{rest}/{pk}", json={})):
        assert response.status_code == 404 or _denied(response), response.status_code
    ids = _listed(caller, rest)[1] if "read" in _verbs(user, resource) else set()
    assert pk not in ids


# 背景审查待完成 (app.views.screening.BackgroundPendingView): a queue page over
# IdentityCheck without a REST resource of its own. The own and the foreign case of the
# matrix are put into "identity passed, background check pending" for the test.
@pytest.mark.parametrize("user", [u for u in USERS if u != "school_hz"])
def test_background_pending_list_is_scoped(app, matrix, client_for, user):
    from app.extensions import db
    own, foreign = (matrix[user]["own"].get("IdentityCheck"),
                    matrix[user]["foreign"].get("IdentityCheck"))
    assert own is not None
    pks = [pk for pk in (own, foreign) if pk is not None]
    with app.app_context():
        saved = {pk: (c.state, c.background_state) for pk in pks
                 for c in [db.session.get(IdentityCheck, pk)]}
        for pk in pks:
            case = db.session.get(IdentityCheck, pk)
            case.state, case.background_state = "passed", "pending"
        db.session.commit()
    try:
        client = client_for(user)
        listing = client.get("/backgroundpendingview/list/",
                             query_string={"psize_BackgroundPendingView": 100})
        assert listing.status_code == 200
        html = listing.get_data(as_text=True)
        assert f"/backgroundpendingview/show/{own}\"" in html
        assert client.get(f"/backgroundpendingview/show/{own}").status_code == 200
        if foreign is not None:
            assert f"/backgroundpendingview/show/{foreign}\"" not in html
            assert client.get(f"/backgroundpendingview/show/{foreign}").status_code == 404
            export = client.get("/backgroundpendingview/export/")
            assert export.status_code == 200
            with app.app_context():
                foreign_name = db.session.get(IdentityCheck, foreign).person.name
            assert foreign_name not in _xlsx_text(export.data)
    finally:
        with app.app_context():
            for pk, (state, background) in saved.items():
                case = db.session.get(IdentityCheck, pk)
                case.state, case.background_state = state, background
            db.session.commit()


# 电子保安员证 and the licence's e-copy (app/views/register.py): the permission ECertificate
# (police and unit roles, not the association) and the one scope (404 outside it).
def _printable_certificate(session, unit):
    """A valid guard certificate of someone working at `unit` only, now."""
    elsewhere = session.query(Employment.person_id).filter(Employment.unit_id != unit.id)
    row = (session.query(Certificate.id)
           .join(Employment, Employment.person_id == Certificate.person_id)
           .filter(Employment.unit_id == unit.id, Employment.end_date.is_(None),
                   Certificate.kind == "guard", Certificate.status == "valid",
                   ~Certificate.person_id.in_(elsewhere))
           .order_by(Certificate.id).first())
    return row[0] if row else None


@pytest.mark.parametrize("user", USERS)
def test_e_certificates_follow_the_scope(app, matrix, client_for, user):
    from app.extensions import db
    with app.app_context():
        own_unit = db.session.get(Unit, matrix[user]["own"]["Unit"])
        own = _printable_certificate(db.session, own_unit)
        own_licensed = own_unit.kind in ("company", "training") and own_unit.licence_number
        foreign_id = matrix[user]["foreign"].get("Unit")
        foreign = _printable_certificate(db.session, db.session.get(Unit, foreign_id)) \
            if foreign_id else None
    client = client_for(user)
    may = "read" in verbs_of(ROLE_OF[user], "ECertificate")
    assert may == (user != "association")
    if own is not None:
        response = client.get(f"/ecert/certificate/{own}")
        assert response.status_code == 200 if may else _denied(response)
    if own_licensed:
        response = client.get(f"/ecert/unit/{own_unit.id}/licence")
        assert response.status_code == 200 if may else _denied(response)
    if foreign_id is None:
        return
    assert foreign is not None, "the demo data must hold a foreign guard certificate"
    for url in (f"/ecert/certificate/{foreign}", f"/ecert/certificate/{foreign}/pdf",
                f"/ecert/unit/{foreign_id}/licence", f"/ecert/unit/{foreign_id}/licence/pdf",
                f"/ecert/unit/{foreign_id}/guards/pdf"):
        response = client.get(url)
        assert response.status_code == 404 if may else _denied(response), url


@pytest.fixture(scope="module")
def others_items(app):
    """A finished job and a personal 待办 of each of two users (for 'someone else's')."""
    from app.extensions import db
    from app.models import AppUser, Job, Todo
    from app.models.base import utcnow
    made = {}
    with app.app_context():
        for owner in ("company_hz", "police_nb"):
            user = db.session.query(AppUser).filter_by(username=owner).one()
            job = Job(kind="export", user_id=user.id, state="done", params="{}",
                      result_path=None, finished_at=utcnow())
            todo = Todo(kind="job_done", key=f"matrix:{owner}", audience="user",
                        user_id=user.id, title="matrix")
            db.session.add_all([job, todo])
            db.session.flush()
            made[owner] = (job.id, todo.id)
        db.session.commit()
    return made


@pytest.mark.parametrize("user", USERS)
def test_someone_elses_job_and_todo_are_404(client_for, others_items, user):
    owner = "police_nb" if user == "company_hz" else "company_hz"
    job_id, todo_id = others_items[owner]
    client = client_for(user)
    for url in (f"/jobs/{job_id}/status", f"/jobs/{job_id}/download", f"/todos/{todo_id}/open"):
        assert client.get(url).status_code == 404, (user, url)

# ------------------------------------------------------------------ Excel import (issue 17)

def _import_file():
    """Any workbook: the unit is checked before the file is read."""
    import openpyxl
    book = openpyxl.Workbook()
    book.active.append(["身份证号码", "姓名", "开始日期"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("resource", sorted(ROLE_LISTS))
def test_import_into_a_foreign_unit_is_404(app, matrix, client_for, api, user, resource):
    """【下载导入模板】, 【导入】 and POST /api/v1/<list>/import name a unit outside the user's
    write scope: 404 (or refused without the list's add permission); nothing is logged. The
    association, which writes nowhere, is refused or answered 404 for its "own" unit too."""
    from app.extensions import db
    from app.models import StaffImport
    page, rest, _model = RESOURCES[resource]
    target = matrix[user]["foreign"].get("Unit") or (
        matrix[user]["own"]["Unit"] if user == "association" else None)
    if target is None:
        pytest.skip("the province admin has no unit outside his scope")
    with app.app_context():
        before = db.session.query(StaffImport).count()
    may_add = "add" in _verbs(user, resource)
    client, caller = client_for(user), api(user)

    def expect(response):
        if may_add and user != "association":
            assert response.status_code == 404, (user, resource, response.status_code)
        else:
            assert _denied(response) or response.status_code == 404, response.status_code

    expect(client.get(f"/{page}/import/template?unit={target}"))
    expect(client.get(f"/{page}/import/?unit={target}"))
    expect(client.post(f"/{page}/import/", data={
        "csrf_token": csrf_token(client, "/"), "unit": str(target), "file": (io.BytesIO(_import_file()), "x.xlsx")},
        content_type="multipart/form-data"))
    expect(caller.post(f"/api/v1/{rest}/import", data={
        "unit_id": str(target), "file": (io.BytesIO(_import_file()), "x.xlsx")},
        content_type="multipart/form-data"))
    with app.app_context():
        assert db.session.query(StaffImport).count() == before


@pytest.mark.parametrize("user", [u for u in USERS if u != "association"])
@pytest.mark.parametrize("resource", sorted(ROLE_LISTS))
def test_import_template_of_own_unit(matrix, client_for, user, resource):
    """Where the user may add to the list, its own unit's template downloads."""
    page = RESOURCES[resource][0]
    response = client_for(user).get(
        f"/{page}/import/template?unit={matrix[user]['own']['Unit']}")
    if "add" in _verbs(user, resource):
        assert response.status_code == 200 and response.data.startswith(b"PK")
    else:
        assert _denied(response) or response.status_code == 404


# ------------------------------------------------------------ 信用评价 (docs/credit.md)

@pytest.mark.parametrize("user", USERS)
def test_credit_pages_follow_the_scope(app, matrix, client_for, api, user):
    """The 信用评价 tab: own unit 200, foreign 404; 【重新计算】: police of the jurisdiction
    only (others 403, a foreign unit 404); the ranking: police, admin and association, in
    scope; the credit platform's export: the province admin (and the platform key) only."""
    from app.extensions import db
    from app.services import credit
    with app.app_context():
        if not db.session.query(CreditGrade).count():
            credit.recompute(db.session)
            db.session.commit()
        foreign_name = matrix[user]["foreign_name"]
    client = client_for(user)
    own, foreign = matrix[user]["own"]["Unit"], matrix[user]["foreign"].get("Unit")
    token = csrf_token(client, f"/unitview/show/{own}")
    assert client.get(f"/credit/unit/{own}").status_code == 200
    police = ROLE_OF[user] in ("province_admin", "city_police", "district_police")
    if foreign:
        assert client.get(f"/credit/unit/{foreign}").status_code == 404
        response = client.post(f"/credit/recompute/{foreign}", data={"csrf_token": token})
        assert response.status_code == (404 if police else 403)
    response = client.post(f"/credit/recompute/{own}", data={"csrf_token": token})
    assert response.status_code == (302 if police else 403)
    ranking = client.get("/credit/ranking/")
    export = client.get("/credit/ranking/export")
    if ROLE_OF[user] in UNIT_ROLES:
        assert _denied(ranking) and _denied(export)
    else:
        assert ranking.status_code == 200 and export.status_code == 200
        if foreign_name:
            assert foreign_name not in ranking.get_data(as_text=True)
    expected = 200 if user == "admin" else 403
    assert api(user).get("/api/v1/credit_export/").status_code == expected

# 统计分析 (app/views/home.py, app/views/reports.py): the dashboard's drill-down lists and the
# report's tables and exports hold the scope; a figure's address naming someone else's
# unit or region shows nothing of it (docs/dashboard.md).
REPORT_ROLES = ("admin", "association", "police_hz", "police_nb", "police_sc")


def _record_count(html):
    import re
    match = re.search(r"<strong>[^<]*:</strong>\s*(\d+)", html)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("user", USERS)
def test_dashboard_drill_down_holds_the_scope(app, matrix, client_for, user):
    from app.extensions import db
    from app.services import dashboard
    with app.app_context():
        dashboard.refresh(db.session)
        db.session.commit()
    client = client_for(user)
    home = client.get("/")
    assert home.status_code == 200
    foreign = matrix[user]["foreign"].get("Unit")
    if foreign is None:
        return
    with app.app_context():
        unit = db.session.get(Unit, foreign)
        name, region = unit.name, unit.region_code
    assert name not in home.get_data(as_text=True)
    for figure in ("staff:guard", "unit_kind:company", "dispatch_tier:1", "certified"):
        model_list = {"staff": "employmentview", "unit_kind": "unitview",
                      "dispatch_tier": "dispatchview", "certified": "employmentview"}[
            figure.split(":")[0]]
        for area in (f"u{foreign}", region, region[:4]):
            response = client.get(f"/{model_list}/list/",
                                  query_string={"figure": figure, "area": area})
            if _denied(response):
                continue
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert name not in html, (figure, area)
            if area == f"u{foreign}":
                assert _record_count(html) == 0, (figure, area)


@pytest.mark.parametrize("user", USERS)
def test_stats_report_holds_the_scope(app, matrix, client_for, user):
    client = client_for(user)
    page, export = client.get("/stats/report/"), client.get("/stats/report/export/")
    if user not in REPORT_ROLES:
        assert _denied(page) or page.status_code == 404
        assert _denied(export) or export.status_code == 404
        return
    assert page.status_code == 200 and export.status_code == 200
    foreign = matrix[user]["foreign"].get("Unit")
    if foreign is not None:
        from app.extensions import db
        with app.app_context():
            region = db.session.get(Unit, foreign).region_code
        for asked in (region, region[:4]):
            if asked.startswith(("3301" if user == "police_hz" else
                                 "3302" if user == "police_nb" else "330102")):
                continue
            assert client.get("/stats/report/", query_string={"region": asked}) \
                .status_code == 404
            assert client.get("/stats/report/export/", query_string={"region": asked}) \
                .status_code == 404
    text = _xlsx_text(export.data)
    import re
    assert not re.search(r"\b\d{17}[\dXx]\b", text)     # no ID number, masked or not
