"""Malformed REST requests answer 4xx with a message, never 500 (the cases the schemathesis
run of scripts/fuzz_api.py found), and a row whose relation is empty stays in the lists."""
import datetime as dt

import pytest

from app.api.base import ScopedModelRestApi

HUGE = 2**64 + 1  # beyond the 64-bit ids of PostgreSQL and SQLite
BAD_IDS = [str(HUGE), str(2**63), "-3488823494142594566324224"]


def _first_id(api, resource):
    response = api("admin").get(f"/api/v1/{resource}/", query_string={"q": "(page_size:1)"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["ids"][0]


def _count(api, resource):
    return api("admin").get(f"/api/v1/{resource}/").json["count"]


def _scoped_apis(app):
    return [view for view in app.appbuilder.baseviews if isinstance(view, ScopedModelRestApi)]


# ---------------------------------------------------------------- OPTIONS with a token

@pytest.mark.parametrize("user", ["admin", "company_hz"])
@pytest.mark.parametrize("path", ["/api/v1/unit/", "/api/v1/unit/1", "/api/v1/unit/_info",
                                  "/api/v1/unit/export/", "/api/v1/_openapi",
                                  "/api/v1/application_status/"])
def test_options_with_a_bearer_token_is_answered(api, user, path):
    response = api(user).options(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]


# ---------------------------------------------------------------- ids in the path

@pytest.mark.parametrize("pk", BAD_IDS + ["abc", "１２", "0", " 7"])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_an_id_that_cannot_exist_is_404(api, method, pk):
    kwargs = {"json": {"name": "x"}} if method == "put" else {}
    response = getattr(api("admin"), method)(f"/api/v1/person/{pk}", **kwargs)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.json["message"]


@pytest.mark.parametrize("pk, status", [
    (str(HUGE), 404), (str(2**63), 404), ("0", 404),
    # FAB's GET route is /<int:pk>: what is not a whole number matches only the PUT and
    # DELETE route (/<pk>), and the router answers 405 for GET.
    ("-3488823494142594566324224", 405), ("abc", 405)])
def test_get_of_an_id_that_cannot_exist_is_4xx(api, pk, status):
    response = api("admin").get(f"/api/v1/person/{pk}")
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["message"]


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/service/{pk}/end"),
    ("post", "/api/v1/dispatch/{pk}/end"),
    ("put", "/api/v1/identity_check/{pk}"),
    ("delete", "/api/v1/identity_check/{pk}"),
    ("get", "/api/v1/person/{pk}/photo"),
])
def test_an_id_beyond_64_bits_on_a_custom_endpoint_is_404(api, method, path):
    response = getattr(api("admin"), method)(path.format(pk=HUGE), json={})
    assert response.status_code == 404, response.get_data(as_text=True)


def test_every_scoped_resource_checks_ids_and_q(app, api):
    """The checks hang on the shared base: no resource can miss them."""
    caller = api("admin")
    for view in _scoped_apis(app):
        base = f"/api/v1/{view.resource_name}"
        response = caller.get(f"{base}/{HUGE}")
        assert response.status_code == 404, (base, response.status_code)
        response = caller.get(f"{base}/", query_string={"q": "(page:2.5e)"})
        assert response.status_code == 400, (base, response.status_code)


# ---------------------------------------------------------------- q= (rison)

@pytest.mark.parametrize("suffix", ["/", "/_info", "/export/", "/1"])
@pytest.mark.parametrize("q", ["(page:2.5e)", "(keys:!(1e))", "(order_column:name,page:-2.e)"])
def test_a_q_the_rison_parser_fails_on_is_400(api, suffix, q):
    response = api("admin").get(f"/api/v1/unit{suffix}", query_string={"q": q})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["message"]


@pytest.mark.parametrize("suffix", ["/", "/export/"])
@pytest.mark.parametrize("q", ['{"page": -1406, "page_size": 100}', '{"page_size": -5700}',
                               "(page:-2)", "(page:!t)", '{"page": 1.5}',
                               f'{{"page": {2**62}, "page_size": 100}}'])
def test_a_negative_or_odd_page_in_q_is_400(api, suffix, q):
    """OFFSET must not be negative on PostgreSQL; FAB also takes q as JSON."""
    response = api("admin").get(f"/api/v1/investor{suffix}", query_string={"q": q})
    assert response.status_code == 400, response.get_data(as_text=True)


@pytest.mark.parametrize("column", ["inspected_on", "名称", ";"])
def test_export_ordered_by_a_column_not_offered_is_400(api, column):
    response = api("admin").get("/api/v1/unit/export/", query_string={
        "q": f"(order_column:'{column}',order_direction:asc)"})
    assert response.status_code == 400, response.get_data(as_text=True)


def test_a_valid_q_still_works(api):
    response = api("admin").get("/api/v1/unit/", query_string={
        "q": "(order_column:name,order_direction:asc,page:0,page_size:2)"})
    assert response.status_code == 200
    assert len(response.json["result"]) == 2
    response = api("admin").get("/api/v1/unit/export/", query_string={
        "q": "(order_column:name,order_direction:desc)"})
    assert response.status_code == 200


# ---------------------------------------------------------------- bodies

@pytest.mark.parametrize("body, content_type", [
    ("name=x", "application/x-www-form-urlencoded"),
    ("{\"name\": ", "application/json"),
    ("[1, 2]", "application/json"),
    ("\"text\"", "application/json"),
    ("null", "application/json"),
    ("42", "application/json"),
    ("", "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_400(api, body, content_type):
    caller = api("admin")
    pk = _first_id(api, "service_target")
    before = _count(api, "service_target")
    for response in (caller.post("/api/v1/service_target/", data=body,
                                 content_type=content_type),
                     caller.put(f"/api/v1/service_target/{pk}", data=body,
                                content_type=content_type)):
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.json["message"] in ("请求体必须是 JSON 对象。",
                                            "请求内容必须是 JSON 格式。")
    assert _count(api, "service_target") == before


def test_put_of_a_missing_record_is_still_404_with_a_good_body(api):
    response = api("admin").put(f"/api/v1/service_target/{2**62}", json={"name": "x"})
    assert response.status_code == 404


# ---------------------------------------------------------------- relation fields

BAD_RELATIONS = [{"": 1}, {"id": 1}, [1], "abc", "", True, 1.5, -1, HUGE, 2**62]


@pytest.mark.parametrize("value", BAD_RELATIONS)
def test_post_with_a_relation_that_is_not_an_existing_id_is_422(api, value):
    before = _count(api, "certificate")
    response = api("admin").post("/api/v1/certificate/", json={
        "person": value, "kind": "guard", "number": "FZ-0001", "level": "junior",
        "issuer": "浙江省公安厅", "issued_on": "2024-01-01"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["message"]["person"][0] in ("请填写已有记录的编号（id）。",
                                                    "该记录不存在，或不在您的权限范围内。")
    assert _count(api, "certificate") == before


@pytest.mark.parametrize("value", [{"id": 1}, ["1"], "x", 2**62])
def test_put_with_a_relation_that_is_not_an_existing_id_is_422(api, value):
    pk = _first_id(api, "service_target")
    before = api("admin").get(f"/api/v1/service_target/{pk}").json["result"]
    response = api("admin").put(f"/api/v1/service_target/{pk}", json={"category": value})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["message"]["category"]
    assert api("admin").get(f"/api/v1/service_target/{pk}").json["result"] == before


@pytest.mark.parametrize("value", [{"code": "330102"}, 330199, "", "999999"])
def test_a_region_code_that_is_not_an_existing_code_is_422(api, value):
    pk = _first_id(api, "service_target")
    response = api("admin").put(f"/api/v1/service_target/{pk}", json={"region": value})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["message"]["region"]


def test_an_existing_id_still_sets_the_relation(api):
    caller = api("admin")
    pk = _first_id(api, "service_target")
    category = caller.get(f"/api/v1/service_target/{pk}").json["result"]
    info = caller.get("/api/v1/service_target/_info", query_string={"q": "(keys:!(edit_columns))"})
    assert info.status_code == 200
    response = caller.put(f"/api/v1/service_target/{pk}",
                          json={"region": category["region"]["code"]})
    assert response.status_code == 200, response.get_data(as_text=True)


# ---------------------------------------------------------------- rows with an empty relation

def test_an_application_without_a_unit_is_listed_and_shown(app, api):
    from app.extensions import db
    from app.models import Application
    with app.app_context():
        application = db.session.query(Application).order_by(Application.id).first()
        unit_id, application.unit_id = application.unit_id, None
        db.session.commit()
        pk = application.id
    try:
        listed = api("admin").get("/api/v1/application/", query_string={"q": "(page_size:100)"})
        assert listed.status_code == 200
        assert listed.json["count"] == len(listed.json["result"])
        assert pk in listed.json["ids"]
        shown = api("admin").get(f"/api/v1/application/{pk}")
        assert shown.status_code == 200, shown.get_data(as_text=True)
        assert shown.json["result"]["unit"] is None
    finally:
        with app.app_context():
            db.session.get(Application, pk).unit_id = unit_id
            db.session.commit()


def test_a_conduct_record_of_a_person_only_is_listed(app, api):
    from app.extensions import db
    from app.models import ConductRecord, Person
    with app.app_context():
        person = db.session.query(Person).order_by(Person.id).first()
        record = ConductRecord(kind="commendation", person_id=person.id, unit_id=None,
                               occurred_on=dt.date(2026, 1, 5), title="见义勇为")
        db.session.add(record)
        db.session.commit()
        pk = record.id
    try:
        listed = api("admin").get("/api/v1/conduct_record/",
                                  query_string={"q": "(page_size:100)"})
        assert listed.json["count"] == len(listed.json["result"])
        assert pk in listed.json["ids"]
        assert api("admin").get(f"/api/v1/conduct_record/{pk}").status_code == 200
    finally:
        with app.app_context():
            db.session.delete(db.session.get(ConductRecord, pk))
            db.session.commit()


# ---------------------------------------------------------------- numbers beyond the column

@pytest.mark.parametrize("field, value", [("registered_capital", 10**12),
                                          ("registered_capital", "1e400"),
                                          ("registered_capital", "NaN")])
def test_a_number_the_column_cannot_store_is_422(api, field, value):
    pk = _first_id(api, "unit")
    response = api("admin").put(f"/api/v1/unit/{pk}", json={field: value})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["message"][field]


def test_an_integer_beyond_the_column_is_422(app, api):
    """Every integer field of every add schema carries the column's range."""
    from marshmallow import fields as mfields
    for view in _scoped_apis(app):
        for name, field in view.add_model_schema.fields.items():
            if isinstance(field, mfields.Integer):
                errors = view.add_model_schema.validate({name: 2**31}, partial=True)
                assert name in errors, (view.resource_name, name)


def test_a_decimal_that_rounds_beyond_its_column_is_422(api):
    pk = _first_id(api, "unit")
    caller = api("admin")
    old = caller.get(f"/api/v1/unit/{pk}").json["result"]["registered_capital"]
    response = caller.put(f"/api/v1/unit/{pk}", json={"registered_capital": "999999999999.996"})
    assert response.status_code == 422, response.get_data(as_text=True)
    response = caller.put(f"/api/v1/unit/{pk}", json={"registered_capital": "999999999999.99"})
    try:
        assert response.status_code == 200, response.get_data(as_text=True)
    finally:  # other tests add to the demo unit's capital
        assert caller.put(f"/api/v1/unit/{pk}",
                          json={"registered_capital": old}).status_code == 200


def test_the_spec_publishes_number_bounds_as_numbers(api):
    """A Decimal bound published as a string makes the spec invalid for its clients."""
    spec = api("admin").get("/api/v1/_openapi").json
    stack, bounds = [spec], 0
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("minimum", "maximum"):
                    bounds += 1
                    assert isinstance(value, (int, float)), (key, value)
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    assert bounds
