"""The person's page: the manual's tabs for the kind of person, in its order and with its
titles (保安员 / 兼职保安员 / 学员 / 教员: 人员信息 … 变更记录; 其他人员【详情】: basic information
and 工作经历 only). Tabs that do not fit the person are neither rendered nor queried."""
import datetime as dt
import re

from app.models import AppUser, Employment, Person, TrainingRecord
from app.services import personnel, rules
from tests.helpers import data, fresh_id_number, unique_name

GUARD_TABS = ["人员信息", "证件信息", "工作经历", "社会关系", "个人装备", "奖惩投诉",
              "协助公安工作情况", "身份核验", "背景审查预警", "比对记录", "变更记录"]
TAB_RE = re.compile(r'<ul class="nav nav-tabs person-tabs".*?</ul>', re.S)


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


def test_tabs_not_shown_are_not_queried(app, client_for, count_queries):
    client = client_for("company_hz")
    pages = {}
    for role in ("guard", "other_staff"):
        response, pages[role] = count_queries(
            client, f"/personview/show/{_only_role_person(app, 'company_hz', role)}")
        assert response.status_code == 200
    guard, other = pages["guard"], pages["other_staff"]
    # The page renders its tabs as placeholders (each list loads from its own URL), so it
    # runs a fixed few statements, never one per row or per tab it does not show.
    assert other <= 12 and guard <= 50, (other, guard)


def test_a_tab_the_page_does_not_show_has_no_url(app, client_for):
    """其他人员's page shows basic information and 工作经历 only: the URLs of the other tabs
    answer 404 for that person (and load for a guard)."""
    client = client_for("company_hz")
    other = _only_role_person(app, "company_hz", "other_staff")
    guard = _only_role_person(app, "company_hz", "guard")
    assert client.get(f"/personview/show/{other}/tab/EmploymentView").status_code == 200
    for name in ("CertificateView", "SocialRelationView", "ExamResultView"):
        assert client.get(f"/personview/show/{other}/tab/{name}").status_code == 404, name
        assert client.get(f"/personview/show/{guard}/tab/{name}").status_code == 200, name
