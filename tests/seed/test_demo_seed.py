"""The deterministic demo data set (seed/demo.py, docs/roles.md#the-demo-data-set).

Runs on a temporary SQLite file; with TEST_DATABASE_URL (postgresql+psycopg://…) set, on a
scratch PostgreSQL database created beside it and dropped afterwards.
"""
import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.helpers import fresh_database
from app.models import (AppUser, Certificate, ChangeLog, Dispatch, Employment, Person, Service,
                        ServiceTarget, TargetCategory, Unit)
from app.security import roles as R
from app.services.idnumber import parse_id_number

PASSWORD = "Demo@Test-2026"
TABLES = (Unit, Person, Employment, Certificate, ServiceTarget, Service, Dispatch, ChangeLog,
          AppUser)




def make_app(url, tmp_path):
    from app import create_app

    app = create_app("config.TestConfig", AUTO_MIGRATE=True, SQLALCHEMY_DATABASE_URI=url,
                     INSTANCE_DIR=str(tmp_path), UPLOAD_ROOT=str(tmp_path / "uploads"))
    with app.app_context():
        app.appbuilder.add_permissions(update_perms=True)
        app.appbuilder.sm.sync_roles()
    return app


def dispose(app):
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def seeded_app(tmp_path, label):
    from app.extensions import db
    from seed.demo import seed_demo

    url, drop = fresh_database(tmp_path, label)
    app = make_app(url, tmp_path)
    with app.app_context():
        app.config["DEMO_SUMMARY"] = seed_demo(db.session, PASSWORD)
    return app, drop


def table_counts(session):
    return {model.__tablename__: session.query(func.count(model.id)).scalar()
            for model in TABLES}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app, drop = seeded_app(tmp_path_factory.mktemp("demo"), "demo")
    yield app
    dispose(app)
    drop()


@pytest.fixture()
def session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


def unit_of(session, username):
    return session.execute(select(AppUser).where(AppUser.username == username)).scalar_one().unit


def active(session, unit, role):
    return session.execute(select(Employment).where(
        Employment.unit_id == unit.id, Employment.role == role,
        Employment.end_date.is_(None))).scalars().all()


# ---------------------------------------------------------------- accounts
EXPECTED_ACCOUNTS = {
    # username: (role, unit kind, region code or its prefix)
    "admin": (R.PROVINCE_ADMIN, None, "330000"),
    "police_hz": (R.CITY_POLICE, None, "330100"),
    "police_nb": (R.CITY_POLICE, None, "330200"),
    "police_sc": (R.DISTRICT_POLICE, None, "330102"),
    "company_hz": (R.COMPANY_USER, "company", "330102"),
    "company_nb": (R.COMPANY_USER, "company", "3302"),
    "selfhire_hz": (R.SELF_HIRE_USER, "self_hire", "3301"),
    "client_hz": (R.CLIENT_UNIT_USER, "client", "3301"),
    "school_hz": (R.TRAINING_USER, "training", "3301"),
    "association": (R.ASSOCIATION, None, None),
}


def test_summary(app):
    summary = app.config["DEMO_SUMMARY"]
    assert summary.startswith("demo data:") and "10 accounts" in summary


def test_accounts(app, session):
    users = {u.username: u for u in session.query(AppUser)}
    # Besides the ten people's accounts, the exam system's API account (docs/roles.md).
    assert set(users) == set(EXPECTED_ACCOUNTS) | {"exam_system"}
    assert [r.name for r in users.pop("exam_system").roles] == ["exam_system"]
    for username, (role, kind, region) in EXPECTED_ACCOUNTS.items():
        user = users[username]
        assert [r.name for r in user.roles] == [role], username
        assert user.first_name and user.last_name, username
        assert all("\u4e00" <= ch <= "\u9fff" for ch in user.last_name + user.first_name)
        if kind is None:
            assert user.unit is None, username
            assert user.region_code == region, username
        else:
            assert user.unit is not None and user.unit.kind == kind, username
            assert user.unit.region_code.startswith(region), username
            assert user.region_code == user.unit.region_code
            assert user.unit.status == "active"
            assert len(user.phone) == 11 and user.phone.isdigit()
    client = users["client_hz"].unit
    assert client.parent_id == users["selfhire_hz"].unit.id
    sm = app.appbuilder.sm
    assert sm.auth_user_db("company_nb", PASSWORD) is not None
    assert sm.auth_user_db("company_nb", "wrong") is None


def test_units_are_complete_and_valid(session):
    from app.services.uscc import is_valid_uscc

    units = session.query(Unit).all()
    kinds = {u.kind for u in units}
    assert kinds == {"company", "branch", "self_hire", "client", "training"}
    for unit in units:
        assert is_valid_uscc(unit.credit_code), unit.name
        assert unit.credit_code[2:8] == unit.region_code
        assert unit.address.startswith("浙江省")
        assert unit.contact_person and len(unit.contact_phone) == 11
        if unit.kind == "company":
            assert unit.registered_capital >= 100 and unit.licence_number.startswith("浙公保服")
            assert unit.legal_representative and unit.grade and unit.business_scope
        if unit.kind == "branch":
            assert unit.parent.kind == "company"
        if unit.kind == "training":
            assert unit.training_capacity and unit.training_scope
    escort = [u for u in units if u.armed_escort]
    assert escort and all(u.registered_capital >= 1000 for u in escort)
    # Someone else's records in every direction of the scope.
    hz = unit_of(session, "company_hz")
    assert any(u.kind == "company" and u.region_code.startswith("3301")
               and u.region_code != "330102" for u in units)
    assert any(u.kind == "branch" and u.parent_id == hz.id and u.region_code != "330102"
               for u in units)
    assert any(u.region_code.startswith("3303") for u in units)
    assert sum(u.kind == "self_hire" for u in units) >= 2


def test_scope_directions(session):
    from app.security.scope import scope_for_user
    from tests.helpers import scoped_rows

    def visible(username, write=False):
        user = session.execute(select(AppUser).where(AppUser.username == username)).scalar_one()
        scope = scope_for_user(user)
        return {u.name for u in scoped_rows(session, Unit, scope, write=write)}

    units = {u.name: u for u in session.query(Unit)}
    everyone = set(units)
    hangzhou = {n for n, u in units.items() if u.region_code.startswith("3301")}
    assert visible("admin") == everyone == visible("association")
    assert visible("association", write=True) == set()
    assert visible("police_hz") == hangzhou
    assert visible("police_nb") == {n for n, u in units.items()
                                    if u.region_code.startswith("3302")}
    assert visible("police_sc") == {n for n, u in units.items() if u.region_code == "330102"}
    assert visible("police_sc") < visible("police_hz")
    hz = unit_of(session, "company_hz")
    assert visible("company_hz") == {hz.name} | {c.name for c in hz.children}
    assert visible("company_hz", write=True) == {hz.name}
    selfhire = unit_of(session, "selfhire_hz")
    assert visible("selfhire_hz", write=True) == {selfhire.name} | {
        c.name for c in selfhire.children}
    assert visible("client_hz") == {unit_of(session, "client_hz").name}


# ---------------------------------------------------------------- people
def test_every_id_number_parses_and_matches(session):
    people = session.query(Person).all()
    assert len(people) >= 120
    abolished = other_province = 0
    for person in people:
        info = parse_id_number(person.id_number, strict_region=True)
        assert info.number == person.id_number
        assert info.gender == person.gender, person.name
        assert info.birth_date == person.birth_date, person.name
        assert info.region_code == person.household_region_code
        assert person.household_address.startswith(info.region_name.replace("（已撤销）", ""))
        assert 2 <= len(person.name) <= 4
        assert len(person.phone) == 11 and person.phone.isdigit()
        assert person.education is not None
        abolished += info.region_name.endswith("（已撤销）")
        other_province += not person.id_number.startswith("33")
    assert 1 <= abolished <= 3
    assert other_province >= 10


def test_guards_are_adults_and_rules_hold(session):
    for emp in session.query(Employment).filter(
            Employment.role.in_(("guard", "part_time_guard"))):
        born = emp.person.birth_date
        age = emp.start_date.year - born.year - (
            (emp.start_date.month, emp.start_date.day) < (born.month, born.day))
        assert age >= 18, emp.person.name
        if emp.role == "guard" and emp.end_date is None:
            age_now = 2025 - born.year
            assert 20 <= age_now <= 59
    # One active full-time guard employment and one active dispatch per person.
    for model, extra in ((Employment, Employment.role == "guard"), (Dispatch, True)):
        most = session.execute(select(func.count()).select_from(model).where(
            model.end_date.is_(None), extra).group_by(model.person_id)
            .order_by(func.count().desc()).limit(1)).scalar()
        assert most == 1


def test_no_person_works_for_both_company_hz_and_company_nb(session):
    def people_of(username):
        unit = unit_of(session, username)
        ids = [unit.id] + [c.id for c in unit.children]
        return set(session.execute(select(Employment.person_id).where(
            Employment.unit_id.in_(ids))).scalars())

    hz, nb = people_of("company_hz"), people_of("company_nb")
    assert hz and nb and not hz & nb


def test_part_time_guards_are_full_time_guards_elsewhere(session):
    part_timers = session.query(Employment).filter(Employment.role == "part_time_guard").all()
    assert len(part_timers) >= 10
    for emp in part_timers:
        main = session.execute(select(Employment).where(
            Employment.person_id == emp.person_id, Employment.role == "guard",
            Employment.end_date.is_(None))).scalar_one()
        assert main.unit_id != emp.unit_id


def test_each_account_unit_has_its_people_services_and_dispatches(session):
    for username in ("company_hz", "company_nb", "selfhire_hz"):
        unit = unit_of(session, username)
        guards = active(session, unit, "guard")
        assert len(guards) >= 10, username
        assert len(active(session, unit, "part_time_guard")) >= 2, username
        staff = active(session, unit, "other_staff")
        assert len(staff) >= 3 and any(e.key_manager and e.position == "总经理" for e in staff)
        assert session.query(Employment).filter(
            Employment.unit_id == unit.id, Employment.end_date.is_not(None),
            Employment.end_reason == "合同到期").count() >= 1, username
        services = session.query(Service).filter(Service.unit_id == unit.id).all()
        ongoing = [s for s in services if s.status == "active" and s.end_date is None]
        assert 3 <= len(ongoing) <= 5 and any(s.status == "ended" for s in services)
        dispatched = session.query(Dispatch).filter(
            Dispatch.unit_id == unit.id, Dispatch.end_date.is_(None)).count()
        assert 0.6 <= dispatched / len(guards) <= 0.8, username
        assert session.query(Dispatch).filter(
            Dispatch.unit_id == unit.id, Dispatch.end_date.is_not(None)).count() >= 1
    client = unit_of(session, "client_hz")
    assert len(active(session, client, "guard")) == 3
    assert active(session, client, "part_time_guard") and active(session, client,
                                                                 "other_staff")
    # The self-hiring unit serves its client unit's premises and posts guards there.
    premises = session.query(Service).join(ServiceTarget).filter(
        Service.unit_id == client.parent_id, ServiceTarget.name == client.name,
        Service.status == "active").one()
    assert any(d.end_date is None for d in premises.dispatches)
    school = unit_of(session, "school_hz")
    assert len(active(session, school, "student")) == 8
    assert len(active(session, school, "instructor")) == 3
    assert len(active(session, school, "other_staff")) == 2


def test_dispatches_are_consistent(session):
    for d in session.query(Dispatch):
        emp, service = d.employment, d.service
        assert emp.role == "guard" and emp.unit_id == service.unit_id == d.unit_id
        assert emp.person_id == d.person_id
        assert service.start_date <= d.start_date
        assert emp.start_date <= d.start_date
        if service.end_date:
            assert d.end_date is not None and d.end_date <= service.end_date
        if d.end_date is None:
            assert emp.end_date is None and service.status == "active"
        assert d.start_date <= dt.date(2025, 12, 31)


def test_certificates(session):
    certs = session.query(Certificate).all()
    kinds = {c.kind for c in certs}
    assert {"guard", "driving_licence", "fire_control", "vocational_level"} <= kinds
    guard_numbers = [c.number for c in certs if c.kind == "guard"]
    assert len(guard_numbers) == len(set(guard_numbers)) >= 60
    for number in guard_numbers:
        assert number.startswith("浙33") and len(number) == 15 and number[1:].isdigit()
    guards = session.query(Employment.person_id).filter(
        Employment.role == "guard", Employment.end_date.is_(None)).distinct().count()
    holders = len({c.person_id for c in certs if c.kind == "guard"})
    assert holders / guards >= 0.7


def test_targets_cover_every_category_and_tier(session):
    used = session.execute(select(TargetCategory.name, TargetCategory.tier).join(
        ServiceTarget, ServiceTarget.category_id == TargetCategory.id).join(
        Service, Service.target_id == ServiceTarget.id).distinct()).all()
    assert {tier for _, tier in used} == {1, 2, 3}
    all_categories = {c.name for c in session.query(TargetCategory)}
    with_targets = set(session.execute(select(TargetCategory.name).join(
        ServiceTarget, ServiceTarget.category_id == TargetCategory.id)).scalars())
    assert with_targets == all_categories and len(all_categories) == 16
    assert session.query(ServiceTarget).count() >= 20


def test_change_log_records_system(session):
    rows = session.execute(select(ChangeLog.entity, ChangeLog.username).distinct()).all()
    assert {username for _, username in rows} == {"system"}
    assert {"unit", "person", "employment", "service", "dispatch", "certificate"} <= {
        entity for entity, _ in rows}


def test_rerun_changes_nothing(app, session):
    from seed.demo import seed_demo

    before = table_counts(session)
    assert seed_demo(session, PASSWORD) == "demo data already present"
    session.commit()
    assert table_counts(session) == before


def test_deterministic(app, tmp_path):
    """A second empty database gets exactly the same people, units and targets."""
    from app.extensions import db

    def snapshot(some_app):
        with some_app.app_context():
            s = db.session
            return dict(
                people=s.execute(select(Person.id_number, Person.name, Person.phone,
                                        Person.household_address)
                                 .order_by(Person.id)).all(),
                units=s.execute(select(Unit.name, Unit.credit_code, Unit.contact_person)
                                .order_by(Unit.id)).all(),
                employments=s.execute(select(Employment.person_id, Employment.unit_id,
                                             Employment.role, Employment.start_date,
                                             Employment.end_date)
                                      .order_by(Employment.id)).all(),
                dispatches=s.execute(select(Dispatch.person_id, Dispatch.service_id,
                                            Dispatch.start_date, Dispatch.end_date)
                                     .order_by(Dispatch.id)).all(),
                certificates=s.execute(select(Certificate.kind, Certificate.number)
                                       .order_by(Certificate.id)).all(),
                users=s.execute(select(AppUser.username, AppUser.first_name,
                                       AppUser.last_name, AppUser.unit_id)
                                .order_by(AppUser.username)).all())

    first = snapshot(app)
    other, drop = seeded_app(tmp_path, "again")
    try:
        assert snapshot(other) == first
    finally:
        dispose(other)
        drop()
