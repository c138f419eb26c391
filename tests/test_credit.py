"""信用评价 (docs/credit.md): each term, the bands, storage with history and change log, the
unit page's tab, the police's recompute, the ranking and its export, the public register's
grade and the credit platform's export; a unit changes none of the inputs."""
import datetime as dt
import io

import openpyxl
import pytest

from app.models import (AnnualReport, Application, BackgroundAlert, ChangeLog, Certificate,
                        ConductRecord, CreditGrade, Dispatch, Employment, ExportLog, Incident,
                        Inspection, Person, Service, ServiceTarget, TargetCategory, Unit)
from app.services import credit, settings

from .conftest import csrf_token
from .helpers import fresh_id_number, unique_name

YEAR = 2026
TODAY = dt.date(2026, 12, 1)
D = dt.date


@pytest.fixture
def unit(db_session):
    """A fresh company of 上城区 (rolled back after the test)."""
    u = Unit(kind="company", name=unique_name("信用测试保安公司"), region_code="330102",
             established_on=D(2015, 1, 1), status="active")
    db_session.add(u)
    db_session.flush()
    return u


def _terms(session, unit, today=TODAY):
    result = credit.compute(session, YEAR, [unit.id], today=today)[unit.id]
    return result, {(t.term, t.category): t for t in result.terms}


def _report(session, unit, year=YEAR - 1, filed=D(YEAR, 3, 1), review=None):
    report = AnnualReport(unit=unit, year=year, review_result=review)
    report.created_at = dt.datetime.combine(filed, dt.time(9))
    session.add(report)
    session.flush()
    return report


def _guard(session, unit, start=D(2024, 1, 1), certified=True, **cert):
    person = Person(id_number=fresh_id_number(), name=unique_name("保安"), gender="male",
                    birth_date=D(1990, 1, 1))
    session.add(person)
    session.flush()
    if certified:
        session.add(Certificate(person=person, kind="guard", number=unique_name("BA"),
                                issued_on=cert.pop("issued_on", D(2020, 1, 1)), **cert))
    job = Employment(person=person, unit=unit, role="guard", start_date=start)
    session.add(job)
    session.flush()
    return job


def test_a_clean_unit_scores_100_and_grades_a(db_session, unit):
    _report(db_session, unit)
    result, terms = _terms(db_session, unit)
    assert (result.score, result.grade, terms) == (100, "A", {})


def test_violations_by_severity(db_session, unit):
    _report(db_session, unit)
    for title, result in (("未按规定着装", "警告"), ("超范围经营", "罚款5000元"),
                          ("非法提供保安服务", "吊销保安服务许可证"), ("旧事", "罚款")):
        db_session.add(ConductRecord(kind="violation", unit=unit, title=title, result=result,
                                     occurred_on=D(2020, 5, 1) if title == "旧事"
                                     else D(2025, 5, 1)))
    db_session.flush()
    result, terms = _terms(db_session, unit)
    assert terms[("violation", "minor")].points == -10
    assert terms[("violation", "serious")].count == 1  # the 2020 one is outside 3 years
    assert terms[("violation", "serious")].points == -15
    assert terms[("violation", "severe")].points == -30
    assert result.score == 45 and result.grade == "D"
    ids = terms[("violation", "severe")].ids
    assert db_session.get(ConductRecord, ids[0]).title == "非法提供保安服务"


def test_complaints_count_when_the_police_recorded_them(db_session, unit):
    _report(db_session, unit)
    for author in ("police", "unit"):
        record = ConductRecord(kind="complaint", unit=unit, title="投诉", occurred_on=D(2026, 2, 1))
        record.author_kind = author
        db_session.add(record)
    db_session.flush()
    _result, terms = _terms(db_session, unit)
    assert (terms[("complaint", "complaint")].count,
            terms[("complaint", "complaint")].points) == (1, -5)


def test_incidents_recorded_by_the_police(db_session, unit):
    _report(db_session, unit)
    for author in ("police", "police", "unit"):
        incident = Incident(unit=unit, title="盗窃", occurred_on=D(2025, 8, 1))
        incident.author_kind = author
        db_session.add(incident)
    db_session.flush()
    _result, terms = _terms(db_session, unit)
    assert (terms[("incident", "incident")].count, terms[("incident", "incident")].points) \
        == (2, -6)


def test_supervisory_inspections_and_annual_review(db_session, unit):
    _report(db_session, unit, review="不合格")
    for kind, result in (("supervisory", "不合格"), ("supervisory", "基本合格，限期整改"),
                         ("supervisory", "合格"), ("safety", "不合格")):
        db_session.add(Inspection(unit=unit, kind=kind, inspected_on=D(2026, 3, 1),
                                  result=result))
    db_session.flush()
    _result, terms = _terms(db_session, unit)
    assert terms[("inspection", "failed")].points == -10
    assert terms[("inspection", "partial")].points == -3
    assert ("inspection", "passed") not in terms  # the unit's own 安全检查 never counts
    assert terms[("annual_review", "failed")].points == -20


def test_late_and_missing_annual_data(db_session, unit):
    result, terms = _terms(db_session, unit)
    assert terms[("late_filing", "annual_missing")].points == -5
    # Not due yet: nothing judged before 31 March.
    _r, early = _terms(db_session, unit, today=D(2026, 3, 15))
    assert ("late_filing", "annual_missing") not in early
    _report(db_session, unit, filed=D(2026, 4, 20))
    _r, terms = _terms(db_session, unit)
    assert terms[("late_filing", "annual_late")].count == 1


def test_late_branch_filing(db_session, unit):
    _report(db_session, unit)
    for established, submitted in ((D(2026, 1, 5), D(2026, 3, 2)), (D(2026, 5, 6),
                                                                      D(2026, 5, 8))):
        db_session.add(Application(
            number=unique_name("BA"), item="branch", applicant_name="张三",
            applicant_phone="13800000000", unit_id=unit.id, region_code="330102",
            form={"name": "分公司", "established_on": established.isoformat()},
            submitted_at=dt.datetime.combine(submitted, dt.time(10)), time_limit_days=15))
    db_session.flush()
    _r, terms = _terms(db_session, unit)
    assert (terms[("late_filing", "branch_late")].count,
            terms[("late_filing", "branch_late")].points) == (1, -5)


def test_licence_rate_and_dispatch_without_certificate(db_session, unit):
    _report(db_session, unit)
    certified = [_guard(db_session, unit) for _ in range(3)]
    revoked = _guard(db_session, unit, status="revoked", status_changed_on=D(2026, 2, 1),
                     status_reason="违法")
    bare = _guard(db_session, unit, certified=False)
    category = db_session.query(TargetCategory).first()
    target = ServiceTarget(name=unique_name("服务对象"), category=category, region_code="330102")
    service = Service(unit=unit, target=target, start_date=D(2025, 1, 1))
    db_session.add_all([target, service])
    db_session.flush()
    for job in (certified[0], revoked, bare):
        db_session.add(Dispatch(service=service, employment=job, unit=unit,
                                person=job.person, start_date=D(2026, 1, 10)))
    # An earlier dispatch of the revoked guard, ended while the certificate was valid.
    db_session.add(Dispatch(service=service, employment=revoked, unit=unit,
                            person=revoked.person, start_date=D(2025, 3, 1),
                            end_date=D(2025, 6, 1)))
    db_session.flush()
    result, terms = _terms(db_session, unit)
    rate = terms[("licence_rate", "rate")]
    assert (rate.rate, rate.count, rate.points) == (60, 2, -8)  # 3 of 5: −20 × 40 %
    dispatched = terms[("unlicensed_dispatch", "guard")]
    assert (dispatched.count, dispatched.points) == (2, -10)
    assert result.score == 82 and result.grade == "B"


def test_unresolved_background_alerts(db_session, unit):
    _report(db_session, unit)
    job = _guard(db_session, unit)
    # As the screening workflow leaves them (app/services/screening.py): open; a unit
    # alert the unit signed for (【签收】 closes it); a police alert the police handled; one
    # handled after the as-of day (still open on it); one raised after it (not yet there).
    for n, (kind, state, closed, source, since) in enumerate((
            ("police", "open", None, "criminal_record", dt.datetime(2026, 4, 1)),
            ("unit_attention", "open", None, "public_order", dt.datetime(2026, 4, 1)),
            ("unit_attention", "signed", dt.datetime(2026, 4, 3), "drug_control",
             dt.datetime(2026, 4, 1)),
            ("police", "closed", dt.datetime(2026, 5, 1), "wanted_persons",
             dt.datetime(2026, 4, 1)),
            ("police", "closed", dt.datetime(2026, 12, 5), "revoked_certificates",
             dt.datetime(2026, 4, 1)),
            ("police", "open", None, "criminal_record", dt.datetime(2026, 12, 3)))):
        db_session.add(BackgroundAlert(person=job.person, unit_id=unit.id, kind=kind,
                                       source=source, reason_code=f"x{n}", reason_text="前科",
                                       state=state, closed_at=closed, waiting_since=since))
    db_session.flush()
    _r, terms = _terms(db_session, unit)
    assert (terms[("open_alert", "open")].count, terms[("open_alert", "open")].points) \
        == (3, -9)


def test_commendations_add_up_to_the_cap(db_session, unit):
    _report(db_session, unit)
    db_session.add(ConductRecord(kind="violation", unit=unit, title="脱岗", result="警告",
                                 occurred_on=D(2026, 1, 1)))
    for n in range(3):
        db_session.add(ConductRecord(kind="commendation", unit=unit, title=f"先进{n}",
                                     occurred_on=D(2025, 1, 1)))
    db_session.flush()
    result, terms = _terms(db_session, unit)
    assert terms[("commendation", "commendation")].points == 10
    assert result.score == 100  # −10 + 10, never above 100


def test_bands_follow_the_parameters(db_session):
    assert [credit.grade_of(s) for s in (100, 90, 89, 75, 74, 60, 59, 0)] == \
        ["A", "A", "B", "B", "C", "C", "D", "D"]
    settings.set_value(db_session, "credit.band_a", "95")
    settings.invalidate()
    try:
        assert credit.grade_of(94) == "B"
    finally:
        db_session.rollback()
        settings.invalidate()
    assert credit.grade_of(94) == "A"


def test_weights_and_bands_are_console_parameters_seeded_by_the_migration(app, client_for):
    """The migration seeds every credit.* parameter with the default the code declares;
    the rows are in 参数 (sys_setting); a band changed in the console grades at once."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import select

    from app.models import Setting
    from tests.test_console import _edit_setting
    path = Path(__file__).parents[1] / "migrations" / "versions" / "0910_credit.py"
    spec = importlib.util.spec_from_file_location("migration_0910_credit", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    declared = {k: str(p.default) for k, p in settings.PARAMS.items() if k.startswith("credit.")}
    assert migration.SETTINGS == declared
    with app.app_context():
        from app.extensions import db
        stored = dict(db.session.execute(select(Setting.key, Setting.value).where(
            Setting.key.like("credit.%"))).all())
    assert stored == declared
    admin = client_for("admin")
    try:
        assert _edit_setting(admin, "credit.band_a", "95").status_code == 302
        with app.app_context():
            assert credit.grade_of(94) == "B"
    finally:
        assert _edit_setting(admin, "credit.band_a", "90").status_code == 302
    with app.app_context():
        assert credit.grade_of(94) == "A"


def test_stored_with_history_and_a_regrade_in_the_change_log(db_session, unit):
    _report(db_session, unit)
    credit.store(db_session, YEAR - 1, credit.compute(db_session, YEAR - 1, [unit.id],
                                                       today=TODAY))
    credit.store(db_session, YEAR, credit.compute(db_session, YEAR, [unit.id], today=TODAY))
    db_session.add(ConductRecord(kind="violation", unit=unit, title="非法用工",
                                 result="吊销许可证", occurred_on=D(2026, 6, 1)))
    db_session.flush()
    counts = credit.store(db_session, YEAR, credit.compute(db_session, YEAR, [unit.id],
                                                           today=TODAY))
    assert counts["regraded"] == 1
    grades = credit.grades_of_unit(db_session, unit.id)
    assert [(g.year, g.grade) for g in grades] == [(YEAR, "C"), (YEAR - 1, "A")]
    assert grades[0].reason.startswith("A → C")
    assert "−30" in grades[0].reason
    logged = {(r.field, r.old_value, r.new_value) for r in db_session.query(ChangeLog).filter(
        ChangeLog.entity == "credit_grade", ChangeLog.entity_id == grades[0].id,
        ChangeLog.action == "update")}
    assert ("grade", "A", "C") in logged and ("score", "100", "70") in logged
    assert any(f == "reason" and new.startswith("A → C") for f, _o, new in logged)


# ------------------------------------------------------------------ pages and authority

def _demo_unit(db_session, username):
    from app.models import AppUser
    return db_session.query(AppUser).filter_by(username=username).one().unit


@pytest.fixture(scope="module")
def graded(app):
    """The demo's grades of the current year, computed once."""
    with app.app_context():
        from app.extensions import db
        credit.recompute(db.session)
        db.session.commit()


def test_unit_reads_its_grade_but_cannot_recompute(client_for, db_session, graded):
    unit = _demo_unit(db_session, "company_hz")
    client = client_for("company_hz")
    page = client.get(f"/credit/unit/{unit.id}").get_data(as_text=True)
    assert "credit-terms" in page and "credit-recompute" not in page
    response = client.post(f"/credit/recompute/{unit.id}",
                           data={"csrf_token": csrf_token(client, f"/unitview/show/{unit.id}")})
    assert response.status_code == 403
    other = _demo_unit(db_session, "company_nb")
    assert client.get(f"/credit/unit/{other.id}").status_code == 404


def test_police_recompute_needs_csrf_and_jurisdiction(client_for, db_session, graded):
    unit = _demo_unit(db_session, "company_hz")
    police = client_for("police_hz")
    assert police.post(f"/credit/recompute/{unit.id}").status_code == 400  # no CSRF token
    token = csrf_token(police, f"/unitview/show/{unit.id}")
    response = police.post(f"/credit/recompute/{unit.id}", data={"csrf_token": token})
    assert response.status_code == 302 and "#tab-credit" in response.headers["Location"]
    nb = _demo_unit(db_session, "company_nb")
    assert police.post(f"/credit/recompute/{nb.id}",
                       data={"csrf_token": token}).status_code == 404
    page = police.get(f"/credit/unit/{unit.id}").get_data(as_text=True)
    assert "credit-recompute" in page and "credit-grade" in page


def test_association_reads_but_does_not_recompute(client_for, db_session, graded):
    unit = _demo_unit(db_session, "company_hz")
    client = client_for("association")
    assert client.get(f"/credit/unit/{unit.id}").status_code == 200
    response = client.post(f"/credit/recompute/{unit.id}",
                           data={"csrf_token": csrf_token(client, f"/unitview/show/{unit.id}")})
    assert response.status_code == 403
    assert db_session.query(CreditGrade).count() > 0


def test_unit_cannot_change_any_input(api, db_session):
    """The police's records the grade reads answer 403 to the unit's writes."""
    unit = _demo_unit(db_session, "company_hz")
    client = api("company_hz")
    for url, body in (
            ("/api/v1/conduct_record/", {"kind": "violation", "unit": unit.id,
                                         "title": "x", "occurred_on": "2026-01-01"}),
            ("/api/v1/conduct_record/", {"kind": "commendation", "unit": unit.id,
                                         "title": "x", "occurred_on": "2026-01-01"}),
            ("/api/v1/inspection/", {"kind": "supervisory", "unit": unit.id,
                                     "inspected_on": "2026-01-01", "result": "合格"}),
            ("/api/v1/annual_report/", {"unit": unit.id, "year": 2019,
                                        "review_result": "合格"})):
        response = client.post(url, json=body)
        assert response.status_code == 403, (url, response.get_data(as_text=True))
    police = {}
    for model, kind in ((ConductRecord, "violation"), (ConductRecord, "commendation"),
                        (Inspection, "supervisory")):
        row = db_session.query(model).filter_by(unit_id=unit.id, kind=kind).first()
        if row is None:
            continue
        police[model.__tablename__ + kind] = row
        url = f"/api/v1/{model.__tablename__}/{row.id}"
        assert client.put(url, json={"title" if model is ConductRecord else "result":
                                     "改"}).status_code == 403
        assert client.delete(url).status_code == 403
    assert police, "the demo company has police records"
    report = db_session.query(AnnualReport).filter_by(unit_id=unit.id).first()
    assert client.put(f"/api/v1/annual_report/{report.id}",
                      json={"review_result": "优秀"}).status_code == 403
    assert client.get("/api/v1/credit_export/").status_code == 403


def test_unit_cannot_undo_the_annual_review(app, api, client_for, db_session):
    """The 年审 result of last year's 年度数据 is a credit input: once the police have set it,
    the unit neither deletes the report (不合格 −20 would become 未报送 −5) nor moves it to
    another year; it still corrects its figures."""
    unit = _demo_unit(db_session, "company_hz")
    report = db_session.query(AnnualReport).filter_by(unit_id=unit.id, year=YEAR - 1).one()
    pk, before = report.id, (report.year, report.review_result, report.staff_count)
    assert report.review_result, "the demo's 2025 report was reviewed"
    client = api("company_hz")
    moved = client.put(f"/api/v1/annual_report/{pk}", json={"year": 2019})
    assert moved.status_code == 403 and "年审" in moved.json["message"]
    deleted = client.delete(f"/api/v1/annual_report/{pk}")
    assert deleted.status_code == 403 and "年审" in deleted.json["message"]
    page = client_for("company_hz")
    token = csrf_token(page, "/annualreportview/list/")
    assert page.post(f"/annualreportview/delete/{pk}",
                     data={"csrf_token": token}).status_code in (403, 405)
    assert page.post("/annualreportview/action_post", data={
        "action": "muldelete", "rowid": [str(pk)], "csrf_token": token}).status_code == 403
    db_session.expire_all()
    row = db_session.get(AnnualReport, pk)
    assert row is not None and (row.year, row.review_result) == before[:2]
    # Its own figures stay the unit's to correct, over REST and on the page's edit form
    # (which posts the year unchanged); the form refuses a changed year.
    assert client.put(f"/api/v1/annual_report/{pk}",
                      json={"staff_count": before[2]}).status_code == 200
    row = db_session.get(AnnualReport, pk)
    form = {key: "" if getattr(row, key) is None else str(getattr(row, key))
            for key in ("year", "revenue", "profit", "tax_paid", "staff_count", "guard_count",
                        "insured_count", "review_result", "review_date")}
    edit = f"/annualreportview/edit/{pk}"
    saved = page.post(edit, data={**form, "csrf_token": csrf_token(page, edit)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    refused = page.post(edit, data={**form, "year": "2019", "csrf_token": csrf_token(page, edit)})
    assert refused.status_code == 403 and "年审" in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(AnnualReport, pk).year == before[0]
    # An unreviewed report is still the unit's to delete (tests/test_authority_matrix.py).


def test_ranking_lowest_first_scoped_and_exported(client_for, db_session, graded):
    police = client_for("police_hz")
    page = police.get(f"/credit/ranking/?year={credit.default_year()}").get_data(as_text=True)
    assert "杭州" in page and "宁波海曙" not in page
    scores = [int(s) for s in __import__("re").findall(
        r"</td><td>(\d+)</td><td class=\"credit-grade\">", page)]
    assert scores and scores == sorted(scores)
    before = db_session.query(ExportLog).count()
    response = police.get(f"/credit/ranking/export?year={credit.default_year()}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names and all("宁波" not in n for n in names)
    db_session.expire_all()
    assert db_session.query(ExportLog).count() == before + 1
    assert client_for("association").get("/credit/ranking/").status_code == 200
    unit_page = client_for("company_hz").get("/credit/ranking/")
    assert unit_page.status_code in (302, 403)


def test_ranking_per_district_and_the_association_exports(client_for, db_session, graded):
    """信用评价排名 narrowed to a district holds only that district's units (lowest first);
    the association ranks and exports the province."""
    import re
    year = credit.default_year()
    police = client_for("police_hz")
    page = police.get(f"/credit/ranking/?year={year}&region=330102").get_data(as_text=True)
    rows = re.findall(r'#tab-credit">([^<]+)</a></td>\s*<td>([^<]*)</td><td>(\d+)</td>', page)
    assert rows and {district for _n, district, _s in rows} == {"上城区"}
    scores = [int(score) for _n, _d, score in rows]
    assert scores == sorted(scores)
    graded_there = (db_session.query(CreditGrade).join(Unit, Unit.id == CreditGrade.unit_id)
                    .filter(CreditGrade.year == year, Unit.region_code.like("330102%"))
                    .count())
    assert len(rows) == graded_there
    association = client_for("association")
    everything = association.get(f"/credit/ranking/?year={year}").get_data(as_text=True)
    assert "杭州" in everything and "宁波" in everything
    export = association.get(f"/credit/ranking/export?year={year}&region=3302")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names and all("杭州" not in n for n in names)


def test_register_shows_the_grade_only(db_session, graded):
    unit = db_session.query(Unit).filter(Unit.kind == "company",
                                         Unit.licence_number.isnot(None)).first()
    grade = credit.public_grade(db_session, unit.id)
    assert grade
    from app.services import register
    answer = register.find_licences(db_session, unit.licence_number)[0]
    assert answer.credit_grade == grade
    assert not hasattr(answer, "terms")


def test_platform_export_json_and_xlsx(app, api, db_session, graded):
    from app.services import platform
    with app.test_request_context():
        key = platform.create_platform_key(unique_name("credit"))["key"]
    db_session.commit()
    client = app.test_client()
    assert client.get("/api/v1/credit_export/").status_code == 401
    headers = {"Authorization": f"Bearer {key}"}
    response = client.get("/api/v1/credit_export/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["count"] == len(body["grades"]) > 0
    first = body["grades"][0]
    assert {"unit_name", "credit_code", "grade", "score", "terms"} <= set(first)
    response = client.get("/api/v1/credit_export/?format=xlsx", headers=headers)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == body["count"] + 1
    assert api("admin").get("/api/v1/credit_export/").status_code == 200
    assert api("police_hz").get("/api/v1/credit_export/").status_code == 403
    assert client.get("/api/v1/credit_export/?year_from=2027&year_to=2020",
                      headers=headers).status_code == 400
    # Documented: the OpenAPI spec carries the path, its parameters and answers.
    spec = api("admin").get("/api/v1/_openapi").json
    operation = spec["paths"]["/api/v1/credit_export/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"year_from", "year_to", "format"}
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    assert "Credit" in operation["tags"]


def test_the_nightly_task_is_scheduled_and_recomputes(app, db_session):
    from app.tasks import TASK_MODULES
    from app.tasks.credit import recompute_grades
    from app.tasks.schedule import BEAT_SCHEDULE
    assert "app.tasks.credit" in TASK_MODULES
    assert BEAT_SCHEDULE["credit-grades"]["task"] == recompute_grades.name
    counts = recompute_grades.apply().get()
    assert counts["units"] == len(credit.graded_units(db_session)) > 0
    db_session.expire_all()
    assert db_session.query(CreditGrade).filter_by(year=credit.default_year()).count() \
        == counts["units"]


@pytest.fixture
def demo_session(tmp_path):
    """A session on a freshly seeded demo database: the README's figures are the demo's as
    `python run.py` seeds it, not as the suite's other tests have changed it."""
    from tests.conftest import app_on_fresh_database
    from app.extensions import db
    with app_on_fresh_database(tmp_path, "credit_demo") as app, app.app_context():
        yield db.session


def test_demo_grades_differ_as_the_records_explain(demo_session):
    """README: 杭州上城安保 A (all guards certified, annual data on time and passed),
    杭州西溪物业 C (a violation, guards dispatched without a certificate)."""
    db_session = demo_session
    grades = credit.compute(db_session, YEAR, today=TODAY)
    a = grades[_demo_unit(db_session, "company_hz").id]
    c = grades[_demo_unit(db_session, "selfhire_hz").id]
    assert a.grade == "A" and c.grade == "C", (a, c)
    c_terms = {t.term for t in c.terms}
    assert {"violation", "complaint", "unlicensed_dispatch"} <= c_terms
    assert "unlicensed_dispatch" not in {t.term for t in a.terms}
    # The figures the README gives, term by term, graded at the end of the demo's year. The
    # two open background alerts of each are raised by the demo's screening when the
    # database is seeded (the clock's time): they count when that was in the graded year.
    from sqlalchemy import func
    raised = db_session.query(func.min(BackgroundAlert.waiting_since)).scalar()
    alerts = {("open_alert", 2, -6)} if raised.year == YEAR else set()
    year_end = credit.compute(db_session, YEAR, today=D(YEAR, 12, 31))
    a = year_end[_demo_unit(db_session, "company_hz").id]
    c = year_end[_demo_unit(db_session, "selfhire_hz").id]
    assert {(t.term, t.count, t.points) for t in a.terms if t.points} == alerts
    assert [t.rate for t in a.terms if t.term == "licence_rate"] == [100]
    assert {(t.term, t.count, t.points) for t in c.terms} == {
        ("violation", 1, -10), ("complaint", 1, -5), ("unlicensed_dispatch", 3, -15),
        ("licence_rate", 3, -3), ("commendation", 1, 5)} | alerts
    assert [t.rate for t in c.terms if t.term == "licence_rate"] == [84]
    if alerts:
        assert (a.score, a.grade, c.score, c.grade) == (94, "A", 66, "C")
