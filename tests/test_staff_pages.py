"""人员管理 pages and REST: per-role lists with search, 【新增】 with the ID check and the
registry, 【离职】, the ID-check JSON, the person tabs and the exam system's sync.

Database reads happen in short app contexts of their own, never around requests: a request
made inside a test's app context would share that context's `g` (user and scope) with the
previous request."""
import datetime as dt

from app.models import (AppUser, Certificate, Dispatch, Employment, ExamResult, Person,
                        PopulationRecord, TrainingRecord, WorkExperience)
from app.services.idnumber import parse_id_number
from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.helpers import data, fresh_id_number, unique_name


def _unit_id(app, username):
    with data(app) as s:
        return s.query(AppUser).filter_by(username=username).one().unit_id


def _registered(app, gender="male", year=1990):
    number, name = fresh_id_number(gender, year=year), unique_name("登记")
    info = parse_id_number(number)
    with data(app) as s:
        s.add(PopulationRecord(id_number=number, name=name, gender=info.gender,
                               birth_date=info.birth_date))
        s.commit()
    return number, name


def _post_add(client, list_view, unit_id, number, name, **extra):
    form = {"csrf_token": csrf_token(client, f"/{list_view}/add"), "id_number": number,
            "name": name, "unit": str(unit_id), "start_date": "2025-03-01", **extra}
    return client.post(f"/{list_view}/add", data=form)


def _rows(response):
    """The list table only (the search box echoes the query)."""
    html = response.get_data(as_text=True)
    return html[html.find("<table"):] if "<table" in html else ""


def _people(app):
    with data(app) as s:
        return s.query(Person).count()


def test_guard_list_search_by_name_id_certificate_and_unit(app, client_for):
    with data(app) as s:
        hz = s.query(AppUser).filter_by(username="company_hz").one().unit
        emp = (s.query(Employment).filter_by(unit_id=hz.id, role="guard", end_date=None)
               .join(Certificate, Certificate.person_id == Employment.person_id)
               .order_by(Employment.id).first())
        name, number, unit_name = emp.person.name, emp.person.id_number, hz.name
        cert_number = s.query(Certificate).filter_by(person_id=emp.person_id).first().number
    client = client_for("company_hz")
    # (other tests add guards to this unit: show all of them on one page)
    for args in ({"search": name}, {"search": number}, {"search": cert_number},
                 {"unit": unit_name[:4], "psize_GuardListView": 100}):
        assert number in _rows(client.get("/guardlistview/list/", query_string=args)), args
    assert number not in _rows(client.get("/guardlistview/list/",
                                          query_string={"search": "不存在的姓名"}))
    # Another unit's clerk and police never find this guard, even by the exact number.
    for user in ("company_nb", "police_nb"):
        assert number not in _rows(client_for(user).get("/guardlistview/list/", query_string={
            "search": number})), user
    assert number in _rows(client_for("police_sc").get(
        "/guardlistview/list/", query_string={"search": number}))


def test_clerk_adds_a_guard_with_certificates(app, client_for):
    client = client_for("company_hz")
    hz = _unit_id(app, "company_hz")
    number, name = _registered(app, "female", 1993)
    response = _post_add(client, "guardlistview", hz, number, name, position="门岗",
                         phone="13900000000",
                         cert_driving_licence_number=unique_name("D"),
                         cert_driving_licence_level="C1")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with data(app) as s:
        person = s.query(Person).filter_by(id_number=number).one()
        person_id = person.id
        assert f"/personview/show/{person.id}" in response.headers["Location"]
        assert person.gender == "female" and person.household_region_code == "330106"
        emp = s.query(Employment).filter_by(person_id=person.id).one()
        assert (emp.unit_id, emp.role, emp.position) == (hz, "guard", "门岗")
        kinds = {c.kind: c.level for c in s.query(Certificate).filter_by(person_id=person.id)}
        assert kinds == {"driving_licence": "C1"}
    page = client.get(f"/personview/show/{person_id}").get_data(as_text=True)
    for tab in ("考试信息", "证件信息", "工作经历", "社会关系", "个人装备", "协助公安工作情况", "变更记录"):
        assert tab in page, tab


def test_add_form_refuses_at_the_field_and_saves_nothing(app, client_for):
    client = client_for("company_hz")
    hz = _unit_id(app, "company_hz")
    before = _people(app)
    html = _post_add(client, "guardlistview", hz, "330106199001011234", "某人") \
        .get_data(as_text=True)
    assert "校验位" in html
    number, name = _registered(app)
    html = _post_add(client, "guardlistview", hz, number, name + "某").get_data(as_text=True)
    assert "人口信息库" in html and "has-error" in html
    html = _post_add(client, "parttimeguardlistview", hz, number, name).get_data(as_text=True)
    assert "兼职保安员须先在某一单位担任在职专职保安员" in html
    nb = _unit_id(app, "company_nb")  # outside the clerk's scope
    html = _post_add(client, "guardlistview", nb, number, name).get_data(as_text=True)
    assert "has-error" in html
    assert _people(app) == before
    # A confirmed mismatch is saved as entered (and left to identity verification).
    response = _post_add(client, "guardlistview", hz, number, name + "某",
                         registry_confirmed="y")
    assert response.status_code == 302
    with data(app) as s:
        assert s.query(Person).filter_by(id_number=number).one().name == name + "某"


def test_other_staff_key_manager_and_student_training(app, client_for):
    number, name = _registered(app)
    client = client_for("company_hz")
    assert _post_add(client, "otherstafflistview", _unit_id(app, "company_hz"), number, name,
                     key_manager="y", position="副总经理").status_code == 302
    with data(app) as s:
        emp = s.query(Employment).join(Person).filter(Person.id_number == number).one()
        assert emp.role == "other_staff" and emp.key_manager
    number, name = _registered(app, year=2001)
    school = client_for("school_hz")
    assert _post_add(school, "studentlistview", _unit_id(app, "school_hz"), number, name,
                     training_class="2025年第3期初任培训班", training_hours="40",
                     training_result="在训").status_code == 302
    with data(app) as s:
        person = s.query(Person).filter_by(id_number=number).one()
        assert [t.class_name for t in s.query(TrainingRecord).filter_by(person_id=person.id)] \
            == ["2025年第3期初任培训班"]
    # Schools have no guard list, companies no student list.
    assert school.get("/guardlistview/add").status_code in (302, 403)
    assert client.get("/studentlistview/list/").status_code in (302, 403)


def test_resign_page_ends_employment_and_dispatches(app, client_for):
    with data(app) as s:
        hz = s.query(AppUser).filter_by(username="company_hz").one().unit_id
        dispatch = (s.query(Dispatch).filter_by(unit_id=hz, end_date=None)
                    .order_by(Dispatch.id).first())
        dispatch_id, emp_id = dispatch.id, dispatch.employment_id
        number = dispatch.employment.person.id_number
    client = client_for("company_hz")
    assert client_for("company_nb").get(f"/guardlistview/resign/{emp_id}").status_code == 404
    token = csrf_token(client, f"/guardlistview/resign/{emp_id}")
    today = dt.date.today().isoformat()
    html = client.post(f"/guardlistview/resign/{emp_id}", data={
        "csrf_token": token, "end_date": today, "end_reason": ""}).get_data(as_text=True)
    assert "has-error" in html
    response = client.post(f"/guardlistview/resign/{emp_id}", data={
        "csrf_token": token, "end_date": today, "end_reason": "合同到期"})
    assert response.status_code == 302
    with data(app) as s:
        emp = s.get(Employment, emp_id)
        assert emp.end_date == dt.date.today() and emp.end_reason == "合同到期"
        assert s.get(Dispatch, dispatch_id).end_date is not None
    assert number not in _rows(client.get("/guardlistview/list/", query_string={
        "search": number}))
    assert client.get(f"/guardlistview/resign/{emp_id}").status_code == 404  # already left


def test_id_check_json(app, client_for):
    number, name = _registered(app, "female", 1996)
    client = client_for("company_hz")
    info = client.get("/staff/idcheck/", query_string={"id_number": number,
                                                        "name": name}).json
    assert info["gender_label"] == "女" and info["birth_date"].startswith("1996")
    assert info["region_name"] and info["registry"]["status"] == "match"
    wrong = client.get("/staff/idcheck/", query_string={"id_number": number,
                                                         "name": "别人"}).json["registry"]
    assert wrong["status"] == "mismatch" and name not in str(wrong)
    bad = client.get("/staff/idcheck/", query_string={"id_number": number[:17] + (
        "0" if number[-1] != "0" else "1")}).json
    assert not bad["valid"] and "校验位" in bad["error"]
    # Read-only users (association) may not use it.
    assert client_for("association").get("/staff/idcheck/", query_string={
        "id_number": number}).status_code in (302, 403, 404)


def test_exam_sync_api(app, api):
    with data(app) as s:
        hz = s.query(AppUser).filter_by(username="company_hz").one().unit_id
        emp = (s.query(Employment).filter_by(unit_id=hz, role="guard", end_date=None)
               .order_by(Employment.id.desc()).first())
        person_id, number = emp.person_id, emp.person.id_number
    body = {"id_number": number, "exam_date": "2025-06-01", "score": 88, "passed": True,
            "batch": "2025-6"}
    exam = api("exam_system")
    first = exam.post("/api/v1/exam_sync/", json=body)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.json["result"][0]["changed"] is True
    second = exam.post("/api/v1/exam_sync/", json=[body])
    assert second.status_code == 200 and second.json["result"][0]["changed"] is False
    with data(app) as s:
        assert s.query(ExamResult).filter_by(person_id=person_id,
                                             exam_date=dt.date(2025, 6, 1)).count() == 1
    bad = exam.post("/api/v1/exam_sync/", json={**body, "id_number": "330106199001011234"})
    assert bad.status_code == 400 and "id_number" in bad.json["message"]
    # Nobody else may post results, and the exam system may do nothing else.
    assert api("company_hz").post("/api/v1/exam_sync/", json=body).status_code in (401, 403)
    assert exam.get("/api/v1/person/").status_code in (401, 403)
    client = app.test_client()
    client.post("/login/", data={"username": "exam_system", "password": DEMO_PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert client.get("/guardlistview/list/").status_code in (302, 403)


def test_person_rest_fills_from_id_number(api):
    number = fresh_id_number("female", year=1991)
    response = api("company_hz").post("/api/v1/person/", json={
        "id_number": number, "name": unique_name("王"), "registry_confirmed": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    shown = api("admin").get(f"/api/v1/person/{response.json['id']}").json["result"]
    assert shown["gender"] == "female" and shown["birth_date"].startswith("1991")
    assert shown["household_region_code"] == "330106"
    bad = api("company_hz").post("/api/v1/person/", json={"id_number": "330106199001011234",
                                                          "name": "某人"})
    assert bad.status_code == 400 and "校验位" in str(bad.json["message"])


def test_every_way_of_adding_staff_runs_the_hooks(app, client_for, api):
    """Identity verification (docs/rules.md) hooks in once: the dedicated form, the generic people
    page and the REST employment resource all call personnel.staff_added."""
    from app.services import personnel
    seen = []
    personnel.STAFF_ADDED_HOOKS.append(lambda s, emp, check: seen.append(
        (emp.role, check.status if check else None)))
    try:
        hz = _unit_id(app, "company_hz")
        number, name = _registered(app)
        assert _post_add(client_for("company_hz"), "guardlistview", hz, number,
                         name).status_code == 302
        client = client_for("company_hz")
        response = client.post("/personview/add", data={
            "csrf_token": csrf_token(client, "/personview/add"),
            "id_number": fresh_id_number(), "name": unique_name("张"),
            "employment_unit": str(hz), "employment_role": "other_staff",
            "employment_start": "2025-01-02", "registry_confirmed": "y"})
        assert response.status_code == 302
        with data(app) as s:
            person_id = s.query(Person.id).filter_by(id_number=number).scalar()
        response = api("admin").post("/api/v1/employment/", json={
            "person": person_id, "unit": _unit_id(app, "selfhire_hz"),
            "role": "part_time_guard", "start_date": "2025-04-01"})
        assert response.status_code == 201, response.get_data(as_text=True)
    finally:
        personnel.STAFF_ADDED_HOOKS.pop()
    # Each path ran the population-registry check: the hooks get its real result.
    assert seen == [("guard", "match"), ("other_staff", "not_found"),
                    ("part_time_guard", "match")]


def test_instructor_add_form_saves_earlier_work_in_the_same_transaction(app, client_for):
    school = client_for("school_hz")
    form = school.get("/instructorlistview/add").get_data(as_text=True)
    assert 'name="work_employer"' in form and 'name="training_class"' not in form
    student_form = school.get("/studentlistview/add").get_data(as_text=True)
    assert 'name="training_class"' in student_form and 'name="work_employer"' not in student_form
    unit_id = _unit_id(app, "school_hz")
    number, name = _registered(app, year=1975)
    before = _people(app)
    html = _post_add(school, "instructorlistview", unit_id, number, name,
                     work_employer="杭州市公安局西湖分局", work_end="2015-12-31") \
        .get_data(as_text=True)
    assert 'has-error" id="group-work_start"' in html
    assert _people(app) == before          # refused at the field, nothing saved
    response = _post_add(school, "instructorlistview", unit_id, number, name,
                         work_employer="杭州市公安局西湖分局", work_position="民警",
                         work_start="1996-09-01", work_end="2015-12-31")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with data(app) as s:
        person = s.query(Person).filter_by(id_number=number).one()
        rows = [(w.employer, w.position, w.start_date, w.end_date)
                for w in s.query(WorkExperience).filter_by(person_id=person.id)]
        assert rows == [("杭州市公安局西湖分局", "民警", dt.date(1996, 9, 1),
                         dt.date(2015, 12, 31))]
        assert s.query(TrainingRecord).filter_by(person_id=person.id).count() == 0
        person_id = person.id
    page = school.get(f"/personview/show/{person_id}").get_data(as_text=True)
    assert "杭州市公安局西湖分局" in page


def test_generic_add_paths_refuse_a_registry_mismatch_unless_confirmed(app, client_for, api):
    """The people page, the staff page and REST apply the staff form's registry rule
    (personnel.confirm_identity): a mismatch is refused at the field unless confirmed."""
    hz = _unit_id(app, "company_hz")
    client = client_for("company_hz")
    number, name = _registered(app)
    before = _people(app)

    def add_person(**extra):
        return client.post("/personview/add", data={
            "csrf_token": csrf_token(client, "/personview/add"), "id_number": number,
            "name": name + "某", "employment_unit": str(hz), "employment_role": "other_staff",
            "employment_start": "2025-01-02", **extra})
    html = add_person().get_data(as_text=True)
    assert "人口信息库" in html and 'name="registry_confirmed"' in html
    assert _people(app) == before
    assert add_person(registry_confirmed="y").status_code == 302
    with data(app) as s:
        person = s.query(Person).filter_by(id_number=number).one()
        assert person.name == name + "某"
        person_id = person.id
    # The staff page and REST employment: the person's identity still differs.
    staff = client_for("selfhire_hz")
    form = {"csrf_token": csrf_token(staff, "/employmentview/add"), "person": number,
            "unit": str(_unit_id(app, "selfhire_hz")), "role": "other_staff",
            "start_date": "2025-02-01"}
    html = staff.post("/employmentview/add", data=form).get_data(as_text=True)
    assert "人口信息库" in html
    body = {"person": person_id, "unit": _unit_id(app, "company_nb"), "role": "other_staff",
            "start_date": "2025-02-01"}
    refused = api("admin").post("/api/v1/employment/", json=body)
    assert refused.status_code == 400 and "人口信息库" in refused.json["message"]["person"][0]
    assert api("admin").post("/api/v1/employment/",
                             json={**body, "registry_confirmed": True}).status_code == 201
    # REST person: a name the registry does not hold for the number.
    number2, name2 = _registered(app)
    refused = api("admin").post("/api/v1/person/", json={"id_number": number2, "name": "某某"})
    assert refused.status_code == 400 and "name" in refused.json["message"]
    assert api("admin").post("/api/v1/person/",
                             json={"id_number": number2, "name": name2}).status_code == 201
