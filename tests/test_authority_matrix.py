"""Authority matrix: role × record kind × create / change / delete, over REST and the pages.

The expected outcomes are written here from the issue and the regulations (docs/authority.md),
independently of the models' `__authority__` declarations, so a wrong declaration fails. A
unit is `company_hz`; its police are `police_sc` (上城区); `association` writes nothing.
"""
import datetime as dt
import itertools

import pytest
from flask_appbuilder import Model

from app.models import AppUser, ConductRecord, Employment, Person, Unit
from tests.conftest import csrf_token
from tests.helpers import unique_name
from tests.test_authorization_matrix import _exclusive_active_person

UNIT, POLICE = "company_hz", "police_sc"
ALL, NONE = {"create", "change", "delete"}, set()
_years = itertools.count(1991)

# (resource, kind) → (what a unit may do, what the police may do)
EXPECTED = {
    ("conduct_record", "violation"): (NONE, ALL),
    ("conduct_record", "commendation"): (NONE, ALL),
    ("conduct_record", "complaint"): ({"create", "change"}, ALL),
    ("inspection", "supervisory"): (NONE, ALL),
    ("inspection", "safety"): (ALL, ALL),
    ("inspection", "fire"): (ALL, ALL),
    ("certificate", "guard"): (NONE, ALL),
    ("certificate", "firearm_permit"): (NONE, ALL),
    ("certificate", "driving_licence"): (ALL, ALL),
    ("certificate", "vocational_level"): (ALL, ALL),
    ("certificate", "fire_control"): (ALL, ALL),
    ("incident", None): (ALL, ALL),
    ("unit_asset", None): (ALL, ALL),
    ("temporary_event", None): (ALL, ALL),
    ("investor", None): (ALL, ALL),
    ("annual_report", None): (ALL, ALL),
    ("unit_document", None): (ALL, ALL),
    ("social_relation", None): (ALL, ALL),
    ("equipment_issue", None): (ALL, ALL),
    ("police_assistance", None): (ALL, ALL),
}
# Page endpoint of each resource (page edit / delete / mass delete).
PAGES = {"conduct_record": "conductrecordview", "inspection": "inspectionview",
         "certificate": "certificateview", "incident": "incidentview",
         "unit_asset": "unitassetview", "temporary_event": "temporaryeventview",
         "investor": "investorview", "annual_report": "annualreportview",
         "unit_document": "unitdocumentview", "social_relation": "socialrelationview",
         "equipment_issue": "equipmentissueview", "police_assistance": "policeassistanceview"}
# A harmless change for each resource (PUT body).
CHANGE = {"conduct_record": {"title": "更正"}, "inspection": {"findings": "更正"},
          "certificate": {"issuer": "更正"}, "incident": {"title": "更正"},
          "unit_asset": {"note": "更正"}, "temporary_event": {"note": "更正"},
          "investor": {"phone": "0571-1"}, "annual_report": {"staff_count": 7},
          "unit_document": {"note": "更正"}, "social_relation": {"note": "更正"},
          "equipment_issue": {"note": "更正"}, "police_assistance": {"description": "更正"}}


_made = []  # (model, pk) of every row these tests create: removed again at the end, so the
            # counts other modules assert on the demo data hold.


_app = []


@pytest.fixture(scope="module", autouse=True)
def _clean_up(app):
    _app.append(app)
    yield
    from app.extensions import db
    with app.app_context():
        for model, pk in reversed(_made):
            item = db.session.get(model, pk)
            if item is not None:
                db.session.delete(item)
        db.session.commit()


def _model_of(app, resource):
    return next(a for a in app.appbuilder.baseviews
                if getattr(a, "resource_name", None) == resource).datamodel.obj


@pytest.fixture(scope="module")
def owners(app):
    """(unit id, person id) of company_hz, and of company_nb for the relation probes."""
    from app.extensions import db
    with app.app_context():
        out = {}
        for username in (UNIT, "company_nb"):
            unit = db.session.query(AppUser).filter_by(username=username).one().unit
            out[username] = (unit.id, _exclusive_active_person(db.session, unit).id)
        return out


def _body(resource, kind, unit_id, person_id):
    today = dt.date.today().isoformat()
    bodies = {
        "conduct_record": {"unit": unit_id, "person": person_id, "occurred_on": today,
                           "title": unique_name("事项")},
        "inspection": {"unit": unit_id, "inspected_on": today},
        "certificate": {"person": person_id, "number": unique_name("C")},
        "incident": {"unit": unit_id, "occurred_on": today, "title": unique_name("案")},
        "unit_asset": {"unit": unit_id, "kind": "escort_vehicle", "name": unique_name("车")},
        "temporary_event": {"unit": unit_id, "name": unique_name("活动"), "start_date": today},
        "investor": {"unit": unit_id, "kind": "corporate", "name": unique_name("股东")},
        "annual_report": {"unit": unit_id, "year": next(_years), "staff_count": 3},
        "unit_document": {"unit": unit_id, "title": unique_name("材料")},
        "social_relation": {"person": person_id, "relation": "父亲", "name": unique_name("亲")},
        "equipment_issue": {"person": person_id, "item": "对讲机", "issued_on": today},
        "police_assistance": {"person": person_id, "occurred_on": today,
                              "title": unique_name("协助")},
    }
    body = dict(bodies[resource])
    if kind is not None:
        body["kind"] = kind
    return body


def _post(app, caller, resource, body):
    response = caller.post(f"/api/v1/{resource}/", json=body)
    if response.status_code == 201:
        _made.append((_model_of(app, resource), response.json["id"]))
    return response


def _created(caller, resource, body):
    response = _post(_app[0], caller, resource, body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


def _row(app, resource, pk):
    from app.extensions import db
    with app.app_context():
        item = db.session.get(_model_of(app, resource), pk)
        return None if item is None else {c.key: getattr(item, c.key)
                                           for c in item.__table__.columns}


CASES = sorted(EXPECTED, key=str)


@pytest.mark.parametrize("resource,kind", CASES)
def test_unit_and_police_write_what_they_author(app, api, owners, resource, kind):
    unit_may, police_may = EXPECTED[(resource, kind)]
    unit, police = api(UNIT), api(POLICE)
    body = _body(resource, kind, *owners[UNIT])

    # create
    response = _post(app, unit, resource, body)
    if "create" in unit_may:
        assert response.status_code == 201, response.get_data(as_text=True)
        unit_pk = response.json["id"]
        assert _row(app, resource, unit_pk)["author_kind"] == "unit"
        assert _row(app, resource, unit_pk)["author_name"] == UNIT
    else:
        assert response.status_code == 403, response.get_data(as_text=True)
        assert response.json["message"]  # a Chinese reason, not FAB's bare 403
        unit_pk = None
    police_pk = _created(police, resource, _body(resource, kind, *owners[UNIT]))
    assert _row(app, resource, police_pk)["author_kind"] == "police"

    # change: a police-authored record is read-only to the unit, whatever its kind
    before = _row(app, resource, police_pk)
    response = unit.put(f"/api/v1/{resource}/{police_pk}", json=CHANGE[resource])
    assert response.status_code == 403, response.get_data(as_text=True)
    assert _row(app, resource, police_pk) == before
    response = police.put(f"/api/v1/{resource}/{police_pk}", json=CHANGE[resource])
    assert (response.status_code == 200) == ("change" in police_may), response.get_data(True)
    if unit_pk is not None:
        response = unit.put(f"/api/v1/{resource}/{unit_pk}", json=CHANGE[resource])
        assert (response.status_code == 200) == ("change" in unit_may), \
            response.get_data(as_text=True)

    # delete
    response = unit.delete(f"/api/v1/{resource}/{police_pk}")
    assert response.status_code == 403
    assert _row(app, resource, police_pk) is not None
    if unit_pk is not None:
        response = unit.delete(f"/api/v1/{resource}/{unit_pk}")
        if "delete" in unit_may:
            assert response.status_code == 200
            assert _row(app, resource, unit_pk) is None
        else:
            assert response.status_code == 403
            assert _row(app, resource, unit_pk) is not None
    response = police.delete(f"/api/v1/{resource}/{police_pk}")
    assert (response.status_code == 200) == ("delete" in police_may)


@pytest.mark.parametrize("resource,kind", CASES)
def test_pages_refuse_the_unit_a_police_record(app, api, client_for, owners, resource, kind):
    """Page edit (GET and POST), delete and mass delete of a police-authored record: 403 for
    the unit, nothing changed or deleted; the list offers no edit button for it."""
    pk = _created(api(POLICE), resource, _body(resource, kind, *owners[UNIT]))
    before = _row(app, resource, pk)
    client = client_for(UNIT)
    page = PAGES[resource]
    assert client.get(f"/{page}/edit/{pk}").status_code == 403
    token = csrf_token(client, f"/{page}/list/")
    assert client.post(f"/{page}/edit/{pk}", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/{page}/delete/{pk}", data={"csrf_token": token}).status_code \
        in (403, 405)
    response = client.post(f"/{page}/action_post", data={
        "action": "muldelete", "rowid": [str(pk)], "csrf_token": token})
    assert response.status_code == 403
    assert _row(app, resource, pk) == before
    shown = client.get(f"/{page}/show/{pk}")
    assert shown.status_code == 200 and "录入方" in shown.get_data(as_text=True)
    assert "公安" in shown.get_data(as_text=True)
    # The change log names the author fields in Chinese too.
    assert "Author" not in shown.get_data(as_text=True) and "录入账号" in shown.get_data(True)


def test_a_refused_mass_delete_deletes_nothing(app, api, client_for, owners):
    """Own records and one police record in one mass delete: all or none."""
    unit, police = api(UNIT), api(POLICE)
    own = [_created(unit, "incident", _body("incident", None, *owners[UNIT])) for _ in range(2)]
    theirs = _created(police, "inspection", _body("inspection", "supervisory", *owners[UNIT]))
    client = client_for(UNIT)
    token = csrf_token(client, "/incidentview/list/")
    response = client.post("/incidentview/action_post", data={
        "action": "muldelete", "rowid": [str(pk) for pk in own], "csrf_token": token})
    assert response.status_code == 302
    assert all(_row(app, "incident", pk) is None for pk in own)
    token = csrf_token(client, "/inspectionview/list/")
    mine = _created(unit, "inspection", _body("inspection", "safety", *owners[UNIT]))
    response = client.post("/inspectionview/action_post", data={
        "action": "muldelete", "rowid": [str(mine), str(theirs)], "csrf_token": token})
    assert response.status_code == 403
    assert _row(app, "inspection", mine) is not None
    assert _row(app, "inspection", theirs) is not None


def test_police_only_fields_of_unit_records(app, api, client_for, owners):
    """年度数据: the unit reports its figures; the 年审 result is the police's."""
    unit, police = api(UNIT), api(POLICE)
    pk = _created(unit, "annual_report", _body("annual_report", None, *owners[UNIT]))
    response = unit.put(f"/api/v1/annual_report/{pk}", json={"review_result": "合格"})
    assert response.status_code == 403 and "年审" in response.json["message"]
    assert _row(app, "annual_report", pk)["review_result"] is None
    assert police.put(f"/api/v1/annual_report/{pk}",
                      json={"review_result": "合格"}).status_code == 200
    # The unit still changes its figures, and its form shows the result read-only.
    assert unit.put(f"/api/v1/annual_report/{pk}", json={"staff_count": 9}).status_code == 200
    assert _row(app, "annual_report", pk)["review_result"] == "合格"
    form = client_for(UNIT).get(f"/annualreportview/edit/{pk}").get_data(as_text=True)
    assert 'id="review_result"' in form and "locked-field" in form


def test_a_unit_may_not_turn_a_police_kind_into_its_own(app, api, owners):
    unit = api(UNIT)
    pk = _created(unit, "inspection", _body("inspection", "safety", *owners[UNIT]))
    response = unit.put(f"/api/v1/inspection/{pk}", json={"kind": "supervisory"})
    assert response.status_code == 403
    assert _row(app, "inspection", pk)["kind"] == "safety"
    cert = _created(unit, "certificate", _body("certificate", "driving_licence", *owners[UNIT]))
    assert unit.put(f"/api/v1/certificate/{cert}", json={"kind": "guard"}).status_code == 403


def test_the_association_writes_nothing(app, api, owners):
    caller = api("association")
    for resource, kind in CASES:
        response = _post(app, caller, resource, _body(resource, kind, *owners[UNIT]))
        assert response.status_code in (401, 403, 405), (resource, response.status_code)


def test_records_written_by_an_approval_are_changed_by_nobody(app, api, owners):
    """单位变更, 跨省备案, a commendation of an approval and the exam system's results."""
    from app.extensions import db
    from app.models import UnitChange
    with app.app_context():
        unit_id = owners[UNIT][0]
        change = UnitChange(unit_id=unit_id, field="name", old_value="甲", new_value="乙",
                            changed_on=dt.date.today(), author_kind="system")
        record = ConductRecord(kind="commendation", unit_id=unit_id, occurred_on=dt.date.today(),
                               title=unique_name("表彰"), author_kind="system")
        db.session.add_all([change, record])
        db.session.commit()
        change_id, record_id = change.id, record.id
        _made.extend([(UnitChange, change_id), (ConductRecord, record_id)])
    for user in ("admin", POLICE, UNIT):
        caller = api(user)
        assert caller.put(f"/api/v1/conduct_record/{record_id}",
                          json={"title": "改"}).status_code == 403, user
        assert caller.delete(f"/api/v1/conduct_record/{record_id}").status_code == 403, user
        assert caller.post("/api/v1/unit_change/", json={
            "unit": unit_id, "field": "name", "changed_on": "2026-01-01"}).status_code \
            in (403, 405), user
        assert caller.put(f"/api/v1/unit_change/{change_id}", json={}).status_code \
            in (403, 405), user
    assert _row(app, "conduct_record", record_id)["title"] != "改"


# ------------------------------------------------------------ both sides of a relation

def test_a_record_may_not_name_another_units_person(app, api, owners):
    unit = api(UNIT)
    own_unit, own_person = owners[UNIT]
    _other_unit, other_person = owners["company_nb"]
    body = _body("conduct_record", "complaint", own_unit, other_person)
    assert _post(app, unit, "conduct_record", body).status_code == 404
    pk = _created(unit, "conduct_record", _body("conduct_record", "complaint", own_unit,
                                                own_person))
    assert unit.put(f"/api/v1/conduct_record/{pk}",
                    json={"person": other_person}).status_code == 404
    assert _row(app, "conduct_record", pk)["person_id"] == own_person


def _writable_relations(app):
    """(resource, column, model) of every REST resource's writable relation to an owned
    (not shared) table, from the registered APIs."""
    from app.api.base import ScopedModelRestApi
    out = []
    for api in app.appbuilder.baseviews:
        if not isinstance(api, ScopedModelRestApi):
            continue
        for column in set(api.add_columns or []) | set(api.edit_columns or []):
            model = (api.datamodel.get_related_model(column)
                     if api.datamodel.is_relation(column) else None)
            spec = getattr(model, "__scope__", None) or ("",)
            if model is not None and spec[0] != "shared":
                out.append((api.resource_name, column, model))
    return sorted(out, key=lambda r: (r[0], r[1]))


def test_every_writable_relation_refuses_a_foreign_row(app, api, owners):
    """POST and PUT naming another company's unit, person, employment, service … never save:
    generic over every relation of every resource, so a new resource cannot forget it."""
    from app.extensions import db
    from app.models import Dispatch, Service
    other_unit, other_person = owners["company_nb"]
    with app.app_context():
        foreign = {Unit: other_unit, Person: other_person,
                   Employment: db.session.query(Employment.id).filter_by(
                       unit_id=other_unit).first()[0],
                   Service: db.session.query(Service.id).filter_by(unit_id=other_unit).first()[0],
                   Dispatch: db.session.query(Dispatch.id).filter_by(
                       unit_id=other_unit).first()[0]}
    relations = _writable_relations(app)
    assert len(relations) >= 10, relations
    caller = api(UNIT)
    for resource, column, model in relations:
        if model not in foreign:
            continue
        response = _post(app, caller, resource, {column: foreign[model]})
        assert response.status_code != 201, (resource, column, response.get_data(True))
        listed = caller.get(f"/api/v1/{resource}/?q=(page_size:1)")
        if listed.status_code != 200 or not listed.json["ids"]:
            continue
        pk = listed.json["ids"][0]
        before = _row(app, resource, pk)
        response = caller.put(f"/api/v1/{resource}/{pk}", json={column: foreign[model]})
        assert response.status_code != 200, (resource, column, response.get_data(True))
        assert _row(app, resource, pk) == before, (resource, column)


def test_info_offers_only_rows_in_scope(app, api, owners):
    """`_info` of every resource lists no other company's unit in any relation field."""
    from app.api.base import ScopedModelRestApi
    other_unit = owners["company_nb"][0]
    caller = api(UNIT)
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ScopedModelRestApi):
            continue
        response = caller.get(f"/api/v1/{view.resource_name}/_info")
        if response.status_code != 200:
            continue
        for key in ("add_columns", "edit_columns"):
            for field in response.json.get(key, []):
                ids = {value["id"] for value in field.get("values", [])}
                if field["name"] == "unit":
                    assert other_unit not in ids, (view.resource_name, key)


# ------------------------------------------------------------ the declarations

def test_every_model_declares_its_authority():
    """A new model without `__authority__` fails here (and is written by nobody meanwhile)."""
    ours = [m.class_ for m in Model.registry.mappers if m.class_.__module__.startswith("app.")]
    missing = [m.__name__ for m in ours
               if "__authority__" not in {k for c in m.__mro__ for k in vars(c)}
               and m.__name__ != "AppUser"]
    assert ours and not missing, missing


def test_add_forms_offer_a_unit_only_the_kinds_it_authors(client_for):
    unit, police = client_for(UNIT), client_for(POLICE)
    for page, theirs, ours in (("inspectionview", "supervisory", "safety"),
                               ("conductrecordview", "violation", "complaint"),
                               ("certificateview", "guard", "driving_licence")):
        form = unit.get(f"/{page}/add").get_data(as_text=True)
        assert f'value="{ours}"' in form and f'value="{theirs}"' not in form, page
        assert f'value="{theirs}"' in police.get(f"/{page}/add").get_data(as_text=True), page


def test_nobody_writes_a_credit_grade_by_hand(app, api, client_for, owners):
    """信用评价 is computed (SYSTEM_RECORD): no page or REST path writes it; a unit triggers
    no recompute (docs/credit.md)."""
    from app.models import CreditGrade
    from app.models.authority import SYSTEM_RECORD
    assert CreditGrade.__authority__ == SYSTEM_RECORD
    for user in (UNIT, POLICE, "admin"):
        assert api(user).post("/api/v1/credit_grade/", json={}).status_code == 404
    unit_id = owners[UNIT][0]
    client = client_for(UNIT)
    response = client.post(f"/credit/recompute/{unit_id}",
                           data={"csrf_token": csrf_token(client, f"/unitview/show/{unit_id}")})
    assert response.status_code == 403
