"""Business rules of docs/rules.md, checked through app.services.rules and the database."""
import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from app.models import (AppUser, Dispatch, Employment, Person, Region, Service, ServiceTarget,
                        TargetCategory, Unit)
from app.security import authority
from app.security.scope import SYSTEM, scope_for_user
from app.services import rules
from app.security.authority import AuthorityViolation
from app.services.errors import RuleViolation
from tests.helpers import fresh_id_number, unique_name


def unit_of(session, username):
    return session.query(AppUser).filter_by(username=username).one().unit


def new_person(session, gender="male", year=1988, **kw):
    person = Person(id_number=fresh_id_number(gender, year=year), name=unique_name("人"), **kw)
    rules.validate(session, person, creating=True, scope=SYSTEM)
    session.add(person)
    session.flush()
    return person


def employ(session, person, unit, role="guard", start=dt.date(2024, 1, 1)):
    emp = Employment(person=person, unit=unit, role=role, start_date=start)
    rules.validate(session, emp, creating=True, scope=SYSTEM)
    session.add(emp)
    session.flush()
    return emp


def violation(callable_, *args, **kwargs):
    with pytest.raises(RuleViolation) as info:
        callable_(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------ people (rule 5)

def test_id_number_fills_gender_birth_date_and_region(db_session):
    number = fresh_id_number("female", region="330102", year=1990)
    person = Person(id_number=number.lower(), name=" 王芳 ")
    rules.validate(db_session, person, creating=True, scope=SYSTEM)
    assert person.id_number == number.upper()
    assert person.gender == "female"
    assert person.birth_date.year == 1990
    assert person.household_region_code == "330102"
    assert person.name == "王芳"


@pytest.mark.parametrize("number,fragment", [
    ("33010219900101001", "18"),
    ("330102199001010015", "校验"),
    ("330102199002300011", "出生日期"),
])
def test_invalid_id_number_is_refused_with_reason(db_session, number, fragment):
    err = violation(rules.validate, db_session, Person(id_number=number, name="张三"), True, SYSTEM)
    assert err.field == "id_number" and fragment in err.message


def test_duplicate_id_number_is_refused(db_session):
    existing = db_session.query(Person).first()
    err = violation(rules.validate, db_session,
                    Person(id_number=existing.id_number, name="李四"), True, SYSTEM)
    assert err.field == "id_number"


def test_unique_id_number_is_enforced_by_the_database(db_session):
    existing = db_session.query(Person).first()
    db_session.add(Person(id_number=existing.id_number, name="重复", gender="male",
                          birth_date=existing.birth_date))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


# ------------------------------------------------------------------ employment (rule 1)

def test_one_active_full_time_guard_employment(db_session):
    hz, nb = unit_of(db_session, "company_hz"), unit_of(db_session, "company_nb")
    person = new_person(db_session)
    employ(db_session, person, hz)
    err = violation(employ, db_session, person, nb)
    assert err.field == "person" and hz.name in err.message


def test_one_active_guard_employment_is_enforced_by_the_database(db_session):
    hz, nb = unit_of(db_session, "company_hz"), unit_of(db_session, "company_nb")
    person = new_person(db_session)
    employ(db_session, person, hz)
    db_session.add(Employment(person=person, unit=nb, role="guard",
                              start_date=dt.date(2024, 2, 1)))
    with pytest.raises(IntegrityError) as info:
        db_session.flush()
    assert rules.violation_from_integrity_error(info.value).field == "person"
    db_session.rollback()


def test_ended_guard_employment_allows_a_new_one(db_session):
    hz, nb = unit_of(db_session, "company_hz"), unit_of(db_session, "company_nb")
    person = new_person(db_session)
    first = employ(db_session, person, hz)
    first.end_date = dt.date(2024, 6, 30)
    db_session.flush()
    assert employ(db_session, person, nb, start=dt.date(2024, 7, 1)).id


def test_part_time_needs_active_full_time_guard_elsewhere(db_session):
    hz, nb = unit_of(db_session, "company_hz"), unit_of(db_session, "company_nb")
    person = new_person(db_session)
    err = violation(employ, db_session, person, hz, role="part_time_guard")
    assert err.field == "person"
    employ(db_session, person, nb)
    err = violation(employ, db_session, person, nb, role="part_time_guard")
    assert "this unit" in err.message or "本单位" in err.message
    assert employ(db_session, person, hz, role="part_time_guard").id


def test_guard_must_be_adult(db_session):
    hz = unit_of(db_session, "company_hz")
    young = new_person(db_session, year=dt.date.today().year - 17)
    err = violation(employ, db_session, young, hz, start=dt.date.today())
    assert err.field == "person"
    assert employ(db_session, young, hz, role="other_staff", start=dt.date.today()).id


def test_roles_follow_unit_kind(db_session):
    school, hz = unit_of(db_session, "school_hz"), unit_of(db_session, "company_hz")
    person = new_person(db_session)
    assert violation(employ, db_session, person, school, role="guard").field == "role"
    assert violation(employ, db_session, person, hz, role="student").field == "role"
    assert employ(db_session, person, school, role="student").id


# ------------------------------------------------------------------ units

def _unit(db_session, **kw):
    defaults = dict(name=unique_name("单位"), kind="company", region_code="330102")
    defaults.update(kw)
    return Unit(**defaults)


def test_branch_cannot_be_created_by_hand(db_session):
    hz = unit_of(db_session, "company_hz")
    err = violation(rules.validate, db_session, _unit(db_session, kind="branch", parent=hz),
                    True, SYSTEM)
    assert err.field == "kind"


def test_client_unit_needs_a_self_hiring_parent(db_session):
    hz, selfhire = unit_of(db_session, "company_hz"), unit_of(db_session, "selfhire_hz")
    err = violation(rules.validate, db_session, _unit(db_session, kind="client", parent=hz),
                    True, SYSTEM)
    assert err.field == "parent"
    rules.validate(db_session, _unit(db_session, kind="client", parent=selfhire), True, SYSTEM)


def test_parent_kind_is_enforced_by_the_database(db_session):
    db_session.add(Unit(name=unique_name("单位"), kind="client", region_code="330102"))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_jurisdiction_must_be_a_current_zhejiang_region(db_session):
    for code in ("330103", "110101"):  # abolished 下城区; Beijing
        err = violation(rules.validate, db_session,
                        _unit(db_session, region=db_session.get(Region, code)), True, SYSTEM)
        assert err.field == "region"


def test_invalid_credit_code_is_refused(db_session):
    err = violation(rules.validate, db_session, _unit(db_session, credit_code="91330102MA0000000X"),
                    True, SYSTEM)
    assert err.field == "credit_code"


def test_armed_escort_needs_ten_million_capital(db_session):
    err = violation(rules.validate, db_session,
                    _unit(db_session, armed_escort=True, registered_capital=500), True, SYSTEM)
    assert err.field == "registered_capital"


def test_unit_users_cannot_change_approval_fields(db_session):
    company_user = db_session.query(AppUser).filter_by(username="company_hz").one()
    unit = company_user.unit
    scope = scope_for_user(company_user)
    unit.registered_capital = (unit.registered_capital or 0) + 1
    with pytest.raises(AuthorityViolation) as refused:
        authority.check(db_session, unit, authority.CHANGE, scope)
    assert refused.value.field == "registered_capital"
    db_session.rollback()
    unit.contact_phone = "13912345678"
    authority.check(db_session, unit, authority.CHANGE, scope)  # ordinary fields stay editable
    rules.validate(db_session, unit, False, scope)
    db_session.rollback()


# ------------------------------------------------------------------ dispatch (rule 2)

def _service(db_session, unit):
    target = ServiceTarget(name=unique_name("目标"),
                           category=db_session.query(TargetCategory).first())
    service = Service(unit=unit, target=target, start_date=dt.date(2024, 1, 1))
    rules.validate(db_session, service, True, SYSTEM)
    db_session.add(service)
    db_session.flush()
    return service


def _dispatch(db_session, service, emp, start=dt.date(2024, 3, 1)):
    dispatch = Dispatch(service=service, employment=emp, start_date=start, post="门岗")
    rules.validate(db_session, dispatch, True, SYSTEM)
    db_session.add(dispatch)
    db_session.flush()
    return dispatch


def test_dispatch_rules(db_session):
    hz, nb = unit_of(db_session, "company_hz"), unit_of(db_session, "company_nb")
    service = _service(db_session, hz)
    guard = employ(db_session, new_person(db_session), hz)
    other_unit_guard = employ(db_session, new_person(db_session), nb)
    part_timer = employ(db_session, other_unit_guard.person, hz, role="part_time_guard")
    staff = employ(db_session, new_person(db_session), hz, role="other_staff")
    for emp in (other_unit_guard, part_timer, staff):
        assert violation(_dispatch, db_session, service, emp).field == "employment"
    assert violation(_dispatch, db_session, service, guard,
                     start=dt.date(2023, 12, 31)).field == "start_date"
    dispatch = _dispatch(db_session, service, guard)
    assert dispatch.unit_id == hz.id and dispatch.person_id == guard.person_id
    second = _service(db_session, hz)
    assert violation(_dispatch, db_session, second, guard).field == "employment"


def test_one_active_dispatch_is_enforced_by_the_database(db_session):
    hz = unit_of(db_session, "company_hz")
    service, second = _service(db_session, hz), _service(db_session, hz)
    guard = employ(db_session, new_person(db_session), hz)
    _dispatch(db_session, service, guard)
    db_session.add(Dispatch(service=second, employment=guard, unit=hz, person=guard.person,
                            start_date=dt.date(2024, 3, 1)))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_ending_service_or_employment_ends_dispatches(db_session):
    hz = unit_of(db_session, "company_hz")
    service = _service(db_session, hz)
    guards = [employ(db_session, new_person(db_session), hz) for _ in range(2)]
    dispatches = [_dispatch(db_session, service, g) for g in guards]
    guards[0].end_date, guards[0].end_reason = dt.date(2024, 5, 1), "辞职"
    rules.validate(db_session, guards[0], False, SYSTEM)
    assert dispatches[0].end_date == dt.date(2024, 5, 1) and dispatches[1].end_date is None
    service.status, service.end_date = "ended", dt.date(2024, 6, 1)
    rules.validate(db_session, service, False, SYSTEM)
    assert dispatches[1].end_date == dt.date(2024, 6, 1)
    db_session.rollback()
