"""The synthetic bulk loader (seed/synthetic.py): a small set on top of the demo data.

Runs on a temporary SQLite file; with TEST_DATABASE_URL (postgresql+psycopg://…) set, on a
scratch PostgreSQL database created beside it and dropped afterwards.
"""
import datetime as dt

import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from tests.helpers import fresh_database
from app.models import (AppUser, Application, BackgroundAlert, Certificate, ChangeLog, Dispatch,
                        Employment, IdentityCheck, Person, Region, Service, ServiceTarget,
                        TargetCategory, Unit)
from app.models.choices import ROLES_BY_UNIT_KIND
from app.services.idnumber import make_id_number, parse_id_number

PEOPLE = 2000
TABLES = (Unit, Person, Employment, Certificate, ServiceTarget, Service, Dispatch, ChangeLog,
          AppUser, IdentityCheck, BackgroundAlert, Application)




def counts(session):
    return {model.__tablename__: session.query(func.count(model.id)).scalar()
            for model in TABLES}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app
    from app.extensions import db
    from seed.demo import seed_demo
    from seed.synthetic import seed_synthetic

    tmp = tmp_path_factory.mktemp("synthetic")
    url, drop = fresh_database(tmp, "synthetic")
    app = create_app("config.TestConfig", AUTO_MIGRATE=True, SQLALCHEMY_DATABASE_URI=url,
                     INSTANCE_DIR=str(tmp), UPLOAD_ROOT=str(tmp / "uploads"))
    with app.app_context():
        app.appbuilder.add_permissions(update_perms=True)
        app.appbuilder.sm.sync_roles()
        seed_demo(db.session, "Demo@Test-2026")
        before = counts(db.session)
        max_person = db.session.query(func.max(Person.id)).scalar()
        summary = seed_synthetic(db.session, people=PEOPLE, random_seed=2026)
        after = counts(db.session)
    app.config.update(SYNTH_BEFORE=before, SYNTH_AFTER=after, SYNTH_SUMMARY=summary,
                      SYNTH_FIRST_PERSON=max_person + 1)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture()
def session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


def added(app, table):
    return app.config["SYNTH_AFTER"][table] - app.config["SYNTH_BEFORE"][table]


def scalar(session, query):
    return session.execute(query).scalar()


def test_counts_scale_with_people(app):
    assert added(app, "person") == PEOPLE
    assert added(app, "unit") == PEOPLE // 100
    assert added(app, "service_target") == PEOPLE // 10
    assert added(app, "service") == PEOPLE // 5
    assert 1.15 <= added(app, "employment") / PEOPLE <= 1.19
    assert 1.9 <= added(app, "dispatch") / PEOPLE <= 2.0
    assert 0.7 <= added(app, "certificate") / PEOPLE <= 0.95
    summary = app.config["SYNTH_SUMMARY"]
    for table in ("person", "employment", "dispatch", "certificate"):
        assert table in summary


def test_bulk_load_writes_no_change_log_and_leaves_demo_alone(app, session):
    assert added(app, "change_log") == 0
    assert added(app, "ab_user") == 0
    demo = session.query(Unit).filter(~Unit.name.contains("合成")).count()
    assert demo == app.config["SYNTH_BEFORE"]["unit"]


def test_one_active_guard_employment_and_one_active_dispatch_per_person(session):
    for model, condition in ((Employment, Employment.role == "guard"), (Dispatch, True)):
        clash = scalar(session, select(func.count()).select_from(
            select(model.person_id).where(model.end_date.is_(None), condition)
            .group_by(model.person_id).having(func.count() > 1).subquery()))
        assert clash == 0


def test_dispatches_match_service_and_employment(session):
    emp, svc = aliased(Employment), aliased(Service)
    base = select(func.count()).select_from(Dispatch).join(
        emp, emp.id == Dispatch.employment_id).join(svc, svc.id == Dispatch.service_id)
    assert scalar(session, base) == session.query(Dispatch).count()
    bad = or_(
        Dispatch.unit_id != svc.unit_id, Dispatch.person_id != emp.person_id,
        emp.unit_id != svc.unit_id, emp.role != "guard",
        Dispatch.start_date < svc.start_date, Dispatch.start_date < emp.start_date,
        and_(svc.end_date.is_not(None), or_(Dispatch.end_date.is_(None),
                                            Dispatch.end_date > svc.end_date,
                                            Dispatch.start_date > svc.end_date)),
        and_(emp.end_date.is_not(None), or_(Dispatch.end_date.is_(None),
                                            Dispatch.end_date > emp.end_date)),
        and_(Dispatch.end_date.is_(None), svc.status != "active"),
        Dispatch.end_date < Dispatch.start_date,
    )
    assert scalar(session, base.where(bad)) == 0
    # Plenty of current and past dispatches.
    open_ = session.query(Dispatch).filter(Dispatch.end_date.is_(None)).count()
    assert 0.2 < open_ / session.query(Dispatch).count() < 0.6


def test_services_and_their_units(session):
    wrong_kind = session.query(Service).join(Unit, Unit.id == Service.unit_id).filter(
        Unit.kind.notin_(("company", "branch", "self_hire"))).count()
    assert wrong_kind == 0
    inconsistent = session.query(Service).filter(or_(
        and_(Service.end_date.is_(None), Service.status != "active"),
        and_(Service.end_date.is_not(None), Service.status != "ended"),
        Service.end_date < Service.start_date)).count()
    assert inconsistent == 0


def test_roles_allowed_and_part_time_rules(session):
    rows = session.execute(select(Unit.kind, Employment.role).join(
        Unit, Unit.id == Employment.unit_id).distinct()).all()
    for kind, role in rows:
        assert role in ROLES_BY_UNIT_KIND[kind], (kind, role)
    main = aliased(Employment)
    orphans = session.query(Employment).filter(
        Employment.role == "part_time_guard", Employment.end_date.is_(None),
        ~select(main.id).where(main.person_id == Employment.person_id, main.role == "guard",
                               main.end_date.is_(None),
                               main.unit_id != Employment.unit_id).exists()).count()
    assert orphans == 0
    assert session.query(Employment).filter(
        Employment.end_date < Employment.start_date).count() == 0


def test_guards_are_adults(app, session):
    people = {p.id: p for p in session.query(Person).filter(
        Person.id >= app.config["SYNTH_FIRST_PERSON"])}
    guards = session.query(Employment).filter(
        Employment.person_id.in_(list(people)),
        Employment.role.in_(("guard", "part_time_guard"))).all()
    assert guards
    for emp in guards:
        born = people[emp.person_id].birth_date
        age = emp.start_date.year - born.year - (
            (emp.start_date.month, emp.start_date.day) < (born.month, born.day))
        assert age >= 18


def test_units_parents_and_regions(session):
    units = session.query(Unit).filter(Unit.name.contains("合成")).all()
    assert {u.kind for u in units} == {"company", "branch", "self_hire", "client", "training"}
    for unit in units:
        if unit.kind == "branch":
            assert unit.parent.kind == "company"
        elif unit.kind == "client":
            assert unit.parent.kind == "self_hire"
        else:
            assert unit.parent_id is None
        region = unit.region
        assert region.code.startswith("33") and region.level == "county"
        assert region.end_year is None
        assert unit.credit_code[2:8] == unit.region_code
    assert {u.region_code[:4] for u in units} == {f"33{n:02d}" for n in range(1, 12)}


def test_people_have_valid_id_numbers(app, session):
    people = session.query(Person).filter(Person.id >= app.config["SYNTH_FIRST_PERSON"]).all()
    assert len(people) == PEOPLE
    for person in people:
        info = parse_id_number(person.id_number)
        assert (info.gender, info.birth_date, info.region_code) == (
            person.gender, person.birth_date, person.household_region_code)
    assert sum(not p.id_number.startswith("33") for p in people) > PEOPLE * 0.1


def test_targets_cover_every_category(session):
    categories = session.execute(select(TargetCategory.name).join(
        ServiceTarget, ServiceTarget.category_id == TargetCategory.id).where(
        ServiceTarget.name.contains("合成")).distinct()).scalars().all()
    assert len(categories) == 16


def test_certificates_unique_and_owned(session):
    assert scalar(session, select(func.count()).select_from(
        select(Certificate.kind, Certificate.number).group_by(
            Certificate.kind, Certificate.number).having(func.count() > 1).subquery())) == 0
    kinds = set(session.execute(select(Certificate.kind).distinct()).scalars())
    assert {"guard", "driving_licence", "fire_control", "vocational_level"} <= kinds


def test_appending_again_and_orm_inserts_still_work(app, session):
    """A second load appends without collisions; ids (PostgreSQL sequences) stay usable."""
    from seed.synthetic import seed_synthetic

    before = counts(session)
    seed_synthetic(session, people=300, random_seed=7)
    after = counts(session)
    assert after["person"] - before["person"] == 300
    region = session.get(Region, "330102")
    assert region is not None
    person = Person(id_number=make_id_number("330102", dt.date(1990, 1, 1), 499, "male"),
                    name="测试", gender="male", birth_date=dt.date(1990, 1, 1))
    unit = Unit(kind="company", name="测试保安服务有限公司", region_code="330102")
    session.add_all([person, unit])
    session.flush()
    session.add(Employment(person=person, unit=unit, role="guard",
                           start_date=dt.date(2024, 1, 1)))
    session.flush()
    assert person.id > max(p for p, in session.query(Person.id).filter(Person.id != person.id))
    session.rollback()


def test_screening_cases_belong_to_active_guard_jobs(app, session):
    first = app.config["SYNTH_FIRST_PERSON"]
    cases = session.query(IdentityCheck).filter(IdentityCheck.person_id >= first).all()
    active_guards = scalar(session, select(func.count(Employment.id)).where(
        Employment.person_id >= first, Employment.role == "guard",
        Employment.end_date.is_(None)))
    # one case per main active guard job (a few active guards hold an earlier job too)
    assert 0.9 * active_guards <= len(cases) <= active_guards
    for case in cases:
        emp = session.get(Employment, case.employment_id)
        assert (emp.person_id, emp.unit_id, emp.role, emp.end_date) == (
            case.person_id, case.unit_id, "guard", None)
        assert (case.closed_at is None) == case.is_open
    states = {case.state for case in cases}
    assert {"passed", "failed"} <= states


def test_background_alerts_follow_verified_cases(app, session):
    first = app.config["SYNTH_FIRST_PERSON"]
    from app.models.screening import ALERT_REASONS
    alerts = session.query(BackgroundAlert).filter(BackgroundAlert.person_id >= first).all()
    for alert in alerts:
        case = session.get(IdentityCheck, alert.identity_check_id)
        assert case.state in ("passed", "cleared") and case.person_id == alert.person_id
        assert ALERT_REASONS[alert.reason_code][1] == alert.kind
        assert (alert.state == "open") == (alert.closed_at is None)


def test_applications_are_consistent(app, session):
    assert added(app, "application") == PEOPLE // 100
    from app.services.application_items import ITEMS
    rows = session.query(Application).filter(Application.decided_by == "synthetic").all()
    for row in session.query(Application).filter(Application.number.like("BA2025%")):
        item = ITEMS[row.item]
        assert row.days_used < row.time_limit_days == item.time_limit
        assert (row.decision is not None) == (row.status in ("approved", "rejected"))
        assert row.status != "province_review" or item.decider == "province"
    assert all(r.decided_at is not None for r in rows)
