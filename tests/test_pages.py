"""Page flows: forms save in one transaction, refuse bad input at the field in Chinese,
and every write lands in the change log shown on the record's page."""

from app.models import AppUser, ChangeLog, Employment, ExportLog, Person
from tests.conftest import csrf_token
from tests.helpers import fresh_id_number, unique_name


def _unit_id(db_session, username):
    return db_session.query(AppUser).filter_by(username=username).one().unit_id


def _add_person(client, token, **fields):
    data = {"csrf_token": token, "name": unique_name("张"), "phone": "13800000000",
            "employment_role": "guard", "employment_start": "2024-05-01",
            "registry_confirmed": "y"}
    data.update(fields)
    return client.post("/personview/add", data=data)


def test_company_clerk_adds_a_guard_with_employment(client_for, db_session):
    client = client_for("company_hz")
    unit_id = _unit_id(db_session, "company_hz")
    number = fresh_id_number("female", year=1992)
    response = _add_person(client, csrf_token(client, "/personview/add"), id_number=number,
                           employment_unit=str(unit_id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    person = db_session.query(Person).filter_by(id_number=number).one()
    assert person.gender == "female" and person.birth_date.year == 1992
    emp = db_session.query(Employment).filter_by(person_id=person.id).one()
    assert emp.unit_id == unit_id and emp.role == "guard"
    # Both rows are in the change log, written by the clerk.
    logs = db_session.query(ChangeLog).filter(ChangeLog.person_id == person.id).all()
    # … and the identity-verification case the save opened (比对预警, docs/rules.md#screening).
    assert {log.entity for log in logs} == {"person", "employment", "identity_check"}
    assert {log.username for log in logs} == {"company_hz"}
    page = client.get(f"/personview/show/{person.id}").get_data(as_text=True)
    assert "company_hz" in page and number in page


def test_invalid_id_number_is_shown_at_the_field_and_nothing_is_saved(client_for, db_session):
    client = client_for("company_hz")
    before = db_session.query(Person).count()
    response = _add_person(client, csrf_token(client, "/personview/add"),
                           id_number="330102199001010015",
                           employment_unit=str(_unit_id(db_session, "company_hz")))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "校验位" in html  # the reason, in Chinese, next to the field
    assert db_session.query(Person).count() == before


def test_rule_violation_keeps_form_input_and_saves_nothing(client_for, db_session):
    """A person who is already a full-time guard elsewhere cannot be added as a guard again;
    the person row must not be half-written either."""
    client = client_for("company_nb")
    existing = (db_session.query(Employment)
                .filter_by(unit_id=_unit_id(db_session, "company_hz"), role="guard",
                           end_date=None).first().person)
    before = db_session.query(Employment).count()
    response = client.post("/employmentview/add", data={
        "csrf_token": csrf_token(client, "/employmentview/add"),
        "person": existing.id_number, "unit": str(_unit_id(db_session, "company_nb")),
        "role": "guard", "start_date": "2024-05-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and existing.id_number in html
    assert "在职专职保安员" in html
    assert db_session.query(Employment).count() == before


def test_foreign_unit_in_a_form_is_refused_at_the_field(client_for, db_session):
    client = client_for("company_hz")
    before = db_session.query(Person).count()
    response = _add_person(client, csrf_token(client, "/personview/add"),
                           id_number=fresh_id_number(),
                           employment_unit=str(_unit_id(db_session, "company_nb")))
    assert response.status_code == 200
    assert "不在您的" in response.get_data(as_text=True)
    assert db_session.query(Person).count() == before


def test_edit_writes_old_and_new_values_to_the_change_log(client_for, db_session):
    client = client_for("police_hz")
    emp = (db_session.query(Employment)
           .filter_by(unit_id=_unit_id(db_session, "company_hz"), end_date=None).first())
    person = emp.person
    form = client.get(f"/personview/edit/{person.id}")
    assert form.status_code == 200
    old_phone = person.phone
    response = client.post(f"/personview/edit/{person.id}", data={
        "csrf_token": csrf_token(client, f"/personview/edit/{person.id}"),
        "id_number": person.id_number, "name": person.name, "phone": "13912340000",
        "education": person.education or ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    log = (db_session.query(ChangeLog)
           .filter_by(entity="person", entity_id=person.id, field="phone")
           .order_by(ChangeLog.id.desc()).first())
    assert (log.old_value, log.new_value, log.username) == (old_phone, "13912340000",
                                                            "police_hz")
    page = client.get(f"/personview/show/{person.id}").get_data(as_text=True)
    assert "13912340000" in page and "police_hz" in page


def test_api_person_fills_from_id_number_and_refuses_bad_ones(api, db_session):
    caller = api("admin")
    number = fresh_id_number("male", region="330205", year=1980)
    created = caller.post("/api/v1/person/", json={"id_number": number, "name": "赵强",
                                                   "registry_confirmed": True})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = caller.get(f"/api/v1/person/{created.json['id']}").json["result"]
    assert (body["gender"], body["birth_date"][:4], body["household_region_code"]) == \
        ("male", "1980", "330205")
    bad = caller.post("/api/v1/person/", json={"id_number": "33020519800101001X",
                                               "name": "钱多"})
    assert bad.status_code == 400 and "id_number" in bad.json["message"]


def test_api_employment_shows_role_and_refuses_foreign_unit(api, db_session):
    caller = api("company_hz")
    rows = caller.get("/api/v1/employment/").json["result"]
    assert {row["role"] for row in rows} <= {"guard", "part_time_guard", "other_staff"}
    person_id = caller.get("/api/v1/person/").json["ids"][0]
    response = caller.post("/api/v1/employment/", json={
        "person": person_id, "unit": _unit_id(db_session, "company_nb"),
        "role": "other_staff", "start_date": "2024-05-01"})
    assert response.status_code == 404


def test_exports_are_logged(client_for, db_session):
    client = client_for("police_sc")
    before = db_session.query(ExportLog).count()
    response = client.get("/personview/export/?_flt_0_name=张")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    log = db_session.query(ExportLog).order_by(ExportLog.id.desc()).first()
    assert db_session.query(ExportLog).count() == before + 1
    assert (log.username, log.resource) == ("police_sc", "Person")
    assert "张" in log.filters and log.rows >= 0


def test_export_honours_list_filters(client_for, api):
    client = client_for("admin")
    import io
    import zipfile
    data = client.get("/unitview/export/?_flt_0_name=杭州").data
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "宁波" not in sheet.split("</row>", 1)[1]


def test_list_pages_offer_export_only_with_permission(client_for):
    assert 'id="export-xlsx"' in client_for("company_hz").get("/employmentview/list/").get_data(
        as_text=True)
    assert 'id="export-xlsx"' in client_for("association").get("/personview/list/").get_data(
        as_text=True)
    # The export link carries the list's filters.
    html = client_for("police_hz").get("/personview/list/?_flt_0_name=张").get_data(as_text=True)
    assert "/personview/export/?_flt_0_name=" in html


def test_list_offers_edit_only_on_writable_rows(client_for, db_session):
    """company_hz reads its branch's staff but may not change them: no edit button there."""
    branch = db_session.query(AppUser).filter_by(username="company_hz").one().unit.children[0]
    branch_emp = db_session.query(Employment).filter_by(unit_id=branch.id).first()
    own_emp = db_session.query(Employment).filter_by(
        unit_id=_unit_id(db_session, "company_hz")).first()
    html = client_for("company_hz").get("/employmentview/list/?psize_EmploymentView=100") \
        .get_data(as_text=True)
    assert f"/employmentview/show/{branch_emp.id}" in html
    assert f"/employmentview/edit/{branch_emp.id}" not in html
    assert f"/employmentview/edit/{own_emp.id}" in html


def test_name_prefix_search_finds_exactly_the_prefix(client_for, api, db_session):
    person = db_session.query(Person).order_by(Person.id).first()
    prefix = person.name[:1]
    expected = {p.id for p in db_session.query(Person).all() if p.name.startswith(prefix)}
    html = client_for("admin").get(f"/personview/list/?_flt_0_name={prefix}&psize_PersonView=100")
    shown = {int(pk) for pk in __import__("re").findall(r"/personview/show/(\d+)",
                                                        html.get_data(as_text=True))}
    assert shown == expected
    rows = api("admin").get(
        f"/api/v1/person/?q=(filters:!((col:name,opr:sw,value:{prefix})),page_size:100)").json
    assert set(rows["ids"]) == expected


def test_search_forms_never_list_units(client_for, db_session):
    """A unit relation is searched by a part of the unit's name (text box), never offered
    as a dropdown of every unit; its URL filter (the unit page's tab links) still applies."""
    from app.models import Incident, Unit
    client = client_for("admin")
    html = client.get("/unitview/list/").get_data(as_text=True)
    assert 'id=\\"parent\\"' not in html and 'id="parent"' not in html
    assert 'name="unit" id="unit-filter"' in html
    html = client.get("/incidentview/list/").get_data(as_text=True)
    assert "unit-filter" in html and 'id=\\"unit\\"' not in html
    incident = db_session.query(Incident).first()
    unit = db_session.get(Unit, incident.unit_id)
    shown = client.get(f"/incidentview/list/?_flt_0_unit={unit.id}").get_data(as_text=True)
    others = db_session.query(Incident).filter(Incident.unit_id != unit.id).all()
    assert all(f"/incidentview/show/{o.id}\"" not in shown for o in others)
    by_name = client.get(f"/incidentview/list/?unit={unit.name[2:8]}").get_data(as_text=True)
    assert f"/incidentview/show/{incident.id}" in by_name


def test_record_page_tabs_load_when_shown_and_keep_the_scope(client_for, db_session):
    """A person's page renders its tabs as placeholders; each tab loads from its own URL,
    which answers 404 for a person out of scope or a tab the page does not have."""
    import re
    from app.models import Dispatch, Unit
    dispatch = db_session.query(Dispatch).join(Unit, Unit.id == Dispatch.unit_id).filter(
        Unit.region_code.like("3301%")).first()
    hz, nb = client_for("police_hz"), client_for("police_nb")
    page = hz.get(f"/personview/show/{dispatch.person_id}").get_data(as_text=True)
    urls = re.findall(r'class="lazy-tab" data-url="([^"]+)"', page)
    assert f"/personview/show/{dispatch.person_id}/tab/DispatchView" in urls
    assert f"/dispatchview/show/{dispatch.id}" not in page  # not rendered with the page
    tab = hz.get(f"/personview/show/{dispatch.person_id}/tab/DispatchView")
    assert tab.status_code == 200 and f"/dispatchview/show/{dispatch.id}" in tab.get_data(
        as_text=True)
    assert nb.get(f"/personview/show/{dispatch.person_id}/tab/DispatchView").status_code == 404
    assert hz.get(f"/personview/show/{dispatch.person_id}/tab/NoSuchView").status_code == 404
