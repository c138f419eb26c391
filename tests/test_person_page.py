"""The person's page: the manual's tabs for the kind of person, in its order and with its
titles (保安员 / 兼职保安员 / 学员 / 教员: 人员信息 … 变更记录; 其他人员【详情】: basic information
and 工作经历 only). Tabs that do not fit the person are neither rendered nor queried."""
import datetime as dt
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.models import AppUser, Employment, Person, TrainingRecord, WorkExperience
from app.services import personnel, rules
from tests.helpers import fresh_id_number, unique_name

GUARD_TABS = ["人员信息", "证件信息", "工作经历", "社会关系", "个人装备", "奖惩投诉",
              "协助公安工作情况", "身份核验", "背景审查预警", "比对记录", "变更记录"]
TAB_RE = re.compile(r'<ul class="nav nav-tabs person-tabs".*?</ul>', re.S)


@contextmanager
def data(app):
    from app.extensions import db
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.rollback()
            db.session.remove()


def _tabs(html):
    block = TAB_RE.search(html)
    assert block, "no person tabs"
    return [t.strip() for t in re.findall(r'data-toggle="tab">([^<]+)</a>', block.group(0))]


def _panes(html):
    return re.findall(r'class="person-pane" id="pane-(\w+)"', html)


def _only_role_person(app, username, role, **extra):
    """A person whose every employment is one active `role` employment at the user's unit."""
    with data(app) as s:
        unit_id = s.query(AppUser).filter_by(username=username).one().unit_id
        elsewhere = s.query(Employment.person_id).filter(
            (Employment.unit_id != unit_id) | (Employment.role != role))
        query = (s.query(Employment.person_id)
                 .filter(Employment.unit_id == unit_id, Employment.role == role,
                         Employment.end_date.is_(None), ~Employment.person_id.in_(elsewhere)))
        if extra.get("without_training"):
            query = query.filter(~Employment.person_id.in_(
                s.query(TrainingRecord.person_id)))
        person_id = query.order_by(Employment.person_id).first()
        assert person_id, (username, role)
        return person_id[0]


def test_kind_comes_from_the_active_employments_first_else_the_latest(db_session):
    unit = db_session.query(AppUser).filter_by(username="company_hz").one().unit
    person = Person(id_number=fresh_id_number(year=1985), name=unique_name("类"))
    rules.fill_person_from_id(person)
    db_session.add(person)
    db_session.flush()
    assert personnel.person_profile(db_session, person.id) == personnel.PersonProfile(None)
    assert personnel.person_profile(db_session, 0) == personnel.PersonProfile(None)
    old = Employment(person=person, unit=unit, role="guard", start_date=dt.date(2015, 1, 1),
                     end_date=dt.date(2018, 1, 1), end_reason="离职")
    older = Employment(person=person, unit=unit, role="other_staff",
                       start_date=dt.date(2012, 1, 1), end_date=dt.date(2014, 1, 1),
                       end_reason="离职")
    db_session.add_all([old, older])
    db_session.flush()
    assert personnel.person_profile(db_session, person.id).kind == "guard"   # the latest
    db_session.add(Employment(person=person, unit=unit, role="other_staff",
                              start_date=dt.date(2019, 1, 1)))
    db_session.flush()
    assert personnel.person_profile(db_session, person.id).kind == "other_staff"  # active
    db_session.add(Employment(person=person, unit=unit, role="guard",
                              start_date=dt.date(2020, 1, 1)))
    db_session.add(TrainingRecord(person=person, class_name="初任培训",
                                  start_date=dt.date(2019, 5, 1)))
    db_session.flush()
    profile = personnel.person_profile(db_session, person.id)
    assert profile == personnel.PersonProfile("guard", has_training=True)


def test_guard_page_has_the_manuals_tabs_in_order(app, client_for):
    person_id = _only_role_person(app, "company_hz", "guard")
    html = client_for("company_hz").get(f"/personview/show/{person_id}").get_data(as_text=True)
    assert _tabs(html) == GUARD_TABS
    # 人员信息 carries 考试信息; 工作经历 lists the employments, then the dispatches.
    main = ["ExamResultView", "CertificateView", "EmploymentView", "DispatchView"]
    assert [pane for pane in _panes(html) if pane in main] == main
    assert "考试信息" in html and "派驻记录" in html and "change-log-panel" in html


def test_other_staff_details_show_basic_information_and_work_history_only(app, client_for):
    person_id = _only_role_person(app, "company_hz", "other_staff")
    html = client_for("company_hz").get(f"/personview/show/{person_id}").get_data(as_text=True)
    assert _tabs(html) == ["人员信息", "工作经历"]
    assert _panes(html) == ["EmploymentView"]
    assert "change-log-panel" not in html and "考试信息" not in html


def test_student_and_instructor_pages(app, client_for):
    school = client_for("school_hz")
    student = _only_role_person(app, "school_hz", "student")
    html = school.get(f"/personview/show/{student}").get_data(as_text=True)
    assert _tabs(html) == GUARD_TABS
    assert "TrainingRecordView" in _panes(html) and "WorkExperienceView" not in _panes(html)
    instructor = _only_role_person(app, "school_hz", "instructor", without_training=True)
    html = school.get(f"/personview/show/{instructor}").get_data(as_text=True)
    assert _tabs(html) == GUARD_TABS
    panes = _panes(html)
    assert "WorkExperienceView" in panes and "TrainingRecordView" not in panes
    assert "某市公安局" in html   # the instructor's earlier work, seeded


@pytest.fixture
def count_queries(app):
    from app.extensions import db
    with app.app_context():
        engine = db.engine
    seen = []

    def listener(*_args):
        seen.append(1)
    event.listen(engine, "before_cursor_execute", listener)

    def run(client, url):
        seen.clear()
        response = client.get(url)
        assert response.status_code == 200
        return len(seen)
    yield run
    event.remove(engine, "before_cursor_execute", listener)


def test_tabs_not_shown_are_not_queried(app, client_for, count_queries):
    client = client_for("company_hz")
    guard = count_queries(client, f"/personview/show/"
                                  f"{_only_role_person(app, 'company_hz', 'guard')}")
    other = count_queries(client, f"/personview/show/"
                                  f"{_only_role_person(app, 'company_hz', 'other_staff')}")
    # Each list shown costs a fixed three statements (count, page, writable rows), never one
    # per row; 其他人员 pay only for their one list.
    assert other <= 12 and guard <= 50, (other, guard)
