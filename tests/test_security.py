"""CSRF protection, login rate limits, deny by default, API authentication, masking."""
import re

import pytest

from app.models import AppUser, Person
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.helpers import rate_limited_app


def test_login_form_without_csrf_token_is_refused(app):
    client = app.test_client()
    response = client.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 400  # CSRFProtect: token missing
    assert client.get("/personview/list/").status_code == 302  # still anonymous


def test_post_without_csrf_token_is_refused(app, client_for, db_session):
    client = client_for("admin")
    person = db_session.query(Person).order_by(Person.id).first()
    response = client.post(f"/personview/delete/{person.id}")
    assert response.status_code == 400
    assert db_session.get(Person, person.id) is not None


def test_get_cannot_delete(app, client_for, db_session):
    client = client_for("admin")
    person = db_session.query(Person).order_by(Person.id).first()
    client.get(f"/personview/delete/{person.id}")
    db_session.expire_all()
    assert db_session.get(Person, person.id) is not None


@pytest.fixture(scope="module", params=["memory", "redis"])
def limited_app(request, tmp_path_factory):
    return rate_limited_app(request.param, tmp_path_factory.mktemp("limited"),
                            AUTH_RATE_LIMIT="3 per minute")


def test_login_form_is_rate_limited(limited_app):
    client = limited_app.test_client()
    codes = [client.post("/login/", data={"username": "x", "password": "y",
                                          "csrf_token": csrf_token(client)}).status_code
             for _ in range(5)]
    assert codes[:3] != [429] * 3 and codes[-1] == 429


def test_jwt_login_is_rate_limited(limited_app):
    client = limited_app.test_client()
    codes = [client.post("/api/v1/security/login", json={
        "username": "x", "password": "y", "provider": "db"}).status_code for _ in range(5)]
    assert codes[0] == 401 and codes[-1] == 429


def test_api_requires_authentication(app):
    client = app.test_client()
    for url in ("/api/v1/person/", "/api/v1/unit/1", "/api/v1/_openapi",
                "/api/v1/person/export/"):
        assert client.get(url).status_code == 401, url


def test_openapi_served_to_logged_in_users(api):
    spec = api("company_hz").get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    for resource in ("unit", "person", "employment", "certificate", "service_target",
                     "service", "dispatch", "change_log"):
        assert f"/api/v1/{resource}/" in paths, resource


def _make_user(app, username, role, **fields):
    from app.extensions import db
    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username) is None:
            roles = [sm.find_role(role)] if role else [sm.find_role("Public")]
            user = sm.add_user(username, "测", "试", f"{username}@example.com",
                               [r for r in roles if r], password=DEMO_PASSWORD)
            assert user, f"could not add {username}"
            for key, value in fields.items():
                setattr(db.session.get(AppUser, user.id), key, value)
            db.session.commit()


@pytest.mark.parametrize("username,role,fields", [
    ("police_noregion", "city_police", {}),
    ("company_nounit", "company_user", {}),
    ("norole_user", None, {}),
])
def test_deny_by_default(app, api, username, role, fields):
    _make_user(app, username, role, **fields)
    client = login(app.test_client(), username)
    home = client.get("/").get_data(as_text=True)
    assert 'id="count-units"' not in home
    if role:
        response = api(username).get("/api/v1/person/")
        assert response.status_code == 200 and response.json["count"] == 0
        assert client.get("/personview/list/").status_code == 200
        assert client.get("/personview/export/").status_code == 200


def test_company_user_with_a_unit_of_another_kind_sees_nothing(app, api, db_session):
    school = db_session.query(AppUser).filter_by(username="school_hz").one().unit
    _make_user(app, "company_wrongkind", "company_user", unit_id=school.id)
    assert api("company_wrongkind").get("/api/v1/unit/").json["count"] == 0


ID_RE = re.compile(r"\b\d{17}[\dX]\b")


def test_association_sees_masked_id_numbers(app, client_for, api, db_session):
    person = db_session.query(Person).order_by(Person.id).first()
    client = client_for("association")
    for url in ("/personview/list/", f"/personview/show/{person.id}",
                "/employmentview/list/"):
        html = client.get(url).get_data(as_text=True)
        assert not ID_RE.search(html), url
        assert person.id_number[:3] + "*" in html or url == "/employmentview/list/"
    body = api("association").get(f"/api/v1/person/{person.id}").json["result"]
    assert body["id_number"] == person.id_number[:3] + "*" * 11 + person.id_number[-4:]
    listing = api("association").get("/api/v1/person/").json["result"]
    assert all("*" in row["id_number"] for row in listing)
    export = client.get("/personview/export/").data
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(export)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert person.id_number not in sheet and person.id_number[-4:] in sheet


def test_police_see_full_id_numbers(api, db_session):
    person = db_session.query(Person).order_by(Person.id).first()
    body = api("admin").get(f"/api/v1/person/{person.id}").json["result"]
    assert body["id_number"] == person.id_number


def test_association_cannot_write(api, db_session):
    person = db_session.query(Person).order_by(Person.id).first()
    assert api("association").put(f"/api/v1/person/{person.id}",
                                  json={"phone": "13800000000"}).status_code == 403
    assert api("association").post("/api/v1/person/", json={"name": "x"}).status_code == 403


EXTERNAL = re.compile(r'(?:src|href)\s*=\s*["\'](?:https?:)?//(?!127\.0\.0\.1|localhost)', re.I)


@pytest.mark.parametrize("url", ["/login/", "/", "/unitview/list/", "/personview/add",
                                 "/employmentview/list/", "/swagger/v1"])
def test_pages_load_nothing_from_outside_the_server(app, client_for, url):
    client = app.test_client() if url == "/login/" else client_for("admin")
    html = client.get(url).get_data(as_text=True)
    assert not EXTERNAL.search(html), EXTERNAL.search(html)


def test_session_cookie_is_http_only_and_same_site(app):
    response = app.test_client().post("/login/", data={
        "username": "admin", "password": DEMO_PASSWORD,
        "csrf_token": csrf_token(app.test_client())})
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in cookies and "SameSite=Lax" in cookies


def test_read_only_views_offer_no_delete_even_to_the_province_admin(app, client_for):
    sm = app.appbuilder.sm
    client = client_for("admin")
    for resource, page in (("ChangeLog", "changelogview"), ("UnitChange", "unitchangeview"),
                           ("ExportLog", "exportlogview")):
        assert "can_delete" not in sm._declared_permissions()[resource], resource
        html = client.get(f"/{page}/list/").get_data(as_text=True)
        assert "muldelete" not in html and f"/{page}/delete/" not in html, resource


@pytest.mark.parametrize("username", ["admin", "police_hz", "police_sc", "company_hz",
                                      "selfhire_hz", "school_hz", "association"])
def test_home_counts_are_the_scoped_list_counts(app, db_session, username):
    """The home page's tiles (from the dashboard snapshot, docs/dashboard.md) must equal
    what the scoped lists hold."""
    from app.models import Dispatch, Employment
    from app.security.scope import scope_for_user
    from tests.helpers import scoped_rows
    from app.services import dashboard
    from app.views.home import scope_counts
    user = db_session.query(AppUser).filter_by(username=username).one()
    scope = scope_for_user(user)
    dashboard.refresh(db_session)       # the tiles read the newest dashboard snapshot
    with app.test_request_context():
        counts = scope_counts(dashboard.figures(db_session, scope))
    active = scoped_rows(db_session, Employment, scope).filter(
        Employment.end_date.is_(None))
    assert counts["guards"] == active.filter(Employment.role == "guard").count()
    assert counts["part_time_guards"] == active.filter(
        Employment.role == "part_time_guard").count()
    assert counts["other_staff"] == active.filter(
        Employment.role.notin_(("guard", "part_time_guard"))).count()
    assert counts["active_dispatches"] == scoped_rows(db_session, Dispatch, scope) \
        .filter(Dispatch.end_date.is_(None)).count()
    assert counts["guards"] + counts["other_staff"] > 0
