"""The dispatch workflow (app.services.dispatch): services with targets by full name, posting
several guards at once (all or nothing, a reason per refused guard), cancelling one dispatch,
ending a service with its dispatches; client units share the self-hiring unit's staff pool."""
import datetime as dt
import os
import threading

import pytest
from sqlalchemy.orm import Session

from app.models import AppUser, Dispatch, Service, ServiceTarget, TargetCategory
from app.security.scope import OutOfScope, scope_for_user
from app.services import dispatch as workflow
from app.services.dispatch import DispatchRefused, TargetInput
from app.services.errors import RuleViolation
from app.web.transaction import atomic
from tests.helpers import unique_name
from tests.test_rules import employ, new_person

D = dt.date


def user(session, username):
    return session.query(AppUser).filter_by(username=username).one()


def scope_of(session, username):
    return scope_for_user(user(session, username))


def category(session, tier=1):
    return session.query(TargetCategory).filter_by(tier=tier).order_by(TargetCategory.id).first()


def new_service(session, username="company_hz", unit=None, start=D(2024, 1, 1), end=None):
    unit = unit or user(session, username).unit
    with atomic(session):
        return workflow.create_service(
            session, scope_of(session, username), unit,
            TargetInput(name=unique_name("服务对象"), category_id=category(session).id,
                        details={"address": "某路1号"}), start, end, contract_number="HT-1")


def guard_of(session, unit, start=D(2023, 6, 1)):
    emp = employ(session, new_person(session), unit, start=start)
    session.commit()
    return emp


def test_new_target_name_creates_the_target_with_the_service(db_session):
    name = unique_name("新目标")
    with atomic(db_session):
        service = workflow.create_service(
            db_session, scope_of(db_session, "company_hz"), user(db_session, "company_hz").unit,
            TargetInput(name=f"  {name} ", category_id=category(db_session, 2).id,
                        details={"address": "文三路9号", "contact_person": "王五"}), D(2024, 2, 1))
    target = db_session.query(ServiceTarget).filter_by(name=name).one()
    assert service.target_id == target.id and target.tier == 2
    assert target.address == "文三路9号" and target.contact_person == "王五"
    assert service.status == "active"


def test_existing_name_selects_the_existing_target(db_session):
    first = new_service(db_session)
    count = db_session.query(ServiceTarget).count()
    with atomic(db_session):
        second = workflow.create_service(
            db_session, scope_of(db_session, "company_hz"), user(db_session, "company_hz").unit,
            TargetInput(name=first.target.name, target_id=None), D(2024, 3, 1))
    assert second.target_id == first.target_id
    assert db_session.query(ServiceTarget).count() == count


def test_what_the_clerk_sees_is_what_is_saved(db_session):
    """A picked suggestion whose name was then edited is the edited name, never the id."""
    first = new_service(db_session)
    typed = unique_name("改过的名称")
    with atomic(db_session):
        service = workflow.create_service(
            db_session, scope_of(db_session, "company_hz"), user(db_session, "company_hz").unit,
            TargetInput(name=typed, target_id=first.target_id, category_id=category(db_session).id),
            D(2024, 3, 1))
    assert service.target.name == typed and service.target_id != first.target_id


def test_changed_details_of_an_existing_target_are_refused(db_session):
    first = new_service(db_session)
    before = db_session.query(Service).count()
    with pytest.raises(RuleViolation) as info:
        workflow.create_service(
            db_session, scope_of(db_session, "company_hz"), user(db_session, "company_hz").unit,
            TargetInput(name=first.target.name, details={"address": "别的地址"}), D(2024, 3, 1))
    assert info.value.field == "target_address" and "已" in info.value.message
    assert db_session.query(Service).count() == before


def test_new_target_without_category_saves_nothing(db_session):
    name = unique_name("无类别")
    with pytest.raises(RuleViolation) as info:
        workflow.create_service(
            db_session, scope_of(db_session, "company_hz"), user(db_session, "company_hz").unit,
            TargetInput(name=name), D(2024, 3, 1))
    assert info.value.field == "target_category"
    assert db_session.query(ServiceTarget).filter_by(name=name).count() == 0


def test_service_for_a_foreign_unit_is_out_of_scope(db_session):
    with pytest.raises(OutOfScope):
        new_service(db_session, "company_hz", unit=user(db_session, "company_nb").unit)


def test_dispatch_several_guards_at_once(db_session):
    service = new_service(db_session)
    unit = service.unit
    guards = [guard_of(db_session, unit) for _ in range(3)]
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), service,
                                           [g.id for g in guards], D(2024, 2, 1), post="门岗")
    assert len(created) == 3
    rows = db_session.query(Dispatch).filter_by(service_id=service.id).all()
    assert {d.person_id for d in rows} == {g.person_id for g in guards}
    assert all(d.post == "门岗" and d.end_date is None and d.unit_id == unit.id for d in rows)


def test_every_refusal_has_its_reason_and_nothing_is_saved(db_session):
    hz = user(db_session, "company_hz").unit
    nb = user(db_session, "company_nb").unit
    service = new_service(db_session)
    busy_service = new_service(db_session)
    ok = guard_of(db_session, hz)
    busy = guard_of(db_session, hz)
    with atomic(db_session):
        workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), busy_service,
                                 [busy.id], D(2024, 2, 1))
    elsewhere = guard_of(db_session, nb)
    part_timer = employ(db_session, elsewhere.person, hz, role="part_time_guard",
                        start=D(2023, 7, 1))
    staff = employ(db_session, new_person(db_session), hz, role="other_staff")
    left = guard_of(db_session, hz)
    left.end_date = D(2024, 1, 15)
    db_session.commit()
    ids = [ok.id, busy.id, part_timer.id, staff.id, left.id]
    with pytest.raises(DispatchRefused) as info:
        workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), service, ids,
                                 D(2024, 2, 1))
    reasons = {emp_id: reason for emp_id, _name, reason in info.value.reasons}
    assert set(reasons) == {busy.id, part_timer.id, staff.id, left.id}
    assert "已有" in reasons[busy.id] and "派驻" in reasons[busy.id]
    assert "兼职" in reasons[part_timer.id]
    assert "专职保安员" in reasons[staff.id]
    assert "在职专职保安员" in reasons[left.id]
    assert busy.person.name in info.value.message
    assert db_session.query(Dispatch).filter_by(service_id=service.id).count() == 0
    # A guard of another unit (outside the clerk's scope) is refused without naming them.
    with pytest.raises(DispatchRefused) as info:
        workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), service,
                                 [elsewhere.id], D(2024, 2, 1))
    assert elsewhere.person.name not in info.value.message
    assert "在职专职保安员" in info.value.reasons[0][2]


def test_dates_outside_the_service_period_are_refused(db_session):
    service = new_service(db_session, start=D(2024, 1, 1), end=D(2030, 12, 31))
    guard = guard_of(db_session, service.unit)
    for day in (D(2023, 12, 31), D(2031, 1, 1)):
        with pytest.raises(DispatchRefused) as info:
            workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), service,
                                     [guard.id], day)
        assert "服务期" in info.value.reasons[0][2]
    assert db_session.query(Dispatch).filter_by(service_id=service.id).count() == 0


def test_no_guard_chosen_is_refused(db_session):
    service = new_service(db_session)
    with pytest.raises(RuleViolation) as info:
        workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), service, [],
                                 D(2024, 2, 1))
    assert info.value.field == "employments"


def test_cancel_one_dispatch_keeps_the_others(db_session):
    scope = scope_of(db_session, "company_hz")
    service = new_service(db_session)
    guards = [guard_of(db_session, service.unit) for _ in range(3)]
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, scope, service, [g.id for g in guards],
                                           D(2024, 2, 1))
    with atomic(db_session):
        workflow.end_dispatch(db_session, scope, created[1], D(2024, 3, 1))
    assert created[1].end_date == D(2024, 3, 1) and created[1].end_reason
    assert created[0].end_date is None and created[2].end_date is None
    with pytest.raises(RuleViolation):
        workflow.end_dispatch(db_session, scope, created[1])
    # The guard is free again and can be posted elsewhere.
    other = new_service(db_session)
    with atomic(db_session):
        workflow.dispatch_guards(db_session, scope, other, [guards[1].id], D(2024, 3, 2))


def test_end_service_ends_all_active_dispatches(db_session):
    scope = scope_of(db_session, "company_hz")
    service = new_service(db_session)
    guards = [guard_of(db_session, service.unit) for _ in range(3)]
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, scope, service, [g.id for g in guards],
                                           D(2024, 2, 1))
    with atomic(db_session):
        workflow.end_dispatch(db_session, scope, created[0], D(2024, 2, 10))
    with atomic(db_session):
        workflow.end_service(db_session, scope, service, D(2024, 4, 1))
    db_session.expire_all()
    assert service.status == "ended" and service.end_date == D(2024, 4, 1)
    ends = {d.id: d.end_date for d in db_session.query(Dispatch).filter_by(service_id=service.id)}
    assert ends == {created[0].id: D(2024, 2, 10), created[1].id: D(2024, 4, 1),
                    created[2].id: D(2024, 4, 1)}
    with pytest.raises(RuleViolation):
        workflow.end_service(db_session, scope, service)
    with pytest.raises(DispatchRefused) as info:
        workflow.dispatch_guards(db_session, scope, service, [guard_of(db_session,
                                                                      service.unit).id],
                                 D(2024, 3, 1))
    assert "服务已结束" in info.value.message


def test_foreign_service_and_dispatch_are_out_of_scope(db_session):
    service = new_service(db_session, "company_nb")
    guard = guard_of(db_session, service.unit)
    with atomic(db_session):
        created = workflow.dispatch_guards(db_session, scope_of(db_session, "company_nb"), service,
                                           [guard.id], D(2024, 2, 1))
    hz = scope_of(db_session, "company_hz")
    with pytest.raises(OutOfScope):
        workflow.dispatch_guards(db_session, hz, service, [guard.id], D(2024, 2, 1))
    with pytest.raises(OutOfScope):
        workflow.end_dispatch(db_session, hz, created[0])
    with pytest.raises(OutOfScope):
        workflow.end_service(db_session, hz, service)
    assert service.status == "active" and created[0].end_date is None


def test_self_hiring_unit_dispatches_guards_of_its_client_units(db_session):
    selfhire = user(db_session, "selfhire_hz").unit
    client = user(db_session, "client_hz").unit
    assert client.parent_id == selfhire.id
    scope = scope_of(db_session, "selfhire_hz")
    # A guard employed at the client unit is staff of the self-hiring unit too …
    client_guard = guard_of(db_session, client)
    own_guard = guard_of(db_session, selfhire)
    service = new_service(db_session, "selfhire_hz")
    with atomic(db_session):
        workflow.dispatch_guards(db_session, scope, service, [client_guard.id], D(2024, 2, 1))
    # … and the self-hiring unit posts its guards to a service at its client unit.
    at_client = new_service(db_session, "selfhire_hz", unit=client)
    assert at_client.unit_id == client.id
    with atomic(db_session):
        workflow.dispatch_guards(db_session, scope, at_client, [own_guard.id], D(2024, 2, 1))
    listed = [e.id for e, _active in workflow.eligible_guards(db_session, service, limit=500)[0]]
    assert client_guard.id in listed and own_guard.id in listed
    # A company's service still takes only the company's own guards.
    hz_service = new_service(db_session, "company_hz")
    with pytest.raises(DispatchRefused):
        workflow.dispatch_guards(db_session, scope_of(db_session, "company_hz"), hz_service,
                                 [guard_of(db_session, client).id], D(2024, 2, 1))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs two real concurrent connections with row locking on the "
                           "partial unique index: runs in the PostgreSQL test run only")
def test_two_clerks_dispatching_the_same_guard_at_once(app, db_session):
    """Two sessions on two connections each check (no active dispatch yet) and insert; the
    database lets exactly one commit and the other gets the Chinese refusal."""
    from app.extensions import db

    first, second = new_service(db_session), new_service(db_session)
    guard = guard_of(db_session, first.unit)
    ids = (first.id, second.id)
    barrier = threading.Barrier(2)
    results = [None, None]

    def clerk(index):
        with app.app_context():
            with Session(db.engine) as session:
                scope = scope_of(session, "company_hz")
                service = session.get(Service, ids[index])
                barrier.wait(timeout=10)
                try:
                    with atomic(session):
                        workflow.dispatch_guards(session, scope, service, [guard.id],
                                                 D(2024, 2, 1))
                    results[index] = "ok"
                except RuleViolation as violation:
                    results[index] = violation.message

    # Make both clerks pass the Python check at the same moment: the check reads before
    # either has inserted, so only the database can stop the second one.
    seen = threading.Barrier(2)
    real_check = workflow.rules.CHECKS[Dispatch]

    def check_then_wait(session, item, creating, scope):
        real_check(session, item, creating, scope)
        seen.wait(timeout=10)

    workflow.rules.CHECKS[Dispatch] = check_then_wait
    try:
        threads = [threading.Thread(target=clerk, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        workflow.rules.CHECKS[Dispatch] = real_check
    assert results.count("ok") == 1, results
    refusal = next(r for r in results if r != "ok")
    assert "已有" in refusal and "派驻" in refusal
    db_session.expire_all()
    active = db_session.query(Dispatch).filter_by(person_id=guard.person_id, end_date=None)
    assert active.count() == 1


def test_target_search_stays_fast_at_50k_targets(db_session):
    """50,000 targets (inserted in this test's transaction, rolled back after): the prefix
    search uses the unique name index and both searches return at most 10 rows quickly."""
    import time

    from sqlalchemy import insert, text

    cat = category(db_session)
    stem = unique_name("批量")
    db_session.execute(insert(ServiceTarget), [
        {"name": f"{stem}{i:05d}号楼", "category_id": cat.id} for i in range(50_000)])
    db_session.flush()
    scope = scope_of(db_session, "company_hz")
    try:
        for q, expected in ((f"{stem}1234", 10), (f"{stem}49999", 1), ("9999号", 5)):
            started = time.perf_counter()
            found = workflow.search_targets(db_session, scope, q)
            elapsed = time.perf_counter() - started
            assert len(found) == expected, q
            assert elapsed < 0.5, (q, elapsed)
        if db_session.get_bind().dialect.name == "sqlite":
            plan = " ".join(str(row) for row in db_session.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM service_target WHERE name >= :a AND name < :b"
                " ORDER BY name LIMIT 10"), {"a": stem, "b": stem + "\uffff"}))
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        else:
            db_session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(row) for row in db_session.execute(text(
                "EXPLAIN SELECT id FROM service_target WHERE name >= :a AND name < :b"
                " ORDER BY name LIMIT 10"), {"a": stem, "b": stem + "\uffff"}))
            assert "Index" in plan, plan
    finally:
        db_session.rollback()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL collations: runs in the PostgreSQL test run only")
@pytest.mark.parametrize("collation", [None, "cs-x-icu"])
def test_prefix_search_follows_the_postgresql_collation(db_session, collation):
    """Names whose collation order differs from code-point order are found by their prefix:
    under the database's own collation a rare character beyond U+FFFF after the prefix
    (张𠮷), under a Czech collation the letter pair "ch", which sorts after "h". Both fall
    outside the SQLite range [text, text + U+FFFF), which the searches must not use here."""
    from sqlalchemy import text

    if collation:  # the column's collation changes in this test's transaction only
        db_session.execute(text("SET LOCAL lock_timeout = '10s'"))
        for table, length in (("service_target", 200), ("person", 50)):
            db_session.execute(text(f'ALTER TABLE {table} ALTER COLUMN name TYPE '
                                    f'varchar({length}) COLLATE "{collation}"'))
    stem = unique_name("张")
    tail = "chata" if collation else "𠮷"
    q = stem + ("c" if collation else "")
    outside_range = text("SELECT count(*) FROM service_target WHERE name = :name "
                         "AND name >= :q AND name < :q || chr(65535)")
    try:
        # The service target search: the prefix hit first, then a name merely containing q.
        cat = category(db_session)
        prefixed, containing = stem + tail, "0" + q + "号"
        for name in (prefixed, containing):
            db_session.add(ServiceTarget(name=name, category_id=cat.id))
        db_session.flush()
        assert db_session.execute(outside_range, {"name": prefixed, "q": q}).scalar() == 0
        scope = scope_of(db_session, "company_hz")
        found = workflow.search_targets(db_session, scope, q)
        assert [t.name for t in found] == [prefixed, containing]
        # The guards a service may dispatch, searched by the start of the name.
        service = workflow.create_service(
            db_session, scope, user(db_session, "company_hz").unit,
            TargetInput(name=unique_name("服务对象"), category_id=cat.id), D(2024, 1, 1))
        guard = employ(db_session, new_person(db_session), service.unit, start=D(2023, 6, 1))
        guard.person.name = prefixed
        db_session.flush()
        rows, _more = workflow.eligible_guards(db_session, service, q)
        assert [e.id for e, _active in rows] == [guard.id]
    finally:
        db_session.rollback()
