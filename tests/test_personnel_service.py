"""Staff workflows of app.services.personnel: add staff, 【离职】, exam sync, ID check."""
import datetime as dt

import pytest
from flask import current_app

from app.models import (AppUser, Certificate, ChangeLog, Dispatch, Employment, ExamResult,
                        Person, PopulationRecord)
from app.security.scope import scope_for_user
from app.services import personnel
from app.security.authority import AuthorityViolation
from app.security.scope import OutOfScope
from app.services.errors import RuleViolation
from app.services.idnumber import make_id_number
from app.services.registry import get_registry
from tests.helpers import fresh_id_number, unique_name
from tests.test_rules import _dispatch, _service, unit_of


def scope_of(session, username):
    return scope_for_user(session.query(AppUser).filter_by(username=username).one())


def registered(session, gender="male", year=1990):
    """A person in the population registry but not yet in the system."""
    number = fresh_id_number(gender, year=year)
    name = unique_name("登记")
    info = personnel.parse_id_number(number)
    session.add(PopulationRecord(id_number=number, name=name, gender=info.gender,
                                 birth_date=info.birth_date))
    session.flush()
    return number, name


def add(session, username, role="guard", number=None, name=None, unit=None, **kw):
    if number is None:
        number, name = registered(session)
    kw.setdefault("start_date", dt.date(2024, 5, 1))
    return personnel.add_staff(
        session, scope_of(session, username), unit=unit or unit_of(session, username),
        role=role, person={"id_number": number, "name": name, "phone": "13800000000"},
        registry=get_registry(session, current_app.config), **kw)


def rule(callable_, *args, **kwargs):
    with pytest.raises(RuleViolation) as info:
        callable_(*args, **kwargs)
    return info.value


def test_add_guard_creates_person_employment_and_certificates(db_session):
    number, name = registered(db_session, "female", 1992)
    emp = add(db_session, "police_sc", unit=unit_of(db_session, "company_hz"), number=number,
              name=name, position="门岗",
              certificates=[{"kind": "guard", "number": unique_name("ZJ")},
                            {"kind": "driving_licence", "number": ""}])
    person = emp.person
    assert person.gender == "female" and person.birth_date.year == 1992
    assert person.household_region_code == "330106"
    assert emp.role == "guard" and emp.active and emp.unit.name
    assert [c.kind for c in person.certificates] == ["guard"]  # empty rows are skipped
    assert db_session.query(ChangeLog).filter_by(entity="employment", entity_id=emp.id).count()


def test_a_unit_adding_staff_records_other_certificates_not_a_guard_certificate(db_session):
    emp = add(db_session, "company_hz", certificates=[
        {"kind": "driving_licence", "number": unique_name("D"), "level": "C1"}])
    assert [c.kind for c in emp.person.certificates] == ["driving_licence"]
    db_session.flush()
    assert emp.person.certificates[0].author_kind == "unit"
    with pytest.raises(AuthorityViolation):
        add(db_session, "company_hz", certificates=[
            {"kind": "guard", "number": unique_name("ZJ")}])


def test_add_staff_finds_existing_person_by_id_number(db_session):
    emp = add(db_session, "company_hz", role="other_staff")
    again = add(db_session, "selfhire_hz", role="other_staff", number=emp.person.id_number,
                name=emp.person.name)
    assert again.person_id == emp.person_id
    assert db_session.query(Person).filter_by(id_number=emp.person.id_number).count() == 1
    assert rule(add, db_session, "company_nb", role="other_staff",
                number=emp.person.id_number, name="别的名字",
                registry_confirmed=True).field == "name"


def test_one_active_full_time_guard(db_session):
    emp = add(db_session, "company_hz")
    violation = rule(add, db_session, "company_nb", number=emp.person.id_number,
                     name=emp.person.name)
    assert violation.field == "person" and emp.unit.name in violation.message


def test_part_time_needs_an_active_full_time_guard_elsewhere(db_session):
    number, name = registered(db_session)
    assert rule(add, db_session, "company_hz", role="part_time_guard", number=number,
                name=name).field == "person"
    assert db_session.query(Person).filter_by(id_number=number).count() == 0  # not half-saved
    db_session.rollback()
    full = add(db_session, "company_nb")
    part = add(db_session, "company_hz", role="part_time_guard", number=full.person.id_number,
               name=full.person.name)
    assert part.role == "part_time_guard"
    # … but not at the same unit
    assert rule(add, db_session, "company_nb", role="part_time_guard",
                number=full.person.id_number, name=full.person.name).field == "person"


def test_guard_under_18_is_refused(db_session):
    today = dt.date.today()
    number = make_id_number("330106", today.replace(year=today.year - 17), 321, "male")
    assert rule(add, db_session, "company_hz", number=number, name="少年",
                registry_confirmed=True).field == "person"


def test_invalid_number_and_unit_rules(db_session):
    assert rule(add, db_session, "company_hz", number="330106199001011234",
                name="某人").field == "id_number"
    school = unit_of(db_session, "school_hz")
    with pytest.raises(OutOfScope):  # out of scope: the one signal, 404 on the pages
        add(db_session, "company_hz", unit=school)
    assert rule(add, db_session, "school_hz", role="guard").field == "role"


def test_registry_mismatch_needs_confirmation(db_session):
    number, name = registered(db_session)
    assert rule(add, db_session, "company_hz", number=number,
                name=name + "某").field == "name"
    unknown = fresh_id_number("male", year=1987)
    assert rule(add, db_session, "company_hz", number=unknown, name="未登记").field == "name"
    emp = add(db_session, "company_hz", number=unknown, name="未登记", registry_confirmed=True)
    assert emp.person.name == "未登记"


def test_hooks_run_for_every_added_employment(db_session):
    seen = []
    personnel.STAFF_ADDED_HOOKS.append(lambda s, e, check: seen.append((e.role, check.status)))
    try:
        add(db_session, "company_hz")
    finally:
        personnel.STAFF_ADDED_HOOKS.pop()
    assert seen == [("guard", "match")]


def test_resign_ends_dispatches_and_keeps_history(db_session):
    hz = unit_of(db_session, "company_hz")
    emp = add(db_session, "company_hz", start_date=dt.date(2024, 1, 1))
    dispatch = _dispatch(db_session, _service(db_session, hz), emp)
    scope = scope_of(db_session, "company_hz")
    assert rule(personnel.resign, db_session, scope, emp, dt.date(2025, 1, 1), " ").field \
        == "end_reason"
    with pytest.raises(OutOfScope):
        personnel.resign(db_session, scope_of(db_session, "company_nb"), emp,
                         dt.date(2025, 1, 1), "个人原因")
    personnel.resign(db_session, scope, emp, dt.date(2025, 1, 1), "个人原因")
    assert emp.end_date == dt.date(2025, 1, 1) and emp.end_reason == "个人原因"
    assert dispatch.end_date == dt.date(2025, 1, 1) and dispatch.end_reason
    assert db_session.get(Employment, emp.id) is not None
    assert db_session.get(Dispatch, dispatch.id) is not None
    assert rule(personnel.resign, db_session, scope, emp, dt.date(2025, 2, 1),
                "再次").field == "end_date"
    # The person may now become a full-time guard elsewhere.
    again = add(db_session, "company_nb", number=emp.person.id_number, name=emp.person.name,
                start_date=dt.date(2025, 2, 1))
    assert again.active


def test_exam_sync_is_idempotent_and_issues_the_certificate(db_session):
    emp = add(db_session, "company_hz")
    number = emp.person.id_number
    result, changed = personnel.sync_exam_result(db_session, number, dt.date(2025, 3, 1),
                                                 "78.5", True, source="批次1")
    assert changed and result.passed and float(result.score) == 78.5
    certs = db_session.query(Certificate).filter_by(person_id=emp.person_id, kind="guard").all()
    assert len(certs) == 1 and certs[0].issued_on == dt.date(2025, 3, 1)
    logs = db_session.query(ChangeLog).count()
    again, changed = personnel.sync_exam_result(db_session, number, dt.date(2025, 3, 1),
                                                78.5, True, source="批次1")
    assert again.id == result.id and not changed
    assert db_session.query(ChangeLog).count() == logs  # nothing was written
    assert db_session.query(ExamResult).filter_by(person_id=emp.person_id).count() == 1
    # A corrected score updates the same result.
    _, changed = personnel.sync_exam_result(db_session, number, dt.date(2025, 3, 1), 80, True)
    assert changed and float(result.score) == 80
    assert rule(personnel.sync_exam_result, db_session, fresh_id_number(), dt.date(2025, 3, 1),
                60, True).field == "id_number"


def test_failed_exam_issues_nothing(db_session):
    emp = add(db_session, "company_hz")
    personnel.sync_exam_result(db_session, emp.person.id_number, dt.date(2025, 3, 2), 40, False)
    assert not db_session.query(Certificate).filter_by(person_id=emp.person_id).count()


def test_check_id_number(db_session):
    number, name = registered(db_session, "female", 1995)
    registry = get_registry(db_session, current_app.config)
    info = personnel.check_id_number(number, name, registry)
    assert info["valid"] and info["gender"] == "female" and info["birth_date"].startswith("1995")
    assert info["region_name"] and info["registry"]["status"] == "match"
    wrong = personnel.check_id_number(number, name + "某", registry)["registry"]
    assert wrong["status"] == "mismatch" and wrong["fields"] == ["name"]
    assert name not in str(wrong)  # the registered name is never revealed
    bad = personnel.check_id_number(number[:17] + ("0" if number[17] != "0" else "1"))
    assert not bad["valid"] and "校验位" in bad["error"]


def test_leaving_full_time_ends_part_time_work(db_session):
    full = add(db_session, "company_nb", start_date=dt.date(2024, 1, 1))
    part = add(db_session, "company_hz", role="part_time_guard", number=full.person.id_number,
               name=full.person.name, start_date=dt.date(2024, 6, 1))
    personnel.resign(db_session, scope_of(db_session, "company_nb"), full, dt.date(2025, 1, 1),
                     "个人原因")
    assert part.end_date == dt.date(2025, 1, 1) and part.end_reason
    # Leaving part-time work leaves the full-time job alone.
    other = add(db_session, "company_nb", start_date=dt.date(2024, 1, 1))
    part = add(db_session, "company_hz", role="part_time_guard", number=other.person.id_number,
               name=other.person.name, start_date=dt.date(2024, 6, 1))
    personnel.resign(db_session, scope_of(db_session, "company_hz"), part, dt.date(2025, 1, 1),
                     "兼职结束")
    assert other.active


def test_change_log_names_the_records_of_its_own_flush_without_reading_them_again(
        db_session):
    """The change log labels a foreign key to a record inserted by the same flush from the
    flush's own object (docs/import.md "What a row costs"), not with a SELECT a record."""
    from sqlalchemy import event
    number, name = registered(db_session)
    person_reads = []

    def seen(conn, cursor, statement, params, context, many):
        flat = " ".join(statement.split()).lower()
        if flat.startswith("select") and "from person where person.id =" in flat:
            person_reads.append(flat)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        emp = add(db_session, "company_hz", number=number, name=name)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert person_reads == []
    label = db_session.query(ChangeLog.new_label).filter_by(
        entity="employment", entity_id=emp.id, field="person_id").scalar()
    assert label == f"{name}（{number}）"
